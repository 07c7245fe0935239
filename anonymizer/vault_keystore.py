"""``KeyStore`` on top of the encrypted ``vault.Vault``.

The engine speaks ``IdentityKind`` and ``Identity``; the vault speaks its own ``Kind`` and
``Entry``. Every refusal of the vault becomes a ``KeyStoreError`` whose message holds the vault's
reason code only -- never a name.

A withdrawn participant's name is gone from the vault, so if one of their transcripts arrives
later, ``assign`` gives that name a new number. Deciding whether a transcript belongs to a
withdrawn participant (and quarantining it) is the daemon's job, not this adapter's.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

from anonymizer.errors import KeyStoreError, SettingsError
from anonymizer.keystore import Identity, IdentityKind
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
    return KeyStoreError(f"the key vault refused: {error.reason.value}")


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


def secret_from_settings(
    vault: VaultSettings,
    *,
    environ: Mapping[str, str] | None = None,
    interactive: bool | None = None,
) -> Secret:
    """The vault secret from the first source the settings name that is there: a key file, a
    passphrase file, the systemd credential, the environment variable, else a prompt on a
    terminal. Never from the command line."""
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
            return Secret.prompt()
    except VaultError as error:
        raise _refused(error) from error
    raise KeyStoreError(
        "no vault secret: set vault.key_file or vault.passphrase_file, provide the systemd "
        f"credential {vault.credential!r}, or set the variable {vault.passphrase_env!r}"
    )


def open_vault_keystore(
    settings: Settings,
    *,
    environ: Mapping[str, str] | None = None,
    interactive: bool | None = None,
) -> VaultKeyStore:
    """Unlock the vault the settings point at (``vault.dir``, ``project.id``)."""
    if settings.vault.dir is None:
        raise SettingsError("vault.dir: required when vault.backend is 'vault'")
    secret = secret_from_settings(settings.vault, environ=environ, interactive=interactive)
    return VaultKeyStore.open(settings.vault.dir, settings.project.id, secret)
