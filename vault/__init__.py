"""The encrypted key mapping between participants' names and their numbers.

A small library of its own: it knows nothing about NLP and imports nothing from the application.
Start at ``Vault`` (``vault.vault``) and ``Secret`` (``vault.secret``); the file format and the
threat model are in ``vault/README.md``. Every failure is a ``VaultError`` whose ``reason`` is one
of the codes listed in ``vault.errors``.
"""

from __future__ import annotations

from vault.crypto import ScryptParams
from vault.entries import (
    Consent,
    ConsentStatus,
    Entry,
    Kind,
    Problem,
    Retired,
    RetiredReason,
    VerifyReport,
    WithdrawalReceipt,
)
from vault.errors import Reason, VaultError
from vault.names import normalise_name
from vault.secret import Secret, SecretKind, generate_key_file
from vault.vault import Vault

__all__ = [
    "Consent",
    "ConsentStatus",
    "Entry",
    "Kind",
    "Problem",
    "Reason",
    "Retired",
    "RetiredReason",
    "ScryptParams",
    "Secret",
    "SecretKind",
    "Vault",
    "VaultError",
    "VerifyReport",
    "WithdrawalReceipt",
    "generate_key_file",
    "normalise_name",
]
