"""Re-running a released transcript: its sealed original through the daemon's own pipeline, with
the current rules and vault, and the old release replaced.

A rerun is an ordinary job with ``supersedes`` in its journal entry (the old release's job id,
sidecar, files, sealed original and version). It runs only in a process that holds the daemon's
work-folder lock -- the daemon itself, for a request queued in ``requests/``
(``anonymizer.daemon.pickup``), or ``anonymizer store rerun`` in its place when no daemon runs --
so the journal has one writer and the recovery rules stay those of
``anonymizer.daemon.journal``::

    claim_rerun      [old sidecar read, participant live] journal (claiming, supersedes)
                     -> the sealed original, decrypted, written to work/<job><ext> (atomic,
                     0600; no other place, no name from anyone) -> journal (claimed)
    process          the same stages as an inbox file; participant and wave come from the old
                     sidecar (as name clues), ``dedupe`` lets the same bytes through
    release          plan ``P07_wave2`` again, staged (the same names: a QDA project keeps
                     its links) -> clean files under staged names beside the old ones -> new
                     sidecar renamed over the old one (the commit point; ``version`` + 1,
                     ``supersedes``) -> staged files renamed over the old ones ->
                     ``retire_superseded`` under the same store lock: whatever of the old
                     release the new one does not name, the catalog rewritten (one row per
                     transcript)
    finish_release   audit ``released`` (``supersedes``) -> the input sealed again, under the
                     new job id -> (journal: sealed) -> ``finish_superseding``: retire again
                     (a no-op unless a crash cut it short), delete the old sealed original,
                     audit ``superseded`` -> clean up

So there is always exactly one released version once recovery has run, and the original is
always somewhere: the old sealed copy stays until the new one is durable.

A refusal of any kind (verification, a withdrawal, an engine failure, a crash loop) goes to
``discard_rerun`` instead of quarantine: (journal: discarding) -> audit ``rerun_refused`` ->
the decrypted input is deleted. The old release and its sealed original were never touched, and
a decrypted copy of an original that is sealed already has no business in quarantine/.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anonymizer.audit.log import AuditEvent
from anonymizer.daemon.context import Context
from anonymizer.daemon.intake import extension_of
from anonymizer.daemon.job import Job, Refused
from anonymizer.daemon.journal import JobState, JournalEntry, Supersedes
from anonymizer.errors import AnonymizerError, InputError, KeyStoreError, VerificationError
from anonymizer.fsutil import atomic_write, remove_durably
from anonymizer.refusals import Reason, Refusal
from anonymizer.store.metadata import sealed_original
from anonymizer.store.naming import NameClues
from vault import Reason as VaultReason
from vault import VaultError

log = logging.getLogger("anonymizer.daemon")
INPUT_MODE = 0o600


def named_standard(meta: dict) -> str | None:
    """The written standard the inbox file's name named at the first release (the name itself
    is gone): a rerun reads the transcript in it again instead of guessing from the text."""
    standard = meta.get("standard")
    if isinstance(standard, dict) and standard.get("source") == "file_name":
        code = standard.get("code")
        return code if isinstance(code, str) else None
    return None


class OriginalMismatch(AnonymizerError):
    """The sealed original does not open to the bytes its release names (exit 1)."""


def superseded_key(job: str) -> str:
    """How recovery's set of audited jobs marks "a ``superseded`` record names this old job"
    (the old job has a ``released`` record of its own, so its bare id says nothing)."""
    return f"superseded:{job}"


def superseded_from(ctx: Context, meta_path: Path, meta: dict[str, Any]) -> Supersedes:
    stem = meta_path.name[: -len(".meta.json")]
    relative = sealed_original(meta, meta_path.name, stem, "re-run it from")
    return Supersedes(
        job=str(meta["job_id"]), folder=ctx.store.relative(meta_path.parent), stem=stem,
        meta=meta_path.name,
        files=tuple((str(f["name"]), str(f["sha256"])) for f in meta["files"]),
        original=relative.as_posix(), input_sha256=str(meta["input"]["sha256"]),
        version=_version(meta))


def _version(meta: dict[str, Any]) -> int:
    version = meta.get("version", 1)
    return version if isinstance(version, int) and version >= 1 else 1


def claim_rerun(ctx: Context, meta_path: Path, *, job_id: str | None = None) -> Job:
    """A job for the release whose sidecar is ``meta_path``: journaled, its input decrypted into
    work/. Refuses (nothing journaled, nothing written) what cannot be re-run. ``job_id``: the
    id a request chose for it before (``anonymizer.daemon.pickup``), else a new one."""
    meta = ctx.store.read_meta(meta_path)
    if meta is None or not isinstance(meta.get("participant"), int):
        raise InputError(f"{meta_path.name}: not a release sidecar")
    old = superseded_from(ctx, meta_path, meta)
    participant, wave = int(meta["participant"]), str(meta.get("wave", ""))
    ext = extension_of(f"x.{meta.get('input', {}).get('format', '')}")
    if not ext:
        raise InputError(f"{meta_path.name}: the input format is not one the daemon reads")
    ctx.keystore.refresh()
    try:
        ctx.keystore.participant(participant)
        data = ctx.originals.read(ctx.keystore, old.original, participant, old.job)
    except VaultError as error:
        if error.reason is VaultReason.WITHDRAWN:
            raise InputError(f"participant {participant} withdrew: their transcripts are not "
                             f"re-run (anonymizer store purge {participant} removes what is "
                             "left of them)") from None
        raise
    except FileNotFoundError:
        raise InputError(f"the sealed original of {old.stem} is missing from the originals "
                         "folder: there is nothing to re-run it from") from None
    if hashlib.sha256(data).hexdigest() != old.input_sha256:
        raise OriginalMismatch(f"the sealed original of {old.stem} does not open to the input "
                               "its metadata names (SHA-256 differs); nothing was re-run")
    now = ctx.clock().isoformat().replace("+00:00", "Z")
    entry = JournalEntry(job_id or uuid.uuid4().hex, JobState.CLAIMING, ext, now,
                         NameClues(participant, wave, standard=named_standard(meta)),
                         supersedes=old)
    ctx.journal.save(entry)
    target = ctx.journal.input_path(entry)
    atomic_write(target, data, tag=entry.job[:12], mode=INPUT_MODE)
    del data
    entry = ctx.journal.save(entry.moved(JobState.CLAIMED))
    log.info("job %s: re-running %s/%s (job %s)", entry.job[:12], old.folder, old.stem,
             old.job[:12])
    return Job(entry, target)


def retire_superseded(ctx: Context, old: Supersedes) -> int:
    """Take the old release out of the store: its sidecar first (from then on it is not
    released), then its clean files and review data, then its catalog rows. Idempotent; the
    caller holds the store lock and has committed the new release. Returns the files removed."""
    folder = ctx.store.folder / old.folder
    if ctx.store.holds(old.folder, old.meta, old.job):
        remove_durably(folder / old.meta)
    claimed = ctx.store.claimed_names(folder)  # never a file another sidecar names
    removed = sum(remove_durably(folder / name) for name, _ in old.files if name not in claimed)
    try:
        ctx.store.catalog.reconcile(ctx.store.catalog_rows())
    except Exception:  # noqa: BLE001 - the sidecars are the truth; rebuilt at the next start
        log.warning("catalog.csv could not be rewritten; it is rebuilt at the next start")
    return removed


def finish_superseding(ctx: Context, entry: JournalEntry, *,
                       audited: set[str] | None = None) -> None:
    """After the new original is sealed (state ``sealed``): the old release out of the store
    (again: a crash may have cut it short), the old sealed original deleted, ``superseded``
    recorded once."""
    old = entry.supersedes
    plan = entry.release
    assert old is not None and plan is not None
    with ctx.store.locked():
        removed = retire_superseded(ctx, old)
    remove_durably(ctx.originals.folder / old.original)
    if audited is None or superseded_key(old.job) not in audited:
        ctx.record(AuditEvent.SUPERSEDED, job_id=old.job, new_job_id=entry.job,
                   participant=plan.participant, wave=plan.wave,
                   input_sha256=old.input_sha256, output_sha256s=[h for _, h in old.files],
                   new_output_sha256s=[h for _, h in plan.files],
                   resumed=audited is not None)
    ctx.counts["superseded"] += 1
    if removed:
        log.info("job %s: removed %s (%d file(s)), replaced by %s", entry.job[:12], old.stem,
                 removed, plan.stem)


def discard_rerun(ctx: Context, entry: JournalEntry, refused: Refused) -> None:
    entry = ctx.journal.save(entry.moved(JobState.DISCARDING, refusal=refused.refusal))
    finish_discard(ctx, entry)


def finish_discard(ctx: Context, entry: JournalEntry, *, audited: set[str] | None = None
                   ) -> None:
    old, refusal = entry.supersedes, entry.refusal
    assert old is not None and refusal is not None
    if audited is None or entry.job not in audited:
        ctx.record(AuditEvent.RERUN_REFUSED, job_id=entry.job, supersedes=old.job,
                   reason=refusal.reason, stage=refusal.stage,
                   participant=entry.clues.participant, input_sha256=entry.input_sha256,
                   resumed=audited is not None)
    ctx.journal.close(entry)  # the decrypted input goes; its sealed original stays
    ctx.counts["rerun_refused"] += 1
    log.warning("rerun job %s refused: %s at stage %s; %s is unchanged", entry.job[:12],
                refusal.reason.value, refusal.stage.value, old.stem)


# A refused rerun's exit code: what the steward can do about it (the CLI and the spool use it).
_REFUSAL_ERRORS: dict[Reason, type[AnonymizerError]] = {
    Reason.VERIFICATION_REFUSED: VerificationError,
    Reason.VAULT_REFUSED: KeyStoreError,
    Reason.PARTICIPANT_WITHDRAWN: InputError,
    Reason.PARTICIPANT_UNKNOWN: InputError,
    Reason.PARTICIPANT_MISMATCH: InputError,
    Reason.PARTICIPANT_AMBIGUOUS: InputError,
    Reason.WITHDRAWN_INPUT: InputError,
    Reason.SUPERSEDED_GONE: InputError,
}


def refusal_error(reason: Reason | str) -> type[AnonymizerError]:
    try:
        return _REFUSAL_ERRORS.get(Reason(reason), AnonymizerError)
    except ValueError:
        return AnonymizerError


@dataclass(frozen=True)
class RerunResult:
    old_stem: str
    job: str
    new_stem: str | None = None  # released as
    refusal: Refusal | None = None
    unfinished: bool = False  # released, but a step after the commit point is left to recovery


def result_of(ctx: Context, job: Job, old_stem: str) -> RerunResult:
    if job.refused is not None:
        refused = job.refused
        return RerunResult(old_stem, job.id, refusal=refused.refusal)
    plan = job.entry.release
    if plan is not None and ctx.store.is_committed(plan, job.id):
        unfinished = ctx.journal.path(job.id).exists()
        return RerunResult(old_stem, job.id, plan.stem, unfinished=unfinished)
    return RerunResult(old_stem, job.id, unfinished=True)
