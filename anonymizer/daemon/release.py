"""The release and what follows it: store, commit, audit, seal (or delete), clean up.

    release:  [store lock] participant still live? -> plan (journal: releasing) -> clean files
              (a rerun: staged) -> sidecar (the commit point; a rerun: over the old one) ->
              catalog rows [a rerun: staged files placed over the old ones, the rest of the
              old release out of the store, the catalog rewritten] -> (journal: released)
    finish:   audit RELEASED -> seal or delete the original -> (journal: sealed) -> [a rerun:
              the old sealed original deleted, audit SUPERSEDED] -> remove the input and the
              journal entry

A rerun (``anonymizer.daemon.rerun``) always seals its input again, whatever
``store.originals`` says now: it was sealed before, and it is the only copy.

``finish_release`` is also what recovery calls for a job that crashed after its commit point, so
every step in it is idempotent (the audit record is looked up before it is written again).
"""

from __future__ import annotations

import hashlib
import logging

from anonymizer import __version__
from anonymizer.audit.corrections import read_set
from anonymizer.audit.log import AuditEvent, FieldValue
from anonymizer.daemon.context import Context
from anonymizer.daemon.job import Job, Refused
from anonymizer.daemon.journal import JobState, JournalEntry
from anonymizer.daemon.rerun import finish_superseding, retire_superseded
from anonymizer.daemon.stages import check_live
from anonymizer.language.standard import StandardSource
from anonymizer.refusals import Reason, Stage
from anonymizer.settings import OriginalsPolicy
from anonymizer.store.catalog import rows_for
from anonymizer.store.metadata import EngineFacts, build_meta
from anonymizer.store.naming import participant_folder
from vault import Reason as VaultReason
from vault import VaultError

log = logging.getLogger("anonymizer.daemon")


def engine_facts(ctx: Context, job: Job) -> EngineFacts:
    engine = job.engine or ctx.engine
    pipeline = engine.pipeline
    corrections = read_set(ctx.settings.audit_path().parent).to_json()
    standard = None
    if job.standard is not None and ctx.engines is not None and ctx.engines.standards.several:
        standard = {**job.standard.to_json(),
                    "rules_digest": ctx.engines.standards.digest}
    return EngineFacts(engine.language, engine.rules_digest,
                       hashlib.sha256(ctx.naming.digest_source).hexdigest(),
                       str(pipeline.model_name), str(pipeline.model_version), corrections,
                       standard)


def release(ctx: Context, job: Job) -> JournalEntry:
    assert job.participant is not None and job.wave is not None and job.outcome is not None
    entry = job.entry
    sha = entry.input_sha256
    assert sha is not None
    old = entry.supersedes
    with ctx.store.locked():
        # A withdrawal committed while the engine ran must win: the purge takes this lock too.
        ctx.keystore.refresh()
        check_live(ctx, job.participant, Stage.RELEASE)
        suffixes = [(suffix, _sha(data)) for suffix, data in job.outputs.items()]
        folder = f"{participant_folder(job.participant)}/{job.wave}"
        if old is not None and old.folder == folder:  # in place: the same names
            plan = ctx.store.plan_rerun(old.stem, job.participant, job.wave, suffixes)
        else:  # (a rerun that came out as another participant or wave: a name of its own)
            plan = ctx.store.plan(job.participant, job.wave, suffixes, reserved=set())
        entry = ctx.journal.save(entry.moved(JobState.RELEASING, release=plan,
                                             participants=job.participants))
        job.entry = entry
        contents = {plan.stem + suffix: data for suffix, data in job.outputs.items()}
        original = ({"policy": "seal", "file": ctx.originals.relative(
            job.participant, entry.job, entry.ext)}
            if seals(ctx, entry) else {"policy": "delete"})
        assert job.consent is not None
        scan = job.outcome.scan
        meta = build_meta(
            ctx.settings, job=entry.job, participant=job.participant,
            participants=job.participants, wave=job.wave, consent=job.consent,
            engine=engine_facts(ctx, job), counts=scan.counts, flags=len(scan.flags),
            files=[(plan.stem + s, job.output_formats[s], h) for s, h in suffixes],
            input_sha256=sha, input_bytes=entry.input_bytes or 0,
            input_format=entry.ext[1:], original=original, anonymized_at=ctx.clock(),
            supersedes=None if old is None else old.job,
            version=1 if old is None else old.version + 1,
            dropped=job.transcript.dropped_counts() if job.transcript is not None else None,
        )
        try:
            ctx.store.write_clean(plan, contents, entry.job)
            ctx.store.commit(plan, meta, entry.job)
        except OSError as exc:
            ctx.store.roll_back(plan)
            raise Refused(Reason.STORE_ERROR, Stage.RELEASE,
                          exc.strerror or type(exc).__name__) from None
        if old is None:
            try:
                ctx.store.catalog.append(rows_for(meta, plan.folder, plan.meta))
            except Exception:  # noqa: BLE001 - committed already; the catalog is derived
                log.warning("catalog.csv could not be appended to; it is rebuilt at the next "
                            "start")
        else:  # in place: the new files over the old ones, then the rest of the old one out
            ctx.store.place_staged(plan)
            retire_superseded(ctx, old)  # rewrites the catalog: one row per transcript
    ctx.released[sha] = ctx.store.folder / plan.folder / plan.meta
    return ctx.journal.save(entry.moved(JobState.RELEASED))


def finish_release(ctx: Context, entry: JournalEntry, *, audited: set[str] | None = None
                   ) -> None:
    """After the commit point: audit, seal or delete, clean up. ``audited`` (job ids with a
    RELEASED record) is given by recovery, where the record may exist already."""
    plan = entry.release
    assert plan is not None and entry.input_sha256 is not None
    if plan.staged:
        with ctx.store.locked():
            ctx.store.place_staged(plan)  # a no-op unless a failure cut release() short
    if entry.state is JobState.RELEASED:
        if audited is None or entry.job not in audited:
            meta = ctx.store.read_meta(ctx.store.folder / plan.folder / plan.meta) or {}
            rerun = {} if entry.supersedes is None else {"supersedes": entry.supersedes.job}
            ctx.record(
                AuditEvent.RELEASED, job_id=entry.job, **rerun, participant=plan.participant,
                participants=list(entry.participants), wave=plan.wave,
                input_sha256=entry.input_sha256, output_sha256s=[h for _, h in plan.files],
                counts=meta.get("replacements", {}).get("by_kind", {}),
                flag_count=meta.get("residual_risk_flags"),
                rules_digest=meta.get("rules_digest"), model=meta.get("model", {}).get("name"),
                model_version=meta.get("model", {}).get("version"), tool_version=__version__,
                language=meta.get("language"), **standard_fields(meta),
                original_policy=OriginalsPolicy.SEAL if seals(ctx, entry)
                else OriginalsPolicy.DELETE, resumed=audited is not None,
            )
        if seals(ctx, entry):
            seal_original(ctx, entry)
        entry = ctx.journal.save(entry.moved(JobState.SEALED))
    if entry.supersedes is not None:
        finish_superseding(ctx, entry, audited=audited)
    ctx.journal.close(entry)
    ctx.counts["released"] += 1
    log.info("released job %s (input %s) as %s/%s", entry.job[:12], (entry.input_sha256 or "")[:12],
             plan.folder, plan.stem)


def standard_fields(meta: dict) -> dict[str, FieldValue]:
    """How the transcript's written standard was chosen, for the audit record: a source code
    and marker counts per standard (``project.standards``); nothing for a one-standard study."""
    standard = meta.get("standard")
    if not isinstance(standard, dict):
        return {}
    source = standard.get("source")
    markers = standard.get("markers")
    return {"standard_source": StandardSource(source) if source in _SOURCES else None,
            "standard_markers": {str(k): int(v) for k, v in markers.items()}
            if isinstance(markers, dict) else None}


_SOURCES = {s.value for s in StandardSource}


def seal_original(ctx: Context, entry: JournalEntry) -> None:
    """Seal the input under the participant's key. A participant who withdrew after the commit
    point has no key any more: their original is deleted with the job instead (their released
    files are the purge's). Any other refusal leaves the job journaled, to be tried again."""
    plan = entry.release
    assert plan is not None and entry.input_sha256 is not None
    source = ctx.journal.input_path(entry)
    target = ctx.originals.folder / ctx.originals.relative(plan.participant, entry.job, entry.ext)
    if not source.exists() and target.exists():
        return  # sealed before a crash; the input was already removed
    try:
        ctx.originals.seal(ctx.keystore, plan.participant, entry.job, entry.ext, source,
                           entry.input_sha256)
    except VaultError as error:
        if error.reason is not VaultReason.WITHDRAWN:
            raise
        log.warning("job %s: participant %d withdrew before the original was sealed; the "
                    "original is deleted", entry.job[:12], plan.participant)


def seals(ctx: Context, entry: JournalEntry) -> bool:
    """Whether this job's input is sealed after its release (a rerun's always is)."""
    return entry.supersedes is not None or ctx.settings.store.originals is OriginalsPolicy.SEAL


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
