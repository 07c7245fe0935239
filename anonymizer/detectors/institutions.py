"""Institutions named by a place or a name and the words that end such names.

"calderdale royal hospital" in lower-case speech is found as the place "calderdale" alone,
and "Pinderfields Hospital" may reach the model as a person: either way the words after it
(rules/<lang>/names.toml ``institution_modifiers`` then one of ``institution_heads``) make the
whole an organisation, so a hospital is one kind across the study, whichever case a transcript
is written in. In cased text the words after it must be capitalised ("Leeds hospital" is a
hospital in Leeds, not a name).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from anonymizer.findings import EntityKind, Finding

if TYPE_CHECKING:
    from anonymizer.detectors import DetectionInput, DetectorKit

DETECTOR = "institution_name"
_STARTS = frozenset({EntityKind.LOCATION, EntityKind.PERSON, EntityKind.ORGANISATION})


class InstitutionDetector:
    def __init__(self, modifiers: list[str], heads: list[str]) -> None:
        self.after: re.Pattern[str] | None = None
        if heads:
            alt = "|".join(map(re.escape, sorted(modifiers, key=len, reverse=True))) or "(?!)"
            head = "|".join(map(re.escape, sorted(heads, key=len, reverse=True)))
            self.after = re.compile(rf"(?:[ \t]+(?:{alt})){{0,3}}[ \t]+(?:{head})\b",
                                    re.IGNORECASE)

    def find(self, source: DetectionInput) -> list[Finding]:
        if self.after is None:
            return []
        text, found = source.text, []
        for f in source.earlier:
            if f.entity not in _STARTS or text[f.end - 2:f.end] in ("'s", "’s"):
                continue  # "kapoor's clinic" is his, not a name
            m = self.after.match(text, f.end)
            if m is None or not source.lower_case and \
                    not all(w[:1].isupper() for w in m.group().split()):
                continue
            found.append(Finding(f.start, m.end(), EntityKind.ORGANISATION, DETECTOR, 0.85))
        return found


def build(kit: DetectorKit) -> InstitutionDetector:
    rules = kit.rulebook.names
    return InstitutionDetector(rules.institution_modifiers, rules.institution_heads)
