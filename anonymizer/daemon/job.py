"""The ``Job``: one input on its way from work/ to the store (or to quarantine).

The durable part is the journal entry (``entry``); the rest is what the stages compute in memory
and is recomputed if the daemon restarts before the release commits. A stage that refuses the
input raises ``Refused`` with a reason code, the stage, and a name-free detail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from anonymizer.daemon.journal import JournalEntry
from anonymizer.engine.engine import Engine, Outcome
from anonymizer.formats.transcript import Transcript
from anonymizer.language.standard import StandardChoice
from anonymizer.refusals import Reason, Refusal, Stage
from anonymizer.store.metadata import Consent


class Refused(Exception):
    """This input goes to quarantine. ``detail`` must never hold text from the file or its
    name: only a reader's ``.detail``, numbers or fixed text."""

    def __init__(self, reason: Reason, stage: Stage, detail: str = "",
                 participant: int | None = None) -> None:
        super().__init__(f"{reason.value} at {stage.value}")
        self.reason = reason
        self.stage = stage
        self.detail = detail
        self.participant = participant

    @property
    def refusal(self) -> Refusal:
        return Refusal(self.reason, self.stage, self.detail)


class Duplicate(Exception):
    """These bytes were released or are in quarantine already."""

    def __init__(self, first: str) -> None:
        super().__init__(first)
        self.first = first  # "released" | "quarantined"


@dataclass
class Job:
    entry: JournalEntry
    path: Path  # the input in work/
    data: bytes | None = None
    transcript: Transcript | None = None
    outcome: Outcome | None = None
    engine: Engine | None = None  # the engine of the transcript's written standard
    standard: StandardChoice | None = None  # which standard, and why
    participant: int | None = None
    participants: tuple[int, ...] = ()
    wave: str | None = None
    consent: Consent | None = None
    outputs: dict[str, bytes] = field(default_factory=dict)  # suffix -> bytes
    output_formats: dict[str, str] = field(default_factory=dict)  # suffix -> format
    refused: Refused | None = None  # why it was quarantined (a rerun: discarded)

    @property
    def id(self) -> str:
        return self.entry.job

    @property
    def short(self) -> str:
        """For log lines: enough to find the journal entry and the audit record."""
        return self.entry.job[:12]
