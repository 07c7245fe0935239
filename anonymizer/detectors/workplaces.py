"""Workplaces, schools and other organisations named after a cue ("works at Telenor").

Where someone works or studies identifies them in a small study as surely as a name, and the
NER model knows few local employers. After a cue from the rules ("works at", "employed by",
"jobber på"), and an optional article, a run of capitalised words is taken as an organisation,
with the small words that join such names ("Bank of Norway", "Barnes & Noble"). Cased text
only: in lower-case text nothing marks where the name ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from spacy.tokens import Token

from anonymizer.findings import EntityKind, Finding
from anonymizer.language.nlp import AnalysedChunk
from anonymizer.language.phrases import CuePhrases
from anonymizer.rulebook import NameRules

if TYPE_CHECKING:
    from anonymizer.detectors import DetectionInput, DetectorKit

DETECTOR = "workplace_context"
_MAX_WORDS = 6


class WorkplaceDetector:
    def __init__(self, rules: NameRules) -> None:
        self.cues = CuePhrases(tuple(p.split()) for p in rules.workplace_before)
        self.articles = frozenset(rules.workplace_articles)
        self.joiners = frozenset(rules.workplace_joiners)
        self.not_names = frozenset(rules.not_names)

    def find(self, source: DetectionInput) -> list[Finding]:
        return self.detect(source.chunks, cased=not source.lower_case)

    def detect(self, chunks: Sequence[AnalysedChunk], *, cased: bool) -> list[Finding]:
        if not cased or not self.cues.by_length:
            return []
        findings = []
        for chunk in chunks:
            tokens = chunk.tokens
            lowers = [t.lower_ for t in tokens]
            for i in range(len(tokens)):
                if not self.cues.end_before(lowers, i):
                    continue
                first = i + 1 if lowers[i] in self.articles and i + 1 < len(tokens) else i
                last = self._run_end(tokens, first)
                if last is not None:
                    start, end = tokens[first].idx, tokens[last].idx + len(tokens[last])
                    findings.append(Finding(chunk.offset + start, chunk.offset + end,
                                            EntityKind.ORGANISATION, DETECTOR, 0.8))
        return findings

    def _capitalised(self, token: Token) -> bool:
        text = token.text
        return text[:1].isupper() and text != "I" and (token.is_alpha or any(
            c.isalpha() for c in text)) and token.lower_ not in self.not_names

    def _run_end(self, tokens: Sequence[Token], first: int) -> int | None:
        """The last token of the capitalised run that starts at ``first``, or None."""
        if not self._capitalised(tokens[first]):
            return None
        last = first
        j = first + 1
        while j < len(tokens) and j - first < _MAX_WORDS:
            token = tokens[j]
            if token.text in ("'s", "’s") or self._capitalised(token):
                last = j
            elif token.lower_ in self.joiners or token.text in ("&", "-"):
                if j + 1 >= len(tokens) or not self._capitalised(tokens[j + 1]):
                    break
            else:
                break
            j += 1
        return last


def build(kit: DetectorKit) -> WorkplaceDetector:
    return WorkplaceDetector(kit.rulebook.names)
