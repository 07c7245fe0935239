"""``KeyStore`` on top of the encrypted ``vault.Vault``.

The engine speaks ``IdentityKind`` and ``Identity``; the vault speaks its own ``Kind`` and
``Entry``. Every refusal of the vault becomes a ``KeyStoreError`` whose message holds the vault's
reason code and its name-free detail (numbers, record ids, file roles, secret sources) -- never a
name.

The engine refuses rather than invents: if the vault cannot be opened (missing, wrong secret,
tampered, truncated, another project's, locked) ``open_vault_keystore`` raises and no number is
handed out. Opening authenticates every record (the vault decrypts all of them at unlock), so an
opened vault is a verified one. ``batch()`` groups one transcript's assignments into one vault
write (``Engine.anonymize`` uses it); if anything fails inside, none of them are kept.

A withdrawn participant's name is gone from the vault, so if one of their transcripts arrives
later, ``assign`` gives that name a new number. Deciding whether a transcript belongs to a
withdrawn participant (and quarantining it) is the daemon's job, not this adapter's.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from anonymizer.errors import KeyStoreError, SettingsError
from anonymizer.keys.keystore import Identity, IdentityKind
from vault import Entry, Kind, Secret, Vault, VaultError

if TYPE_CHECKING:
    from anonymizer.settings import Settings, VaultSettings

T = TypeVar("T")


def _kind(kind: IdentityKind) -> Kind:
    return Kind(IdentityKind(kind).value)


def _identity(entry: Entry) -> Identity:
    # Participants always count as a roster, as in InMemoryKeyStore: a transcript's interviewee
    # is matched in every later transcript even if the engine numbered them first.
    registered = entry.registered or entry.kind is Kind.PARTICIPANT
    return Identity(IdentityKind(entry.kind.value), entry.number, entry.names, registered)


def _refused(error: VaultError) -> KeyStoreError:
    # str(error) is the reason code, its fixed text and a detail of numbers, record ids, file
    # roles or secret sources only (the vault's contract): safe to show, and it says what to fix.
    return KeyStoreError(f"the key vault refused: {error}")


class VaultKeyStore:
    """A KeyStore whose identities live in an unlocked ``Vault`` (which this object closes)."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    @classmethod
    def open(cls, path: str | os.PathLike[str], project_id: str, secret: Secret) -> VaultKeyStore:
        return cls(_call(lambda: Vault.open(path, project_id, secret)))

    @property
    def vault(self) -> Vault:
        return self._vault

    def identities(self, kind: IdentityKind | None = None) -> Sequence[Identity]:
        entries = _call(lambda: self._vault.entries(None if kind is None else _kind(kind)))
        return [_identity(e) for e in entries]

    def lookup(self, kind: IdentityKind, name: str) -> Identity | None:
        entry = _call(lambda: self._vault.lookup(_kind(kind), name))
        return None if entry is None else _identity(entry)

    def assign(self, kind: IdentityKind, names: Sequence[str]) -> Identity:
        return _identity(_call(lambda: self._vault.assign(_kind(kind), names)))

    def add(self, kind: IdentityKind, names: Sequence[str], number: int | None = None) -> Identity:
        """Register an identity (steward's roster), optionally with a fixed number.

        Stricter than ``InMemoryKeyStore.add``: a name another identity of that kind already
        holds is refused (``name_taken``), because lookups by name must stay unambiguous.
        """
        return _identity(_call(lambda: self._vault.add(_kind(kind), names, number)))

    def note_wave(self, number: int, wave: str) -> None:
        _call(lambda: self._vault.note_wave(number, wave))

    def next_number(self, kind: IdentityKind) -> int:
        """Past every number of that kind ever handed out that the vault shows, live or retired
        (withdrawn, merged): what a dry run may show for someone new without showing a number
        that belonged to someone else."""
        k = _kind(kind)
        numbers = [e.number for e in _call(lambda: self._vault.entries(k))]
        numbers += [r.number for r in _call(lambda: self._vault.retired(k))]
        return max(numbers, default=0) + 1

    def participant(self, number: int) -> Entry:
        return self._vault.get(Kind.PARTICIPANT, number)

    def seal_blob(self, number: int, data: bytes, file_id: str) -> bytes:
        return self._vault.seal_blob(number, data, file_id)

    def open_blob(self, number: int, blob: bytes, file_id: str) -> bytes:
        return self._vault.open_blob(number, blob, file_id)

    def audit_key(self) -> bytes:
        return self._vault.audit_key()

    def commit_count(self) -> int:
        return self._vault.commit_count()

    def refresh(self) -> None:
        """See what stewards or other daemons committed since the vault was unlocked."""
        _call(self._vault.refresh)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Commit every assignment made inside at once (one write for a whole transcript)."""
        try:
            with self._vault.transaction():
                yield
        except VaultError as error:
            raise _refused(error) from error

    def close(self) -> None:
        self._vault.close()

    def __enter__(self) -> VaultKeyStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _call(action: Callable[[], T]) -> T:
    try:
        return action()
    except VaultError as error:
        raise _refused(error) from error


def ask_passphrase(prompt: str) -> str:
    """The terminal prompt (no echo). Looked up when called, so tests can replace getpass."""
    return getpass.getpass(prompt)


def secret_from_settings(
    vault: VaultSettings,
    *,
    environ: Mapping[str, str] | None = None,
    interactive: bool | None = None,
    confirm: bool = False,
    prompt: str = "Vault passphrase: ",
) -> Secret:
    """The vault secret from the first source the settings name that is there: a key file, a
    passphrase file, the systemd credential, the environment variable, else a prompt on a
    terminal (asked twice with ``confirm``, for a new vault). Never from the command line."""
    env = os.environ if environ is None else environ
    try:
        if vault.key_file is not None:
            return Secret.from_key_file(vault.key_file)
        if vault.passphrase_file is not None:
            return Secret.from_file(vault.passphrase_file)
        credentials = env.get("CREDENTIALS_DIRECTORY")
        if credentials and os.path.isfile(os.path.join(credentials, vault.credential)):
            return Secret.from_credential(vault.credential, environ=env)
        if env.get(vault.passphrase_env):
            return Secret.from_env(vault.passphrase_env, environ=env)
        if interactive if interactive is not None else sys.stdin.isatty():
            return Secret.prompt(prompt, confirm=confirm, ask=ask_passphrase)
    except VaultError as error:
        raise _refused(error) from error
    raise KeyStoreError(
        "no vault secret: set vault.key_file or vault.passphrase_file, provide the systemd "
        f"credential {vault.credential!r}, or set the variable {vault.passphrase_env!r}"
    )


def vault_dir(settings: Settings) -> Path:
    if settings.vault.dir is None:
        raise SettingsError("vault.dir: required for the key vault")
    return Path(settings.vault.dir)


def open_vault(
    settings: Settings,
    *,
    environ: Mapping[str, str] | None = None,
    interactive: bool | None = None,
) -> Vault:
    """The unlocked ``Vault`` itself, for the stewards' commands: its refusals stay
    ``VaultError`` (the CLI prints them as one line, exit 4)."""
    directory = vault_dir(settings)
    secret = secret_from_settings(settings.vault, environ=environ, interactive=interactive)
    return Vault.open(directory, settings.project.id, secret)


def open_vault_keystore(
    settings: Settings,
    *,
    environ: Mapping[str, str] | None = None,
    interactive: bool | None = None,
) -> VaultKeyStore:
    """Unlock the vault the settings point at (``vault.dir``, ``project.id``) for the engine.

    Any refusal is a ``KeyStoreError`` (exit 4): the engine never falls back to numbering on
    its own when the vault cannot be opened."""
    if settings.vault.dir is None:
        raise SettingsError("vault.dir: required when vault.backend is 'vault'")
    secret = secret_from_settings(settings.vault, environ=environ, interactive=interactive)
    return VaultKeyStore.open(settings.vault.dir, settings.project.id, secret)

