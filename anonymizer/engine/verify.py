"""Verification, fail closed: re-scan the clean text before anything is written.

Looks for every registered name, every string that was detected and replaced, the contact and
ID patterns, and (when pronouns are rewritten) any bare gendered pronoun. Anything left means the
text is not released: the caller gets a ``VerificationError`` naming the KIND of leftover and
its offset — never the string itself.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from anonymizer.errors import VerificationError
from anonymizer.findings import EntityKind, Finding
from anonymizer.language.phrases import PhraseIndex


class LeakKind(str, Enum):
    REGISTERED_NAME = "registered name"
    DETECTED_STRING = "detected name, place or organisation"
    CONTACT_OR_ID = "contact data or ID number"
    PRONOUN = "gendered pronoun"


@dataclass(frozen=True)
class Leak:
    kind: LeakKind
    offset: int
    detail: str = ""  # an entity kind, never text


def pronoun_pattern(words: Iterable[str], lower_case_only: Iterable[str] = ()
                    ) -> re.Pattern[str] | None:
    """Any gendered pronoun of ``words``; those in ``lower_case_only`` ("a", "n") only in
    lower case and only as a word of their own ("så'n", "a-ha" and "plan A" hold none)."""
    strict = sorted({re.escape(w) for w in lower_case_only}, key=len, reverse=True)
    alternatives = sorted({re.escape(w) for w in words} - set(strict), key=len, reverse=True)
    if not alternatives and not strict:
        return None
    # A slash form ("he/she") is the rewritten pronoun, so a word touching "/" is fine.
    branches = [rf"(?<![\w/])(?:{'|'.join(alternatives)})(?![\w/])"] if alternatives else []
    if strict:
        branches.append(rf"(?<![\w/'’-])(?-i:{'|'.join(strict)})(?![\w/'’-])")
    return re.compile("|".join(branches), re.IGNORECASE)


def find_leaks(
    clean: str,
    *,
    roster: PhraseIndex[Any],
    detected: PhraseIndex[EntityKind],
    capitalised_only: bool,
    patterns: Callable[[str], list[Finding]],
    pronouns: re.Pattern[str] | None,
    own_output: re.Pattern[str] | None = None,
) -> list[Leak]:
    leaks = [Leak(LeakKind.REGISTERED_NAME, m.start) for m in roster.find(clean)]
    leaks += [
        Leak(LeakKind.DETECTED_STRING, m.start, m.value.value)
        for m in detected.find(clean, capitalised_only=capitalised_only)
    ]
    # Two recognizers may match one leftover (a phone number is also an IBAN-looking string):
    # count leftover places, not matches.
    contact = sorted(patterns(clean))
    leaks += [Leak(LeakKind.CONTACT_OR_ID, f.start, f.entity.value) for i, f in enumerate(contact)
              if not any(p.start < f.end and f.start < p.end for p in contact[:i])]
    if pronouns is not None:
        leaks += [Leak(LeakKind.PRONOUN, m.start()) for m in pronouns.finditer(clean)]
    if own_output is not None:  # a word inside our own "[Person 3]" is not a leftover
        ours = [m.span() for m in own_output.finditer(clean)]
        leaks = [leak for leak in leaks if not any(s <= leak.offset < e for s, e in ours)]
    return sorted(leaks, key=lambda leak: leak.offset)


def raise_if_leaks(leaks: list[Leak], where: str = "transcript") -> None:
    if not leaks:
        return
    counts = Counter(leak.kind for leak in leaks)
    summary = ", ".join(f"{n} {kind.value}{'s' if n > 1 else ''}" for kind, n in counts.items())
    raise VerificationError(
        f"{where}: verification refused to release: {summary} remain in the clean text "
        f"(first at offset {leaks[0].offset}); nothing was written"
    )
