"""Runs one job through the stages; whatever happens, the job ends released, quarantined, or
journaled to be finished later -- and the runner always cleans up after itself.

Outcomes of ``process``:

* released -- the stages, ``release`` and ``finish_release`` all went through;
* quarantined -- a stage refused the input (``Refused``), or failed unexpectedly (reason
  ``engine_error``: only the exception's type is logged, never its message, which might quote the
  transcript); a rerun is discarded instead (``anonymizer.daemon.rerun``), ``job.refused`` says
  why;
* duplicate -- recorded (audit ``duplicate``) and quarantined or deleted by ``store.duplicates``;
* left journaled -- only when something after the commit point failed (sealing while the vault
  is locked): the next recovery pass finishes it.

Errors that make every further job unsafe (the audit log refuses, the work folder cannot be
written) are not caught: the daemon stops and the job is resumed at the next start.
"""

from __future__ import annotations

import logging

from anonymizer.audit.log import AuditError, AuditEvent
from anonymizer.daemon.context import Context
from anonymizer.daemon.job import Duplicate, Job, Refused
from anonymizer.daemon.journal import JobState, JournalEntry, QuarantinePlan
from anonymizer.daemon.release import finish_release, release
from anonymizer.daemon.rerun import discard_rerun
from anonymizer.daemon.stages import BEFORE_RELEASE
from anonymizer.refusals import Reason, Stage
from anonymizer.settings import DuplicatePolicy

log = logging.getLogger("anonymizer.daemon")


def process(ctx: Context, job: Job) -> None:
    job.entry = ctx.journal.save(job.entry.moved(JobState.CLAIMED,
                                                 attempts=job.entry.attempts + 1))
    stage_name = Stage.INSPECT
    try:
        for stage_name, stage in BEFORE_RELEASE:  # noqa: B007 - read after the loop when a step raises
            stage(ctx, job)
        stage_name = Stage.RELEASE
        job.entry = release(ctx, job)
    except Refused as refused:
        job.refused = refused
        quarantine_job(ctx, job.entry, refused)
        return
    except Duplicate as duplicate:
        handle_duplicate(ctx, job.entry, duplicate.first)
        return
    except AuditError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure quarantines the input
        log.error("job %s: %s at stage %s", job.short, type(exc).__name__, stage_name.value)
        plan = job.entry.release
        if plan is not None and ctx.store.is_committed(plan, job.id):
            return  # released after all (a failure after the commit point): recovery finishes
        job.refused = Refused(Reason.ENGINE_ERROR, stage_name,
                              f"{type(exc).__name__} at stage {stage_name.value}")
        quarantine_job(ctx, job.entry, job.refused)
        return
    finally:
        job.data = job.transcript = job.outcome = None  # drop the text as early as possible
        job.outputs.clear()
    try:
        finish_release(ctx, job.entry)
    except AuditError:
        raise
    except Exception as exc:  # noqa: BLE001 - released; sealing is retried later
        log.error("job %s is released; sealing or clean-up failed (%s) and will be retried",
                  job.short, type(exc).__name__)


def quarantine_job(ctx: Context, entry: JournalEntry, refused: Refused) -> None:
    if entry.supersedes is not None:
        # A rerun's input is a decrypted copy of an original that stays sealed: deleted, and
        # the release it was to replace stays as it is.
        discard_rerun(ctx, entry, refused)
        return
    name = ctx.quarantine.name_for(job=entry.job, sha256=entry.input_sha256, ext=entry.ext,
                                   now=ctx.clock())
    plan = QuarantinePlan(name, refused.refusal)
    # The participant it would belong to (from the refusal, else the file name), so that a
    # withdrawal's purge also finds this input in quarantine.
    participant = refused.participant if refused.participant is not None else \
        entry.clues.participant
    participants = (participant,) if participant is not None else ()
    entry = ctx.journal.save(entry.moved(JobState.QUARANTINING, quarantine=plan,
                                         participants=participants))
    finish_quarantine(ctx, entry)


def finish_quarantine(ctx: Context, entry: JournalEntry, *, audited: set[str] | None = None
                      ) -> None:
    plan = entry.quarantine
    assert plan is not None
    reason, stage = plan.refusal.reason, plan.refusal.stage
    participant = entry.participants[0] if entry.participants else None
    ctx.quarantine.move_in(ctx.journal.input_path(entry), plan.name)
    ctx.quarantine.write_report(plan.name, reason=reason, stage=stage, job=entry.job,
                                sha256=entry.input_sha256, size=entry.input_bytes,
                                participant=participant, detail=plan.refusal.detail,
                                now=ctx.clock())
    if audited is None or entry.job not in audited:
        if reason is Reason.DUPLICATE:
            ctx.record(AuditEvent.DUPLICATE, job_id=entry.job, input_sha256=entry.input_sha256,
                       action="quarantined", first_status=plan.refusal.detail or None)
        else:
            ctx.record(AuditEvent.QUARANTINED, job_id=entry.job, reason=reason,
                       stage=stage, input_sha256=entry.input_sha256,
                       participant=participant, resumed=audited is not None)
    if entry.input_sha256 is not None and reason is not Reason.DUPLICATE:
        ctx.held[entry.input_sha256] = plan.name
    ctx.journal.close(entry)
    if reason is Reason.DUPLICATE:
        ctx.counts["duplicates"] += 1
        ctx.counts["duplicates_quarantined"] += 1
    else:
        ctx.counts["quarantined"] += 1
    sha = (entry.input_sha256 or "-")[:12]
    log.warning("quarantined job %s (input %s): %s at stage %s -> %s", entry.job[:12], sha,
                reason.value, stage.value, plan.name)


def handle_duplicate(ctx: Context, entry: JournalEntry, first: str) -> None:
    if ctx.settings.store.duplicates is DuplicatePolicy.QUARANTINE:
        quarantine_job(ctx, entry, Refused(Reason.DUPLICATE, Stage.DEDUPE, first))
        return
    ctx.record(AuditEvent.DUPLICATE, job_id=entry.job, input_sha256=entry.input_sha256,
               action="deleted", first_status=first)
    ctx.journal.close(entry)
    ctx.counts["duplicates"] += 1
    log.info("deleted job %s (input %s): a duplicate of a %s input", entry.job[:12],
             (entry.input_sha256 or "-")[:12], first)
