"""Apply replacements to the text in one pass, with presidio-anonymizer's engine.

Each replacement gets its own operator (a unique entity name), so Presidio never merges two of
ours, and its ``EngineResult`` lists every change with output offsets — which the review page
uses to highlight replacements in the clean text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

from anonymizer.findings import Replacement


@dataclass(frozen=True)
class OutputSpan:
    """Where replacement ``index`` landed in the clean text."""

    index: int
    start: int
    end: int


@dataclass(frozen=True)
class Rewritten:
    text: str
    spans: tuple[OutputSpan, ...]


class Rewriter:
    def __init__(self) -> None:
        self.engine = AnonymizerEngine()

    def apply(self, text: str, replacements: Sequence[Replacement]) -> Rewritten:
        previous_end = 0
        for r in replacements:
            if r.start < previous_end or r.end <= r.start or r.end > len(text):
                raise ValueError(f"replacements overlap or are out of range at offset {r.start}")
            previous_end = r.end
        if not replacements:
            return Rewritten(text, ())
        results = [
            RecognizerResult(f"R{i}", r.start, r.end, 1.0) for i, r in enumerate(replacements)
        ]
        operators = {
            f"R{i}": OperatorConfig("replace", {"new_value": r.text})
            for i, r in enumerate(replacements)
        }
        result = self.engine.anonymize(text, results, operators)
        spans = sorted(
            (OutputSpan(int(item.entity_type[1:]), item.start, item.end) for item in result.items),
            key=lambda s: s.index,
        )
        return Rewritten(result.text, tuple(spans))
