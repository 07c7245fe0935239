"""Detectors: each reads one ``DetectionInput`` and returns findings, nothing else.

Detection never changes text; every finding is collected before resolution, which is what
consistent numbering needs (scrubadub's lesson). Every detector implements ``Detector`` and is
made by its module's ``build(kit)``; ``registry.BUILDERS`` lists them in the order they run, so
adding a detector is one file and one line there. A detector that builds on others' findings
(names after speaker labels and places) reads them from ``DetectionInput.earlier``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from anonymizer.detectors.speakers import Turn
from anonymizer.findings import Finding
from anonymizer.keys.keystore import Identity
from anonymizer.language.nlp import AnalysedChunk

if TYPE_CHECKING:
    from anonymizer.detectors.names import WordFrequency
    from anonymizer.language.gazetteer import Gazetteer
    from anonymizer.language.nlp import NlpPipeline
    from anonymizer.rulebook import Rulebook
    from anonymizer.settings import Settings


@dataclass(frozen=True)
class DetectionInput:
    text: str
    chunks: Sequence[AnalysedChunk]
    turns: Sequence[Turn]
    roster: Sequence[Identity]
    lower_case: bool  # the transcript has (almost) no capital letters: speech-to-text style
    earlier: Sequence[Finding] = ()  # what the detectors registered before this one found
    study: Sequence[Identity] = ()  # people the study numbered by a full name (study_people)


class Detector(Protocol):
    def find(self, source: DetectionInput) -> list[Finding]: ...


@dataclass(frozen=True)
class DetectorKit:
    """What a detector may be built from: the study's rules and settings, the language."""

    rulebook: Rulebook
    settings: Settings
    pipeline: NlpPipeline
    words: WordFrequency
    stop_words: frozenset[str]
    titles: frozenset[str]
    gazetteer: Gazetteer | None  # None when gazetteers are switched off
