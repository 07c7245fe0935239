"""Identifier validators (python-stdnum) and the whole-number helpers, without the model.

Valid numbers are generated with stdnum's check-digit functions from a seeded generator
(anonymizer/benchmarks/idgen.py); each typo differs from a valid number in one digit.
"""

from __future__ import annotations

import random

import pytest

from anonymizer.benchmarks.idgen import (
    FORMS,
    account_number,
    card_number,
    foreign_iban,
    national_id,
    norwegian_iban,
    organisation_number,
    sample,
    typo,
)
from anonymizer.detectors.number_runs import digit_count, digit_run, number_shaped, outside
from anonymizer.validators import (
    VALIDATORS,
    iban,
    kontonummer,
    luhn,
    mva_number,
    norwegian_national_id,
    organisasjonsnummer,
)

_VALIDATOR_OF = {
    "fnr": norwegian_national_id, "dnr": norwegian_national_id, "hnr": norwegian_national_id,
    "kontonr": kontonummer, "orgnr": organisasjonsnummer, "mva": mva_number, "iban": iban,
    "card": luhn,
}
CASES = [(kind, form) for kind, forms in FORMS.items() for form in forms]


@pytest.mark.parametrize(("kind", "form"), CASES, ids=[f"{k}-{f}" for k, f in CASES])
def test_every_written_form_of_a_valid_number_passes(kind: str, form: str) -> None:
    rng = random.Random(f"{kind}/{form}")
    for _ in range(20):
        assert _VALIDATOR_OF[kind](sample(kind, form, rng).text)


@pytest.mark.parametrize(("kind", "form"), CASES, ids=[f"{k}-{f}" for k, f in CASES])
def test_one_wrong_digit_fails(kind: str, form: str) -> None:
    rng = random.Random(f"typo {kind}/{form}")
    for _ in range(20):
        assert not _VALIDATOR_OF[kind](sample(kind, form, rng, valid=False).text)


@pytest.mark.parametrize(("name", "make"), [
    ("D-number", lambda r: national_id(r, day_shift=40)),
    ("H-number", lambda r: national_id(r, month_shift=40)),
])
def test_d_and_h_numbers_are_national_ids(name: str, make) -> None:
    rng = random.Random(name)
    assert all(norwegian_national_id(make(rng)) for _ in range(20))


@pytest.mark.parametrize(("validator", "text"), [
    (norwegian_national_id, "31028512345"),  # 31 February
    (norwegian_national_id, "1503851234"),  # ten digits
    (kontonummer, "1234567890"),  # ten digits
    (organisasjonsnummer, "123456785"),  # the register starts at 8
    (mva_number, "923456789"),  # no MVA
    (iban, "XX9386011117947"),  # no such country
    (luhn, "411111111111"),  # twelve digits: too short for a card
])
def test_wrong_shapes_fail(validator, text: str) -> None:
    assert not validator(text)


def test_every_fodselsnummer_is_also_a_valid_kontonummer() -> None:
    """Why the rules rank the national ID's recognizer above kontonummer's: the account check
    digit is the fødselsnummer's second one, so plain 11 digits pass both."""
    rng = random.Random(11)
    assert all(kontonummer(national_id(rng)) for _ in range(50))


def test_a_number_valid_as_one_kind_is_not_taken_for_another() -> None:
    rng = random.Random(7)
    accounts = [account_number(rng) for _ in range(200)]
    assert sum(norwegian_national_id(a) for a in accounts) < 10  # a real date is rare
    orgs = [organisation_number(rng) for _ in range(50)]
    assert all(mva_number(f"NO {o} MVA") and not mva_number(o) for o in orgs)


def test_ibans_use_the_country_check() -> None:
    """A Norwegian IBAN whose mod-97 digits are right but whose kontonummer check digit is
    wrong is refused (stdnum's country module)."""
    from stdnum import iban as stdnum_iban

    rng = random.Random(3)
    for _ in range(20):
        good = norwegian_iban(rng)
        account = typo(good[4:], rng, kontonummer)
        remade = "NO" + stdnum_iban.calc_check_digits("NO00" + account) + account
        assert iban(good) and not iban(remade)
        assert iban(foreign_iban(rng))
        assert luhn(card_number(rng))


def test_every_validator_the_rules_name_exists() -> None:
    assert {"kontonummer", "organisasjonsnummer", "mva_number", "iban", "luhn",
            "norwegian_national_id"} <= set(VALIDATORS)


# -- whole numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "part", "whole"), [
    ("kort 4111 1111 1111 1112 ja", "1111 1111", "4111 1111 1111 1112"),
    ("nr 15.03.86 12345 ok", "86 12345", "15.03.86 12345"),
    ("ring 915 55 123 nå", "915 55 123", "915 55 123"),
    ("ring 915 55 123. 2 dager", "915 55 123", "915 55 123"),  # ". 2": not one separator
    ("in 2019, 91555123 it was", "91555123", "91555123"),  # the comma ends the run
    ("x 1-2-3-4 y", "2-3", "1-2-3-4"),
    ("NO93 8601 11 17947", "8601 11 17947", "8601 11 17947"),  # not into a code's digits
    ("ring 915 55 123 4B", "915 55 123", "915 55 123"),
])
def test_digit_run_grows_over_single_separators(text: str, part: str, whole: str) -> None:
    start = text.index(part)
    got = digit_run(text, start, start + len(part))
    assert text[got[0]:got[1]] == whole


@pytest.mark.parametrize(("surface", "expected"), [
    ("915 55 123", True), ("+47 915 55 123", True), ("(646) 555-0142", True),
    ("NO93 8601 1117 947", False), ("@sigrid77", False), ("fe80::1", False),
])
def test_number_shaped(surface: str, expected: bool) -> None:
    assert number_shaped(surface) is expected


@pytest.mark.parametrize(("span", "holes", "parts"), [
    ((0, 10), [(3, 5)], [(0, 3), (5, 10)]),
    ((0, 10), [(0, 10)], []),
    ((0, 10), [(8, 12), (1, 2)], [(0, 1), (2, 8)]),
    ((5, 10), [(0, 3)], [(5, 10)]),
])
def test_outside(span: tuple[int, int], holes, parts) -> None:
    assert outside(*span, holes) == parts


def test_digit_count() -> None:
    assert digit_count("+47 915 55 123") == 10
