"""The audit log on disk: its format, its files, and reading it back verified, record by record.

``anonymizer.audit.log`` is the API (events, field rules, the writer); this module is what both the
writer and every reader (``verify_log``, ``AuditLog.records``, the review page, the ethics report)
agree on. See ``anonymizer.audit.log`` for the record format, the anchor and rotation. The types it
reads into come from ``anonymizer.audit.records``, which imports neither, so the writer and this
module can be imported in either order.

Files, oldest first: ``audit.000001.jsonl``, ``audit.000002.jsonl``, ..., then ``audit.jsonl``
(the live file; absent right after a rotation). If the live file and the newest rotated file are
one inode (a crash between ``link`` and ``unlink`` of a rotation), it is read once.

Reading takes ``LOCK_SH`` on the lock file while it opens the files and reads the live file into
memory, so it never sees a half-written line of a concurrent append, and never holds up appends
while a consumer iterates. Rotated files are immutable; they are read through descriptors opened
under the lock, so a rotation meanwhile changes nothing.

Verification stops at the first bad record and says why (``AuditReason``):

* the line has no newline: ``TRUNCATED``; not a record: ``BAD_JSON``;
* the MAC fails: ``WRONG_KEY`` if it is the first record, its ``prev`` is not this key's anchor and
  no later record verifies either; ``INSERTED`` if the next record follows the one before (this
  line is extra); ``EDITED`` if the next record is the one after (this line was changed);
  otherwise ``BAD_MAC`` (e.g. the last record: edited or appended without the key);
* an authentic record not in canonical form: ``EDITED``;
* an authentic record in the wrong place: ``seq`` lower than expected: ``INSERTED`` (a replayed
  copy); higher: ``REORDERED`` if the expected record comes later, else ``ROTATION_GAP`` at the
  first line of a file (a rotated file deleted) or ``DELETED``; right ``seq`` but wrong ``prev``:
  ``CHAIN_BROKEN``;
* a rotated file that does not end with its own ``log_rotated`` record: ``TRUNCATED`` after its
  last line (or ``REORDERED`` if the record names another file number).

Not detectable from the log alone: deleting whole records (or the whole live file, or the newest
rotated files) at the *end*, which looks like a log that simply stopped there. That is what the
head anchor in the vault folder is for (``anonymizer.audit.anchor``: ``TRUNCATED (records N+1 to
M missing)``), and, against a rollback of the log and the vault together, a checkpoint the
committee keeps apart (``audit verify --against FILE``).
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import io
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from anonymizer.audit.records import (
    AuditError,
    AuditEvent,
    AuditLogBroken,
    AuditReason,
    AuditRecord,
    BadRecord,
    VerifyResult,
)

FORMAT_VERSION = 1
MIN_KEY_BYTES = 16
_MAC_DOMAIN = b"qr-audit/v1/record\x00"
_GENESIS_DOMAIN = b"qr-audit/v1/genesis"
RECORD_KEYS = frozenset({"v", "seq", "time", "event", "actor", "fields", "prev", "mac"})
_HEX64 = re.compile(r"[0-9a-f]{64}")
_ROTATED = AuditEvent.LOG_ROTATED.value
_REPAIRED = AuditEvent.LOG_REPAIRED.value


# -- format --------------------------------------------------------------------------------------


def check_key(key: object) -> bytes:
    if not isinstance(key, (bytes, bytearray)) or len(key) < MIN_KEY_BYTES:
        raise AuditError(f"the audit key must be at least {MIN_KEY_BYTES} bytes")
    return bytes(key)


def canonical(obj: Mapping[str, Any]) -> bytes:
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode("ascii")


def record_mac(key: bytes, record: Mapping[str, Any]) -> str:
    body = {k: v for k, v in record.items() if k != "mac"}
    return hmac.new(key, _MAC_DOMAIN + canonical(body), hashlib.sha256).hexdigest()


def genesis(key: bytes) -> str:
    """The ``prev`` of the very first record: the chain's anchor."""
    return hmac.new(key, _GENESIS_DOMAIN, hashlib.sha256).hexdigest()


def line_digest(line: bytes) -> str:
    """SHA-256 of a record's line without its newline: the next record's ``prev``."""
    return hashlib.sha256(line).hexdigest()


def decode_line(line: bytes) -> dict[str, Any] | None:
    """The record a line holds, or None if it is not shaped like one (the MAC is not checked)."""
    try:
        record = json.loads(line.decode("ascii"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(record, dict) or set(record) != RECORD_KEYS:
        return None
    if record["v"] != FORMAT_VERSION or type(record["seq"]) is not int or record["seq"] < 1:
        return None
    if not all(isinstance(record[k], str) for k in ("time", "event", "actor")):
        return None
    if not isinstance(record["fields"], dict):
        return None
    if not all(isinstance(record[k], str) and _HEX64.fullmatch(record[k]) for k in ("prev", "mac")):
        return None
    return record


def mac_ok(key: bytes, record: Mapping[str, Any]) -> bool:
    return hmac.compare_digest(record_mac(key, record), record["mac"])


def authentic(key: bytes, raw: bytes) -> dict[str, Any] | None:
    """The record of a whole line (with its newline) if it parses and its MAC verifies."""
    if not raw.endswith(b"\n"):
        return None
    record = decode_line(raw[:-1])
    return record if record is not None and mac_ok(key, record) else None


def to_record(record: Mapping[str, Any], file: Path | None, line: int | None) -> AuditRecord:
    try:
        event: AuditEvent | str = AuditEvent(record["event"])
    except ValueError:
        event = record["event"]  # authentic, from a newer version
    try:
        when = datetime.fromisoformat(record["time"].replace("Z", "+00:00"))
    except ValueError:
        when = datetime.fromtimestamp(0, UTC)
    return AuditRecord(record["seq"], when, event, record["actor"], record["fields"],
                       record["prev"], record["mac"], file, line)


# -- files ---------------------------------------------------------------------------------------


def rotated_path(live: Path, index: int) -> Path:
    return live.with_name(f"{live.stem}.{index:06d}{live.suffix}")


def rotated_files(live: Path) -> list[tuple[int, Path]]:
    """``(index, path)`` of the rotated files next to ``live``, oldest first."""
    pattern = re.compile(re.escape(live.stem) + r"\.([0-9]{6,})" + re.escape(live.suffix))
    found = []
    if live.parent.is_dir():
        for entry in live.parent.iterdir():
            match = pattern.fullmatch(entry.name)
            if match and entry.is_file():
                found.append((int(match.group(1)), entry))
    return sorted(found)


def lock_path(live: Path) -> Path:
    return live.with_name(live.name + ".lock")


@contextmanager
def file_lock(live: Path, mode: int) -> Iterator[None]:
    """``flock`` on the log's lock file; a reader that cannot create it reads without a lock."""
    try:
        fd = os.open(lock_path(live), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError:
        if mode == fcntl.LOCK_EX:
            raise
        yield
        return
    try:
        fcntl.flock(fd, mode)
        yield
    finally:
        os.close(fd)  # releases the lock


@dataclass(frozen=True)
class Tail:
    size: int  # bytes up to and including the last newline
    last: bytes | None  # the last complete line, without its newline
    fragment: bytes  # what follows the last newline: a partial line, or b""


def read_tail(path: Path) -> Tail | None:
    """The end of a log file without reading all of it; None if there is no such file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        size = os.fstat(fd).st_size
        block = 8192
        while True:
            start = max(0, size - block)
            buf = os.pread(fd, size - start, start)
            end = buf.rfind(b"\n")
            if end < 0 and start == 0:
                return Tail(0, None, buf)
            if end >= 0:
                begin = buf.rfind(b"\n", 0, end)
                if begin >= 0 or start == 0:
                    return Tail(start + end + 1, buf[begin + 1 : end], buf[end + 1 :])
            block *= 4
    finally:
        os.close(fd)


def count_lines(path: Path, upto: int) -> int:
    """Newlines in the first ``upto`` bytes (for messages; only on the rare paths)."""
    with open(path, "rb") as f:
        return f.read(upto).count(b"\n")


@dataclass
class LogFile:
    path: Path
    index: int | None  # rotation number; None for the live file
    fd: int | None = None
    data: bytes | None = None

    def content(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.fd is not None
        return os.pread(self.fd, os.fstat(self.fd).st_size, 0)

    def lines(self) -> Iterator[bytes]:
        return iter(io.BytesIO(self.content()))


@contextmanager
def snapshot(
    live: Path, *, under_lock: Callable[[], object] | None = None
) -> Iterator[list[LogFile]]:
    """The log's files as they are at one moment, oldest first. ``under_lock`` is called while
    the lock is held (to read the head anchor at the same moment)."""
    with ExitStack() as stack:
        files: list[LogFile] = []
        with file_lock(live, fcntl.LOCK_SH):
            for index, path in rotated_files(live):
                try:
                    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
                except FileNotFoundError:
                    continue
                stack.callback(os.close, fd)
                files.append(LogFile(path, index, fd=fd))
            try:
                data = live.read_bytes()
                here = os.stat(live)
            except FileNotFoundError:
                data = None
            if data is not None:
                newest = os.fstat(files[-1].fd) if files and files[-1].fd is not None else None
                if not (newest and (newest.st_dev, newest.st_ino) == (here.st_dev, here.st_ino)):
                    files.append(LogFile(live, None, data=data))
            if under_lock is not None:
                under_lock()
        yield files


# -- verification --------------------------------------------------------------------------------


class _Walk:
    """Iterates the authentic records of ``files`` in chain order; raises at the first bad one."""

    def __init__(self, files: list[LogFile], key: bytes) -> None:
        self.files = files
        self.key = key
        self.anchor = genesis(key)
        self.good = 0
        self.digest = self.anchor  # of the last good record's line

    def __iter__(self) -> Iterator[AuditRecord]:
        seq, prev = 1, self.anchor
        for fi, log in enumerate(self.files):
            last: dict[str, Any] | None = None
            line = 0
            for line, raw in enumerate(log.lines(), 1):
                if last is not None and last["event"] == _ROTATED:
                    self._fail(fi, line, AuditReason.CHAIN_BROKEN, "a record after log_rotated")
                if not raw.endswith(b"\n"):
                    self._fail(fi, line, AuditReason.TRUNCATED, "partial last line")
                body = raw[:-1]
                record = decode_line(body)
                if record is None:
                    self._fail(fi, line, AuditReason.BAD_JSON)
                assert record is not None
                if not mac_ok(self.key, record):
                    self._fail(fi, line, *self._mac_failure(fi, line, record, seq, prev))
                if canonical(record) != body:
                    self._fail(fi, line, AuditReason.EDITED, "not in canonical form")
                if record["seq"] != seq or record["prev"] != prev:
                    self._fail(fi, line, *self._chain_failure(fi, line, record["seq"], seq))
                self.good += 1
                seq, prev, last = seq + 1, line_digest(body), record
                self.digest = prev
                yield to_record(record, log.path, line)
            if log.index is not None:
                if last is None or last["event"] != _ROTATED:
                    self._fail(fi, line + 1, AuditReason.TRUNCATED,
                               "a rotated file must end with its log_rotated record")
                assert last is not None
                if last["fields"].get("file_index") != log.index:
                    self._fail(fi, line, AuditReason.REORDERED,
                               "file renamed: its log_rotated record is for another number")

    def _fail(self, fi: int, line: int, reason: AuditReason, detail: str = "") -> None:
        raise AuditLogBroken(BadRecord(self.files[fi].path, line, reason, detail))

    def _after(self, fi: int, line: int) -> Iterator[bytes]:
        for j in range(fi, len(self.files)):
            for k, raw in enumerate(self.files[j].lines(), 1):
                if j > fi or k > line:
                    yield raw

    def _mac_failure(
        self, fi: int, line: int, record: dict[str, Any], seq: int, prev: str
    ) -> tuple[AuditReason, str]:
        if self.good == 0 and record["prev"] != self.anchor and not any(
                authentic(self.key, raw) for raw in self._after(fi, line)):
            return AuditReason.WRONG_KEY, "no record verifies under this key"
        following = next(self._after(fi, line), None)
        if following is None:
            return AuditReason.BAD_MAC, "the last record fails authentication"
        nxt = authentic(self.key, following)
        if nxt is not None and nxt["seq"] == seq and nxt["prev"] == prev:
            return AuditReason.INSERTED, f"a record that fails authentication before record {seq}"
        if nxt is not None and nxt["seq"] == seq + 1:
            return AuditReason.EDITED, f"record {seq} fails authentication"
        return AuditReason.BAD_MAC, f"record {seq} expected"

    def _chain_failure(self, fi: int, line: int, found: int, seq: int) -> tuple[AuditReason, str]:
        if found == seq:
            where = "the log's anchor" if seq == 1 else f"record {seq - 1}"
            return AuditReason.CHAIN_BROKEN, f"record {found} does not follow {where}"
        if found < seq:
            return AuditReason.INSERTED, f"a copy of record {found} where {seq} was expected"
        for raw in self._after(fi, line):
            record = authentic(self.key, raw)
            if record is not None and record["seq"] == seq:
                return AuditReason.REORDERED, f"record {found} where {seq} was expected"
        missing = f"records {seq} to {found - 1} missing"
        first_index = self.files[fi].index or 1
        if line == 1 and (fi > 0 or first_index > 1):
            return AuditReason.ROTATION_GAP, missing
        return AuditReason.DELETED, missing


def iter_records(live: Path, key: bytes) -> Iterator[AuditRecord]:
    """Every record, oldest first, each verified before it is yielded; ``AuditLogBroken`` at the
    first bad one (the records yielded before it are authentic and in order)."""
    key = check_key(key)
    with snapshot(live) as files:
        yield from _Walk(files, key)


def verify(
    live: Path,
    key: bytes,
    *,
    digest_of: dict[int, str] | None = None,
    under_lock: Callable[[], object] | None = None,
) -> VerifyResult:
    """Walk the whole log. ``digest_of``: a dict whose keys are record numbers; each one the
    log holds gets the SHA-256 of its line (for checking a checkpoint). ``under_lock``: see
    ``snapshot``."""
    key = check_key(key)
    count = repairs = last_seq = 0
    with snapshot(live, under_lock=under_lock) as files:
        walk = _Walk(files, key)
        try:
            for record in walk:
                count += 1
                repairs += record.event is AuditEvent.LOG_REPAIRED
                last_seq = record.seq
                if digest_of is not None and record.seq in digest_of:
                    digest_of[record.seq] = walk.digest
        except AuditLogBroken as broken:
            return VerifyResult(False, count, len(files), broken.bad, repairs, last_seq,
                                walk.digest)
    return VerifyResult(True, count, len(files), None, repairs, last_seq, walk.digest)
