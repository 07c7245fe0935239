"""The model's entity spans, cut back to the names in them.

The NER model reads capitals; where it has none, or where two names stand close, its span can
run past a name: "eric lives" in lower-case speech (the verb after the name is no surname),
"Ilkley with Ruby" as one organisation (a place and a person, joined by a word no name has
inside). A span cut in two keeps every name character covered; each piece then takes the
kind the other detectors give it, so the person and the place are one kind across the study.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from anonymizer.findings import EntityKind, Finding
from anonymizer.language.nlp import AnalysedChunk

MODEL = "spacy_ner"
_VERB_TAGS = ("VB", "MD")  # Penn tags of verbs and modals
_NAME_LIKE = frozenset({EntityKind.PERSON, EntityKind.LOCATION, EntityKind.ORGANISATION})
_INNER_WORD = re.compile(r"(?<=\S) ([a-z]+) (?=[A-Z])")


def without_trailing_verbs(text: str, findings: Sequence[Finding],
                           chunks: Iterable[AnalysedChunk],
                           ordinary: Callable[[str], bool]) -> list[Finding]:
    """In lower-case text: a model's person span that ends in an ``ordinary`` word tagged a
    verb ("eric lives") ends before it; the tagger read the word after each listed first
    name, and a name it took for a verb ("winston churchill") is no ordinary word."""
    verbs = {(c.offset + t.idx, c.offset + t.idx + len(t)) for c in chunks for t in c.tokens
             if t.tag_.startswith(_VERB_TAGS) and ordinary(t.text)}
    out = []
    for f in findings:
        end = f.end
        if verbs and f.detector == MODEL and f.entity is EntityKind.PERSON:
            while (cut := text.rfind(" ", f.start, end)) > f.start and (cut + 1, end) in verbs:
                end = cut
        out.append(f if end == f.end else replace(f, end=end))
    return out


def split_at_inner_words(text: str, findings: Sequence[Finding], breaks: frozenset[str],
                         ) -> list[Finding]:
    """In cased text: a model's name span with lower-case function words inside (``breaks``,
    not the joiners of "Bank of England") is one finding per part when other detectors found
    each part on its own and one of them as another kind ("Ilkley" a place, "Ruby" a person,
    in "Ilkley with Ruby"); "Committee on Transport" stays whole."""
    others = {(f.start, f.end): f.entity for f in findings if f.detector != MODEL}
    out = []
    for f in findings:
        pieces = _pieces(text, f, breaks) if f.detector == MODEL and \
            f.entity in _NAME_LIKE else []
        kinds = [others.get(p) for p in pieces]
        if len(pieces) > 1 and None not in kinds and any(k is not f.entity for k in kinds):
            out += [replace(f, start=start, end=end) for start, end in pieces]
        else:
            out.append(f)
    return out


def _pieces(text: str, f: Finding, breaks: frozenset[str]) -> list[tuple[int, int]]:
    pieces, start = [], f.start
    for m in _INNER_WORD.finditer(text, f.start, f.end):
        if m.group(1) in breaks:
            pieces.append((start, m.start()))
            start = m.end()
    return [*pieces, (start, f.end)] if pieces else []
