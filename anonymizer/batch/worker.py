"""One transcript in a worker: read it, run the whole engine on a copy of the study's key.

A ``TranscriptWorker`` keeps one engine per study (settings file and language), built on its
first transcript and reused for every later one: the spaCy model and the gazetteers are loaded
once per worker, never per task. It never opens the vault; the driver sends a ``KeySnapshot``.
Errors travel back as ``Failure`` (exit code, one-line message, reason code): exception objects
with their own constructors do not survive pickling, and the message never holds a name.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from anonymizer.batch.snapshot import KeyCall, KeySnapshot, SnapshotKeyStore
from anonymizer.errors import (
    AnonymizerError,
    ExitCode,
    InternalError,
    KeyStoreError,
    VerificationError,
)
from anonymizer.formats.transcript import Transcript
from anonymizer.refusals import Reason

if TYPE_CHECKING:
    from anonymizer.engine.engine import Engine, Outcome
    from anonymizer.language.nlp import AnalysedChunk, NlpPipeline
    from anonymizer.settings import Settings


@dataclass(frozen=True)
class Job:
    position: int
    path: Path
    checksum: str
    study: str  # which study: the key the worker keeps its engine under
    settings: Settings
    language: str | None
    speculate: bool = True  # finish at once against the snapshot (else: parse, and wait)


@dataclass(frozen=True)
class Failure:
    exit_code: int
    message: str
    reason: str

    @classmethod
    def of(cls, error: AnonymizerError) -> Failure:
        return cls(int(error.exit_code), " ".join(str(error).split()), reason_of(error))


@dataclass(frozen=True)
class WorkerResult:
    job: Job
    snapshot_version: int
    transcript: Transcript | None = None
    outcome: Outcome | None = None
    calls: tuple[KeyCall, ...] = ()
    failure: Failure | None = None
    conflict: bool = False  # the worker itself saw that it cannot decide (the driver runs it)


def reason_of(error: AnonymizerError) -> str:
    reason = getattr(error, "reason", None)
    if isinstance(reason, Reason):
        return reason.value
    if isinstance(error, VerificationError):
        return Reason.VERIFICATION_REFUSED.value
    if isinstance(error, KeyStoreError):
        return Reason.VAULT_REFUSED.value
    if error.exit_code is ExitCode.BAD_INPUT:
        return Reason.UNREADABLE.value
    return Reason.ENGINE_ERROR.value


def read_checked(job: Job) -> Transcript:
    """The transcript, if the file still has the bytes the driver recorded."""
    from anonymizer.errors import InputError
    from anonymizer.formats import read_transcript

    transcript = read_transcript(job.path)
    try:
        digest = hashlib.sha256(job.path.read_bytes()).hexdigest()
    except OSError:
        raise InputError(f"{job.path}: cannot be read") from None
    if digest != job.checksum:
        raise InputError(f"{job.path}: changed while the batch ran")
    return transcript


class TranscriptWorker:
    """Parses in one thread and finishes in another (a Ray actor's two concurrency groups), so
    an item whose turn has come is finished without waiting behind the parses queued after it.
    The two share the spaCy model (read-only once loaded); each has its own detectors, and
    finishing is one at a time."""

    def __init__(self, keep: int = 8) -> None:
        self._engines: dict[tuple[str, str | None], Engine] = {}
        self._finishers: dict[tuple[str, str | None], Engine] = {}
        self._pipelines: dict[tuple[object, ...], NlpPipeline] = {}  # one model for all studies
        self._parsed: dict[str, tuple[Transcript, list[AnalysedChunk]]] = {}
        self.keep = keep  # parsed transcripts kept for a redo (the driver's window per worker)
        self._lock = threading.Lock()  # the engines and the parses kept
        self._finishing = threading.Lock()

    def engine(self, job: Job) -> Engine:
        key = (job.study, job.language)
        with self._lock:
            if key not in self._engines:
                from anonymizer.engine.engine import Engine

                self._engines[key] = Engine.from_settings(job.settings, language=job.language,
                                                          pipelines=self._pipelines)
            return self._engines[key]

    def finisher(self, job: Job) -> Engine:
        """An engine of its own for the stages after the parse, on the same model and rules."""
        parser = self.engine(job)
        key = (job.study, job.language)
        with self._lock:
            if key not in self._finishers:
                from anonymizer.engine.engine import Engine

                self._finishers[key] = Engine(parser.settings, parser.rulebook, parser.pipeline,
                                              parser.keystore)
            return self._finishers[key]

    def process(self, job: Job, snapshot: KeySnapshot) -> WorkerResult:
        """Read, parse (kept for a redo) and finish against ``snapshot``."""
        try:
            transcript = read_checked(job)
        except AnonymizerError as error:
            return WorkerResult(job, snapshot.version, failure=Failure.of(error))
        try:
            chunks = next(iter(self.engine(job).parse([transcript.text])))
        except AnonymizerError as error:
            return WorkerResult(job, snapshot.version, transcript, failure=Failure.of(error))
        except Exception as error:  # noqa: BLE001 - one transcript's bug fails it alone
            return WorkerResult(job, snapshot.version, transcript,
                                failure=Failure.of(InternalError.of(str(job.path), error)))
        with self._lock:
            self._parsed[job.checksum] = (transcript, chunks)
            while len(self._parsed) > self.keep:
                self._parsed.pop(next(iter(self._parsed)))
        if not job.speculate:
            return WorkerResult(job, snapshot.version, transcript)
        return self._finish(job, snapshot, transcript, chunks)

    def redo(self, job: Job, snapshot: KeySnapshot) -> WorkerResult:
        """Finish again against a newer key, from the parse kept by ``process`` (the spaCy
        pass, most of the cost, is not repeated); parse again if it was let go."""
        with self._lock:
            kept = self._parsed.pop(job.checksum, None)
        if kept is None:
            return self.process(replace(job, speculate=True), snapshot)
        return self._finish(job, snapshot, *kept)

    def _finish(self, job: Job, snapshot: KeySnapshot, transcript: Transcript,
                chunks: list[AnalysedChunk]) -> WorkerResult:
        store = SnapshotKeyStore(snapshot)
        finisher = self.finisher(job)
        with self._finishing:
            outcome = finisher.using(store).anonymize_parsed(
                transcript.text, chunks, where=str(job.path),
                table_lines=transcript.table_lines())
        if isinstance(outcome, AnonymizerError):
            # Refused against a copy of the key (or the copy could not answer): the driver
            # decides with the real one.
            return WorkerResult(job, snapshot.version, transcript, conflict=True)
        return WorkerResult(job, snapshot.version, transcript, outcome, tuple(store.calls))
