"""After a crash: every journal entry is resumed or rolled back, before the inbox is looked at.

Order matters:

1. read every entry; roll back each ``releasing`` plan whose sidecar is not there (its clean
   files are deleted: not released, so nothing is taken back from anyone; a rerun in place
   loses only its staged files, the old version stays whole); place the staged files of each
   committed rerun over the old version's; delete temp files left in work/ (a killed
   writer's: a journal entry, a rerun's decrypted input);
2. remove leftovers no entry claims (temp files; clean files without a sidecar, e.g. from a purge
   cut short), and rebuild ``catalog.csv`` from the sidecars if it differs;
3. load what the store and quarantine hold (for duplicate detection);
4. finish or re-run each entry, following the rules in ``anonymizer.daemon.journal``. A job
   started ``MAX_ATTEMPTS`` times is quarantined (``crashed_repeatedly``) instead of being run
   again: a file that kills the daemon must not keep it down.

Files in work/ with no entry at all (impossible with the claim's order, but cheap to handle) are
adopted as claimed jobs whose file name said nothing.

Audit records are looked up before they are written again, so a crash between an audit append
and the next journal step does not record a release or quarantine twice.

A rerun (an entry with ``supersedes``) follows the same rules: stopped before its input was
written (``claiming``, no input) it is dropped and the old release is as it was; before its
commit point it is processed again; after it, the old release is removed (again) and its
sealed original deleted once the new one is sealed; refused (``discarding``) it is recorded
once and its input deleted.
"""

from __future__ import annotations

import logging
from datetime import datetime

from anonymizer.audit.log import AuditEvent
from anonymizer.daemon.context import Context
from anonymizer.daemon.job import Job, Refused
from anonymizer.daemon.journal import MAX_ATTEMPTS, JobState, JournalEntry
from anonymizer.daemon.release import finish_release
from anonymizer.daemon.rerun import finish_discard, superseded_key
from anonymizer.daemon.runner import finish_quarantine, process, quarantine_job
from anonymizer.fsutil import remove_temps
from anonymizer.refusals import Reason, Stage

log = logging.getLogger("anonymizer.daemon")
_AUDITED_EVENTS = {AuditEvent.RELEASED, AuditEvent.QUARANTINED, AuditEvent.DUPLICATE,
                   AuditEvent.RERUN_REFUSED}
_AUDITING_STATES = {JobState.RELEASED, JobState.SEALED, JobState.QUARANTINING,
                    JobState.DISCARDING}


def prepare_store(ctx: Context) -> None:
    """Steps 1-3: make the store consistent before anything is resumed."""
    if remove_temps(ctx.folders.work):
        log.info("removed temp files a stopped writer left in work/")
    planned: set[str] = set()
    for _, entry in ctx.journal.entries():
        if entry is None or entry.release is None:
            continue
        plan = entry.release
        if entry.state is JobState.RELEASING and not ctx.store.is_committed(plan, entry.job):
            removed = ctx.store.roll_back(plan)
            ctx.journal.save(entry.moved(JobState.CLAIMED, release=None))
            log.info("job %s: rolled back an unfinished release (%d file(s))", entry.job[:12],
                     removed)
            continue
        if ctx.store.is_committed(plan, entry.job) and ctx.store.place_staged(plan):
            log.info("job %s: placed the committed rerun's files over the old version",
                     entry.job[:12])
        planned |= {f"{plan.folder}/{name}" for name, _ in plan.files}
        planned |= {f"{plan.folder}/{name}" for name in plan.written_names()}
    orphans = ctx.store.clean_orphans(planned)
    if orphans:
        log.warning("removed %d clean file(s) that no metadata sidecar claims", orphans)
    if ctx.store.catalog.reconcile(ctx.store.catalog_rows()):
        log.info("catalog.csv rebuilt from the metadata sidecars")
    ctx.load_indexes()


def resume_all(ctx: Context) -> int:
    """Step 4: finish or re-run every journaled job. Returns how many there were."""
    items = ctx.journal.entries()
    known = {job for job, _ in items}
    audited = _audited_jobs(ctx) if any(
        e is not None and e.state in _AUDITING_STATES for _, e in items) else set()
    for job, entry in items:
        if entry is None:
            log.error("journal entry %s cannot be read; it and its input are left in work/ "
                      "for a steward", job[:12])
            continue
        resume(ctx, entry, audited)
    for path in ctx.journal.orphan_inputs(known):
        job = path.name.split(".", 1)[0]
        ext = path.name[len(job):]
        log.warning("job %s: an input in work/ without a journal entry is processed again",
                    job[:12])
        entry = JournalEntry(job, JobState.CLAIMED, ext, _now(ctx))
        process(ctx, Job(ctx.journal.save(entry), path))
    return len(items)


def resume(ctx: Context, entry: JournalEntry, audited: set[str]) -> None:
    state = entry.state
    if state is JobState.CLAIMING:
        if not ctx.journal.input_path(entry).exists() and \
                not ctx.journal.input_path(entry).is_symlink():
            ctx.journal.close(entry)  # never left the inbox (a rerun: never decrypted)
            return
        entry = ctx.journal.save(entry.moved(JobState.CLAIMED))
        state = entry.state
    if state is JobState.RELEASING:  # committed (prepare_store rolled back the others)
        entry = ctx.journal.save(entry.moved(JobState.RELEASED))
        state = entry.state
    if state is JobState.CLAIMED:
        if entry.attempts >= MAX_ATTEMPTS:
            quarantine_job(ctx, entry, Refused(
                Reason.CRASHED_REPEATEDLY, Stage.RECOVER,
                f"processing was started {entry.attempts} times and never finished"))
            return
        log.info("job %s: processing again after a restart", entry.job[:12])
        process(ctx, Job(entry, ctx.journal.input_path(entry)))
    elif state in (JobState.RELEASED, JobState.SEALED):
        finish_release(ctx, entry, audited=audited)
    elif state is JobState.QUARANTINING:
        finish_quarantine(ctx, entry, audited=audited)
    elif state is JobState.DISCARDING:
        finish_discard(ctx, entry, audited=audited)


def _audited_jobs(ctx: Context) -> set[str]:
    """Job ids with a released/quarantined/duplicate/rerun_refused record, and
    ``superseded_key(old job)`` for each superseded record (one pass over the log)."""
    jobs = set()
    for record in ctx.audit.records():
        job = record.fields.get("job_id")
        if not isinstance(job, str):
            continue
        if record.event in _AUDITED_EVENTS:
            jobs.add(job)
        elif record.event is AuditEvent.SUPERSEDED:
            jobs.add(superseded_key(job))
    return jobs


def _now(ctx: Context) -> str:
    now: datetime = ctx.clock()
    return now.isoformat().replace("+00:00", "Z")
