"""Sealed blobs: files kept outside the vault, encrypted under one participant's data key.

The analysis store keeps each participant's original transcripts sealed with this. Withdrawing
the participant deletes their data key from the key-ring, which shreds every blob sealed for them
too -- wherever copies of those files went (backups, a copied archive), as for their record.

Format (version 1)::

    offset  size  field
    0       8     magic b"QRVAULTB"
    8       2     format version, big-endian (1)
    10      12    nonce (random per seal)
    22      n+16  AES-256-GCM ciphertext of the n plaintext bytes, then the tag

    key = HKDF-SHA256(ikm = the participant's data key, salt = none,
                      info = b"qrvault/v1/blob-key")
    AD  = ad("qrvault/v1/blob", vault id, project id, "participant:<n>", file id)

The blob key is derived rather than the data key used directly, so records and blobs never share
a key. The associated data binds a blob to its vault, project, participant and the caller's file
id: a blob renamed to another file id, moved to another participant, vault or project, cut short
or altered does not open (``TAMPERED``; no oracle says which).
"""

from __future__ import annotations

import re

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from vault.crypto import KEY_BYTES, NONCE_BYTES, RandBytes, Sealed, associated_data, seal, unseal
from vault.errors import Reason, VaultError

MAGIC = b"QRVAULTB"
VERSION = 1
HEADER_BYTES = len(MAGIC) + 2 + NONCE_BYTES
TAG_BYTES = 16
_FILE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def check_file_id(file_id: object) -> str:
    """File ids are chosen by the caller and bound into the AD; a plain alphabet keeps them out
    of anyone's reach for a name (they may appear in messages)."""
    if not isinstance(file_id, str) or not _FILE_ID.fullmatch(file_id):
        raise VaultError(Reason.INVALID, "file id must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
    return file_id


def blob_key(data_key: bytes) -> bytes:
    return HKDF(hashes.SHA256(), KEY_BYTES, None, b"qrvault/v1/blob-key").derive(data_key)


def blob_ad(vault_id: str, project: str, number: int, file_id: str) -> bytes:
    return associated_data("qrvault/v1/blob", vault_id, project, f"participant:{number}", file_id)


def seal_blob(data_key: bytes, ad: bytes, data: bytes, randbytes: RandBytes) -> bytes:
    sealed = seal(blob_key(data_key), bytes(data), ad, randbytes)
    return MAGIC + VERSION.to_bytes(2, "big") + sealed.nonce + sealed.ciphertext


def open_blob(data_key: bytes, ad: bytes, blob: bytes) -> bytes:
    blob = bytes(blob)
    if len(blob) < HEADER_BYTES + TAG_BYTES or not blob.startswith(MAGIC):
        raise VaultError(Reason.TAMPERED, "blob")
    version = int.from_bytes(blob[len(MAGIC):len(MAGIC) + 2], "big")
    if version > VERSION:
        raise VaultError(Reason.UNSUPPORTED_VERSION, "blob")
    if version != VERSION:
        raise VaultError(Reason.TAMPERED, "blob")
    nonce = blob[len(MAGIC) + 2:HEADER_BYTES]
    sealed = Sealed(nonce, blob[HEADER_BYTES:])
    return unseal(blob_key(data_key), sealed, ad, reason=Reason.TAMPERED, where="blob")
