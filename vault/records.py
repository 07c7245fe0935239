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
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from vault import frame
from vault.crypto import RandBytes, Sealed, associated_data, seal, unseal
from vault.encoding import b64e, canonical_json, fields, parse_json, text, text_list
from vault.entries import Consent, ConsentStatus, Entry, Kind
from vault.errors import Reason, VaultError
from vault.names import MAX_NUMBER

PAD_TO = 64
WHERE = "records"
_RECORD_ID = re.compile(r"(participant|person|place|organisation):([1-9][0-9]{0,9})")


_KINDS = {kind.value: kind for kind in Kind}
_KIND_ORDER = {kind: index for index, kind in enumerate(Kind)}


@dataclass(frozen=True)
class SealedRecord:
    kind: Kind
    number: int
    sealed: Sealed
    # Its canonical JSON text in the record file, kept so a write joins strings instead of
    # re-encoding ten thousand records.
    fragment: str = field(compare=False, repr=False)

    @classmethod
    def of(cls, kind: Kind, number: int, sealed: Sealed) -> SealedRecord:
        fragment = (
            f'{{"ct":"{b64e(sealed.ciphertext)}","id":"{record_id(kind, number)}",'
            f'"nonce":"{b64e(sealed.nonce)}"}}'
        )
        return cls(kind, number, sealed, fragment)

    @property
    def record_id(self) -> str:
        return record_id(self.kind, self.number)

    @property
    def order(self) -> tuple[int, int]:
        return _KIND_ORDER[self.kind], self.number


def record_id(kind: Kind, number: int) -> str:
    return f"{kind.value}:{number}"


def parse_record_id(value: object) -> tuple[Kind, int]:
    match = _RECORD_ID.fullmatch(value) if isinstance(value, str) else None
    if match is None or int(match[2]) > MAX_NUMBER:
        raise VaultError(Reason.TAMPERED, WHERE)
    return _KINDS[match[1]], int(match[2])


class RecordSealer:
    """Seals and opens the records of one vault (whose ids go into every record's AD)."""

    def __init__(self, vault_id: str, project: str) -> None:
        self._ad_prefix = associated_data("qrvault/v1/record", vault_id, project)

    def _ad(self, rid: str) -> bytes:
        raw = rid.encode("ascii")  # same bytes as associated_data(label, vault, project, rid)
        return self._ad_prefix + len(raw).to_bytes(4, "big") + raw

    def seal(self, entry: Entry, key: bytes, randbytes: RandBytes) -> SealedRecord:
        plain = canonical_json(_entry_json(entry))
        plain += b" " * (-len(plain) % PAD_TO)
        rid = record_id(entry.kind, entry.number)
        return SealedRecord.of(entry.kind, entry.number, seal(key, plain, self._ad(rid), randbytes))

    def open(self, record: SealedRecord, key: bytes) -> Entry:
        rid = record.record_id
        plain = unseal(key, record.sealed, self._ad(rid), reason=Reason.TAMPERED, where=rid)
        # Authenticated bytes we wrote ourselves: structure is checked, canonical form is not.
        return _entry_from(record.kind, record.number, parse_json(plain.rstrip(b" "), rid), rid)


def pack_records(
    vault_id: str, project: str, records: Iterable[SealedRecord], write_id: bytes
) -> bytes:
    ordered = sorted(records, key=lambda r: r.order)
    return frame.pack(frame.RECORDS_MAGIC, write_id, _payload(vault_id, project, ordered))


def _payload(vault_id: str, project: str, ordered: list[SealedRecord]) -> bytes:
    head = canonical_json({"project": project})[:-1]
    tail = canonical_json({"vault": vault_id})[1:]
    body = ",".join(r.fragment for r in ordered)
    return head + f',"records":[{body}],'.encode() + tail


def unpack_records(data: bytes) -> tuple[str, str, list[SealedRecord]]:
    """Vault id, project id and the sealed records of a record file (nothing decrypted)."""
    framed = frame.unpack(data, frame.RECORDS_MAGIC, WHERE)
    obj = fields(parse_json(framed.payload, WHERE), {"project", "records", "vault"}, WHERE)
    if not isinstance(obj["records"], list):
        raise VaultError(Reason.TAMPERED, WHERE)
    records = []
    for item in obj["records"]:
        rec = fields(item, {"ct", "id", "nonce"}, WHERE)
        kind, number = parse_record_id(rec["id"])
        sealed = Sealed.from_json({"ct": rec["ct"], "nonce": rec["nonce"]}, WHERE)
        records.append(SealedRecord.of(kind, number, sealed))
    orders = [r.order for r in records]
    if any(a >= b for a, b in zip(orders, orders[1:], strict=False)):  # one order, no duplicates
        raise VaultError(Reason.TAMPERED, WHERE)
    vault_id, project = text(obj["vault"], WHERE), text(obj["project"], WHERE)
    if _payload(vault_id, project, records) != framed.payload:  # the one canonical encoding
        raise VaultError(Reason.TAMPERED, WHERE)
    return vault_id, project, records


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
    consent = Consent(status, scope, since)
    return Entry(
        kind, number, _names(text_list(obj["names"], rid), rid), waves, consent, registered
    )


def _names(names: list[str], rid: str) -> tuple[str, ...]:
    if not names or any(not n.strip() for n in names):
        raise VaultError(Reason.TAMPERED, rid)
    return tuple(names)
