"""Where the audit log ends, kept outside the log: the head anchor, and the committee's checkpoint.

A hash chain shows every edit, deletion, reordering and insertion *inside* the log, but not whole
records cut from its end: a log cut after record N looks like a log that stopped at N. So the
writer also keeps the log's head (last ``seq`` and the SHA-256 of its line) in a small file in
the **vault folder** (``<vault.dir>/audit.anchor``), authenticated with a key derived from the
vault's audit key, and rewrites it (atomically, fsynced) under the log's lock with every append.

Two-phase, so that ``kill -9`` is never mistaken for tampering: before a line is written the
anchor names it as *pending* (its ``seq`` and digest); after the line is durable the anchor moves
on. A log that ends at the anchor's head, or at its pending record, is whole. A pending record that
never reached the log is one whose ``append`` never returned, so nobody relied on it.

What comparing the two shows:

* the log ends **before** the anchor: ``TRUNCATED`` (records N+1 to M missing): cut from the end,
  or a rotated file removed;
* the log ends **after** the anchor: the anchor, and so the vault folder it lives in, is older than
  the log: the vault was **restored from an older copy** (rolled back). Every change to the vault
  (a participant or person number, a withdrawal) is followed by an audit record, so a vault copy
  that predates a change predates a record too. Nothing may then be numbered: numbers could be
  given twice and a withdrawal forgotten;
* same ``seq``, another digest: the log's end was replaced (``DIVERGED``);
* no anchor but records in the log: the vault folder is older than the log's first record
  (``NO_ANCHOR``), treated like a rollback. A log written before anchors were kept is adopted
  once, deliberately, by a steward (``anonymizer audit anchor``, after a full verify).

The anchor also remembers the vault's commit counter (``vault.Vault.commit_count``, which
counts up with every write of the vault). The daemon passes it in, so putting back only the
vault's own files from an older copy (keeping the newer anchor) is seen too: the vault's count
is then below the remembered one (``ROLLED_BACK``).

The writer refuses to append in any of these states (``AnchorMismatch``): chaining on would
overwrite the anchor and erase the evidence. What it cannot show: an insider who rolls back the
log *and* the vault folder together to one earlier moment. For that a committee keeps a
**checkpoint** (``anonymizer audit checkpoint``) apart from the data: a signed statement of the
project, ``seq``, chain digest and time; ``audit verify --against FILE`` proves the log still holds
that record unchanged, so everything up to it.

Only numbers, hex digests, a project id and a time are kept: no name, path or text.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from anonymizer.audit import verify as _disk
from anonymizer.audit.records import AuditError, VerifyResult
from anonymizer.fsutil import atomic_write

ANCHOR_NAME = "audit.anchor"
_ANCHOR_DOMAIN = b"qr-audit/v1/anchor"
_CHECKPOINT_DOMAIN = b"qr-audit/v1/checkpoint"
_CHECKPOINT_KIND = "qr-audit-checkpoint"
_MAX_FILE = 4096


class HeadProblem(str, Enum):
    TRUNCATED = "TRUNCATED"  # the log ends before the anchor: records cut from its end
    ROLLED_BACK = "ROLLED_BACK"  # the log ends after the anchor: the vault folder is older
    DIVERGED = "DIVERGED"  # same seq, another record
    NO_ANCHOR = "NO_ANCHOR"  # records in the log, no anchor in the vault


class AnchorMismatch(AuditError):
    """The log's end and the anchor disagree; the message says how, with numbers only."""

    def __init__(self, problem: HeadProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem


@dataclass(frozen=True)
class Head:
    """A point in the chain: record ``seq`` whose line hashes to ``digest`` (0 and the genesis
    anchor for an empty log)."""

    seq: int
    digest: str


@dataclass(frozen=True)
class Anchor:
    """The log's head; the record being written, if any; the vault's commit count when last
    seen (``vault.Vault.commit_count``; 0 if unknown)."""

    head: Head
    pending: Head | None = None
    vault_commit: int = 0


def anchor_path(vault_dir: Path) -> Path:
    return Path(vault_dir) / ANCHOR_NAME


def _mac(key: bytes, domain: bytes, body: dict[str, Any]) -> str:
    data = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
    return hmac.new(key, domain + b"\x00" + data, hashlib.sha256).hexdigest()


def _sealed(key: bytes, domain: bytes, body: dict[str, Any]) -> bytes:
    out = dict(body, mac=_mac(key, domain, body))
    return json.dumps(out, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _unseal(key: bytes, domain: bytes, raw: bytes, what: str) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("mac"), str):
        raise AuditError(f"{what}: not an audit anchor or checkpoint")
    mac = body.pop("mac")
    if not hmac.compare_digest(mac, _mac(key, domain, body)):
        raise AuditError(f"{what}: fails authentication (changed, or made with another key)")
    return body


def _head(value: object, what: str) -> Head:
    if (isinstance(value, list) and len(value) == 2 and type(value[0]) is int
            and value[0] >= 0 and isinstance(value[1], str) and len(value[1]) == 64):
        return Head(value[0], value[1])
    raise AuditError(f"{what}: malformed")


def read_anchor(path: Path, key: bytes) -> Anchor | None:
    """The anchor at ``path``, authenticated; None if there is none."""
    try:
        raw = Path(path).read_bytes()[:_MAX_FILE]
    except FileNotFoundError:
        return None
    except OSError as error:
        raise AuditError(f"{path}: cannot read the audit anchor ({error.strerror})") from None
    body = _unseal(key, _ANCHOR_DOMAIN, raw, str(path))
    pending, commit = body.get("pending"), body.get("vault_commit", 0)
    if type(commit) is not int or commit < 0:
        raise AuditError(f"{path}: malformed")
    return Anchor(_head(body.get("head"), str(path)),
                  None if pending is None else _head(pending, str(path)), commit)


def write_anchor(path: Path, key: bytes, anchor: Anchor) -> None:
    body: dict[str, Any] = {"v": 1, "head": [anchor.head.seq, anchor.head.digest],
                            "pending": None if anchor.pending is None
                            else [anchor.pending.seq, anchor.pending.digest],
                            "vault_commit": anchor.vault_commit}
    atomic_write(Path(path), _sealed(key, _ANCHOR_DOMAIN, body), tag="anchor")


def check_head(anchor: Anchor | None, log_end: Head) -> None:
    """``AnchorMismatch`` unless the log ending at ``log_end`` is whole by ``anchor``."""
    if anchor is None:
        if log_end.seq == 0:
            return
        raise AnchorMismatch(HeadProblem.NO_ANCHOR, (
            f"the audit log has {log_end.seq} records but the vault holds no audit anchor: the "
            "vault folder is older than the log (restored from an older copy?); nothing is "
            "numbered until the vault is restored from its newest copy"))
    if log_end in (anchor.head, anchor.pending):
        return
    top = anchor.pending.seq if anchor.pending is not None else anchor.head.seq
    if log_end.seq < anchor.head.seq:
        raise AnchorMismatch(HeadProblem.TRUNCATED, (
            f"TRUNCATED (records {log_end.seq + 1} to {anchor.head.seq} missing): the log "
            "ends before the last record the vault's anchor saw written"))
    if log_end.seq > top:
        raise AnchorMismatch(HeadProblem.ROLLED_BACK, (
            f"ROLLED BACK: the vault's audit anchor is at record {anchor.head.seq} but the log "
            f"goes on to record {log_end.seq}: the vault folder was restored from an older "
            "copy; numbers could be given twice and a withdrawal forgotten, so nothing is "
            "numbered until the vault is restored from its newest copy"))
    raise AnchorMismatch(HeadProblem.DIVERGED, (
        f"DIVERGED: record {log_end.seq} is not the record the vault's anchor saw written"))


def check_vault(anchor: Anchor, commit: int) -> None:
    """``AnchorMismatch`` (ROLLED_BACK) if the vault's commit count is below the one the anchor
    remembers: the vault's files were put back from an older copy (the anchor kept)."""
    if commit < anchor.vault_commit:
        raise AnchorMismatch(HeadProblem.ROLLED_BACK, (
            f"ROLLED BACK: the vault has been written {commit} times but the audit anchor saw "
            f"{anchor.vault_commit}: the vault's files were restored from an older copy; numbers "
            "could be given twice and a withdrawal forgotten, so nothing is numbered until the "
            "vault is restored from its newest copy"))


def verify_anchored(
    live: Path, key: bytes, anchor_file: Path, *, digest_of: dict[int, str] | None = None
) -> tuple[VerifyResult, Anchor | None]:
    """Verify the whole log, and read the anchor at the same moment (under the log's lock, so a
    concurrent append cannot make the two disagree)."""
    seen: list[Anchor | None] = []
    result = _disk.verify(live, key, digest_of=digest_of,
                          under_lock=lambda: seen.append(read_anchor(anchor_file, key)))
    return result, (seen[0] if seen else None)


# -- checkpoints, for the committee -------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    project: str
    head: Head
    time: datetime


def make_checkpoint(key: bytes, project: str, head: Head, now: datetime | None = None) -> bytes:
    when = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    body: dict[str, Any] = {"kind": _CHECKPOINT_KIND, "v": 1, "project": project,
                            "seq": head.seq, "chain_sha256": head.digest, "time": when}
    text = json.dumps(dict(body, mac=_mac(key, _CHECKPOINT_DOMAIN, body)), sort_keys=True,
                      indent=1, ensure_ascii=True)
    return text.encode() + b"\n"


def read_checkpoint(path: Path, key: bytes) -> Checkpoint:
    try:
        raw = Path(path).read_bytes()[:_MAX_FILE]
    except OSError as error:
        raise AuditError(f"{path}: cannot read the checkpoint ({error.strerror})") from None
    body = _unseal(key, _CHECKPOINT_DOMAIN, raw, str(path))
    if body.get("kind") != _CHECKPOINT_KIND or not isinstance(body.get("project"), str):
        raise AuditError(f"{path}: not an audit checkpoint")
    head = _head([body.get("seq"), body.get("chain_sha256")], str(path))
    try:
        when = datetime.strptime(str(body.get("time")), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise AuditError(f"{path}: malformed checkpoint time") from None
    return Checkpoint(body["project"], head, when)


def remove_anchor_temps(path: Path) -> None:
    """Temp files a crash left beside the anchor (the anchor itself is replaced atomically)."""
    for temp in Path(path).parent.glob(f".{Path(path).name}.*"):
        if temp.name.endswith(".tmp"):
            os.unlink(temp)
