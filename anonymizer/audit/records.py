"""What the audit log holds: event kinds, records, why a record is bad, and the audit errors.

The vocabulary the writer (``anonymizer.audit.log``), the field rules (``anonymizer.audit.fields``)
and the reader (``anonymizer.audit.verify``) share. It imports none of them, so any of them can
be imported first; callers import these names from ``anonymizer.audit.log``, which re-exports them.

Errors: ``AuditError`` (exit code 1, ``ExitCode.FAILED``) and its subclasses ``AuditFieldError``
(a field refused) and ``AuditLogBroken`` (``.bad``: the first bad record, from reading).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

from anonymizer.errors import AnonymizerError, ExitCode


class AuditEvent(str, Enum):
    DAEMON_STARTED = "daemon_started"
    DAEMON_STOPPED = "daemon_stopped"
    RECEIVED = "received"
    RELEASED = "released"
    QUARANTINED = "quarantined"
    DUPLICATE = "duplicate"
    SUPERSEDED = "superseded"  # a release replaced by its rerun (store rerun)
    RERUN_REFUSED = "rerun_refused"  # a rerun the pipeline refused; the old release stays
    RERUN_REQUESTED = "rerun_requested"  # the daemon took a queued rerun request (requests/)
    AFFECTED_LISTED = "affected_listed"  # store affected: which releases a correction concerns
    REVIEW_DECISION = "review_decision"
    RULES_CHANGED = "rules_changed"
    PARTICIPANT_ADDED = "participant_added"
    PARTICIPANTS_MERGED = "participants_merged"
    IDENTITIES_MERGED = "identities_merged"  # people merge (person, place, organisation)
    IDENTITY_ALIASED = "identity_aliased"  # people alias: more names for one identity
    IDENTITY_MOVED = "identity_moved"  # people kind: another kind, a new number
    CONSENT_CHANGED = "consent_changed"
    REIDENTIFIED = "reidentified"  # participants reveal
    WITHDRAWN = "withdrawn"
    PURGED = "purged"
    VAULT_CREATED = "vault_created"
    VAULT_PASSPHRASE_CHANGED = "vault_passphrase_changed"
    VAULT_ROTATED = "vault_rotated"
    ANCHOR_RESET = "anchor_reset"  # a steward set the head anchor to the log's end (audit anchor)
    # the workbench (anonymizer serve / users); the actor is the account
    ACCOUNT_CHANGED = "account_changed"  # added, password changed, disabled
    WEB_LOGIN = "web_login"  # a login, refused or not, and a logout
    SEARCHED = "searched"  # a steward searched the study (an HMAC of the term, never the term)
    UPLOADED = "uploaded"  # an assistant put a transcript into the inbox (its SHA-256)
    QUARANTINE_ACTION = "quarantine_action"  # retried, assigned or deleted from quarantine
    # written by the log itself; ``append`` refuses them
    LOG_ROTATED = "log_rotated"
    LOG_REPAIRED = "log_repaired"


INTERNAL_EVENTS = frozenset({AuditEvent.LOG_ROTATED, AuditEvent.LOG_REPAIRED})


class AuditReason(str, Enum):
    """Why ``verify_log`` (or ``append``) found a record bad."""

    EDITED = "EDITED"  # a record changed in place (its MAC fails, its neighbours are intact)
    DELETED = "DELETED"  # records missing before this one
    REORDERED = "REORDERED"  # the expected record comes later (records or files swapped)
    INSERTED = "INSERTED"  # a forged record, or a replayed copy of an earlier one
    TRUNCATED = "TRUNCATED"  # a partial last line, or a rotated file cut short
    BAD_JSON = "BAD_JSON"  # not a record at all
    BAD_MAC = "BAD_MAC"  # fails authentication and nothing more can be said (the last record)
    CHAIN_BROKEN = "CHAIN_BROKEN"  # an authentic record with the wrong predecessor
    ROTATION_GAP = "ROTATION_GAP"  # records missing at a file boundary (a rotated file gone)
    WRONG_KEY = "WRONG_KEY"  # no record verifies under this key


class AuditError(AnonymizerError):
    exit_code = ExitCode.FAILED


class AuditFieldError(AuditError):
    """A field ``append`` refuses; the message names the field, never its value."""


@dataclass(frozen=True)
class BadRecord:
    file: Path
    line: int
    reason: AuditReason
    detail: str = ""  # numbers and codes only

    def __str__(self) -> str:
        more = f" ({self.detail})" if self.detail else ""
        return f"{self.file} line {self.line}: {self.reason.value}{more}"


class AuditLogBroken(AuditError):
    def __init__(self, bad: BadRecord) -> None:
        super().__init__(f"audit log broken at {bad}")
        self.bad = bad


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    time: datetime
    event: AuditEvent | str  # a str only for an event this version does not know
    actor: str
    fields: Mapping[str, Any]
    prev: str
    mac: str
    file: Path | None = field(default=None, compare=False)
    line: int | None = field(default=None, compare=False)  # None for a record just appended


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    records: int
    files: int
    first_bad: BadRecord | None = None
    repairs: int = 0  # log_repaired records among the good ones
    last_seq: int = 0
    last_digest: str = ""  # SHA-256 of the last good record's line (the genesis anchor if none)
