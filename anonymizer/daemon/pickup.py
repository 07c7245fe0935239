"""The daemon's side of the request spool (``anonymizer.daemon.requests``): take each queued
request while watching, run it as a job through the journal, record how it ended.

    serve_requests   each queued request, oldest first, between inbox files:
                     the release found by its stem (else refused: ``unknown_release``)
                     -> a job id chosen and written into the request (status running) -- before
                     anything is journaled -> audit ``rerun_requested`` -> ``rerun_release``
                     (claim, process: the same stages, journal and recovery as ``store rerun``)
                     -> done (the stem it released) or refused (reason code, exit code)
                     a review request (a steward accepted a version) -> the sidecar's
                     ``review`` and the catalog, if that version is still the current one
    settle_running   after recovery (at start, and after each retry pass): a request left
                     running by a crash is done if its job released (a sidecar or a
                     ``released`` record with that job id), refused if it has a
                     ``rerun_refused`` record, left alone while its job is journaled (recovery
                     finishes it), and queued again -- same job id -- if the job never began

So a request is done exactly once: its job id is fixed before the job exists, and a job id is
claimed again only when neither the journal nor the audit log knows it.
"""

from __future__ import annotations

import logging
import threading
import uuid
from pathlib import Path

from anonymizer.audit.log import AuditError, AuditEvent
from anonymizer.daemon.context import Context
from anonymizer.daemon.requests import RequestKind, RequestState, RequestStatus, Spool
from anonymizer.daemon.rerun import (
    OriginalMismatch,
    RerunResult,
    claim_rerun,
    refusal_error,
    result_of,
)
from anonymizer.daemon.runner import process
from anonymizer.errors import AnonymizerError, ExitCode, InputError
from anonymizer.store.released import find_sidecar
from vault import VaultError

log = logging.getLogger("anonymizer.daemon")
UNKNOWN_RELEASE = "unknown_release"
NOT_RERUNNABLE = "not_rerunnable"
VAULT_REFUSED = "vault_refused"
ORIGINAL_MISMATCH = "original_mismatch"
SUPERSEDED = "superseded"


def rerun_release(ctx: Context, meta_path: Path, *, job_id: str | None = None) -> RerunResult:
    """One released transcript through the pipeline again (the caller holds the daemon lock)."""
    job = claim_rerun(ctx, meta_path, job_id=job_id)
    old = job.entry.supersedes
    assert old is not None
    process(ctx, job)
    return result_of(ctx, job, old.stem)


def serve_requests(ctx: Context, spool: Spool, stop: threading.Event) -> int:
    """Run every queued request; returns how many were taken."""
    taken = 0
    for state in spool.waiting():
        if stop.is_set():
            break
        if state.status is RequestStatus.QUEUED:
            serve(ctx, spool, state)
            taken += 1
    return taken


def serve(ctx: Context, spool: Spool, state: RequestState) -> RequestState:
    try:
        meta_path = find_sidecar(ctx.store.folder, state.stem)
    except InputError:
        return _refused(spool, state, UNKNOWN_RELEASE, ExitCode.BAD_INPUT,
                        f"no released transcript is named {state.stem}")
    if state.kind is RequestKind.REVIEW:
        return _review(ctx, spool, state, meta_path)
    meta = ctx.store.read_meta(meta_path) or {}
    resumed = state.job is not None
    job = state.job or uuid.uuid4().hex
    state = spool.save(state.moved(RequestStatus.RUNNING, job=job))
    participant = meta.get("participant")
    ctx.record(AuditEvent.RERUN_REQUESTED, request_id=state.id, job_id=job,
               supersedes=str(meta.get("job_id", "")) or None,
               participant=participant if isinstance(participant, int) else None,
               wave=str(meta.get("wave", "")) or None, cause_code=state.cause,
               resumed=resumed)
    log.info("request %s: re-running %s as job %s", state.id[:12], state.stem, job[:12])
    try:
        result = rerun_release(ctx, meta_path, job_id=job)
    except AuditError:
        raise
    except OriginalMismatch as error:
        return _refused(spool, state, ORIGINAL_MISMATCH, error.exit_code, str(error))
    except AnonymizerError as error:  # our own sentences: stems, numbers, codes
        return _refused(spool, state, NOT_RERUNNABLE, error.exit_code, str(error))
    except VaultError as error:
        return _refused(spool, state, VAULT_REFUSED, ExitCode.KEYSTORE,
                        f"the vault refused ({error.reason.value})")
    if result.refusal is not None:
        refusal = result.refusal
        return _refused(spool, state, refusal.reason.value,
                        refusal_error(refusal.reason).exit_code, refusal.detail or "")
    if result.new_stem is not None:
        return _done(spool, state, result.new_stem, unfinished=result.unfinished)
    return state  # journaled past its commit point: settle_running sees it through


def _review(ctx: Context, spool: Spool, state: RequestState, meta_path: Path) -> RequestState:
    """A steward accepted version ``state.job``: its sidecar gets ``review`` (status, account,
    time) and the catalog is rebuilt from the sidecars. A version re-run since is refused."""
    meta = ctx.store.read_meta(meta_path)
    if meta is None or meta.get("job_id") != state.job:
        return _refused(spool, state, SUPERSEDED, ExitCode.BAD_INPUT,
                        f"{state.stem} was re-run since that version was reviewed")
    meta["review"] = {"status": "accepted", "by": state.actor, "at": state.submitted_at}
    ctx.store.rewrite_meta(meta_path, meta, str(state.job))
    ctx.store.catalog.reconcile(ctx.store.catalog_rows())
    log.info("request %s: %s marked reviewed", state.id[:12], state.stem)
    return spool.save(state.moved(RequestStatus.DONE, new_stem=state.stem))


def settle_running(ctx: Context, spool: Spool) -> None:
    running = [s for s in spool.waiting() if s.status is RequestStatus.RUNNING]
    if not running:
        return
    by_job = {str(meta.get("job_id")): path for path, meta in ctx.store.all_meta()}
    history: dict[str, tuple[AuditEvent, dict[str, object]]] | None = None
    for state in running:
        job = state.job
        if job is None:  # impossible: running is written with the job id
            spool.save(state.moved(RequestStatus.QUEUED))
            continue
        if ctx.journal.path(job).exists():
            continue  # recovery finishes it; settled on a later pass
        if job in by_job:
            _done(spool, state, by_job[job].name[: -len(".meta.json")])
            continue
        if history is None:
            history = _outcomes(ctx)
        event, fields = history.get(job, (None, {}))
        if event is AuditEvent.RELEASED:
            _done(spool, state, state.stem)  # released, and replaced again since
        elif event is AuditEvent.RERUN_REFUSED:
            reason = str(fields.get("reason", ""))
            _refused(spool, state, reason, refusal_error(reason).exit_code,
                     "refused (see the audit log)")
        else:
            log.info("request %s: job %s never began; queued again", state.id[:12], job[:12])
            spool.save(state.moved(RequestStatus.QUEUED))


def _outcomes(ctx: Context) -> dict[str, tuple[AuditEvent, dict[str, object]]]:
    found: dict[str, tuple[AuditEvent, dict[str, object]]] = {}
    for record in ctx.audit.records():
        job = record.fields.get("job_id")
        if isinstance(job, str) and record.event in (AuditEvent.RELEASED,
                                                      AuditEvent.RERUN_REFUSED):
            found[job] = (AuditEvent(record.event), dict(record.fields))
    return found


def _done(spool: Spool, state: RequestState, stem: str, *, unfinished: bool = False
          ) -> RequestState:
    log.info("request %s: done, released as %s", state.id[:12], stem)
    return spool.save(state.moved(RequestStatus.DONE, new_stem=stem, unfinished=unfinished))


def _refused(spool: Spool, state: RequestState, reason: str, exit_code: int, detail: str
             ) -> RequestState:
    log.warning("request %s: refused (%s)", state.id[:12], reason)
    return spool.save(state.moved(RequestStatus.REFUSED, reason=reason, detail=detail,
                                  exit_code=int(exit_code)))
