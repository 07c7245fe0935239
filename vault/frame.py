"""The envelope around both vault files: magic, version, write id, length, payload, checksum.

::

    offset  size  field
    0       8     magic: b"QRVAULTK" (key-ring) or b"QRVAULTR" (records)
    8       2     format version, unsigned big-endian (1)
    10      16    write id: random, new on every write of the file
    26      4     payload length L, unsigned big-endian
    30      L     payload: canonical UTF-8 JSON
    30+L    32    SHA-256 of bytes 0 .. 30+L

The checksum only catches accidents (a torn copy, a flipped bit) early and with a clear reason;
authenticity comes from AES-GCM and from the key-ring's digest of the record file. The write id
lets a process see that another one has committed by reading 26 bytes.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from vault.errors import Reason, VaultError

KEYRING_MAGIC = b"QRVAULTK"
RECORDS_MAGIC = b"QRVAULTR"
FORMAT_VERSION = 1
WRITE_ID_BYTES = 16
_HEAD = struct.Struct(">8sH16sI")
HEADER_BYTES = _HEAD.size  # 30
CHECKSUM_BYTES = 32


@dataclass(frozen=True)
class Frame:
    version: int
    write_id: bytes
    payload: bytes


def pack(magic: bytes, write_id: bytes, payload: bytes) -> bytes:
    head = _HEAD.pack(magic, FORMAT_VERSION, write_id, len(payload))
    return head + payload + hashlib.sha256(head + payload).digest()


def unpack(data: bytes, magic: bytes, where: str) -> Frame:
    if len(data) < HEADER_BYTES:
        if magic.startswith(data[: len(magic)]):
            raise VaultError(Reason.TRUNCATED, where)
        raise VaultError(Reason.NOT_A_VAULT, where)
    found, version, write_id, length = _HEAD.unpack_from(data)
    if found != magic:
        raise VaultError(Reason.NOT_A_VAULT, where)
    if version == 0:
        raise VaultError(Reason.TAMPERED, where)
    if version > FORMAT_VERSION:
        raise VaultError(Reason.UNSUPPORTED_VERSION, f"{where} version {version}")
    end = HEADER_BYTES + length
    if len(data) < end + CHECKSUM_BYTES:
        raise VaultError(Reason.TRUNCATED, where)
    if len(data) > end + CHECKSUM_BYTES:
        raise VaultError(Reason.TAMPERED, where)
    if hashlib.sha256(data[:end]).digest() != data[end:]:
        raise VaultError(Reason.TAMPERED, where)
    return Frame(version, write_id, data[HEADER_BYTES:end])


def peek_write_id(head: bytes, magic: bytes) -> bytes | None:
    """The write id from the first bytes of a file, or None if they are not a frame header."""
    if len(head) < HEADER_BYTES or head[: len(magic)] != magic:
        return None
    write_id: bytes = _HEAD.unpack_from(head)[2]
    return write_id
