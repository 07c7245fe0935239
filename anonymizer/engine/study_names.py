"""The study's places and organisations, so one surface string keeps one extent and one kind.

When a detector here finds only part of a name the study already numbered ("Leeds" and
"General Infirmary" where earlier transcripts had "Leeds General Infirmary"), the whole known
name is claimed with the kind the study gave it, so it is neither split ("[Place 1] [Person 3]")
nor a place here and an organisation there.

Only where a finding of this transcript already touches the known name: a name the engine
numbered on its own is not a roster (one transcript's false positive must not become a
detection rule for the next), it only settles the extent and kind of what was found anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from anonymizer.engine.risk import Spans
from anonymizer.findings import EntityKind, Finding
from anonymizer.keys.keystore import Identity, IdentityKind
from anonymizer.language.phrases import PhraseIndex, words

DETECTOR = "study_names"
_KINDS = {IdentityKind.PLACE: EntityKind.LOCATION,
          IdentityKind.ORGANISATION: EntityKind.ORGANISATION}


def study_names(text: str, accepted: Sequence[Finding], identities: Iterable[Identity], *,
                capitalised_only: bool) -> list[Finding]:
    index: PhraseIndex[EntityKind] = PhraseIndex()
    for identity in identities:
        kind = _KINDS.get(identity.kind)
        if kind is None:
            continue
        for name in identity.names:
            if len(words(name)) > 1:
                index.add(name, kind)
    if not index.size:
        return []
    found = Spans((f.start, f.end) for f in accepted if f.entity.is_name_like)
    # the same span found as the same kind needs nothing; as another kind ("Pontefract Royal
    # Infirmary" read as a person by the model) the study's kind is claimed for it
    exact: dict[tuple[int, int], set[EntityKind]] = {}
    for f in accepted:
        exact.setdefault((f.start, f.end), set()).add(f.entity)
    return [Finding(m.start, m.end, m.value, DETECTOR, 1.0)
            for m in index.find(text, capitalised_only=capitalised_only)
            if found.overlaps(m.start, m.end) and exact.get((m.start, m.end)) != {m.value}]
