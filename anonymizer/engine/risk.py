"""Residual risk: what is NOT replaced but might still identify someone.

Flags are for the data steward (``anonymizer scan``, the review page); they never block a
release. Reasons:
- ``capitalised_unknown``: a capitalised word inside a sentence that is not an ordinary word
  (a name, nickname or place no detector was sure of);
- ``number``: digits left in the text (years, counts, house numbers, parts of IDs);
- ``occupation`` / ``diagnosis``: rare jobs and conditions listed in rules/<lang>/risk_terms.toml;
- ``date``: a date expression the model found that the date policy did not replace.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from enum import Enum

from anonymizer.detectors.names import COMMON, WordFrequency
from anonymizer.findings import Finding, Flag, Replacement
from anonymizer.language.nlp import AnalysedChunk
from anonymizer.language.phrases import PhraseIndex
from anonymizer.rulebook import Rulebook

_NUMBER = re.compile(r"(?<![\w:])\d[\d.,]*(?![\w:])")
_TIMESTAMP_LINE = re.compile(r"^[ \t]*[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?[\])]?", re.M)


class RiskReason(str, Enum):
    CAPITALISED_UNKNOWN = "capitalised_unknown"
    NUMBER = "number"
    OCCUPATION = "occupation"
    DIAGNOSIS = "diagnosis"
    DATE = "date"


class RiskScanner:
    def __init__(self, rulebook: Rulebook, words: WordFrequency,
                 stop_words: frozenset[str]) -> None:
        self.words = words
        self.stop_words = stop_words
        self.allow = rulebook.allow
        self.terms: PhraseIndex[RiskReason] = PhraseIndex(genitive_s=False)
        for term in rulebook.risk_occupations:
            self.terms.add(term, RiskReason.OCCUPATION)
        for term in rulebook.risk_diagnoses:
            self.terms.add(term, RiskReason.DIAGNOSIS)

    def flags(self, text: str, chunks: Sequence[AnalysedChunk],
              replaced: Iterable[Replacement], kept: Iterable[Finding] = ()) -> list[Flag]:
        covered = [(r.start, r.end) for r in replaced]
        covered += [m.span() for m in _TIMESTAMP_LINE.finditer(text)]
        found: list[Flag] = []
        for match in self.terms.find(text):
            found.append(Flag(match.start, match.end, match.value.value))
        for number in _NUMBER.finditer(text):
            found.append(Flag(number.start(), number.end(), RiskReason.NUMBER.value))
        for chunk in chunks:
            found += self._from_doc(chunk)
        for finding in kept:
            found.append(Flag(finding.start, finding.end, "kept_" + finding.entity.value.lower()))
        taken = Spans(covered)
        flags = {(f.start, f.end, f.reason): f for f in found
                 if not taken.overlaps(f.start, f.end)}
        return sorted(flags.values(), key=lambda f: (f.start, f.end))

    def _from_doc(self, chunk: AnalysedChunk) -> list[Flag]:
        out = []
        offset = chunk.offset
        for ent in chunk.ents:
            if ent.label_ in ("DATE", "TIME") and any(c.isdigit() for c in ent.text):
                out.append(Flag(offset + ent.start_char, offset + ent.end_char,
                                RiskReason.DATE.value))
        # Inside a sentence such a word is replaced already (detector unknown_word); at the
        # start of a sentence its capital says nothing, so it is left in and flagged here.
        for token in chunk.tokens:
            if not token.is_alpha or not token.text[0].isupper():
                continue
            word = token.lower_
            if word in self.stop_words or word in self.allow or \
                    self.words.zipf(word) >= COMMON or token.text == "I":
                continue
            out.append(Flag(offset + token.idx, offset + token.idx + len(token),
                            RiskReason.CAPITALISED_UNKNOWN.value))
        return out


class Spans:
    """Sorted, merged spans with an O(log n) "does this overlap any?" test."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [s for s, _ in merged]
        self.ends = [e for _, e in merged]

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect_right(self.starts, start)
        if i and self.ends[i - 1] > start:
            return True
        return i < len(self.starts) and self.starts[i] < end
