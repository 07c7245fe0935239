"""Detectors: each looks at one ``DetectionInput`` and returns findings, nothing else.

Detection never changes text; every finding is collected before resolution, which is what
consistent numbering needs (scrubadub's lesson).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from anonymizer.detectors.speakers import Turn
from anonymizer.keys.keystore import Identity
from anonymizer.language.nlp import AnalysedChunk


@dataclass(frozen=True)
class DetectionInput:
    text: str
    chunks: Sequence[AnalysedChunk]
    turns: Sequence[Turn]
    roster: Sequence[Identity]
    lower_case: bool  # the transcript has (almost) no capital letters: speech-to-text style
