"""Consistency inside one transcript: a name found once is replaced everywhere.

NER often tags one mention and misses the next. Every string accepted as a person, place or
organisation is looked up again across the whole text (whole words; in cased text only where it
is written with a capital letter). Parts of a person's full name count on their own too
("Kari Nordmann" -> "Kari", "Nordmann"), unless the part is a function word or on the allow list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from anonymizer.findings import EntityKind, Finding
from anonymizer.language.phrases import PhraseIndex, words

DETECTOR = "consistency"
_POSSESSIVE = re.compile(r"['’]s?$")
# A word broken off in speech, as verbatim transcripts write it: "Osl- ja, Oslo".
_CUT_OFF = re.compile(r"(?<![\w-])([^\W\d_]{2,})-(?![\w-])")


def name_index(
    surfaces: Iterable[tuple[str, EntityKind]],
    *,
    stop_words: frozenset[str],
    allow: frozenset[str],
    genitive_s: bool = True,
) -> PhraseIndex[EntityKind]:
    """Every accepted name-like string, and the parts of person names, as one phrase index.

    Propagation and verification both use it, so what verification looks for in the clean text
    is exactly what propagation replaced.
    """
    index: PhraseIndex[EntityKind] = PhraseIndex(genitive_s=genitive_s)
    # A transcript names the same few people again and again: index each (surface, kind)
    # once, in the order of its last mention (a later kind for the same words still wins).
    distinct: dict[tuple[str, EntityKind], None] = {}
    for key in surfaces:
        if key[1].is_name_like:
            distinct.pop(key, None)
            distinct[key] = None
    for surface, kind in distinct:
        surface = _POSSESSIVE.sub("", surface)
        parts = words(surface)
        if not parts or " ".join(parts) in allow:
            continue
        index.add(surface, kind)
        if kind is EntityKind.PERSON and len(parts) > 1:
            for part in parts:
                if len(part) > 1 and part not in stop_words and part not in allow:
                    index.add(part, EntityKind.PERSON)
    return index


def propagate(
    text: str,
    findings: Iterable[Finding],
    *,
    capitalised_only: bool,
    stop_words: frozenset[str],
    allow: frozenset[str],
    genitive_s: bool = True,
) -> list[Finding]:
    """New findings for the other occurrences of every accepted name-like string."""
    findings = [f for f in findings if f.entity.is_name_like]
    covered = {(f.start, f.end) for f in findings}
    index = name_index(
        ((text[f.start:f.end], f.entity) for f in findings),
        stop_words=stop_words, allow=allow, genitive_s=genitive_s,
    )
    extra = []
    for match in index.find(text, capitalised_only=capitalised_only):
        if (match.start, match.end) not in covered:
            extra.append(Finding(match.start, match.end, match.value, DETECTOR, 0.9))
    return extra + cut_off_names(text, findings, capitalised_only=capitalised_only)


def cut_off_names(text: str, findings: Iterable[Finding], *, capitalised_only: bool
                  ) -> list[Finding]:
    """A name broken off in speech ("Osl-", "Kar-") where the transcript names the whole
    ("Oslo", "Kari"): the start of a name says which one it was, so it is replaced too."""
    names: dict[str, EntityKind] = {}
    for f in findings:
        for word in words(text[f.start:f.end]):
            if len(word) > 2:
                names.setdefault(word, f.entity)
    if not names:
        return []
    out = []
    for m in _CUT_OFF.finditer(text):
        fragment = m.group(1)
        if capitalised_only and not fragment[0].isupper():
            continue
        start = fragment.casefold()
        kind = next((k for name, k in names.items()
                     if name.startswith(start) and len(name) > len(start)), None)
        if kind is not None:
            out.append(Finding(m.start(), m.end(), kind, DETECTOR, 0.9))
    return out
