"""Canonical JSON and strict base64: one byte string for one value, and nothing else accepted.

Every payload the vault reads must equal the canonical encoding of what was parsed from it, so a
changed byte can never produce a file that is different but still accepted (no alternative
escapes, no duplicate keys, no leading zeros, no unused base64 bits, no extra fields).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from vault.errors import Reason, VaultError


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def parse_json(payload: bytes, where: str) -> dict[str, Any]:
    """A JSON object; for bytes already authenticated, or checked for canonical form after."""
    try:
        value = json.loads(payload.decode("utf-8"))
    except ValueError:  # the decode error would quote the document: never chain it
        raise VaultError(Reason.TAMPERED, where) from None
    if not isinstance(value, dict):
        raise VaultError(Reason.TAMPERED, where)
    return value


def parse_canonical(payload: bytes, where: str) -> dict[str, Any]:
    value = parse_json(payload, where)
    if canonical_json(value) != payload:
        raise VaultError(Reason.TAMPERED, where)
    return value


def b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64d(text: object, where: str, *, size: int | None = None) -> bytes:
    if not isinstance(text, str):
        raise VaultError(Reason.TAMPERED, where)
    try:
        data = binascii.a2b_base64(text, strict_mode=True)
    except (ValueError, binascii.Error):
        raise VaultError(Reason.TAMPERED, where) from None
    if (size is not None and len(data) != size) or b64e(data) != text:
        raise VaultError(Reason.TAMPERED, where)
    return data


def fields(value: object, keys: set[str], where: str) -> dict[str, Any]:
    """The object, if it has exactly these keys."""
    if not isinstance(value, dict) or set(value) != keys:
        raise VaultError(Reason.TAMPERED, where)
    return value


def integer(value: object, where: str, *, low: int = 0, high: int = 2**62) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise VaultError(Reason.TAMPERED, where)
    return value


def text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise VaultError(Reason.TAMPERED, where)
    return value


def text_list(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise VaultError(Reason.TAMPERED, where)
    return value
