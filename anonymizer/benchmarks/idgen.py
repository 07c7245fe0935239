"""Made-up identifiers with right (or deliberately wrong) check digits, in their written forms.

Every number is drawn from a seeded ``random.Random`` and completed with python-stdnum's own
check-digit functions, so a "valid" number is valid by construction and belongs to nobody we
know of. Used by the identifier benchmark (``ids.py``) and the identifier tests.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass

from stdnum import iban, luhn
from stdnum.no import fodselsnummer, kontonr, orgnr


@dataclass(frozen=True)
class Sample:
    kind: str  # fnr, dnr, hnr, kontonr, orgnr, mva, iban, card
    form: str  # how it is written: plain, space, hyphen, grouped, dotted, ...
    text: str  # as written in the sentence
    valid: bool  # its check digits hold


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(n))


def national_id(rng: random.Random, *, day_shift: int = 0, month_shift: int = 0) -> str:
    """A fødselsnummer (D-number: day + 40; H-number: month + 40) of someone born 1940-2009."""
    while True:
        born = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(70 * 365))
        year2 = born.year % 100
        individual = rng.randrange(0, 500) if born.year < 2000 else rng.randrange(500, 1000)
        base = (f"{born.day + day_shift:02d}{born.month + month_shift:02d}{year2:02d}"
                f"{individual:03d}")
        k1 = fodselsnummer.calc_check_digit1(base)
        if len(k1) != 1:
            continue  # check digit 10: this individual number is never issued
        k2 = fodselsnummer.calc_check_digit2(base + k1)
        if len(k2) == 1:
            return base + k1 + k2


def account_number(rng: random.Random) -> str:
    """An 11-digit kontonummer (bank code, account group, number, mod-11 check digit)."""
    while True:
        base = str(rng.randrange(1, 10)) + _digits(rng, 9)
        checks = [base + str(d) for d in range(10) if kontonr.is_valid(base + str(d))]
        if checks:
            return checks[0]


def organisation_number(rng: random.Random) -> str:
    """A 9-digit organisasjonsnummer; the register hands out numbers starting with 8 or 9."""
    while True:
        base = rng.choice("89") + _digits(rng, 7)
        checks = [base + str(d) for d in range(10) if orgnr.is_valid(base + str(d))]
        if checks:
            return checks[0]


def norwegian_iban(rng: random.Random) -> str:
    """NOkk + a valid kontonummer, compact."""
    return kontonr.to_iban(account_number(rng))


def foreign_iban(rng: random.Random) -> str:
    """A German, British, Dutch or Swedish IBAN with right IBAN check digits, compact."""
    country, bban = rng.choice([
        ("DE", lambda: _digits(rng, 18)),
        ("GB", lambda: "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4))
         + _digits(rng, 14)),
        ("NL", lambda: "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4))
         + _digits(rng, 10)),
        ("SE", lambda: _digits(rng, 20)),
    ])
    body = bban()
    return country + iban.calc_check_digits(country + "00" + body) + body


def card_number(rng: random.Random) -> str:
    """A 16-digit Visa- or Mastercard-shaped number with a right Luhn digit."""
    base = rng.choice(["4", "51", "52", "53", "54", "55"])
    base += _digits(rng, 15 - len(base))
    return base + luhn.calc_check_digit(base)


def typo(number: str, rng: random.Random, valid: Callable[[str], bool]) -> str:
    """``number`` with one digit changed so that ``valid`` refuses it (a slip of the pen)."""
    positions = [i for i, c in enumerate(number) if c.isdigit()]
    while True:
        i = rng.choice(positions)
        changed = number[:i] + str((int(number[i]) + rng.randrange(1, 10)) % 10) + number[i + 1:]
        if not valid(changed):
            return changed


def _group(number: str, sizes: tuple[int, ...], sep: str = " ") -> str:
    parts, at = [], 0
    for size in sizes:
        parts.append(number[at:at + size])
        at += size
    return sep.join(parts)


FNR_FORMS: dict[str, Callable[[str], str]] = {
    "plain": lambda n: n,
    "space": lambda n: f"{n[:6]} {n[6:]}",
    "hyphen": lambda n: f"{n[:6]}-{n[6:]}",
    "grouped": lambda n: _group(n, (2, 2, 2, 3, 2)),
    "dotted": lambda n: f"{n[:2]}.{n[2:4]}.{n[4:6]} {n[6:]}",
    "dotted_hyphen": lambda n: f"{n[:2]}.{n[2:4]}.{n[4:6]}-{n[6:]}",
}
ACCOUNT_FORMS: dict[str, Callable[[str], str]] = {
    "4-2-5": lambda n: _group(n, (4, 2, 5)),
    "dotted": lambda n: _group(n, (4, 2, 5), "."),
    "hyphen": lambda n: _group(n, (4, 2, 5), "-"),
    "plain": lambda n: n,
}
ORG_FORMS: dict[str, Callable[[str], str]] = {
    "3-3-3": lambda n: _group(n, (3, 3, 3)),
    "plain": lambda n: n,
}
MVA_FORMS: dict[str, Callable[[str], str]] = {
    "NO 3-3-3 MVA": lambda n: f"NO {_group(n, (3, 3, 3))} MVA",
    "NO+9+MVA": lambda n: f"NO{n}MVA",
    "3-3-3 MVA": lambda n: f"{_group(n, (3, 3, 3))} MVA",
}
IBAN_FORMS: dict[str, Callable[[str], str]] = {
    "grouped 4": lambda n: " ".join(n[i:i + 4] for i in range(0, len(n), 4)),
    "compact": lambda n: n,
    "NOkk 4-2-5": lambda n: f"{n[:4]} {_group(n[4:], (4, 2, 5))}",
}
CARD_FORMS: dict[str, Callable[[str], str]] = {
    "4-4-4-4": lambda n: _group(n, (4, 4, 4, 4)),
    "hyphens": lambda n: _group(n, (4, 4, 4, 4), "-"),
    "plain": lambda n: n,
}

_VALID: dict[str, Callable[[str], bool]] = {
    "fnr": fodselsnummer.is_valid, "dnr": fodselsnummer.is_valid, "hnr": fodselsnummer.is_valid,
    "kontonr": kontonr.is_valid, "orgnr": orgnr.is_valid, "mva": orgnr.is_valid,
    "iban": iban.is_valid, "card": luhn.is_valid,
}


def _make(kind: str, rng: random.Random) -> str:
    if kind in ("fnr", "dnr", "hnr"):
        return national_id(rng, day_shift=40 if kind == "dnr" else 0,
                           month_shift=40 if kind == "hnr" else 0)
    if kind == "kontonr":
        return account_number(rng)
    if kind in ("orgnr", "mva"):
        return organisation_number(rng)
    if kind == "iban":
        return norwegian_iban(rng)
    return card_number(rng)


FORMS: dict[str, dict[str, Callable[[str], str]]] = {
    "fnr": FNR_FORMS, "dnr": FNR_FORMS, "hnr": FNR_FORMS, "kontonr": ACCOUNT_FORMS,
    "orgnr": ORG_FORMS, "mva": MVA_FORMS, "iban": IBAN_FORMS, "card": CARD_FORMS,
}


def sample(kind: str, form: str, rng: random.Random, *, valid: bool = True) -> Sample:
    """One number of ``kind`` written in ``form``; with ``valid=False`` one digit is wrong."""
    number = _make(kind, rng)
    if not valid:
        number = typo(number, rng, _VALID[kind])
    return Sample(kind, form, FORMS[kind][form](number), valid)


def is_valid(kind: str, number: str) -> bool:
    """python-stdnum's verdict on ``number`` as the kind it was made as (separators ignored)."""
    compact = "".join(c for c in number if c.isalnum())
    if kind == "mva":
        compact = compact.removeprefix("NO").removesuffix("MVA")
    return _VALID[kind](compact)
