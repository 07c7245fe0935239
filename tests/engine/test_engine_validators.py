"""Validators that turn a regex match into a finding (anonymizer/validators.py).

Identity numbers are generated with the check-digit algorithm (engine_helpers), never
hard-coded, so every valid case is valid by construction and every invalid case differs from a
valid one in exactly the way its name says.
"""

from __future__ import annotations

import pytest
from engine_helpers import (
    _W2,
    _check_digit,
    d_number,
    fnr,
    h_number,
    national_id,
    with_digit,
)

from anonymizer.validators import (
    VALIDATORS,
    age,
    calendar_date,
    date_year,
    norwegian_national_id,
    norwegian_phone_digits,
    parse_age,
)


def _wrong_first_check_digit(number: str) -> str:
    """Same date and individual number, a wrong first check digit, and a second check digit
    that is RIGHT for the digits before it, so only the first check fails."""
    for delta in range(1, 10):
        k1 = (int(number[9]) + delta) % 10
        base = [int(c) for c in number[:9]] + [k1]
        k2 = _check_digit(base, _W2)
        if k2 is not None:
            return "".join(map(str, [*base, k2]))
    raise AssertionError("no candidate")


VALID_IDS = {
    "fødselsnummer": fnr(15, 3, 85),
    "fødselsnummer, 1 January": fnr(1, 1, 70),
    "fødselsnummer, 31 December": fnr(31, 12, 99),
    "fødselsnummer, 29 February of a leap year": fnr(29, 2, 84),
    "D-number (day + 40)": d_number(15, 3, 85),
    "D-number, day 31 -> 71": d_number(31, 1, 90),
    "H-number (month + 40)": h_number(15, 3, 85),
    "born in the 2000s (individual 500-999)": national_id(15, 3, 5, individual_from=500),
    "written DDMMYY NNNNN": (lambda n: f"{n[:6]} {n[6:]}")(fnr(2, 6, 77)),
}

INVALID_IDS = {
    "wrong first check digit": _wrong_first_check_digit(fnr(15, 3, 85)),
    "wrong second check digit": with_digit(fnr(15, 3, 85), 10),
    "wrong D-number second check digit": with_digit(d_number(15, 3, 85), 10),
    "impossible date 31.02": national_id(31, 2, 85),
    "impossible date 30.02": national_id(30, 2, 85),
    "29 February of a common year": national_id(29, 2, 85),
    "month 13": national_id(15, 13, 85),
    "day 0": national_id(0, 3, 85),
    "D-number with day 72 (31+41)": national_id(72, 3, 85),
    "bank account number, plain": "12345678903",
    "bank account number, dotted": "1234.56.78903",
    "ten digits": fnr(15, 3, 85)[:10],
    "twelve digits": fnr(15, 3, 85) + "0",
}


@pytest.mark.parametrize("number", VALID_IDS.values(), ids=VALID_IDS.keys())
def test_valid_national_ids_are_accepted(number: str) -> None:
    assert norwegian_national_id(number)


@pytest.mark.parametrize("number", INVALID_IDS.values(), ids=INVALID_IDS.keys())
def test_invalid_national_ids_are_refused(number: str) -> None:
    assert not norwegian_national_id(number)


def test_invalid_date_numbers_really_have_valid_check_digits() -> None:
    """Guard for the table above: the impossible-date cases fail on the DATE, not on a
    check digit (national_id only returns numbers whose check digits hold)."""
    for name in ("impossible date 31.02", "impossible date 30.02", "29 February of a common year"):
        number = INVALID_IDS[name]
        assert number[:4] in ("3102", "3002", "2902")
        assert _check_digit([int(c) for c in number[:10]], _W2) == int(number[10])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("915 55 123", True),
        ("91555123", True),
        ("91 55 51 23", True),
        ("915 55 1 23", True),
        ("+47 91555123", True),
        ("+47 915 55 123", True),
        ("0047 91555123", True),
        ("4791555123", True),
        ("22 33 44 55", True),  # Oslo landline
        ("73 59 50 00", True),  # Trondheim landline range
        ("12345678", False),  # no Norwegian number starts with 1
        ("80012345", False),  # 8xx: service numbers, not personal
        ("01234567", False),
        ("915 55 12", False),  # seven digits
        ("915 55 1234", False),  # nine digits
        ("+46 91555123", False),  # Swedish prefix: ten digits, not 47
    ],
)
def test_norwegian_phone_digits(text: str, expected: bool) -> None:
    assert norwegian_phone_digits(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.03.2013", True),  # day-month
        ("03/25/2010", True),  # month-day (US)
        ("25/03/2010", True),  # day-month
        ("1-2-13", True),
        ("2013-06-15", True),  # ISO
        ("12 March 2013", True),
        ("March 12, 2013", True),
        ("12th of March", True),
        ("1st Jan. 2013", True),
        ("29 February", True),
        ("31.02.2013", False),  # 31 February in either order
        ("02/31/2013", False),
        ("2013-02-30", False),
        ("13/13/2013", False),
        ("31 April", False),
        ("12.03", False),  # no year: not a numeric date
        ("March", False),
    ],
)
def test_calendar_date(text: str, expected: bool) -> None:
    assert calendar_date(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("47", 47),
        ("7", 7),
        ("twelve", 12),
        ("forty", 40),
        ("forty-two", 42),
        ("forty two", 42),
        ("fourty-one", 41),  # a common misspelling
        ("ninety-nine", 99),
        ("Thirty-Three", 33),
        ("nothing", None),
    ],
)
def test_parse_age(text: str, expected: int | None) -> None:
    assert parse_age(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("47", True), ("1", True), ("119", True), ("0", False), ("120", False), ("eleven", True),
     ("none", False)],
)
def test_age_is_plausible(text: str, expected: bool) -> None:
    assert age(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12 March 2013", "2013"), ("01.02.1985", "1985"), ("2013-06-15", "2013"),
     ("12.03.13", None), ("12th of March", None), ("120135", None)],
)
def test_date_year(text: str, expected: str | None) -> None:
    assert date_year(text) == expected


def test_every_validator_named_in_rules_exists() -> None:
    assert set(VALIDATORS) >= {"norwegian_national_id", "norwegian_phone_digits",
                               "calendar_date", "age"}
