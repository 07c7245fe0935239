"""The workbench's audit records: every action, with the account as the record's ``actor``.

The server opens the vault once at start for the audit key (``AuditKey``) and appends through
``Recorder.append(account, EVENT, **fields)``. Fields hold codes, numbers and digests only, as
everywhere (``anonymizer.audit.fields``); an account name itself is the actor, and where an
account is the *object* of a change (``users add``) it is a keyed hash, ``account_digest``.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from anonymizer.audit.log import AuditEvent, AuditLog, open_audit_log
from anonymizer.settings import Settings

_ACCOUNT_DOMAIN = b"qr-audit/v1/account\x00"
_TERM_DOMAIN = b"qr-audit/v1/search-term\x00"
ANONYMOUS = "web-anonymous"  # the actor of a refused login (the typed name is not recorded)


def keyed_digest(key: bytes, domain: bytes, text: str) -> str:
    return hmac.new(key, domain + text.casefold().encode("utf-8"), hashlib.sha256).hexdigest()


def account_digest(key: bytes, name: str) -> str:
    return keyed_digest(key, _ACCOUNT_DOMAIN, name)


def term_digest(key: bytes, term: str) -> str:
    return keyed_digest(key, _TERM_DOMAIN, term)


def audit_key(settings: Settings) -> bytes:
    from anonymizer.keys.vault_adapter import open_vault

    with open_vault(settings) as vault:
        return bytes(vault.audit_key())


def record_account_change(settings: Settings, action: str, account: Any) -> None:
    key = audit_key(settings)
    open_audit_log(settings, key).append(
        AuditEvent.ACCOUNT_CHANGED, action=action, role=account.role,
        account_digest=account_digest(key, account.name))


@dataclass(frozen=True)
class Recorder:
    settings: Settings
    key: bytes

    def log(self, actor: str) -> AuditLog:
        return open_audit_log(self.settings, self.key, actor=actor)

    def append(self, actor: str, event: AuditEvent, /, **fields: Any) -> None:
        self.log(actor).append(event, **fields)
