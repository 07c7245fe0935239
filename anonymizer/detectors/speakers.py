"""Speaker turns: `Kari Nordmann: ...`, `I: ...`, `[00:01:02] Kari: ...`, `Kari<TAB>...`.

A label that is a role (`Interviewer`, `P3`, from rules/<lang>/speakers.toml) stays; any other
label is a person's name, and every turn it starts belongs to that person.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from anonymizer.findings import EntityKind, Finding, Role

if TYPE_CHECKING:
    from anonymizer.detectors import DetectionInput, DetectorKit

_TIMESTAMP = r"[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?[\])]?"
_LINE = re.compile(
    rf"^(?P<pre>[ \t]*(?:{_TIMESTAMP}[ \t]*)?)"
    r"(?P<label>[^\W\d_][\w.'’-]*(?:[ ][\w.'’-]+){0,7}?)"
    rf"(?P<post>[ \t]*(?:{_TIMESTAMP})?[ \t]*)(?::[ \t]|:$|\t)",
    re.MULTILINE,
)
_ROLE_NUMBER = re.compile(r"^(?P<role>[^\W\d_]+?)[ .-]?\d{1,3}$")


@dataclass(frozen=True)
class Turn:
    line_start: int
    label_start: int
    label_end: int
    body_start: int
    is_role: bool


def _is_role(label: str, roles: frozenset[str]) -> bool:
    folded = label.casefold().rstrip(".")
    if folded in roles:
        return True
    numbered = _ROLE_NUMBER.match(folded)
    return bool(numbered and numbered.group("role") in roles)


def _looks_like_name(label: str, particles: frozenset[str]) -> bool:
    words = label.split()
    return all(w[0].isupper() or w[0].isdigit() or w.casefold() in particles for w in words)


def parse_turns(
    text: str, roles: frozenset[str], max_label_words: int, *, lower_case: bool = False,
    particles: frozenset[str] = frozenset(),
    skip_lines: frozenset[int] = frozenset(),
) -> list[Turn]:
    """Speaker turns. ``particles``: small words a name label may hold ("Kari van Dijk:"),
    from rules/<lang>/names.toml. ``skip_lines``: 0-based line numbers that are never turns,
    e.g. table rows (``Transcript.table_lines``): a first cell "Name<TAB>..." is not a label."""
    candidates = []
    line, counted = 0, 0
    for match in _LINE.finditer(text):
        if skip_lines:
            line += text.count("\n", counted, match.start())
            counted = match.start()
            if line in skip_lines:
                continue
        label = match.group("label")
        if len(label.split()) > max_label_words:
            continue
        role = _is_role(label, roles)
        if not role and not lower_case and not _looks_like_name(label, particles):
            continue
        candidates.append((match, role))
    if lower_case:
        # Without capitals a "label:" could be the start of any sentence; a real label repeats.
        counts = Counter(m.group("label").casefold() for m, role in candidates if not role)
        candidates = [(m, r) for m, r in candidates if r or counts[m.group("label").casefold()] > 1]
    return [
        Turn(m.start(), m.start("label"), m.end("label"), m.end(), role) for m, role in candidates
    ]


def speaker_findings(turns: list[Turn]) -> list[Finding]:
    return [
        Finding(t.label_start, t.label_end, EntityKind.PERSON, "speaker_label", 1.0, Role.SPEAKER)
        for t in turns
        if not t.is_role
    ]


class SpeakerLabels:
    """The names in speaker labels ("Kari:"), role labels ("Interviewer:") left alone."""

    def find(self, source: DetectionInput) -> list[Finding]:
        return speaker_findings(list(source.turns))


def build(kit: DetectorKit) -> SpeakerLabels:
    return SpeakerLabels()
