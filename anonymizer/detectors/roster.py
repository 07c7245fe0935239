"""Known names from the key store (participants and anyone a steward registered).

Whole words, case-insensitive, with possessives: "Eve" never matches inside "Evening", and
"kari's" in a lower-case transcript is found as well as "Kari".
"""

from __future__ import annotations

from collections.abc import Sequence

from anonymizer.findings import EntityKind, Finding
from anonymizer.keystore import Identity, IdentityKind
from anonymizer.phrases import PhraseIndex

DETECTOR = "roster"
_KINDS = {
    IdentityKind.PARTICIPANT: EntityKind.PERSON,
    IdentityKind.PERSON: EntityKind.PERSON,
    IdentityKind.PLACE: EntityKind.LOCATION,
    IdentityKind.ORGANISATION: EntityKind.ORGANISATION,
}


class RosterDetector:
    def __init__(self, identities: Sequence[Identity]) -> None:
        self.index: PhraseIndex[Identity] = PhraseIndex(
            (name, identity) for identity in identities for name in identity.names
        )

    def detect(self, text: str) -> list[Finding]:
        return [
            Finding(m.start, m.end, _KINDS[m.value.kind], DETECTOR, 1.0)
            for m in self.index.find(text)
        ]
