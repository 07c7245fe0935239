"""Known names from the key store (participants and anyone a steward registered).

Whole words, case-insensitive, with possessives: "Eve" never matches inside "Evening", and
"kari's" in a lower-case transcript is found as well as "Kari".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from anonymizer.findings import EntityKind, Finding
from anonymizer.keys.keystore import Identity, IdentityKind
from anonymizer.language.phrases import PhraseIndex, words

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
