"""Reading and writing the pair of files that make a vault, and keeping them consistent.

A folder (mode 0700) holds ``vault.keys`` (the key-ring), ``vault.db`` (the records) and
``vault.lock``. A write replaces the key-ring first -- it is the commit point, and it carries the
digest of the record file about to be written and of the one it replaces -- then the record file.
A crash between the two leaves a key-ring whose ``previous`` digest matches the record file on
disk: the vault opens with the records as they were, the keys as they are (a withdrawal is then
already complete, a new number already burnt), and the next write brings the record file up to
date. Any other record file is refused (STALE_RECORDS), unless opened with ``recover=True``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from vault import frame
from vault.crypto import KEY_BYTES, KdfSpec, RandBytes
from vault.entries import Entry, Kind, Problem, RetiredReason, VerifyReport
from vault.errors import Reason, VaultError
from vault.keyring import RingBody, RingHeader, open_keyring, seal_keyring
from vault.records import RecordSealer, SealedRecord, pack_records, unpack_records
from vault.state import VaultState, merge_root, merged_entry
from vault.storage import atomic_write, check_private, read_file, read_head, remove_stale_temps

KEYS_FILE = "vault.keys"
RECORDS_FILE = "vault.db"
LOCK_FILE = "vault.lock"
_TOKEN_BYTES = 8


@dataclass(frozen=True)
class DiskPair:
    keys: bytes
    records: bytes | None


def check_permissions(directory: Path) -> None:
    check_private(directory, "vault folder")
    for name in (KEYS_FILE, RECORDS_FILE, LOCK_FILE):
        check_private(directory / name, name)


def read_pair(directory: Path) -> DiskPair:
    """Both files' bytes; call under the shared or exclusive lock so they belong together."""
    check_permissions(directory)
    keys = read_file(directory / KEYS_FILE)
    if keys is None:
        raise VaultError(Reason.NOT_A_VAULT, f"{KEYS_FILE} missing")
    return DiskPair(keys, read_file(directory / RECORDS_FILE))


def check_keyring_frame(directory: Path) -> None:
    """Raise NOT_A_VAULT, TRUNCATED, ... if the key-ring is not even a well-formed frame."""
    keys = read_file(directory / KEYS_FILE)
    if keys is None:
        raise VaultError(Reason.NOT_A_VAULT, f"{KEYS_FILE} missing")
    frame.unpack(keys, frame.KEYRING_MAGIC, "keyring")


def keys_write_id(directory: Path) -> bytes | None:
    head = read_head(directory / KEYS_FILE, frame.HEADER_BYTES)
    return frame.peek_write_id(head, frame.KEYRING_MAGIC)


def clean_temps(directory: Path) -> None:
    remove_stale_temps(directory, (KEYS_FILE, RECORDS_FILE))


def load_state(
    pair: DiskPair,
    *,
    project: str,
    kek_for: Callable[[KdfSpec], bytes],
    cache: VaultState | None = None,
    recover: bool = False,
    problems: list[Problem] | None = None,
) -> VaultState:
    """Unlock and decrypt everything, or raise. With ``problems``, record-level faults are listed
    there instead of raised (for ``verify``), and the state returned must not be used."""

    def fail(where: str, reason: Reason) -> None:
        if problems is None:
            raise VaultError(reason, where)
        problems.append(Problem(where, reason))

    ring = open_keyring(pair.keys, project=project, kek_for=kek_for)
    header, body = ring.header, ring.body
    records: list[SealedRecord] = []
    if pair.records is None:
        if not recover:
            raise VaultError(Reason.NOT_A_VAULT, f"{RECORDS_FILE} missing")
    else:
        vault_id, file_project, records = unpack_records(pair.records)
        if vault_id != header.vault_id:
            raise VaultError(Reason.WRONG_VAULT, "records")
        if file_project != project:
            raise VaultError(Reason.WRONG_PROJECT, "records")
    reuse = cache if cache is not None and cache.header.vault_id == header.vault_id else None
    sealer = RecordSealer(header.vault_id, project)
    entries: dict[tuple[Kind, int], Entry] = {}
    sealed: dict[tuple[Kind, int], SealedRecord] = {}
    leftovers = False
    merged_away: list[Entry] = []
    for record in records:
        kind, number = record.kind, record.number
        key = body.participant_keys.get(number) if kind is Kind.PARTICIPANT else body.shared_key
        retired = body.retired.get((kind, number))
        if retired is not None:
            leftovers = True  # withdrawn or merged by a write whose record file is not yet on disk
            if retired.reason is not RetiredReason.WITHDRAWN and key is not None:
                try:
                    merged_away.append(sealer.open(record, key))
                except VaultError as error:
                    fail(record.record_id, error.reason)
            continue
        if key is None or number >= body.next_number[kind]:
            fail(record.record_id, Reason.TAMPERED)
            continue
        entry = _cached(reuse, record, key)
        if entry is None:
            try:
                entry = sealer.open(record, key)
            except VaultError as error:
                fail(record.record_id, error.reason)
                continue
        entries[(kind, number)] = entry
        sealed[(kind, number)] = record
    digest = None if pair.records is None else hashlib.sha256(pair.records).hexdigest()
    interrupted = digest == body.previous_digest and digest != body.records_digest
    if digest != body.records_digest and not interrupted and not recover:
        fail("records", Reason.STALE_RECORDS)
    pending = _finish_merges(merged_away, entries, body)
    return VaultState(
        header=header,
        kek=ring.kek,
        master=ring.master,
        ring=body,
        entries=entries,
        sealed=sealed,
        keys_write_id=ring.write_id,
        disk_digest=digest,
        needs_records_write=leftovers or interrupted or digest != body.records_digest,
        dirty=set(pending),
        pending_merged=set(pending),
    )


def _finish_merges(
    merged_away: list[Entry], entries: dict[tuple[Kind, int], Entry], body: RingBody
) -> list[tuple[Kind, int]]:
    """Fold records the key-ring says were merged, but which a crash left in the record file,
    into the identity that absorbed them (following later merges); returns what changed."""
    touched = []
    for absorbed in merged_away:
        step = body.retired[(absorbed.kind, absorbed.number)]
        if step.reason is RetiredReason.MOVED and step.into_kind is not None:
            where = (step.into_kind, step.into or 0)
            kept = entries.get(where)
            if kept is None and where not in body.retired:  # the move's new record is not on disk
                kept = replace(absorbed, kind=step.into_kind, number=step.into or 0, names=())
        else:
            target = merge_root(body.retired, (absorbed.kind, absorbed.number))
            kept = entries.get((absorbed.kind, target or 0))
        if kept is not None:  # a withdrawn target took everything with it
            entries[(kept.kind, kept.number)] = merged_entry(kept, absorbed)
            touched.append((kept.kind, kept.number))
        touched.append((absorbed.kind, absorbed.number))
    return touched


def _cached(cache: VaultState | None, record: SealedRecord, key: bytes) -> Entry | None:
    """The entry decrypted before from these very bytes under this very key, if any."""
    where = (record.kind, record.number)
    if cache is None or cache.sealed.get(where) != record:
        return None
    if cache.key_for(record.kind, record.number) != key:
        return None
    return cache.entries.get(where)


def new_state(header: RingHeader, kek: bytes, master: bytes, randbytes: RandBytes) -> VaultState:
    body = RingBody(
        audit_key=randbytes(KEY_BYTES),
        shared_key=randbytes(KEY_BYTES),
        participant_keys={},
        next_number={kind: 1 for kind in Kind},
        retired={},
        records_digest="0" * 64,
        previous_digest=None,
        commit=0,
    )
    return VaultState(header, kek, master, body, {}, {}, b"", None, needs_records_write=True)


def write_state(
    directory: Path,
    state: VaultState,
    randbytes: RandBytes,
    *,
    keys_only: bool = False,
    records_first: bool = False,
) -> None:
    """Seal what changed and write; on an exception the caller must reload from disk."""
    body = state.ring
    records_bytes = b""
    if not keys_only:
        sealer = RecordSealer(state.header.vault_id, state.header.project)
        for where in sorted(state.dirty, key=lambda k: (list(Kind).index(k[0]), k[1])):
            entry = state.entries.get(where)
            if entry is None:
                state.sealed.pop(where, None)
                continue
            key = state.key_for(*where)
            if key is None:
                raise VaultError(Reason.INVALID, f"no data key for {entry.label}")
            state.sealed[where] = sealer.seal(entry, key, randbytes)
        # Keys of participants with no record (left by an interrupted add) go: their numbers
        # stay burnt, because the counter already moved past them. Keys of merged-away
        # participants stay until the record file written below, without them, is on disk.
        keep = {
            n for kind, n in (*state.entries, *state.pending_merged) if kind is Kind.PARTICIPANT
        }
        body.participant_keys = {n: k for n, k in body.participant_keys.items() if n in keep}
        records_bytes = pack_records(
            state.header.vault_id,
            state.header.project,
            state.sealed.values(),
            randbytes(frame.WRITE_ID_BYTES),
        )
        body.previous_digest = state.disk_digest
        body.records_digest = hashlib.sha256(records_bytes).hexdigest()
    body.commit += 1
    keys_bytes, write_id = seal_keyring(state.header, state.kek, state.master, body, randbytes)
    if records_first and not keys_only:
        atomic_write(directory / RECORDS_FILE, records_bytes, randbytes(_TOKEN_BYTES))
    atomic_write(directory / KEYS_FILE, keys_bytes, randbytes(_TOKEN_BYTES))
    state.keys_write_id = write_id
    if not keys_only:
        if not records_first:
            atomic_write(directory / RECORDS_FILE, records_bytes, randbytes(_TOKEN_BYTES))
        state.disk_digest = body.records_digest
        state.dirty.clear()
        state.pending_merged.clear()
        state.needs_records_write = False


def verify_pair(
    pair: DiskPair, *, project: str, kek_for: Callable[[KdfSpec], bytes]
) -> VerifyReport:
    """Decrypt and check every record; problems name record ids and reason codes only."""
    problems: list[Problem] = []
    try:
        found = load_state(pair, project=project, kek_for=kek_for, problems=problems)
    except VaultError as error:  # the key-ring or the record file as a whole
        where = "records" if "records" in error.detail or ".db" in error.detail else "keyring"
        return VerifyReport(0, (*problems, Problem(where, error.reason)))
    failed = [p for p in problems if p.where not in ("keyring", "records")]
    return VerifyReport(len(found.entries) + len(failed), tuple(problems))
