"""The driver: the one writer of a batch. Items are settled in input order, so every number is
given in the order ``anonymizer run`` gives it, whatever the number of workers.

For each item, in order: the worker's result is taken if the study's key has not moved in a way
that matters to it (``snapshot``), its numbers are committed to the study's key store in one
batch (one vault write), the text is rewritten and verified with the real numbers, the clean
files are written (atomically, named by checksum like ``run -o``) and a line is added to the work
record. A result that cannot be taken is run again here, on the driver, exactly as ``run`` runs
it. Without a pool (``--workers 0``) every item is run here. An item no worker could read (its
workers gone) is marked in the record's attempts before the driver reads it: one that takes the
driver down is refused by the next run (``worker_crashed``), not tried for ever.
"""

from __future__ import annotations

import hashlib
import sys
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TextIO

from anonymizer.batch.progress import Progress, Summary
from anonymizer.batch.record import Done, Status, WorkRecord
from anonymizer.batch.snapshot import (
    Conflict,
    KeySnapshot,
    SnapshotKeyStore,
    relevant_change,
    renumber,
    replay,
)
from anonymizer.batch.source import Item
from anonymizer.batch.worker import Job, WorkerResult, read_checked, reason_of
from anonymizer.errors import (
    AnonymizerError,
    ExitCode,
    InputError,
    InternalError,
    SettingsError,
)
from anonymizer.formats.outputs import DIGEST_CHARS, write_clean_outputs
from anonymizer.formats.transcript import Transcript
from anonymizer.refusals import Reason

if TYPE_CHECKING:
    from anonymizer.engine.engine import Engine, Outcome
    from anonymizer.keys.keystore import KeyStore
    from anonymizer.settings import Settings


class Pool(Protocol):
    window: int  # how many items may be in flight

    def submit(self, job: Job, snapshot: KeySnapshot) -> object: ...

    def result(self, handle: object) -> WorkerResult: ...

    def redo(self, handle: object, snapshot: KeySnapshot) -> object:
        """Finish the item of ``handle`` again, on the worker that parsed it, against the newer
        ``snapshot``; a handle for ``result``."""
        ...


@dataclass
class Study:
    key: str
    settings: Settings
    keystore: KeyStore
    engine: Engine
    has_vault: bool
    changed: bool = True  # since the last snapshot, the key may have changed
    _snapshot: KeySnapshot | None = None

    def snapshot(self) -> KeySnapshot:
        """The key as it is now; the same object (and version) while nothing changed, so a Ray
        pool puts each version in the object store once."""
        if self.changed or self._snapshot is None:
            version = self._snapshot.version + 1 if self._snapshot else 0
            fresh = KeySnapshot.of(self.keystore, version)
            old = self._snapshot
            if old is None or (old.identities, old.by_kind) != (fresh.identities, fresh.by_kind):
                self._snapshot = fresh
            self.changed = False
        assert self._snapshot is not None
        return self._snapshot


@dataclass
class _Pending:
    item: Item
    study: Study
    job: Job
    snapshot: KeySnapshot | None
    handle: object


class Driver:
    def __init__(self, studies: dict[str, Study], output: Path, record: WorkRecord,
                 pool: Pool | None, language: str | None, *, err: TextIO | None = None) -> None:
        self.studies = studies
        self.output = output
        self.record = record
        self.pool = pool
        self.language = language
        self.err = err or sys.stderr
        self._recent: list[bool] = []  # for each recent speculative item: was it taken?
        self._tick = 0

    def run(self, items: Sequence[tuple[Item, str]], progress: Progress | None = None,
            refused: Sequence[tuple[Item, str, str]] = ()) -> Summary:
        """``items``: each with the key of its study in ``self.studies``; ``refused``: items
        whose study could not be opened (message, reason), refused first and not recorded (the
        next run tries them again, once their settings are fixed)."""
        summary = Summary(total=len(items) + len(refused))
        for _item, message, reason in refused:
            self._refuse(summary, message, reason)
        todo: list[Job] = []
        seen: set[str] = set()
        for item, study in items:
            checksum = self._checksum(item, summary)
            if checksum is None:
                continue
            if checksum in self.record:
                summary.skipped += 1
            elif checksum in seen:
                self._refuse(summary, f"{item.path}: the same bytes as an earlier input",
                             Reason.DUPLICATE.value)
            else:
                seen.add(checksum)
                job = Job(item.position, item.path, checksum, study,
                          self.studies[study].settings, self.language)
                if self.record.crashed(checksum):
                    self._refuse(summary, f"{item.path}: the batch's driver died while running "
                                 "it (an earlier run); refused, not tried again",
                                 Reason.WORKER_CRASHED.value, job)
                else:
                    todo.append(job)
        if self.record.done and todo and not all(s.has_vault for s in self.studies.values()):
            raise SettingsError("resuming a batch needs the study's vault (vault.backend = "
                                "\"vault\"): the numbers given before the interruption are "
                                "only kept there")
        if progress is not None:
            progress.total = len(todo)
        self._settle_all(todo, summary, progress)
        return summary

    def _checksum(self, item: Item, summary: Summary) -> str | None:
        try:
            return hashlib.sha256(item.path.read_bytes()).hexdigest()
        except OSError:
            from anonymizer.formats import read_transcript

            try:  # the reader names the reason (missing, a folder, unreadable...)
                read_transcript(item.path)
            except AnonymizerError as error:
                self._refuse(summary, str(error), reason_of(error))
                return None
            self._refuse(summary, f"{item.path}: cannot be read", Reason.UNREADABLE.value)
            return None

    def _settle_all(self, jobs: list[Job], summary: Summary, progress: Progress | None) -> None:
        pending: deque[_Pending] = deque()
        queue = deque(jobs)
        while queue or pending:
            while self.pool is not None and queue and len(pending) < self.pool.window:
                job = replace(queue.popleft(), speculate=self._speculate(len(pending)))
                study = self.studies[job.study]
                snapshot = study.snapshot()
                pending.append(_Pending(Item(job.position, job.path), study, job, snapshot,
                                        self.pool.submit(job, snapshot)))
            if pending:
                entry = pending.popleft()
                result = self.pool.result(entry.handle) if self.pool else None
                self._settle(entry.study, entry.job, entry.snapshot, result, summary,
                             entry.handle)
            else:
                job = queue.popleft()
                self._settle(self.studies[job.study], job, None, None, summary)
            if progress is not None:
                progress.advance()

    def _speculate(self, ahead: int) -> bool:
        """Finish at once against the snapshot, or only parse and finish at the item's turn:
        when most recent first results could not be taken (every transcript brings someone new
        whose name the others share), finishing early is work thrown away. The head of the
        queue and every fourth item still try, so the rate stays measured."""
        recent = self._recent[-8:]
        self._tick += 1
        return ahead == 0 or self._tick % 4 == 0 or 2 * recent.count(False) <= len(recent)

    def _settle(self, study: Study, job: Job, snapshot: KeySnapshot | None,
                result: WorkerResult | None, summary: Summary, handle: object = None) -> None:
        try:
            if result is not None and result.failure is not None and \
                    result.failure.exit_code == ExitCode.BAD_INPUT:
                self._refuse(summary, result.failure.message, result.failure.reason, job)
                return
            transcript = result.transcript if result is not None else None
            if transcript is None:
                if self.pool is not None:  # no worker read it: if it kills the driver too,
                    self.record.attempt(job.checksum, job.position)  # the next run knows
                transcript = read_checked(job)
            outcome: Outcome | AnonymizerError | None = None
            if result is not None and snapshot is not None and handle is not None:
                outcome = self._from_worker(study, job, snapshot, transcript, result, handle,
                                            summary)
                if outcome is not None:
                    summary.speculated += 1
            if outcome is None:
                if result is not None:
                    summary.redone += 1
                outcome = next(study.engine.anonymize_many(
                    [transcript.text], wheres=[str(job.path)],
                    table_lines=[transcript.table_lines()]))
            if isinstance(outcome, AnonymizerError):
                raise outcome
            self._release(job, transcript, outcome.clean_text, summary)
        except AnonymizerError as error:
            self._refuse(summary, str(error), reason_of(error), job)
        finally:
            study.changed = True  # the next snapshot is taken afresh

    def _from_worker(self, study: Study, job: Job, snapshot: KeySnapshot,
                     transcript: Transcript, result: WorkerResult, handle: object,
                     summary: Summary) -> Outcome | None:
        """The worker's outcome if it can be taken; else the same worker finishes the item
        again against the key as it is now (exact: every earlier item is settled); None if
        even that cannot be taken."""
        assert self.pool is not None
        for attempt in range(2):
            if result.outcome is not None:
                try:
                    taken = self._take(study, job, snapshot, transcript, result)
                except Conflict:
                    taken = None
                if attempt == 0:
                    self._recent = [*self._recent[-15:], taken is not None]
                if taken is not None:
                    return taken
            if attempt == 0:
                snapshot = study.snapshot()
                result = self.pool.result(self.pool.redo(handle, snapshot))
                if result.transcript is not None:
                    transcript = result.transcript
                summary.refinished += 1
        return None

    def _take(self, study: Study, job: Job, snapshot: KeySnapshot, transcript: Transcript,
              result: WorkerResult) -> Outcome:
        """The worker's outcome with the real numbers, committed and verified; ``Conflict`` if
        it cannot be taken (nothing is committed then)."""
        from anonymizer.engine.engine import Outcome, Scan

        assert result.outcome is not None
        text, worker_clean = transcript.text, result.outcome.clean_text
        if relevant_change(snapshot, study.keystore.identities(), text, worker_clean,
                           study.engine.resolver.diminutives):
            raise Conflict("the key changed in a way that touches this transcript")
        # First on a copy: the in-memory store cannot undo half a replay.
        replay(result.calls, SnapshotKeyStore(KeySnapshot.of(study.keystore, -1)))
        scan = result.outcome.scan
        roster = study.engine.roster()  # as run verifies: the roster before this transcript
        with study.keystore.batch():
            try:
                mapping = replay(result.calls, study.keystore)
            except Conflict:
                if study.has_vault:
                    raise  # the vault's transaction is rolled back: the driver runs the item
                # The in-memory store cannot undo half a replay, and the copy agreed: a bug.
                raise InternalError(f"{job.path}: internal error (the key store disagreed "
                                    "with its copy); nothing was written for it") from None
            replacements, flags = renumber(scan.replacements, scan.flags, mapping)
            scan = Scan(replacements, scan.kept, flags)
            rewritten = study.engine.rewriter.apply(text, replacements)
            study.engine.verify(text, scan, rewritten.text, where=str(job.path), roster=roster)
        return Outcome(rewritten.text, scan, rewritten)

    def _release(self, job: Job, transcript: Transcript, clean: str, summary: Summary) -> None:
        written = write_clean_outputs(self.output, job.checksum[:DIGEST_CHARS], transcript, clean)
        self.record.add(Done(job.checksum, job.position, Status.RELEASED,
                             outputs=tuple(p.name for p in written)))
        summary.released += 1
        summary.words += len(transcript.text.split())

    def _refuse(self, summary: Summary, message: str, reason: str, job: Job | None = None
                ) -> None:
        print(f"anonymizer: error: {' '.join(message.split())}", file=self.err)
        summary.refused[reason] += 1
        if job is not None and reason != Reason.VAULT_REFUSED.value:
            # Refused for good (bad input, verification): not tried again on a resume. A vault
            # refusal is the vault's state, not the file's: the next run tries again.
            self.record.add(Done(job.checksum, job.position, Status.REFUSED, reason))


def checked_output(output: Path) -> Path:
    if output.exists() and not output.is_dir():
        raise InputError(f"{output}: not a folder")
    output.mkdir(parents=True, exist_ok=True)
    return output
