"""Helpers shared by the engine tests: Norwegian ID numbers built with the check-digit
algorithm (never hard-coded), and span markers for detection tables."""

from __future__ import annotations

import re

# Weights of the two mod-11 check digits of a fødselsnummer (Skatteetaten).
_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _check_digit(digits: list[int], weights: tuple[int, ...]) -> int | None:
    rest = 11 - sum(d * w for d, w in zip(digits, weights, strict=False)) % 11
    return 0 if rest == 11 else None if rest == 10 else rest


def national_id(day: int, month: int, year2: int, individual_from: int = 100) -> str:
    """The first valid 11-digit number for this (possibly D/H-shifted) date, searching the
    individual number upwards from ``individual_from`` (100-499: born 1900-1999;
    500-999 with a year below 40: born 2000-2039)."""
    for individual in range(individual_from, 1000):
        base = [int(c) for c in f"{day:02d}{month:02d}{year2:02d}{individual:03d}"]
        k1 = _check_digit(base, _W1)
        if k1 is None:
            continue
        k2 = _check_digit([*base, k1], _W2)
        if k2 is None:
            continue
        return "".join(map(str, [*base, k1, k2]))
    raise ValueError("no valid individual number in range")


def fnr(day: int = 15, month: int = 3, year2: int = 85) -> str:
    return national_id(day, month, year2)


def d_number(day: int = 15, month: int = 3, year2: int = 85) -> str:
    return national_id(day + 40, month, year2)


def h_number(day: int = 15, month: int = 3, year2: int = 85) -> str:
    return national_id(day, month + 40, year2)


def with_digit(number: str, index: int, delta: int = 1) -> str:
    """``number`` with the digit at ``index`` changed (mod 10)."""
    digit = (int(number[index]) + delta) % 10
    return number[:index] + str(digit) + number[index + 1:]


_MARK = re.compile(r"⟦(.*?)⟧", re.DOTALL)


def marked(text: str) -> tuple[str, int, int]:
    """``"I met ⟦Kari⟧ there"`` -> ("I met Kari there", 6, 10): the text without the markers
    and the marked span's offsets in it. Exactly one marked span."""
    match = _MARK.search(text)
    assert match and len(_MARK.findall(text)) == 1, f"need exactly one ⟦span⟧ in {text!r}"
    clean = text[:match.start()] + match.group(1) + text[match.end():]
    return clean, match.start(), match.start() + len(match.group(1))
