"""The workbench's accounts: a name, a role and an Argon2id password hash each.

Kept in ``<paths.data_dir>/web/accounts.json`` (mode 0600, folder 0700), written atomically
under an exclusive ``flock`` on ``accounts.json.lock``, so ``anonymizer users ...`` and a running
``anonymizer serve`` can both change it. The server reads it again whenever it changes: a
disabled account's sessions end at its next request.

An account name is what the audit log records as the ``actor`` of every action done through the
workbench, so it has the audit log's actor shape (letters, digits, ``_ . -``, at most 32).
Passwords are never stored, logged or echoed; a wrong name and a wrong password get the same
answer and take the same time (the hash of a dummy password is checked for an unknown name).

Errors: ``AccountError`` (an ``InputError``: exit 2) names the account, never a password.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from anonymizer.audit.fields import ACTOR
from anonymizer.errors import InputError
from anonymizer.fsutil import atomic_write, make_dirs

FORMAT = "anonymizer-accounts/1"
MIN_PASSWORD = 12
MAX_PASSWORD = 1024


class Role(str, Enum):
    STEWARD = "steward"  # reviews releases, sees originals (audited), changes rules
    COMMITTEE = "committee"  # reads the report, the audit result and the histories; no names
    ASSISTANT = "assistant"  # uploads transcripts and sees what became of their own uploads


class AccountError(InputError):
    pass


@dataclass(frozen=True)
class Account:
    name: str
    role: Role
    password_hash: str
    disabled: bool = False
    created_at: str = ""
    changed_at: str = ""


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_name(name: str) -> str:
    if not ACTOR.fullmatch(name):
        raise AccountError("account name: 1-32 letters, digits, '_', '.' or '-' (it is the "
                           "actor of the audit log)")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password: at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"password: at most {MAX_PASSWORD} characters")
    return password


class Accounts:
    """The accounts file. ``hasher``: Argon2id with the library's defaults (tests pass cheaper
    parameters; the type is Argon2id either way)."""

    def __init__(self, path: Path, *, hasher: PasswordHasher | None = None,
                 clock: Callable[[], str] = _now) -> None:
        self.path = Path(path)
        self._hasher = hasher or PasswordHasher()
        self._clock = clock
        self._dummy = self._hasher.hash("not a password of anyone here")
        self._cache: tuple[tuple[int, int], dict[str, Account]] | None = None

    @classmethod
    def of(cls, settings: object, **kwargs: object) -> Accounts:
        data_dir = getattr(getattr(settings, "paths"), "data_dir")  # noqa: B009 - any Settings
        if data_dir is None:
            from anonymizer.errors import SettingsError

            raise SettingsError("paths.data_dir: not set; the workbench keeps its accounts in "
                                "<data_dir>/web/accounts.json")
        return cls(Path(data_dir) / "web" / "accounts.json", **kwargs)  # type: ignore[arg-type]

    # -- reading -------------------------------------------------------------------------
    def all(self) -> list[Account]:
        return sorted(self._read().values(), key=lambda a: a.name)

    def get(self, name: str) -> Account | None:
        return self._read().get(name)

    def verify(self, name: str, password: str) -> Account | None:
        """The enabled account if the password is right; None otherwise (same work either way)."""
        account = self.get(name) if ACTOR.fullmatch(name) else None
        digest = account.password_hash if account is not None else self._dummy
        ok = False
        with contextlib.suppress(VerifyMismatchError, VerificationError, InvalidHashError):
            ok = bool(self._hasher.verify(digest, password[:MAX_PASSWORD]))
        if not ok or account is None or account.disabled:
            return None
        return account

    # -- changing ------------------------------------------------------------------------
    def add(self, name: str, role: Role, password: str) -> Account:
        check_name(name)
        digest = self._hasher.hash(check_password(password))
        with self._changing() as accounts:
            if name in accounts:
                raise AccountError(f"account {name}: exists already")
            now = self._clock()
            accounts[name] = Account(name, Role(role), digest, False, now, now)
            return accounts[name]

    def set_password(self, name: str, password: str) -> Account:
        digest = self._hasher.hash(check_password(password))
        with self._changing() as accounts:
            account = self._existing(accounts, name)
            accounts[name] = replace(account, password_hash=digest, changed_at=self._clock())
            return accounts[name]

    def disable(self, name: str) -> Account:
        with self._changing() as accounts:
            account = self._existing(accounts, name)
            accounts[name] = replace(account, disabled=True, changed_at=self._clock())
            return accounts[name]

    @staticmethod
    def _existing(accounts: dict[str, Account], name: str) -> Account:
        check_name(name)
        if name not in accounts:
            raise AccountError(f"account {name}: no such account (anonymizer users list)")
        return accounts[name]

    # -- the file ------------------------------------------------------------------------
    @contextlib.contextmanager
    def _changing(self) -> Iterator[dict[str, Account]]:
        make_dirs(self.path.parent, 0o700)
        lock = os.open(self.path.with_name(self.path.name + ".lock"),
                       os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            accounts = dict(self._load())
            yield accounts
            document = {"format": FORMAT, "accounts": [
                {"name": a.name, "role": a.role.value, "hash": a.password_hash,
                 "disabled": a.disabled, "created_at": a.created_at,
                 "changed_at": a.changed_at} for a in sorted(accounts.values(),
                                                             key=lambda a: a.name)]}
            atomic_write(self.path, json.dumps(document, indent=1).encode() + b"\n",
                         tag="accounts", mode=0o600)
            self._cache = None
        finally:
            os.close(lock)

    def _read(self) -> dict[str, Account]:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return {}
        stamp = (stat.st_mtime_ns, stat.st_size)
        if self._cache is None or self._cache[0] != stamp:
            self._cache = (stamp, self._load())
        return self._cache[1]

    def _load(self) -> dict[str, Account]:
        try:
            document = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            raise AccountError(f"{self.path}: not a readable accounts file") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise AccountError(f"{self.path}: not an accounts file of format {FORMAT}")
        if self.path.stat().st_mode & 0o077:
            raise AccountError(f"{self.path}: readable by others (chmod 600 it)")
        try:
            return {a["name"]: Account(a["name"], Role(a["role"]), a["hash"],
                                       bool(a["disabled"]), a.get("created_at", ""),
                                       a.get("changed_at", ""))
                    for a in document["accounts"]}
        except (KeyError, TypeError, ValueError):
            raise AccountError(f"{self.path}: an account entry is malformed") from None
