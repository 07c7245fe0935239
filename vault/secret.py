"""Where the secret that unlocks a vault comes from -- never from a command-line argument.

A ``Secret`` is either a passphrase (stretched with scrypt) or a 256-bit key from a key file (for
unattended daemons). Its ``repr`` shows only where it came from. Files holding a secret must not
be readable by group or others; systemd credentials are trusted as systemd lays them out
(a private, read-only directory), since ACLs there can show group bits that grant nothing.
"""

from __future__ import annotations

import getpass
import os
import stat
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from vault.errors import Reason, VaultError

KEY_BYTES = 32
MIN_PASSPHRASE_CHARS = 12
_MAX_SECRET_FILE_BYTES = 4096


class SecretKind(str, Enum):
    PASSPHRASE = "passphrase"
    KEY = "key"


@dataclass(frozen=True, eq=False)
class Secret:
    kind: SecretKind
    source: str  # where it came from, e.g. "env:VAULT_PASSPHRASE"; never the value
    material: bytes = field(repr=False)

    # -- passphrases -------------------------------------------------------------------------
    @classmethod
    def from_passphrase(cls, passphrase: str, *, source: str = "given") -> Secret:
        """For callers that already hold the passphrase (a prompt, a test)."""
        if not isinstance(passphrase, str) or not passphrase:
            raise VaultError(Reason.NO_SECRET, source)
        material = unicodedata.normalize("NFC", passphrase).encode("utf-8")
        return cls(SecretKind.PASSPHRASE, source, material)

    @classmethod
    def from_env(cls, name: str, *, environ: Mapping[str, str] | None = None) -> Secret:
        """The passphrase in environment variable ``name`` (the name, not the value, is given)."""
        value = (os.environ if environ is None else environ).get(name, "")
        return cls.from_passphrase(value, source=f"env:{name}")

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Secret:
        """The passphrase in a file (mode 0600 or stricter); one trailing newline is dropped."""
        return cls._passphrase_file(Path(path), f"file:{path}", check_mode=True)

    @classmethod
    def from_credential(
        cls, name: str, *, key: bool = False, environ: Mapping[str, str] | None = None
    ) -> Secret:
        """A systemd credential: ``$CREDENTIALS_DIRECTORY/<name>`` (LoadCredential=...)."""
        directory = (os.environ if environ is None else environ).get("CREDENTIALS_DIRECTORY")
        if not directory or "/" in name or name in ("", ".", ".."):
            raise VaultError(Reason.NO_SECRET, f"credential:{name}")
        path = Path(directory) / name
        if key:
            return cls._key_file(path, f"credential:{name}", check_mode=False)
        return cls._passphrase_file(path, f"credential:{name}", check_mode=False)

    @classmethod
    def prompt(
        cls,
        prompt: str = "Vault passphrase: ",
        *,
        confirm: bool = False,
        ask: Callable[[str], str] = getpass.getpass,
    ) -> Secret:
        """Ask on the terminal without echo; with ``confirm``, ask twice (for a new passphrase)."""
        first = ask(prompt)
        if confirm and ask("Repeat passphrase: ") != first:
            raise VaultError(Reason.NO_SECRET, "the two passphrases differ")
        return cls.from_passphrase(first, source="prompt")

    # -- key files ---------------------------------------------------------------------------
    @classmethod
    def from_key_file(cls, path: str | os.PathLike[str]) -> Secret:
        """A 256-bit key: 32 raw bytes, or 64 hex digits and an optional newline; mode 0600."""
        return cls._key_file(Path(path), f"keyfile:{path}", check_mode=True)

    # -- helpers -----------------------------------------------------------------------------
    @classmethod
    def _passphrase_file(cls, path: Path, source: str, *, check_mode: bool) -> Secret:
        raw = _read_secret_file(path, source, check_mode=check_mode)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise VaultError(Reason.NO_SECRET, f"{source} is not UTF-8") from None
        for ending in ("\r\n", "\n"):
            if text.endswith(ending):
                text = text[: -len(ending)]
                break
        return cls.from_passphrase(text, source=source)

    @classmethod
    def _key_file(cls, path: Path, source: str, *, check_mode: bool) -> Secret:
        raw = _read_secret_file(path, source, check_mode=check_mode)
        return cls(SecretKind.KEY, source, _parse_key(raw, source))

    def passphrase_chars(self) -> int:
        return len(self.material.decode("utf-8")) if self.kind is SecretKind.PASSPHRASE else 0


def _parse_key(raw: bytes, source: str) -> bytes:
    if len(raw) == KEY_BYTES:
        return raw
    text = raw[:-1] if raw.endswith(b"\n") else raw
    if len(text) == 2 * KEY_BYTES:
        try:
            return bytes.fromhex(text.decode("ascii"))
        except ValueError:
            pass
    raise VaultError(Reason.BAD_KEYFILE, source)


def _read_secret_file(path: Path, source: str, *, check_mode: bool) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        raise VaultError(Reason.NO_SECRET, f"{source} cannot be read") from None
    try:
        info = os.fstat(fd)  # of the file opened, not of whatever the path points to later
        if not stat.S_ISREG(info.st_mode):
            raise VaultError(Reason.NO_SECRET, f"{source} is not a regular file")
        if check_mode and info.st_mode & 0o077:
            raise VaultError(Reason.BAD_PERMISSIONS, f"{source} mode {info.st_mode & 0o777:o}")
        data = os.read(fd, _MAX_SECRET_FILE_BYTES + 1)
    finally:
        os.close(fd)
    if not data:
        raise VaultError(Reason.NO_SECRET, f"{source} is empty")
    if len(data) > _MAX_SECRET_FILE_BYTES:
        raise VaultError(Reason.NO_SECRET, f"{source} is too large")
    return data


def generate_key_file(
    path: str | os.PathLike[str], *, randbytes: Callable[[int], bytes] = os.urandom
) -> Path:
    """Write a new random 256-bit key file with mode 0600; refuses to overwrite."""
    target = Path(path)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except FileExistsError:
        raise VaultError(Reason.EXISTS, f"keyfile:{target}") from None
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, randbytes(KEY_BYTES))
        os.fsync(fd)
    finally:
        os.close(fd)
    return target
