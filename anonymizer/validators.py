"""Checks that turn a regex match into a finding, named from rules files.

A pattern in ``rules/`` names its validator; the rules loader refuses unknown names. Each
validator takes the matched text and returns whether it is a real instance.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable

_DIGITS = re.compile(r"\d")

_FNR_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_FNR_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _mod11(digits: list[int], weights: tuple[int, ...]) -> int | None:
    rest = 11 - sum(d * w for d, w in zip(digits, weights, strict=False)) % 11
    if rest == 11:
        return 0
    return None if rest == 10 else rest


def _fnr_century(year2: int, individual: int) -> int | None:
    if individual <= 499:
        return 1900
    if individual <= 749 and year2 >= 54:
        return 1800
    if individual >= 500 and year2 <= 39:
        return 2000
    if individual >= 900 and year2 >= 40:
        return 1900
    return None


def norwegian_national_id(text: str) -> bool:
    """Fødselsnummer, D-number or H-number: both check digits and a real birth date."""
    digits = [int(c) for c in _DIGITS.findall(text)]
    if len(digits) != 11:
        return False
    if _mod11(digits[:9], _FNR_W1) != digits[9] or _mod11(digits[:10], _FNR_W2) != digits[10]:
        return False
    day = digits[0] * 10 + digits[1]
    month = digits[2] * 10 + digits[3]
    year2 = digits[4] * 10 + digits[5]
    individual = digits[6] * 100 + digits[7] * 10 + digits[8]
    if day > 40:  # D-number
        day -= 40
    if month > 80:  # synthetic test numbers (Skatteetaten's Tenor)
        month -= 80
    elif month > 40:  # H-number
        month -= 40
    century = _fnr_century(year2, individual)
    if century is None or not 1 <= month <= 12:
        return False
    return 1 <= day <= calendar.monthrange(century + year2, month)[1]


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
    "norwegian_phone_digits": norwegian_phone_digits,
    "calendar_date": calendar_date,
    "age": age,
}
