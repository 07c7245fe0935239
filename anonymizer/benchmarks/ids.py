"""Identifier benchmark: how many Norwegian ID numbers, in every written form, are replaced WHOLE.

    python -m anonymizer.benchmarks ids        (or: python -m anonymizer.benchmarks.ids)

Builds sentences (seeded, so every run measures the same text) holding fødselsnummer, D- and
H-numbers, kontonummer, organisasjonsnummer, MVA numbers, IBANs and card numbers with valid
check digits, one typo of each, and then Presidio's over-masking cases: invalid IBANs and card
numbers (wrong check digit) that must never be masked in part or as a phone number. Plain
numbers (years, ages, times, counts, sums) must stay. A number counts as "whole" when one
ID_NUMBER replacement covers all of it.
"""

from __future__ import annotations

import json
import random
import sys
from collections import Counter
from collections.abc import Iterable

from anonymizer.benchmarks.idgen import FORMS, Sample, foreign_iban, sample, typo

SEED = 16
PER_FORM = 8  # 8 sentences x 30 Norwegian forms = 240

TEMPLATES = {
    "nb": {
        "fnr": ["Fødselsnummeret mitt er {n}, tror jeg.", "Hun skrev {n} på skjemaet.",
                "Personnummer {n} sto på brevet.", "Det var {n} eller noe sånt."],
        "kontonr": ["Kontonummeret er {n}, ikke sant?", "Sett pengene inn på {n} da.",
                    "Jeg brukte konto {n} i fjor.", "Han ga meg {n} og gikk."],
        "orgnr": ["Organisasjonsnummeret er {n} i Brønnøysund.", "Org.nr. {n} sto nederst.",
                  "Firmaet har orgnr {n} tror jeg.", "Fakturaen hadde {n} på seg."],
        "iban": ["IBAN-en er {n} i nettbanken.", "Overfør til {n} fra utlandet.",
                 "Det sto {n} på arket.", "Kontoen {n} var sperret."],
        "card": ["Kortnummeret var {n} faktisk.", "Hun leste opp {n} i telefonen."],
        "keep": ["Jeg er født i 1987 og er 38 år nå.",
                 "Vi møttes klokka 10:30 og snakket i 45 minutter.",
                 "Det var 13 pasienter og 4 sykepleiere der.", "Lønna var 450 000 kroner i 2019.",
                 "Vi var 120 000 000 kroner over budsjett.",
                 "Hun var 42 år og hadde tre barn.", "Bussen gikk 07:15 og 16:45 hver dag.",
                 "Rundt 1 200 elever gikk der mellom 2005 og 2010.",
                 "Jeg jobbet 37,5 timer i uka i 12 år."],
    },
    "en": {
        "fnr": ["My Norwegian ID number is {n}, I think.", "She wrote {n} on the form.",
                "The number {n} was on the letter.", "It was {n} or something like that."],
        "kontonr": ["The account number is {n}, right?", "Put the money in {n} then.",
                    "I used account {n} last year.", "He gave me {n} and left."],
        "orgnr": ["The organisation number is {n} in the register.",
                  "Org no. {n} was at the bottom.",
                  "The firm has number {n} I think.", "The invoice had {n} on it."],
        "iban": ["The IBAN is {n} in the bank.", "Transfer it to {n} from abroad.",
                 "It said {n} on the sheet.", "The account {n} was frozen."],
        "card": ["The card number was {n} actually.", "She read out {n} on the phone."],
        "keep": ["I was born in 1987 and I am 38 now.",
                 "We met at 10:30 and talked for 45 minutes.",
                 "There were 13 patients and 4 nurses there.",
                 "The salary was 450,000 a year in 2019.",
                 "We were 120 000 000 over budget.",
                 "She was 42 and had three children.", "The bus left at 07:15 and 16:45 every day.",
                 "About 1,200 pupils went there between 2005 and 2010.",
                 "I worked 37.5 hours a week for 12 years."],
    },
}
_TEMPLATE_OF = {"fnr": "fnr", "dnr": "fnr", "hnr": "fnr", "kontonr": "kontonr", "orgnr": "orgnr",
                "mva": "orgnr", "iban": "iban", "card": "card"}
NORWEGIAN_KINDS = ("fnr", "dnr", "hnr", "kontonr", "orgnr", "mva", "iban")


def sentences(language: str, rng: random.Random, kinds: Iterable[str], per_form: int, *,
              valid: bool = True) -> list[tuple[str, Sample, int, int]]:
    """(sentence, sample, start, end) for ``per_form`` numbers of every form of ``kinds``."""
    out = []
    for kind in kinds:
        templates = TEMPLATES[language][_TEMPLATE_OF[kind]]
        for form in FORMS[kind]:
            for i in range(per_form):
                s = sample(kind, form, rng, valid=valid)
                template = templates[i % len(templates)]
                start = template.index("{n}")
                out.append((template.replace("{n}", s.text), s, start, start + len(s.text)))
    return out


def over_masking_cases(rng: random.Random, n: int) -> list[tuple[str, Sample, int, int]]:
    """Presidio's test-table kinds: IBANs and card numbers whose check digits fail."""
    from stdnum import iban, luhn

    out = []
    for i in range(n):
        wrong = typo(foreign_iban(rng), rng, iban.is_valid)
        text = " ".join(wrong[j:j + 4] for j in range(0, len(wrong), 4)) if i % 2 else wrong
        out.append(Sample("iban_invalid", "grouped 4" if i % 2 else "compact", text, False))
    for i in range(n):
        s = sample("card", ("4-4-4-4", "hyphens", "plain")[i % 3], rng)
        wrong = typo(s.text, rng, lambda t: luhn.is_valid(t.replace(" ", "").replace("-", "")))
        out.append(Sample("card_invalid", s.form, wrong, False))
    rows = []
    for s in out:
        template = "The number was {n} on the paper."
        start = template.index("{n}")
        rows.append((template.replace("{n}", s.text), s, start, start + len(s.text)))
    return rows


def outcome(replacements: Iterable, start: int, end: int) -> str:
    """whole (one ID_NUMBER replacement covers the number), wrong_kind, partial or missed."""
    touching = [r for r in replacements if r.start < end and r.end > start]
    covering = [r for r in touching if r.start <= start and r.end >= end]
    if any(r.entity.value == "ID_NUMBER" for r in covering):
        checked = any(not r.detector.endswith("/unchecked") for r in covering)
        return "whole" if checked else "whole_unchecked"
    if covering:
        return "wrong_kind"
    return "partial" if touching else "missed"


def measure(language: str) -> dict:
    from anonymizer.engine.engine import Engine
    from anonymizer.settings import Settings

    engine = Engine.from_settings(Settings(), language=language)
    rng = random.Random(SEED)
    rows = sentences(language, rng, NORWEGIAN_KINDS, PER_FORM)
    typos = sentences(language, rng, (*NORWEGIAN_KINDS, "card"), 2, valid=False)
    cards = sentences(language, rng, ("card",), 4)
    bad = over_masking_cases(rng, 40)
    result: dict = {"language": language, "forms": {}, "typos": {}, "over_masking": {}}
    for name, table in (("forms", rows + cards), ("typos", typos), ("over_masking", bad)):
        scans = [scan for _, scan in engine.scan_many([text for text, *_ in table])]
        tally: dict[str, Counter] = {}
        for (_text, s, start, end), scan in zip(table, scans, strict=True):
            key = f"{s.kind} | {s.form}"
            tally.setdefault(key, Counter())[outcome(scan.replacements, start, end)] += 1
        result[name] = {k: dict(v) for k, v in tally.items()}
    keep = TEMPLATES[language]["keep"]
    touched = []
    for text, scan in engine.scan_many(keep):
        touched += [text[r.start:r.end] for r in scan.replacements
                    if r.entity.value in ("ID_NUMBER", "PHONE")]
    result["keep"] = {"sentences": len(keep), "numbers_taken": len(touched), "taken": touched}
    return result


def _share(rows: dict, *, checked: bool = False) -> tuple[int, int]:
    """(replaced whole as ID number, all); with ``checked`` only those its own check named."""
    total = sum(sum(c.values()) for c in rows.values())
    keys = ("whole",) if checked else ("whole", "whole_unchecked")
    return sum(c.get(k, 0) for c in rows.values() for k in keys), total


def _whole(counts: dict) -> int:
    return counts.get("whole", 0) + counts.get("whole_unchecked", 0)


def report(result: dict) -> None:
    lang = result["language"]
    whole, total = _share(result["forms"])
    named, _ = _share(result["forms"], checked=True)
    print(f"-- --lang {lang}: valid numbers replaced whole as ID number: {whole}/{total} "
          f"({whole / total:.0%}); named by a passing check (not /unchecked): {named}/{total}")
    for key, counts in result["forms"].items():
        print(f"   {key:<26} {_whole(counts)}/{sum(counts.values())}  "
              f"{ {k: v for k, v in counts.items() if k != 'whole'} or ''}")
    whole, total = _share(result["typos"])
    print(f"   typos (one wrong digit; orgnr after its name) replaced whole: {whole}/{total}")
    misses = {k: c for k, c in result["typos"].items() if _whole(c) < sum(c.values())}
    for key, counts in misses.items():
        print(f"     {key:<24} {counts}")
    for kind in ("iban_invalid", "card_invalid"):
        rows = {k: c for k, c in result["over_masking"].items() if k.startswith(kind)}
        n = sum(sum(c.values()) for c in rows.values())
        bad = sum(c.get("partial", 0) + c.get("wrong_kind", 0) for c in rows.values())
        whole = sum(_whole(c) for c in rows.values())
        print(f"   {kind}: {n} cases, masked in part or as another kind: {bad}, "
              f"whole as ID number: {whole}, untouched: {n - bad - whole}")
    keep = result["keep"]
    print(f"   plain numbers (years, times, counts, sums): {keep['numbers_taken']} taken as "
          f"ID/phone in {keep['sentences']} sentences")


def ids_section() -> None:
    import subprocess

    print(f"== Identifiers (seed {SEED}; valid check digits by python-stdnum) ==")
    for language in ("nb", "en"):
        out = subprocess.run([sys.executable, "-m", "anonymizer.benchmarks.ids", language],
                             check=True, capture_output=True, text=True)
        report(json.loads(out.stdout.strip().splitlines()[-1]))
    print()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        print(json.dumps(measure(sys.argv[1])))
    else:
        ids_section()
