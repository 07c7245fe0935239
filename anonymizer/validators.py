"""Checks that turn a regex match into a finding, named from rules files.

A pattern in ``rules/`` names its validator; the rules loader refuses unknown names. Each
validator takes the matched text and returns whether it is a real instance.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable

from stdnum import iban as _iban
from stdnum import luhn as _luhn
from stdnum.no import fodselsnummer as _fodselsnummer
from stdnum.no import kontonr as _kontonr
from stdnum.no import mva as _mva
from stdnum.no import orgnr as _orgnr

_DIGITS = re.compile(r"\d")
_SEPARATORS = re.compile(r"[\s./\-]")


def _compact(text: str) -> str:
    return _SEPARATORS.sub("", text)


# Check digits are python-stdnum's: one implementation, maintained against the registers'
# specifications, instead of weights copied by hand. Each check sees the number without the
# separators it was written with (151086 95088, 15.10.86-95088, 8601 11 17947, ...).

def norwegian_national_id(text: str) -> bool:
    """Fødselsnummer, D-number (day + 40) or H-number (month + 40): both mod-11 check digits
    and a real birth date that is not in the future (``stdnum.no.fodselsnummer``)."""
    number = _compact(text)
    return len(number) == 11 and _fodselsnummer.is_valid(number)


def kontonummer(text: str) -> bool:
    """An 11-digit Norwegian bank account number, mod-11 check digit (``stdnum.no.kontonr``)."""
    number = _compact(text)
    return len(number) == 11 and number.isdigit() and _kontonr.is_valid(number)


def organisasjonsnummer(text: str) -> bool:
    """A 9-digit organisation number (``stdnum.no.orgnr``); the register issues only numbers
    that start with 8 or 9."""
    number = _compact(text)
    return len(number) == 9 and number[0] in "89" and _orgnr.is_valid(number)


def mva_number(text: str) -> bool:
    """An organisation number as a VAT number, ``NO 923 456 789 MVA`` (``stdnum.no.mva``)."""
    return _mva.is_valid(_compact(text).upper())


def iban(text: str) -> bool:
    """An IBAN of any country: length and BBAN format of that country, mod-97 check digits,
    and the country's own check where stdnum has one (Norway: the kontonummer's)
    (``stdnum.iban``)."""
    return _iban.is_valid(_compact(text).upper())


def luhn(text: str) -> bool:
    """A payment card number: 13 to 19 digits with a right Luhn digit (``stdnum.luhn``)."""
    number = _compact(text)
    return 13 <= len(number) <= 19 and number.isdigit() and _luhn.is_valid(number)


_DATE_SHAPE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")


def looks_like_date(text: str) -> bool:
    """2013-06-15, 15.06.2013: digits in a date's shape (a phone plan may accept them too)."""
    return bool(_DATE_SHAPE.fullmatch(text.strip())) and calendar_date(text)


def norwegian_phone_digits(text: str) -> bool:
    if looks_like_date(text):  # 2013-06-15 has eight digits too
        return False
    digits = "".join(_DIGITS.findall(text))
    if digits.startswith("0047"):
        digits = digits[4:]
    elif digits.startswith("47") and len(digits) == 10:
        digits = digits[2:]
    return len(digits) == 8 and digits[0] in "2345679"


_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("january", "jan", "januar"), ("february", "feb", "februar"),
            ("march", "mar", "mars"), ("april", "apr"), ("may", "mai"), ("june", "jun", "juni"),
            ("july", "jul", "juli"), ("august", "aug"), ("september", "sep", "sept"),
            ("october", "oct", "oktober", "okt"), ("november", "nov"),
            ("december", "dec", "desember", "des"),
        ],
        start=1,
    )
    for name in names
}
_NUMBERS = re.compile(r"\d+|[a-zæøå]+", re.IGNORECASE)


def calendar_date(text: str) -> bool:
    """A day and month that exist (day-month or month-day order), year optional."""
    parts = _NUMBERS.findall(text.lower())
    month_word = next((_MONTHS[p] for p in parts if p in _MONTHS), None)
    nums = [int(p) for p in parts if p.isdigit()]
    if month_word is not None:
        day = next((n for n in nums if n <= 31), None)
        return day is not None and 1 <= day <= calendar.monthrange(2000, month_word)[1]
    if len(nums) < 3:
        return False
    if nums[0] > 31:  # ISO: year first
        nums = [nums[2], nums[1], nums[0]]
    a, b = nums[0], nums[1]
    return (1 <= b <= 12 and 1 <= a <= calendar.monthrange(2000, b)[1]) or (
        1 <= a <= 12 and 1 <= b <= calendar.monthrange(2000, a)[1]
    )


_UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}


def parse_age(text: str) -> int | None:
    """The age a matched age phrase states, from digits or English number words."""
    digits = _DIGITS.findall(text)
    if digits:
        return int("".join(digits))
    total = 0
    for word in re.findall(r"[a-z]+", text.lower()):
        total += _TENS.get(word, 0) + _UNITS.get(word, 0)
    return total or None


def age(text: str) -> bool:
    value = parse_age(text)
    return value is not None and 0 < value < 120


def date_year(text: str) -> str | None:
    """The year written in a date, as written (four digits), if any."""
    match = re.search(r"(?<!\d)(?:19|20)\d{2}(?!\d)", text)
    return match.group(0) if match else None


VALIDATORS: dict[str, Callable[[str], bool]] = {
    "norwegian_national_id": norwegian_national_id,
    "kontonummer": kontonummer,
    "organisasjonsnummer": organisasjonsnummer,
    "mva_number": mva_number,
    "iban": iban,
    "luhn": luhn,
    "norwegian_phone_digits": norwegian_phone_digits,
    "calendar_date": calendar_date,
    "age": age,
}
