"""A number is replaced whole or not at all: phone and ID findings grown to their digit run.

A recognizer that matches part of a longer number (phonenumbers finding "1111 1111" inside a
card number whose check digit is wrong, "86 12345" inside "15.03.86 12345") would leave the
rest of the digits in the clean text, and name the number's kind wrongly. A finding whose
text is number-shaped is grown over neighbouring digit groups joined by one separator (space,
dot, hyphen); grown past what any phone number holds, it is an ID number.
"""

from __future__ import annotations

import re
from dataclasses import replace

from anonymizer.findings import EntityKind, Finding

# What a phone or ID finding looks like when it is a number and nothing else.
_NUMBER_SHAPED = re.compile(r"\+?\(?\d[\d .\-()]*\d\)?")
_JOINERS = " .-"
# E.164 allows 15 digits with the country code; written with 00 in front, 12 for Norway.
PHONE_MAX_DIGITS = 12


def number_shaped(surface: str) -> bool:
    return _NUMBER_SHAPED.fullmatch(surface) is not None


def digit_run(text: str, start: int, end: int) -> tuple[int, int]:
    """``start:end`` grown over digit groups joined to it by a single separator."""
    while start >= 2 and text[start - 1] in _JOINERS and text[start - 2].isdigit():
        at = start - 2
        while at > 0 and text[at - 1].isdigit():
            at -= 1
        if at > 0 and text[at - 1].isalpha():
            break  # "NO93": a code, not a digit group (the IBAN's own finding covers it)
        start = at
    while end + 1 < len(text) and text[end] in _JOINERS and text[end + 1].isdigit():
        at = end + 2
        while at < len(text) and text[at].isdigit():
            at += 1
        if at < len(text) and text[at].isalpha():
            break
        end = at
    return start, end


def digit_count(surface: str) -> int:
    return sum(c.isdigit() for c in surface)


def outside(start: int, end: int, holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of ``start:end`` not covered by any of ``holes`` (sorted or not)."""
    parts, at = [], start
    for hole_start, hole_end in sorted(holes):
        if hole_end <= at or hole_start >= end:
            continue
        if hole_start > at:
            parts.append((at, hole_start))
        at = max(at, hole_end)
    if at < end:
        parts.append((at, end))
    return parts


_NUMBER_KINDS = frozenset({EntityKind.PHONE, EntityKind.ID_NUMBER})


def names_around_numbers(text: str, findings: list[Finding]) -> list[Finding]:
    """A name that runs over an ID number or phone ("Personnummer 410576-23754" as one person
    by the model, "fnr 29037619432" as one unknown word in a lower-case transcript) keeps
    only its parts outside the number: the number is replaced as what it is, the rest as the
    name detector said (or dropped when accepting, when it is no name at all)."""
    numbers = [(f.start, f.end) for f in findings if f.entity in _NUMBER_KINDS]
    if not numbers:
        return findings
    out = []
    for finding in findings:
        if not finding.entity.is_name_like or not any(
                s < finding.end and e > finding.start for s, e in numbers):
            out.append(finding)
            continue
        for start, end in outside(finding.start, finding.end, numbers):
            piece = text[start:end]
            lead = len(piece) - len(piece.lstrip())
            piece = piece.strip()
            if any(c.isalnum() for c in piece):
                out.append(replace(finding, start=start + lead, end=start + lead + len(piece)))
    return out
