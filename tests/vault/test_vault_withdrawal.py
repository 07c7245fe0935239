"""Withdrawal: the participant's data key is deleted, so no copy of the record file helps."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from vault_testkit import PROJECT, find_names_in_files

from vault import Reason, RetiredReason, Vault, VaultError
from vault.crypto import derive_kek
from vault.keyring import open_keyring
from vault.records import RecordSealer, SealedRecord, unpack_records

WITHDRAWN = "Kari Nordmann"
ALIAS = "Kåri"


@pytest.fixture
def study(vault, clock):
    vault.add("participant", [WITHDRAWN, ALIAS])
    vault.add("participant", ["Åse Ødegård"])
    vault.add("person", ["Ola Hansen"])
    vault.note_wave(1, "wave-1")
    vault.note_wave(1, "wave-2")
    clock.day = date(2024, 6, 30)
    return vault


def test_receipt_names_the_number_and_waves_to_purge(study):
    receipt = study.withdraw(1)
    assert (receipt.number, receipt.waves, receipt.withdrawn_on) == (
        1,
        ("wave-1", "wave-2"),
        date(2024, 6, 30),
    )
    tomb = study.retired("participant")[0]
    assert (tomb.number, tomb.reason, tomb.on) == (1, RetiredReason.WITHDRAWN, date(2024, 6, 30))


def test_after_withdrawal_no_api_yields_the_participant(study, reopen):
    study.withdraw(1)
    study.close()
    v = reopen()
    assert v.lookup("participant", WITHDRAWN) is None
    assert v.lookup("participant", ALIAS) is None
    assert [e.number for e in v.entries("participant")] == [2]
    for call in (
        lambda: v.get("participant", 1),
        lambda: v.note_wave(1, "wave-3"),
        lambda: v.set_consent(1, "given"),
        lambda: v.withdraw(1),
        lambda: v.merge("participant", 2, 1),
        lambda: v.add("participant", ["Someone Else"], number=1),
    ):
        with pytest.raises(VaultError) as err:
            call()
        assert err.value.reason is Reason.WITHDRAWN
    # The vault no longer knows the name, so it is new to it: a new number, never the old one.
    assert v.assign("participant", [WITHDRAWN]).number == 3
    assert v.verify().ok


def every_key(keys_bytes: bytes, secret) -> list[bytes]:
    ring = open_keyring(keys_bytes, project=PROJECT, kek_for=lambda s: derive_kek(s, secret))
    body = ring.body
    return [ring.kek, ring.master, body.audit_key, body.shared_key, *body.participant_keys.values()]


def readable_records(records_bytes: bytes, keys: list[bytes]) -> dict[str, tuple[str, ...]]:
    """Every record any of ``keys`` opens, under any record id of the file: brute force."""
    vault_id, project, records = unpack_records(records_bytes)
    sealer = RecordSealer(vault_id, project)
    found = {}
    for record in records:
        for other in records:  # also as if it had been filed under another id
            for key in keys:
                try:
                    entry = sealer.open(
                        SealedRecord.of(other.kind, other.number, record.sealed), key
                    )
                except VaultError:
                    continue
                found[record.record_id] = entry.names
    return found


def test_old_record_file_with_current_key_ring_cannot_yield_the_name(
    study, vault_dir, secret, tmp_path, reopen
):
    backup = tmp_path / "backup"
    shutil.copytree(vault_dir, backup)
    study.withdraw(1)
    study.add("person", ["Per Olsen"])  # life goes on: the backup is now two commits old

    old_records = (backup / "vault.db").read_bytes()
    current_keys = (vault_dir / "vault.keys").read_bytes()
    # The test can fail: with the old key-ring the old file still yields the name ...
    assert (
        WITHDRAWN
        in readable_records(old_records, every_key((backup / "vault.keys").read_bytes(), secret))[
            "participant:1"
        ]
    )
    # ... with the current key-ring, no key opens that record under any id.
    opened = readable_records(old_records, every_key(current_keys, secret))
    assert "participant:1" not in opened
    assert all(WITHDRAWN not in names and ALIAS not in names for names in opened.values())

    # Through the API: the restored pair is refused, and recovery drops the record.
    restored = tmp_path / "restored"
    restored.mkdir(mode=0o700)
    shutil.copy(vault_dir / "vault.keys", restored / "vault.keys")
    shutil.copy(backup / "vault.db", restored / "vault.db")
    with pytest.raises(VaultError) as err:
        Vault.open(restored, PROJECT, secret)
    assert err.value.reason is Reason.STALE_RECORDS
    with Vault.open(restored, PROJECT, secret, recover=True) as v:
        assert v.lookup("participant", WITHDRAWN) is None
        assert v.lookup("participant", "Åse Ødegård").number == 2
        with pytest.raises(VaultError) as err:
            v.get("participant", 1)
        assert err.value.reason is Reason.WITHDRAWN
    # And by reading bytes: neither the old copy nor anything the vault wrote holds the name.
    assert find_names_in_files(tmp_path, (WITHDRAWN, ALIAS)) == []


def test_record_file_from_just_before_withdrawal(study, vault_dir, secret, reopen):
    """The previous record file is what a crash leaves; opened with the current key-ring it
    still cannot give back the participant, whose key is gone."""
    before = (vault_dir / "vault.db").read_bytes()
    study.withdraw(1)
    study.close()
    (vault_dir / "vault.db").write_bytes(before)
    v = reopen()
    assert v.lookup("participant", WITHDRAWN) is None
    assert [e.number for e in v.entries("participant")] == [2]
    assert readable_records(
        before, every_key((vault_dir / "vault.keys").read_bytes(), secret)
    ).keys() == {"participant:2", "person:1"}
    v.add("person", ["Per Olsen"])  # the next write drops the undecryptable leftover
    ids = [r.record_id for r in unpack_records((vault_dir / "vault.db").read_bytes())[2]]
    assert ids == ["participant:2", "person:1", "person:2"]


def test_withdrawal_removes_stale_temp_files_holding_older_key_rings(study, vault_dir):
    stale = vault_dir / ".vault.keys.00000000deadbeef.tmp"
    shutil.copy(vault_dir / "vault.keys", stale)  # as a writer killed mid-write would leave it
    study.withdraw(1)
    assert not stale.exists()
    assert sorted(p.name for p in vault_dir.iterdir()) == ["vault.db", "vault.keys", "vault.lock"]


def test_key_ring_shrinks_by_the_deleted_key(study, vault_dir, secret):
    def keys() -> dict[int, bytes]:
        data = (vault_dir / "vault.keys").read_bytes()
        ring = open_keyring(data, project=PROJECT, kek_for=lambda s: derive_kek(s, secret))
        return ring.body.participant_keys

    assert set(keys()) == {1, 2}
    study.withdraw(1)
    assert set(keys()) == {2}


def test_scan_helper_can_fail(tmp_path: Path):
    (tmp_path / "leak.txt").write_bytes(WITHDRAWN.lower().encode("utf-16-le"))
    assert find_names_in_files(tmp_path, (WITHDRAWN,)) != []
