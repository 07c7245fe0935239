"""What a steward's review needs about one released transcript, with offsets into the CLEAN text.

Written next to the clean file (``*.review.json``) and read by the review page: every
replacement (kind, detector, score, where it landed) and every residual-risk flag (reason, where
it is). It holds no detected string — the labels it points at are in the clean text already —
so it may live in the analysis store.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from anonymizer.engine.engine import Outcome

FORMAT = "anonymizer-review/1"


@dataclass(frozen=True)
class ReviewMark:
    start: int
    end: int
    kind: str  # entity kind, or the flag's reason
    detector: str = ""
    score: float | None = None
    # where the same mark is in the original text (for the side-by-side view, vault unlocked)
    original_start: int | None = None
    original_end: int | None = None


@dataclass(frozen=True)
class ReviewData:
    replacements: tuple[ReviewMark, ...]
    flags: tuple[ReviewMark, ...]

    @classmethod
    def from_outcome(cls, outcome: Outcome) -> ReviewData:
        replacements = outcome.scan.replacements
        spans = {s.index: s for s in outcome.rewritten.spans}
        marks = tuple(
            ReviewMark(spans[i].start, spans[i].end, r.entity.value, r.detector, r.score,
                       r.start, r.end)
            for i, r in enumerate(replacements) if i in spans
        )
        # A flag sits outside every replacement; it moves by the length change of those before.
        starts = [r.start for r in replacements]
        shift, shifts = 0, []
        for r in replacements:
            shift += len(r.text) - (r.end - r.start)
            shifts.append(shift)

        def moved(offset: int) -> int:
            k = bisect_right(starts, offset)
            return offset + (shifts[k - 1] if k else 0)

        flags = tuple(ReviewMark(moved(f.start), moved(f.end), f.reason,
                                 original_start=f.start, original_end=f.end)
                      for f in outcome.scan.flags)
        return cls(marks, flags)

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT,
                           "replacements": [asdict(m) for m in self.replacements],
                           "flags": [asdict(m) for m in self.flags]}, indent=1)

    @classmethod
    def read(cls, path: Path) -> ReviewData:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("format") != FORMAT:
            raise ValueError(f"{path}: not a review file of format {FORMAT}")
        return cls(tuple(ReviewMark(**m) for m in document["replacements"]),
                   tuple(ReviewMark(**m) for m in document["flags"]))
