"""The only cryptography in the vault, all from ``cryptography`` at recipes level.

- AES-256-GCM with a random 96-bit nonce per seal and associated data that names what is sealed
  (format label, vault id, project id, record id), so a ciphertext cannot be moved to another
  place, vault or project and still open.
- scrypt turns a passphrase into a key-encryption key (KEK); HKDF-SHA256 turns a key file's 256
  bits into one. The salt and parameters are stored with the vault so they can be raised later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from vault.encoding import b64d, b64e, canonical_json, fields, integer
from vault.errors import Reason, VaultError
from vault.secret import MIN_PASSPHRASE_CHARS, Secret, SecretKind

KEY_BYTES = 32
NONCE_BYTES = 12
SALT_BYTES = 16
RandBytes = Callable[[int], bytes]

# OWASP's minimum for scrypt is N=2^17, r=8, p=1 (128 MiB); its equal-cost alternatives trade N for
# p, so the floor is on the product.
MIN_SCRYPT_COST = 2**17 * 8 * 1
_MAX_SCRYPT_MEMORY = 2**30  # refuse parameters from a file that would exhaust memory


@dataclass(frozen=True)
class Sealed:
    nonce: bytes
    ciphertext: bytes  # includes the 16-byte GCM tag

    def to_json(self) -> dict[str, str]:
        return {"ct": b64e(self.ciphertext), "nonce": b64e(self.nonce)}

    @classmethod
    def from_json(cls, value: object, where: str) -> Sealed:
        obj = fields(value, {"ct", "nonce"}, where)
        ciphertext = b64d(obj["ct"], where)
        if len(ciphertext) < 16:
            raise VaultError(Reason.TAMPERED, where)
        return cls(b64d(obj["nonce"], where, size=NONCE_BYTES), ciphertext)


def associated_data(label: str, *parts: str | bytes) -> bytes:
    """Length-prefixed concatenation, so no two different part lists give the same bytes."""
    out = bytearray()
    for part in (label, *parts):
        raw = part.encode("utf-8") if isinstance(part, str) else part
        out += len(raw).to_bytes(4, "big") + raw
    return bytes(out)


def seal(key: bytes, plaintext: bytes, ad: bytes, randbytes: RandBytes) -> Sealed:
    nonce = randbytes(NONCE_BYTES)
    return Sealed(nonce, AESGCM(key).encrypt(nonce, plaintext, ad))


def unseal(key: bytes, sealed: Sealed, ad: bytes, *, reason: Reason, where: str) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed.nonce, sealed.ciphertext, ad)
    except InvalidTag:
        raise VaultError(reason, where) from None


@dataclass(frozen=True)
class ScryptParams:
    n: int = 2**17
    r: int = 8
    p: int = 1
    # Set only by ``for_tests``: lets tests and fixed vectors create cheap vaults on purpose,
    # while ``Vault.create`` refuses weak parameters that were passed by mistake.
    insecure_for_tests: bool = field(default=False, compare=False)

    def __post_init__(self) -> None:
        for value in (self.n, self.r, self.p):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise VaultError(Reason.INVALID, "scrypt parameters are positive integers")
        if self.n < 2 or self.n & (self.n - 1):
            raise VaultError(Reason.INVALID, "scrypt n must be a power of two")
        if 128 * self.n * self.r * self.p > _MAX_SCRYPT_MEMORY or self.r > 64 or self.p > 64:
            raise VaultError(Reason.INVALID, "scrypt parameters too large")

    @classmethod
    def for_tests(cls, n: int = 2**4) -> ScryptParams:
        return cls(n=n, r=8, p=1, insecure_for_tests=True)

    @property
    def strong_enough(self) -> bool:
        return self.n * self.r * self.p >= MIN_SCRYPT_COST and self.r >= 8


@dataclass(frozen=True)
class KdfSpec:
    """How the KEK is made: ``scrypt`` (passphrase) or ``keyfile``; stored in clear."""

    method: str
    salt: bytes
    scrypt: ScryptParams | None = None

    def to_json(self) -> dict[str, Any]:
        if self.scrypt is None:
            return {"name": "keyfile", "salt": b64e(self.salt)}
        s = self.scrypt
        return {"n": s.n, "name": "scrypt", "p": s.p, "r": s.r, "salt": b64e(self.salt)}

    @classmethod
    def from_json(cls, value: object, where: str) -> KdfSpec:
        if isinstance(value, dict) and value.get("name") == "keyfile":
            obj = fields(value, {"name", "salt"}, where)
            return cls("keyfile", b64d(obj["salt"], where, size=SALT_BYTES))
        obj = fields(value, {"name", "salt", "n", "r", "p"}, where)
        if obj["name"] != "scrypt":
            raise VaultError(Reason.TAMPERED, where)
        try:
            params = ScryptParams(
                integer(obj["n"], where), integer(obj["r"], where), integer(obj["p"], where)
            )
        except VaultError:
            raise VaultError(Reason.TAMPERED, where) from None
        return cls("scrypt", b64d(obj["salt"], where, size=SALT_BYTES), params)

    def canonical(self) -> bytes:
        return canonical_json(self.to_json())

    @classmethod
    def new(cls, secret: Secret, scrypt: ScryptParams | None, randbytes: RandBytes) -> KdfSpec:
        salt = randbytes(SALT_BYTES)
        if secret.kind is SecretKind.KEY:
            return cls("keyfile", salt)
        return cls("scrypt", salt, scrypt or ScryptParams())


def derive_kek(spec: KdfSpec, secret: Secret) -> bytes:
    if spec.scrypt is None:
        if secret.kind is not SecretKind.KEY:
            raise VaultError(Reason.WRONG_SECRET, "this vault is unlocked by a key file")
        hkdf = HKDF(hashes.SHA256(), KEY_BYTES, spec.salt, b"qrvault/v1/keyfile-kek")
        return hkdf.derive(secret.material)
    if secret.kind is not SecretKind.PASSPHRASE:
        raise VaultError(Reason.WRONG_SECRET, "this vault is unlocked by a passphrase")
    p = spec.scrypt
    return Scrypt(salt=spec.salt, length=KEY_BYTES, n=p.n, r=p.r, p=p.p).derive(secret.material)


def check_new_secret(secret: Secret, kdf: ScryptParams | None) -> None:
    """Refuse a new passphrase that is short, or scrypt parameters below the minimum."""
    if secret.kind is SecretKind.PASSPHRASE:
        if secret.passphrase_chars() < MIN_PASSPHRASE_CHARS:
            raise VaultError(Reason.WEAK_SECRET, f"at least {MIN_PASSPHRASE_CHARS} characters")
        if kdf is not None and not (kdf.strong_enough or kdf.insecure_for_tests):
            raise VaultError(Reason.WEAK_SECRET, "scrypt below N*r*p = 2^20 with r >= 8")
