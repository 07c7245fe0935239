"""The key-ring file (``vault.keys``): the small file that holds every key.

Clear payload (canonical JSON inside the frame)::

    {"body":   {"ct": b64, "nonce": b64},   # the body, AES-256-GCM under the master key
     "kdf":    {"name": "scrypt", "n": .., "r": .., "p": .., "salt": b64}
               | {"name": "keyfile", "salt": b64},
     "master": {"ct": b64, "nonce": b64},   # the 256-bit master key, AES-256-GCM under the KEK
     "project": "<project id>",
     "vault":  "<32 hex digits, random per vault>"}

    AD(master) = ad("qrvault/v1/master", vault, project, canonical(kdf))
    AD(body)   = ad("qrvault/v1/keyring-body", vault, project, write id of this file)

The sealed body holds the data keys (one per participant, one shared by all other records), the
audit HMAC key, the next number per kind, the retired numbers, and the SHA-256 of the record file
it goes with (and of the one before, which is what a crash between the two writes leaves behind).
Changing the secret re-wraps the master key only; rotation re-seals the body under a new master
key; neither touches the record file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from vault import frame
from vault.crypto import (
    KEY_BYTES,
    KdfSpec,
    RandBytes,
    Sealed,
    associated_data,
    seal,
    unseal,
)
from vault.encoding import (
    b64d,
    b64e,
    canonical_json,
    fields,
    integer,
    parse_canonical,
    parse_json,
    text,
)
from vault.entries import Kind, Retired, RetiredReason
from vault.errors import Reason, VaultError
from vault.names import MAX_NUMBER

_HEX32 = re.compile(r"[0-9a-f]{32}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
WHERE = "keyring"


@dataclass(frozen=True)
class RingHeader:
    vault_id: str
    project: str
    kdf: KdfSpec


@dataclass
class RingBody:
    audit_key: bytes = field(repr=False)
    shared_key: bytes = field(repr=False)
    participant_keys: dict[int, bytes] = field(repr=False)
    next_number: dict[Kind, int]
    retired: dict[tuple[Kind, int], Retired]
    records_digest: str
    previous_digest: str | None
    commit: int

    def copy(self) -> RingBody:
        return replace(
            self,
            participant_keys=dict(self.participant_keys),
            next_number=dict(self.next_number),
            retired=dict(self.retired),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "audit_key": b64e(self.audit_key),
            "commit": self.commit,
            "next": {kind.value: self.next_number[kind] for kind in Kind},
            "participant_keys": {
                str(n): b64e(key) for n, key in sorted(self.participant_keys.items())
            },
            "records": {"digest": self.records_digest, "previous": self.previous_digest},
            "retired": [_retired_json(r) for _, r in sorted(self.retired.items(), key=_order)],
            "shared_key": b64e(self.shared_key),
        }

    @classmethod
    def from_json(cls, value: object) -> RingBody:
        keys = {"audit_key", "commit", "next", "participant_keys", "records", "retired"}
        obj = fields(value, keys | {"shared_key"}, WHERE)
        nxt = fields(obj["next"], {k.value for k in Kind}, WHERE)
        pkeys = obj["participant_keys"]
        if not isinstance(pkeys, dict):
            raise VaultError(Reason.TAMPERED, WHERE)
        records = fields(obj["records"], {"digest", "previous"}, WHERE)
        previous = records["previous"]
        if not isinstance(obj["retired"], list):
            raise VaultError(Reason.TAMPERED, WHERE)
        retired = [_retired_from(item) for item in obj["retired"]]
        return cls(
            audit_key=b64d(obj["audit_key"], WHERE, size=KEY_BYTES),
            shared_key=b64d(obj["shared_key"], WHERE, size=KEY_BYTES),
            participant_keys={_number(n): b64d(k, WHERE, size=KEY_BYTES) for n, k in pkeys.items()},
            next_number={k: integer(nxt[k.value], WHERE, low=1) for k in Kind},
            retired={(r.kind, r.number): r for r in retired},
            records_digest=_digest(records["digest"]),
            previous_digest=None if previous is None else _digest(previous),
            commit=integer(obj["commit"], WHERE),
        )


@dataclass(frozen=True)
class OpenedRing:
    header: RingHeader
    write_id: bytes
    kek: bytes = field(repr=False)
    master: bytes = field(repr=False)
    body: RingBody


def seal_keyring(
    header: RingHeader, kek: bytes, master: bytes, body: RingBody, randbytes: RandBytes
) -> tuple[bytes, bytes]:
    """The framed file bytes and their write id."""
    write_id = randbytes(frame.WRITE_ID_BYTES)
    wrapped = seal(kek, master, _master_ad(header), randbytes)
    body_ad = associated_data("qrvault/v1/keyring-body", header.vault_id, header.project, write_id)
    sealed_body = seal(master, canonical_json(body.to_json()), body_ad, randbytes)
    payload = {
        "body": sealed_body.to_json(),
        "kdf": header.kdf.to_json(),
        "master": wrapped.to_json(),
        "project": header.project,
        "vault": header.vault_id,
    }
    return frame.pack(frame.KEYRING_MAGIC, write_id, canonical_json(payload)), write_id


def open_keyring(data: bytes, *, project: str, kek_for: Callable[[KdfSpec], bytes]) -> OpenedRing:
    """Check, unwrap and unseal a key-ring; ``kek_for`` derives (or recalls) the KEK."""
    framed = frame.unpack(data, frame.KEYRING_MAGIC, WHERE)
    obj = fields(
        parse_canonical(framed.payload, WHERE), {"body", "kdf", "master", "project", "vault"}, WHERE
    )
    vault_id = text(obj["vault"], WHERE)
    if not _HEX32.fullmatch(vault_id):
        raise VaultError(Reason.TAMPERED, WHERE)
    if text(obj["project"], WHERE) != project:
        raise VaultError(Reason.WRONG_PROJECT, WHERE)
    header = RingHeader(vault_id, project, KdfSpec.from_json(obj["kdf"], WHERE))
    wrapped = Sealed.from_json(obj["master"], WHERE)
    sealed_body = Sealed.from_json(obj["body"], WHERE)
    kek = kek_for(header.kdf)
    master = unseal(kek, wrapped, _master_ad(header), reason=Reason.WRONG_SECRET, where=WHERE)
    if len(master) != KEY_BYTES:
        raise VaultError(Reason.TAMPERED, WHERE)
    body_ad = associated_data(
        "qrvault/v1/keyring-body", header.vault_id, header.project, framed.write_id
    )
    plain = unseal(master, sealed_body, body_ad, reason=Reason.TAMPERED, where=WHERE)
    body = RingBody.from_json(parse_json(plain, WHERE))  # authenticated: structure checked only
    return OpenedRing(header, framed.write_id, kek, master, body)


def _master_ad(header: RingHeader) -> bytes:
    return associated_data(
        "qrvault/v1/master", header.vault_id, header.project, header.kdf.canonical()
    )


def _order(item: tuple[tuple[Kind, int], Retired]) -> tuple[int, int]:
    kind, number = item[0]
    return list(Kind).index(kind), number


def _retired_json(r: Retired) -> dict[str, Any]:
    moved = {} if r.into_kind is None else {"into_kind": r.into_kind.value}
    return {
        "into": r.into,
        **moved,
        "kind": r.kind.value,
        "number": r.number,
        "on": r.on.isoformat(),
        "reason": r.reason.value,
    }


def _retired_from(value: object) -> Retired:
    keys = {"into", "kind", "number", "on", "reason"}
    moved = isinstance(value, dict) and value.get("reason") == RetiredReason.MOVED.value
    obj = fields(value, keys | {"into_kind"} if moved else keys, WHERE)
    try:
        kind, reason = Kind(obj["kind"]), RetiredReason(obj["reason"])
        on = date.fromisoformat(text(obj["on"], WHERE))
        into_kind = Kind(obj["into_kind"]) if moved else None
    except ValueError:
        raise VaultError(Reason.TAMPERED, WHERE) from None
    if on.isoformat() != obj["on"]:  # 3.11 also accepts "20250101"; keep one spelling
        raise VaultError(Reason.TAMPERED, WHERE)
    into = None if obj["into"] is None else integer(obj["into"], WHERE, low=1, high=MAX_NUMBER)
    if (into is None) != (reason is RetiredReason.WITHDRAWN) or into_kind is kind:
        raise VaultError(Reason.TAMPERED, WHERE)
    number = integer(obj["number"], WHERE, low=1, high=MAX_NUMBER)
    return Retired(kind, number, reason, on, into, into_kind)


def _number(value: str) -> int:
    if not value.isdigit() or str(int(value)) != value or not 1 <= int(value) <= MAX_NUMBER:
        raise VaultError(Reason.TAMPERED, WHERE)
    return int(value)


def _digest(value: object) -> str:
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise VaultError(Reason.TAMPERED, WHERE)
    return value
