"""The vault's one exception and its reason codes.

Every failure the vault raises on purpose is a ``VaultError`` carrying a ``Reason``. Messages are
built here from fixed texts plus a detail that callers fill with numbers, record ids, file roles or
reason words only -- never a name, a passphrase or decrypted content.

Reason codes::

    WRONG_SECRET         the passphrase / key file does not unlock the key-ring (or its wrapped
                         master key was altered: the two cannot be told apart, on purpose)
    TAMPERED             a file or record fails authentication, its checksum, or its strict
                         structure; nothing from it is used
    TRUNCATED            a file is shorter than its own header says
    NOT_A_VAULT          the folder or a file is not a vault (missing, wrong magic)
    UNSUPPORTED_VERSION  written by a newer format version than this code reads
    WRONG_PROJECT        the vault, or one of its files, belongs to another project id
    WRONG_VAULT          the record file belongs to another vault than the key-ring
    STALE_RECORDS        the record file is authentic but not the one the key-ring expects
                         (restored from an older backup?): open with ``recover=True``
    EXISTS               create() found a vault already there
    LOCKED               another process held the vault lock past the timeout
    CLOSED               the Vault object was closed
    NOT_FOUND            no such number of that kind
    NUMBER_TAKEN         the number is in use
    NAME_TAKEN           a name belongs to another identity of that kind
    WITHDRAWN            the participant withdrew; the number is retired for good
    MERGED               the number was merged into another and is retired for good
    BAD_PERMISSIONS      a secret file, key file or vault file/folder is readable by others
    BAD_KEYFILE          a key file is not 32 raw bytes or 64 hex digits
    NO_SECRET            no secret where one was promised (unset variable, missing file, empty)
    WEAK_SECRET          a new passphrase is too short, or KDF parameters below the minimum
    INVALID              an argument is malformed (kind, name, wave, number, project id)
"""

from __future__ import annotations

from enum import Enum


class Reason(str, Enum):
    WRONG_SECRET = "wrong_secret"
    TAMPERED = "tampered"
    TRUNCATED = "truncated"
    NOT_A_VAULT = "not_a_vault"
    UNSUPPORTED_VERSION = "unsupported_version"
    WRONG_PROJECT = "wrong_project"
    WRONG_VAULT = "wrong_vault"
    STALE_RECORDS = "stale_records"
    EXISTS = "exists"
    LOCKED = "locked"
    CLOSED = "closed"
    NOT_FOUND = "not_found"
    NUMBER_TAKEN = "number_taken"
    NAME_TAKEN = "name_taken"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"
    BAD_PERMISSIONS = "bad_permissions"
    BAD_KEYFILE = "bad_keyfile"
    NO_SECRET = "no_secret"
    WEAK_SECRET = "weak_secret"
    INVALID = "invalid"


_MESSAGES: dict[Reason, str] = {
    Reason.WRONG_SECRET: "the secret does not unlock this vault, or its key-ring was altered",
    Reason.TAMPERED: "a vault file was damaged or modified; nothing from it was used",
    Reason.TRUNCATED: "a vault file is truncated",
    Reason.NOT_A_VAULT: "not a vault",
    Reason.UNSUPPORTED_VERSION: "the vault was written by a newer format version",
    Reason.WRONG_PROJECT: "the vault belongs to another project",
    Reason.WRONG_VAULT: "the record file belongs to another vault",
    Reason.STALE_RECORDS: (
        "the record file is not the one the key-ring expects (older copy?); "
        "open with recover=True to rebuild from it"
    ),
    Reason.EXISTS: "a vault already exists there",
    Reason.LOCKED: "another process holds the vault lock",
    Reason.CLOSED: "the vault is closed",
    Reason.NOT_FOUND: "no such entry",
    Reason.NUMBER_TAKEN: "that number is already in use",
    Reason.NAME_TAKEN: "a name belongs to another entry of that kind",
    Reason.WITHDRAWN: "that participant withdrew; the number is retired",
    Reason.MERGED: "that number was merged into another and is retired",
    Reason.BAD_PERMISSIONS: "a secret or vault file is accessible by group or others",
    Reason.BAD_KEYFILE: "a key file must hold 32 raw bytes or 64 hex digits",
    Reason.NO_SECRET: "no secret was given",
    Reason.WEAK_SECRET: "the new secret or its KDF parameters are too weak",
    Reason.INVALID: "invalid argument",
}


class VaultError(Exception):
    """The one exception the vault raises; carries a reason code, never a name."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        text = f"{reason.value}: {_MESSAGES[reason]}"
        super().__init__(f"{text} ({detail})" if detail else text)
