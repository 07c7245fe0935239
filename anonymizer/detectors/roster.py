"""Known names from the key store (participants and anyone a steward registered).

Whole words, case-insensitive, with possessives: "Eve" never matches inside "Evening", and
"kari's" in a lower-case transcript is found as well as "Kari".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from anonymizer.findings import EntityKind, Finding
from anonymizer.keys.keystore import Identity, IdentityKind
from anonymizer.language.phrases import PhraseIndex, words

if TYPE_CHECKING:
    from anonymizer.detectors import DetectionInput, DetectorKit

DETECTOR = "roster"
_KINDS = {
    IdentityKind.PARTICIPANT: EntityKind.PERSON,
    IdentityKind.PERSON: EntityKind.PERSON,
    IdentityKind.PLACE: EntityKind.LOCATION,
    IdentityKind.ORGANISATION: EntityKind.ORGANISATION,
}


class RosterDetector:
    """Every registered name and alias; and, for people, each word of a full name on its own
    ("Nordmann", "Kari" for "Kari Nordmann") unless it is a function word (``skip``) or an
    ordinary word ("director" of a speaker labelled "The Director")."""

    def __init__(self, identities: Sequence[Identity], skip: frozenset[str] = frozenset(),
                 ordinary: Callable[[str], bool] = lambda word: False) -> None:
        self.index: PhraseIndex[Identity] = PhraseIndex()
        for identity in identities:
            for name in identity.names:
                self.index.add(name, identity)
        for identity in identities:
            if _KINDS[identity.kind] is not EntityKind.PERSON:
                continue
            for name in identity.names:
                parts = words(name)
                for part in parts if len(parts) > 1 else ():
                    if len(part) > 2 and part not in skip and not ordinary(part) and \
                            self.index.get(part) is None:
                        self.index.add(part, identity)

    def detect(self, text: str) -> list[Finding]:
        return [
            Finding(m.start, m.end, _KINDS[m.value.kind], DETECTOR, 1.0)
            for m in self.index.find(text)
        ]


class RosterMatcher:
    """The roster detector for the roster of the moment, rebuilt only when the roster changed
    (it is asked for twice per transcript, and a study can register thousands of names)."""

    def __init__(self, skip: frozenset[str], ordinary: Callable[[str], bool]) -> None:
        self.skip = skip
        self.ordinary = ordinary
        self._cache: tuple[tuple[Identity, ...], RosterDetector] | None = None

    def detector(self, roster: Sequence[Identity]) -> RosterDetector:
        key = tuple(roster)
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, RosterDetector(roster, self.skip, self.ordinary))
        return self._cache[1]

    def find(self, source: DetectionInput) -> list[Finding]:
        return self.detector(source.roster).detect(source.text)


def build(kit: DetectorKit) -> RosterMatcher:
    words = kit.words
    return RosterMatcher(kit.stop_words | kit.titles, lambda w: words.zipf(w) >= 3.0)
