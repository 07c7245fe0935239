"""The record file (``vault.db``): one sealed record per identity, and nothing else.

Clear payload (canonical JSON inside the frame)::

    {"project": "<project id>",
     "records": [{"ct": b64, "id": "participant:7", "nonce": b64}, ...],   # sorted by kind, number
     "vault":   "<32 hex digits, as in the key-ring>"}

    AD(record) = ad("qrvault/v1/record", vault, project, record id)

A participant's record is sealed under that participant's own data key; every other record under
the shared data key. Plaintext: canonical JSON padded with spaces to a multiple of 64 bytes, so a
ciphertext's length says little about the length of the names in it::

    participant: {"consent": {"scope": str|null, "since": "YYYY-MM-DD", "status": ...},
                  "names": [...], "registered": bool, "waves": [...]}
    other kinds: {"names": [...], "registered": bool}
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from vault import frame
from vault.crypto import RandBytes, Sealed, associated_data, seal, unseal
from vault.encoding import canonical_json, fields, parse_canonical, text, text_list
from vault.entries import Consent, ConsentStatus, Entry, Kind
from vault.errors import Reason, VaultError
from vault.names import MAX_NUMBER, normalise_name

PAD_TO = 64
WHERE = "records"
_RECORD_ID = re.compile(r"(participant|person|place|organisation):([1-9][0-9]{0,9})")


@dataclass(frozen=True)
class SealedRecord:
    record_id: str
    sealed: Sealed


def record_id(kind: Kind, number: int) -> str:
    return f"{kind.value}:{number}"


def parse_record_id(value: object) -> tuple[Kind, int]:
    match = _RECORD_ID.fullmatch(value) if isinstance(value, str) else None
    if match is None or int(match[2]) > MAX_NUMBER:
        raise VaultError(Reason.TAMPERED, WHERE)
    return Kind(match[1]), int(match[2])


def _ad(vault_id: str, project: str, rid: str) -> bytes:
    return associated_data("qrvault/v1/record", vault_id, project, rid)


def seal_entry(
    entry: Entry, key: bytes, *, vault_id: str, project: str, randbytes: RandBytes
) -> SealedRecord:
    plain = canonical_json(_entry_json(entry))
    plain += b" " * (-len(plain) % PAD_TO)
    rid = record_id(entry.kind, entry.number)
    return SealedRecord(rid, seal(key, plain, _ad(vault_id, project, rid), randbytes))


def open_entry(record: SealedRecord, key: bytes, *, vault_id: str, project: str) -> Entry:
    rid = record.record_id
    kind, number = parse_record_id(rid)
    ad = _ad(vault_id, project, rid)
    plain = unseal(key, record.sealed, ad, reason=Reason.TAMPERED, where=rid)
    return _entry_from(kind, number, parse_canonical(plain.rstrip(b" "), rid), rid)


def pack_records(
    vault_id: str, project: str, records: Iterable[SealedRecord], write_id: bytes
) -> bytes:
    ordered = sorted(records, key=lambda r: _sort_key(r.record_id))
    payload = {
        "project": project,
        "records": [{"id": r.record_id, **r.sealed.to_json()} for r in ordered],
        "vault": vault_id,
    }
    return frame.pack(frame.RECORDS_MAGIC, write_id, canonical_json(payload))


def unpack_records(data: bytes) -> tuple[str, str, list[SealedRecord]]:
    """Vault id, project id and the sealed records of a record file (nothing decrypted)."""
    framed = frame.unpack(data, frame.RECORDS_MAGIC, WHERE)
    obj = fields(parse_canonical(framed.payload, WHERE), {"project", "records", "vault"}, WHERE)
    if not isinstance(obj["records"], list):
        raise VaultError(Reason.TAMPERED, WHERE)
    records = []
    for item in obj["records"]:
        rec = fields(item, {"ct", "id", "nonce"}, WHERE)
        parse_record_id(rec["id"])
        sealed = Sealed.from_json({"ct": rec["ct"], "nonce": rec["nonce"]}, WHERE)
        records.append(SealedRecord(rec["id"], sealed))
    ids = [r.record_id for r in records]
    if ids != sorted(set(ids), key=_sort_key):  # one order, no duplicates
        raise VaultError(Reason.TAMPERED, WHERE)
    return text(obj["vault"], WHERE), text(obj["project"], WHERE), records


def _sort_key(rid: str) -> tuple[int, int]:
    kind, number = parse_record_id(rid)
    return list(Kind).index(kind), number


def _entry_json(entry: Entry) -> dict[str, Any]:
    if entry.kind is not Kind.PARTICIPANT:
        return {"names": list(entry.names), "registered": entry.registered}
    consent = entry.consent
    if consent is None:  # the state always sets one; a participant without one is a bug
        raise VaultError(Reason.INVALID, "participant record without consent")
    return {
        "consent": {
            "scope": consent.scope,
            "since": consent.since.isoformat(),
            "status": consent.status.value,
        },
        "names": list(entry.names),
        "registered": entry.registered,
        "waves": list(entry.waves),
    }


def _entry_from(kind: Kind, number: int, obj: dict[str, Any], rid: str) -> Entry:
    registered = obj.get("registered")
    if not isinstance(registered, bool):
        raise VaultError(Reason.TAMPERED, rid)
    if kind is not Kind.PARTICIPANT:
        names = text_list(fields(obj, {"names", "registered"}, rid)["names"], rid)
        return Entry(kind, number, _names(names, rid), registered=registered)
    fields(obj, {"consent", "names", "registered", "waves"}, rid)
    raw = fields(obj["consent"], {"scope", "since", "status"}, rid)
    try:
        status = ConsentStatus(raw["status"])
        since = date.fromisoformat(text(raw["since"], rid))
    except ValueError:
        raise VaultError(Reason.TAMPERED, rid) from None
    if since.isoformat() != raw["since"]:
        raise VaultError(Reason.TAMPERED, rid)
    scope = raw["scope"]
    if scope is not None and not isinstance(scope, str):
        raise VaultError(Reason.TAMPERED, rid)
    waves = tuple(text_list(obj["waves"], rid))
    names = _names(text_list(obj["names"], rid), rid)
    return Entry(kind, number, names, waves, Consent(status, scope, since), registered)


def _names(names: list[str], rid: str) -> tuple[str, ...]:
    if not names or any(not normalise_name(n) for n in names):
        raise VaultError(Reason.TAMPERED, rid)
    return tuple(names)
