"""The audit log: append-only, hash-chained, HMAC-authenticated JSON Lines. No names, ever.

Record (one line, canonical JSON: keys sorted, no spaces, ASCII)::

    {"actor":"svc-anon","event":"released","fields":{...},"mac":"<64 hex>",
     "prev":"<64 hex>","seq":42,"time":"2024-03-01T12:00:00.000000Z","v":1}

* ``seq`` counts from 1 across all files; ``time`` is UTC; ``actor`` the OS user name.
* ``prev`` is SHA-256 of the previous record's line (without its newline); the first record's is
  the **genesis** value ``HMAC-SHA256(key, "qr-audit/v1/genesis")``, which ties the chain to the
  project's random audit key: nobody without it can start a forged log, and deleting the oldest
  records is detected.
* ``mac`` is ``HMAC-SHA256(key, "qr-audit/v1/record\0" + canonical JSON of every other key)``,
  the key ``vault.Vault.audit_key()``. A line must be byte-for-byte the canonical encoding of what
  it parses to, so whitespace edits are caught too.

**Appending** takes ``flock(LOCK_EX)`` on ``<log>.lock``, re-reads the last record under the lock
(its MAC is checked: we never chain onto garbage), writes the line with one ``write`` and fsyncs
the file (and the folder when a file is created or renamed), so two processes never fork the
chain. Readers take ``LOCK_SH`` just long enough to open the files. No hash chain shows whole
records cut from the *end*, so a log opened with ``anchor`` (``open_audit_log`` does when the key
comes from the vault) keeps its head in the vault folder in step with every append, and refuses
to append when the two disagree (``anonymizer.audit.anchor``: a cut log, a restored vault).

**Rotation**: when the next line would take ``audit.jsonl`` past ``max_bytes``, a ``log_rotated``
record (``file_index`` N) closes it, it is renamed to ``audit.00000N.jsonl`` (``link`` + ``unlink``:
never overwriting), and the next record opens a new ``audit.jsonl`` chained onto that closing
record. A rotated file must end with its closing record naming its own number, so a rotated file
cut short, deleted, or renamed is detected. A crash before the rename is finished by the next
append.

**A partial last line** (a crash or ``kill -9`` mid-write): ``verify_log`` reports ``TRUNCATED``
there. The next ``append`` *repairs* it: the fragment is appended to ``<log>.corrupt`` (fsynced),
cut from the log, and a ``log_repaired`` record (line number, byte count and SHA-256 of the
fragment) is chained in before the caller's record, so an unattended daemon survives a power cut;
the anchor shows whether whole records went with it. Anything else wrong with the last complete
record (bad MAC, bad JSON, wrong key) makes ``append`` refuse with ``AuditError`` naming the
file, line and reason.

**Keeping names out**: every ``append`` first checks its fields against ``anonymizer.audit.fields``
(snake_case names; numbers, booleans and enums anywhere; text only under a field named for its
shape, e.g. ``..._sha256``, ``..._reason``, ``wave``), so a path, a file name, a sentence or a
Capitalised name is refused, and a refused append writes nothing.

Modules: this one is the API and the writer; ``audit_records`` the events, records, reasons and
errors (``AuditError``, exit 1; ``AuditFieldError``; ``AuditLogBroken`` with ``.bad``);
``audit_fields`` the field rules; ``audit_verify`` the format on disk and the verifying reader;
``audit_anchor`` the head anchor and checkpoints.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from anonymizer.audit import anchor as _anchor
from anonymizer.audit import corrections
from anonymizer.audit import verify as _disk
from anonymizer.audit.fields import ACTOR, FieldValue, check_fields, default_actor
from anonymizer.audit.records import (
    INTERNAL_EVENTS,
    AuditError,
    AuditEvent,
    AuditFieldError,
    AuditLogBroken,
    AuditReason,
    AuditRecord,
    BadRecord,
    VerifyResult,
)
from anonymizer.fsutil import fsync_dir
from anonymizer.fsutil import write_all as _write_all  # crash tests replace it to tear a write

if TYPE_CHECKING:
    from anonymizer.settings import Settings

MAX_LINE_BYTES = 64 * 1024
MIN_MAX_BYTES = 1024

# -- the writer ----------------------------------------------------------------------------------


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class _Head:
    """Where the next record goes: after record ``seq`` whose line hashes to ``digest``."""

    seq: int
    digest: str
    live_size: int  # bytes of complete records in the live file


class AuditLog:
    """Appends records to the log at ``path`` (rotating at ``max_bytes``) and reads them back.

    Safe to share between threads; any number of processes may append to one log at once."""

    def __init__(
        self,
        path: Path,
        key: bytes,
        *,
        max_bytes: int = 10_000_000,
        clock: Callable[[], datetime] = _utc_now,
        actor: str | None = None,
        anchor: Path | None = None,
        vault_commit: Callable[[], int] | None = None,
    ) -> None:
        """``anchor``: the head anchor's file (see ``audit_anchor``); None keeps none (a key in
        memory only). ``vault_commit``: the vault's commit counter, remembered in the anchor."""
        self.path = Path(path)
        self.anchor = None if anchor is None else Path(anchor)
        self._vault_commit = vault_commit
        self._seen: _anchor.Anchor | None = None  # the anchor as read under the lock
        self._key = _disk.check_key(key)
        if max_bytes < MIN_MAX_BYTES:
            raise AuditError(f"audit max_bytes must be at least {MIN_MAX_BYTES}")
        self.max_bytes = max_bytes
        self._clock = clock
        if actor is not None and not ACTOR.fullmatch(actor):
            raise AuditError("audit actor must be an account name (letters, digits, _ . -)")
        self.actor = actor if actor is not None else default_actor()
        self._mutex = threading.Lock()

    def append(self, event: AuditEvent, /, **fields: FieldValue) -> AuditRecord:
        """Write one record, durable (fsynced) before this returns."""
        try:
            kind = AuditEvent(event)
        except ValueError:
            raise AuditError("not an audit event") from None
        if kind in INTERNAL_EVENTS:
            raise AuditError(f"{kind.value} records are written by the audit log itself")
        clean = check_fields(fields)
        with self._locked():
            head, repaired = self._head()
            if repaired is not None:
                head, _ = self._put(head, AuditEvent.LOG_REPAIRED, repaired)
            record = self._put(head, kind, clean)[1]
        corrections.after_append(self.path.parent, kind, clean, self.records)
        return record

    def records(self) -> Iterator[AuditRecord]:
        """All records, oldest first, each verified as it is read: ``AuditLogBroken`` at the
        first bad one, after the authentic records before it."""
        return _disk.iter_records(self.path, self._key)

    def verify(self) -> VerifyResult:
        return _disk.verify(self.path, self._key)

    def check_anchor(self) -> None:
        """``AnchorMismatch`` unless the log's end is where the anchor says and the vault is not
        older than the anchor remembers (the daemon asks before it starts). Changes nothing."""
        if self.anchor is not None:
            with self._locked():
                self._check_anchor(self._current(), vault=True)

    def reset_anchor(self) -> tuple[_anchor.Anchor | None, int]:
        """Set the anchor to the log's end and the vault's count (the caller verifies the log
        first and records the reset); returns the anchor before and the log's end."""
        if self.anchor is None:
            raise AuditError("this audit log keeps no anchor (vault.backend is not 'vault')")
        with self._locked():
            before = _anchor.read_anchor(self.anchor, self._key)
            head = self._current()
            commit = self._vault_commit() if self._vault_commit is not None else 0
            self._seen = _anchor.Anchor(_anchor.Head(head.seq, head.digest), None, commit)
            _anchor.write_anchor(self.anchor, self._key, self._seen)
            return before, head.seq

    # -- under the lock ------------------------------------------------------------------------
    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self._mutex:
            self._make_dir()
            with _disk.file_lock(self.path, fcntl.LOCK_EX):
                yield

    def _head(self) -> tuple[_Head, dict[str, Any] | None]:
        """The last record, after moving a partial last line aside (then also the fields of the
        ``log_repaired`` record to write first) and finishing an interrupted rotation. Every
        check comes before any change, so a refusal changes nothing."""
        tail = _disk.read_tail(self.path)
        last, head = self._last(tail)
        self._check_anchor(head)
        repaired = self._move_aside(tail) if tail is not None and tail.fragment else None
        if last is not None and last["event"] == AuditEvent.LOG_ROTATED.value:
            self._rename_live(last["fields"].get("file_index"))
            head = _Head(head.seq, head.digest, 0)
        return head, repaired

    def _last(self, tail: _disk.Tail | None) -> tuple[dict[str, Any] | None, _Head]:
        """The last complete record (None if the live file has none) and the head after it."""
        if tail is not None and tail.last is not None:
            last = self._checked(self.path, tail)
            return last, _Head(last["seq"], _disk.line_digest(tail.last), tail.size)
        return None, self._head_from_rotated()

    def _current(self) -> _Head:
        return self._last(_disk.read_tail(self.path))[1]

    def _check_anchor(self, head: _Head, *, vault: bool = False) -> None:
        """The vault's count only when asked: a long-lived handle's count may lag behind other
        processes' commits, so only a freshly opened vault's count is evidence."""
        if self.anchor is None:
            return
        seen = _anchor.read_anchor(self.anchor, self._key)
        _anchor.check_head(seen, _anchor.Head(head.seq, head.digest))
        if vault and seen is not None and self._vault_commit is not None:
            _anchor.check_vault(seen, self._vault_commit())
        self._seen = seen

    def _head_from_rotated(self) -> _Head:
        """No record in the live file: chain onto the newest rotated file's closing record."""
        rotated = _disk.rotated_files(self.path)
        if not rotated:
            return _Head(0, _disk.genesis(self._key), 0)
        index, path = rotated[-1]
        closing = _disk.read_tail(path)
        if closing is None or closing.last is None or closing.fragment:
            raise self._refusal(path, 1, AuditReason.TRUNCATED)
        record = self._checked(path, closing)
        if record["event"] != AuditEvent.LOG_ROTATED.value or (
            record["fields"].get("file_index") != index
        ):
            raise self._refusal(path, _disk.count_lines(path, closing.size) + 1,
                                AuditReason.TRUNCATED)
        return _Head(record["seq"], _disk.line_digest(closing.last), 0)

    def _checked(self, path: Path, tail: _disk.Tail) -> dict[str, Any]:
        """The last complete record of a file, if it is authentic; we never chain onto garbage."""
        assert tail.last is not None
        record = _disk.decode_line(tail.last)
        reason = None
        if record is None:
            reason = AuditReason.BAD_JSON
        elif not _disk.mac_ok(self._key, record):
            reason = AuditReason.BAD_MAC
        elif _disk.canonical(record) != tail.last:
            reason = AuditReason.EDITED
        if reason is not None or record is None:
            raise self._refusal(path, _disk.count_lines(path, tail.size), reason)
        return record

    def _refusal(self, path: Path, line: int, reason: AuditReason | None) -> AuditError:
        code = reason.value if reason else "BAD_RECORD"
        return AuditError(
            f"{path} line {line}: {code}; nothing was appended (run 'anonymizer audit verify')"
        )

    def _move_aside(self, tail: _disk.Tail) -> dict[str, Any]:
        """Keep a partial last line in ``<log>.corrupt`` and cut it from the log."""
        side = self.path.with_name(self.path.name + ".corrupt")
        created = not side.exists()
        fd = os.open(side, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            _write_all(fd, tail.fragment + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            fsync_dir(self.path.parent, strict=True)
        line = _disk.count_lines(self.path, tail.size) + 1
        fd = os.open(self.path, os.O_WRONLY | os.O_CLOEXEC)
        try:
            os.ftruncate(fd, tail.size)
            os.fsync(fd)
        finally:
            os.close(fd)
        return {
            "file_index": 0,  # the live file
            "line": line,
            "fragment_bytes": len(tail.fragment),
            "fragment_sha256": hashlib.sha256(tail.fragment).hexdigest(),
        }

    def _put(
        self, head: _Head, event: AuditEvent, fields: dict[str, Any]
    ) -> tuple[_Head, AuditRecord]:
        record, line = self._build(head, event, fields)
        if head.live_size and head.live_size + len(line) + 1 > self.max_bytes:
            index = max((i for i, _ in _disk.rotated_files(self.path)), default=0) + 1
            _, closing = self._build(head, AuditEvent.LOG_ROTATED, {"file_index": index})
            self._append_line(closing, head)
            self._rename_live(index)
            head = _Head(head.seq + 1, _disk.line_digest(closing), 0)
            record, line = self._build(head, event, fields)
        self._append_line(line, head)
        return _Head(record.seq, _disk.line_digest(line), head.live_size + len(line) + 1), record

    def _build(
        self, head: _Head, event: AuditEvent, fields: dict[str, Any]
    ) -> tuple[AuditRecord, bytes]:
        now = self._clock()
        if now.tzinfo is None:
            raise AuditError("the audit clock must give timezone-aware times")
        body: dict[str, Any] = {
            "v": _disk.FORMAT_VERSION,
            "seq": head.seq + 1,
            "time": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "event": event.value,
            "actor": self.actor,
            "fields": fields,
            "prev": head.digest,
        }
        body["mac"] = _disk.record_mac(self._key, body)
        line = _disk.canonical(body)
        if len(line) > MAX_LINE_BYTES:
            raise AuditError(f"an audit record may not exceed {MAX_LINE_BYTES} bytes")
        return _disk.to_record(body, self.path, None), line

    def _append_line(self, line: bytes, after: _Head) -> None:
        """Append ``line`` (the record after ``after``). With an anchor, in two phases: the
        anchor names the line as pending before it is written and as the head once it is
        durable, so a crash in between is never taken for a cut."""
        if self.anchor is None:
            self._write_line(line)
            return
        now = self._vault_commit() if self._vault_commit is not None else 0  # never lowered:
        commit = max(now, self._seen.vault_commit if self._seen is not None else 0)
        new = _anchor.Head(after.seq + 1, _disk.line_digest(line))
        old = _anchor.Head(after.seq, after.digest)
        _anchor.write_anchor(self.anchor, self._key, _anchor.Anchor(old, new, commit))
        self._write_line(line)
        self._seen = _anchor.Anchor(new, None, commit)
        _anchor.write_anchor(self.anchor, self._key, self._seen)

    def _write_line(self, line: bytes) -> None:
        created = not self.path.exists()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            _write_all(fd, line + b"\n")  # one write: a crash leaves at most a partial last line
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            fsync_dir(self.path.parent, strict=True)

    def _rename_live(self, index: object) -> None:
        """The live file, closed by its ``log_rotated`` record, becomes rotated file ``index``."""
        if type(index) is not int or index < 1:  # only a key holder could write that
            lines = _disk.count_lines(self.path, self.path.stat().st_size)
            raise self._refusal(self.path, lines, AuditReason.CHAIN_BROKEN)
        target = _disk.rotated_path(self.path, index)
        if target.exists():
            if not os.path.samefile(target, self.path):  # never overwrite a rotated file
                raise AuditError(f"{target} exists; {self.path} cannot be rotated onto it")
            os.unlink(self.path)  # a crash came between link and unlink
        else:
            try:
                os.link(self.path, target)  # fails if the target exists: never overwrites
            except FileExistsError:
                raise
            except OSError:  # a filesystem without hard links; we checked under the lock
                os.rename(self.path, target)
            else:
                os.unlink(self.path)
        fsync_dir(self.path.parent, strict=True)

    def _make_dir(self) -> None:
        parent = self.path.parent
        if not parent.is_dir():
            parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fsync_dir(parent.parent, strict=True)


def open_audit_log(
    settings: Settings, key: bytes, *, vault_commit: Callable[[], int] | None = None,
    actor: str | None = None) -> AuditLog:
    """The project's audit log (``settings.audit_path()``, rotated at ``audit.max_bytes``, head
    anchored in ``vault.dir`` with a vault key); ``actor``: a workbench account, or the OS user."""
    from anonymizer.settings import KeyStoreBackend

    anchor = None
    if settings.vault.backend is KeyStoreBackend.VAULT and settings.vault.dir is not None:
        anchor = _anchor.anchor_path(settings.vault.dir)
    return AuditLog(settings.audit_path(), key, max_bytes=settings.audit.max_bytes,
                    anchor=anchor, vault_commit=vault_commit, actor=actor)


def verify_log(path: Path, key: bytes) -> VerifyResult:
    """OK, or the first bad record (file, line, reason) of the log at ``path`` and its rotations."""
    return _disk.verify(Path(path), key)


__all__ = [
    "INTERNAL_EVENTS", "AuditError", "AuditEvent", "AuditFieldError", "AuditLog", "AuditLogBroken",
    "AuditReason", "AuditRecord", "BadRecord", "FieldValue", "VerifyResult", "check_fields",
    "open_audit_log", "verify_log",
]
