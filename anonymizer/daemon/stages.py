"""The stages before the release: each takes the ``Job``, fills in a little, or refuses it.

    inspect -> checksum -> dedupe -> read -> name -> anonymize -> render

None of them changes anything outside the job and the work journal, except ``anonymize``, whose
vault changes (new numbers, the wave) are one transaction that is rolled back if the transcript is
refused. So a job stopped anywhere before the release can simply be started again.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable

from anonymizer.audit.log import AuditEvent
from anonymizer.daemon.context import Context
from anonymizer.daemon.identify import choose_participant, speaking_participants
from anonymizer.daemon.job import Duplicate, Job, Refused
from anonymizer.errors import KeyStoreError, VerificationError
from anonymizer.formats import (
    UnreadableTranscript,
    build_clean_docx,
    build_clean_subtitles,
    read_transcript,
    render_clean_text,
)
from anonymizer.formats.limits import human_size
from anonymizer.formats.transcript import TranscriptFormat
from anonymizer.keys.keystore import IdentityKind
from anonymizer.refusals import Reason, Stage
from anonymizer.store.metadata import Consent
from anonymizer.store.naming import NamingProblem
from anonymizer.store.review_marks import ReviewData
from vault import Reason as VaultReason
from vault import VaultError

R = Reason
_OPEN = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | \
    getattr(os, "O_CLOEXEC", 0)


def inspect(ctx: Context, job: Job) -> None:
    if job.entry.bad_name:
        raise Refused(R.BAD_NAME, Stage.CLAIM, "the file name holds '..', control characters "
                      "or bytes that are not text")
    try:
        st = os.lstat(job.path)
    except FileNotFoundError:
        raise Refused(R.MISSING, Stage.INSPECT, "the claimed file is gone") from None
    if stat.S_ISLNK(st.st_mode):
        raise Refused(R.SYMLINK, Stage.INSPECT, "is a symbolic link; it was not followed")
    if stat.S_ISDIR(st.st_mode):
        raise Refused(R.DIRECTORY, Stage.INSPECT, "is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise Refused(R.NOT_REGULAR, Stage.INSPECT, "is not a regular file (pipe, device, socket)")
    _check_size(ctx, st.st_size)


def _check_size(ctx: Context, size: int) -> None:
    limit = ctx.limits.max_file_bytes
    if size > limit:
        raise Refused(R.TOO_LARGE, Stage.INSPECT,
                      f"is too large ({human_size(size)}; the limit is {human_size(limit)})")
    if size == 0:
        raise Refused(R.EMPTY, Stage.INSPECT, "is empty")


def checksum(ctx: Context, job: Job) -> None:
    try:
        fd = os.open(job.path, _OPEN)
    except OSError as exc:
        raise Refused(R.UNREADABLE, Stage.CHECKSUM, "cannot be opened"
                      f" ({os.strerror(exc.errno).lower() if exc.errno else 'error'})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise Refused(R.NOT_REGULAR, Stage.CHECKSUM, "is not a regular file")
        chunks, total = [], 0
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            total += len(chunk)
            if total > ctx.limits.max_file_bytes:
                break
    finally:
        os.close(fd)
    job.data = b"".join(chunks)
    _check_size(ctx, len(job.data))
    sha = hashlib.sha256(job.data).hexdigest()
    job.entry = ctx.journal.save(job.entry.moved(job.entry.state, input_sha256=sha,
                                                 input_bytes=len(job.data)))
    ctx.record(AuditEvent.RECEIVED, job_id=job.id, input_sha256=sha,
               input_bytes=len(job.data), input_format=(job.entry.ext[1:] or None),
               attempt=job.entry.attempts)


def dedupe(ctx: Context, job: Job) -> None:
    sha = job.entry.input_sha256
    assert sha is not None
    ctx.withdrawn = ctx.store.withdrawn_inputs()  # a purge in another process adds to it
    if sha in ctx.withdrawn:
        raise Refused(R.WITHDRAWN_INPUT, Stage.DEDUPE,
                      "these bytes were released for a participant who has since withdrawn")
    old = job.entry.supersedes
    if old is not None:  # a rerun: the same bytes on purpose, if the release is still there
        if sha != old.input_sha256 or not ctx.store.holds(old.folder, old.meta, old.job):
            raise Refused(R.SUPERSEDED_GONE, Stage.DEDUPE,
                          "the release this rerun replaces is not in the store any more")
        return
    sidecar = ctx.released.get(sha)
    if sidecar is not None:
        if sidecar.exists():
            raise Duplicate("released")
        del ctx.released[sha]  # purged since: not a duplicate any more
    held = ctx.held.get(sha)
    if held is not None:
        if ctx.quarantine.holds(held):
            raise Duplicate("quarantined")
        del ctx.held[sha]  # a steward took it out (to drop it again): process it


def read(ctx: Context, job: Job) -> None:
    try:
        job.transcript = read_transcript(job.path, ctx.limits)
    except UnreadableTranscript as exc:
        # .detail never holds text from the file nor its (work) path
        raise Refused(exc.reason, Stage.READ, exc.detail) from None


def name(ctx: Context, job: Job) -> None:
    """What the file name said, checked before the engine runs (cheap refusals first)."""
    clues = job.entry.clues
    if clues.problem is NamingProblem.WAVE_AMBIGUOUS:
        raise Refused(R.WAVE_AMBIGUOUS, Stage.NAME, "the file name names more than one wave")
    if clues.problem is NamingProblem.PARTICIPANT_AMBIGUOUS:
        raise Refused(R.PARTICIPANT_AMBIGUOUS, Stage.NAME,
                      "the file name names more than one participant")
    study = ctx.settings.study
    default = study.default_wave if study.waves else ctx.settings.store.default_wave
    job.wave = clues.wave or default or None
    if job.wave is None and study.waves:
        raise Refused(R.WAVE_UNKNOWN, Stage.NAME, "the file name names none of the study's "
                      "waves (study.waves: " + ", ".join(w.label for w in study.waves)
                      + "); put one of their words in the name, or set study.default_wave")
    if job.wave is None:
        raise Refused(R.WAVE_UNKNOWN, Stage.NAME, "the file name names no wave, and "
                      "store.default_wave is empty")
    if clues.participant is not None:
        check_live(ctx, clues.participant, Stage.NAME)


def check_live(ctx: Context, number: int, stage: Stage) -> None:
    try:
        ctx.keystore.participant(number)
    except VaultError as error:
        if error.reason is VaultReason.WITHDRAWN:
            raise Refused(R.PARTICIPANT_WITHDRAWN, stage, f"participant {number} withdrew",
                          participant=number) from None
        if error.reason in (VaultReason.NOT_FOUND, VaultReason.MERGED):
            raise Refused(R.PARTICIPANT_UNKNOWN, stage,
                          f"participant {number} is {error.reason.value.replace('_', ' ')}"
                          ) from None
        raise Refused(R.VAULT_REFUSED, stage, error.reason.value) from None


def anonymize(ctx: Context, job: Job) -> None:
    assert job.transcript is not None and job.wave is not None
    assert ctx.engines is not None
    text = job.transcript.text
    engine, job.standard = ctx.engines.choose(text, named=job.entry.clues.standard)
    job.engine, keystore = engine, ctx.keystore
    try:
        with keystore.batch():  # one vault write; rolled back if anything below refuses
            known = {i.number for i in keystore.identities(IdentityKind.PARTICIPANT)}
            tables = job.transcript.table_lines()  # table rows are never speaker turns
            outcome = engine.anonymize(text, where=f"job {job.short}", table_lines=tables)
            speaking = speaking_participants(engine, text, outcome.scan, tables)
            participant = choose_participant(job.entry.clues, speaking, known,
                                             ctx.settings.store.unknown_participant)
            check_live(ctx, participant, Stage.ANONYMIZE)
            keystore.note_wave(participant, job.wave)
            entry = keystore.participant(participant)
    except VerificationError:
        raise Refused(R.VERIFICATION_REFUSED, Stage.ANONYMIZE,
                      "the clean text still held something identifying") from None
    except (KeyStoreError, VaultError) as exc:
        reason = getattr(getattr(exc, "__cause__", None), "reason", getattr(exc, "reason", None))
        raise Refused(R.VAULT_REFUSED, Stage.ANONYMIZE,
                      getattr(reason, "value", "refused")) from None
    job.outcome = outcome
    job.participant = participant
    job.participants = tuple(sorted(speaking | {participant}))
    consent = entry.consent
    scope = (consent.scope if consent and consent.scope else ctx.settings.ethics.consent_scope)
    job.consent = Consent(consent.status.value if consent else "pending", scope or "")


def render(ctx: Context, job: Job) -> None:
    assert job.transcript is not None and job.outcome is not None
    text = render_clean_text(job.outcome.clean_text, job.transcript)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    job.outputs[".txt"] = (text if text.endswith("\n") else text + "\n").encode("utf-8")
    job.output_formats[".txt"] = "txt"
    if job.transcript.format is TranscriptFormat.DOCX and ctx.settings.store.docx_copy:
        job.outputs[".docx"] = build_clean_docx(job.outcome.clean_text, job.transcript)
        job.output_formats[".docx"] = "docx"
    if job.transcript.format in _SUBTITLES and ctx.settings.store.subtitle_copy:
        suffix = "." + job.transcript.format.value  # the cue timings, to align with the audio
        job.outputs[suffix] = build_clean_subtitles(job.outcome.clean_text, job.transcript)
        job.output_formats[suffix] = job.transcript.format.value
    # What the steward's review page highlights: kinds, detectors, scores and offsets into
    # the clean text; no detected string, so it may sit in the store beside the clean file.
    job.outputs[REVIEW_SUFFIX] = ReviewData.from_outcome(job.outcome).to_json().encode("utf-8")
    job.output_formats[REVIEW_SUFFIX] = REVIEW_FORMAT


_SUBTITLES = frozenset({TranscriptFormat.VTT, TranscriptFormat.SRT})
REVIEW_SUFFIX = ".review.json"
REVIEW_FORMAT = "review"

# Each step with the stage a failure in it is reported as (a render failure is a render's).
BEFORE_RELEASE: tuple[tuple[Stage, Callable[[Context, Job], None]], ...] = (
    (Stage.INSPECT, inspect), (Stage.CHECKSUM, checksum), (Stage.DEDUPE, dedupe),
    (Stage.READ, read), (Stage.NAME, name), (Stage.ANONYMIZE, anonymize),
    (Stage.RENDER, render),
)
