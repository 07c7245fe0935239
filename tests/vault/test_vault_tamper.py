"""Bad input and faults: a clear VaultError, nothing decrypted, nothing overwritten."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from vault_testkit import PASSPHRASE, PROJECT, SCAN_NAMES, rewrite_frame

from vault import Reason, ScryptParams, Secret, Vault, VaultError, frame
from vault.encoding import canonical_json

FILES = ("vault.keys", "vault.db")
MAGIC = {"vault.keys": frame.KEYRING_MAGIC, "vault.db": frame.RECORDS_MAGIC}


@pytest.fixture
def filled(make_vault, vault_dir):
    v = make_vault()
    v.add("participant", ["Kari Nordmann", "Kari"])
    v.note_wave(1, "wave-1")
    v.set_consent(1, "given")
    v.add("participant", ["Åse Ødegård"])
    v.add("person", ["Ola Hansen"])
    v.add("person", ["Per Olsen"])
    v.add("place", ["Zoë Ångström"])
    v.add("organisation", ["Marit Bjørgen"])
    v.close()
    return vault_dir


def files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def refused(
    directory: Path, secret: Secret | None = None, project: str = PROJECT, **kwargs: object
) -> VaultError:
    """Open must fail with a VaultError and leave every file exactly as it was."""
    before = files(directory)
    with pytest.raises(VaultError) as err:
        Vault.open(directory, project, secret or Secret.from_passphrase(PASSPHRASE), **kwargs)
    assert files(directory) == before
    for name in SCAN_NAMES:
        assert name not in str(err.value)
    return err.value


def edit_payload(path: Path, change) -> None:
    """Parse a file's JSON payload, change it, write it back canonical with a valid checksum."""
    framed = frame.unpack(path.read_bytes(), MAGIC[path.name], "test")
    payload = json.loads(framed.payload)
    change(payload)
    path.write_bytes(frame.pack(MAGIC[path.name], framed.write_id, canonical_json(payload)))


def test_intact_vault_opens(filled, reopen):
    assert len(reopen().entries()) == 6


def test_wrong_passphrase(filled):
    assert refused(filled, Secret.from_passphrase(PASSPHRASE + "!")).reason is Reason.WRONG_SECRET


def test_key_file_on_a_passphrase_vault(filled, tmp_path):
    key = tmp_path / "key"
    key.write_bytes(bytes(32))
    key.chmod(0o600)
    assert refused(filled, Secret.from_key_file(key)).reason is Reason.WRONG_SECRET


def test_wrong_project(filled):
    assert refused(filled, project="study-2025").reason is Reason.WRONG_PROJECT


def poke(path: Path, changes: dict[int, bytes]) -> None:
    """Overwrite bytes in place: far cheaper than rewriting a file thousands of times."""
    with open(path, "r+b") as handle:
        for offset, data in changes.items():
            handle.seek(offset)
            handle.write(data)


@pytest.mark.parametrize("name", FILES)
def test_every_flipped_byte_is_caught(filled, name):
    path = filled / name
    original = path.read_bytes()
    reasons = set()
    for i in range(len(original)):
        poke(path, {i: bytes([original[i] ^ 0x01])})
        reasons.add(refused(filled).reason)
        poke(path, {i: original[i : i + 1]})
    assert path.read_bytes() == original
    assert reasons <= {
        Reason.TAMPERED,
        Reason.NOT_A_VAULT,
        Reason.UNSUPPORTED_VERSION,
        Reason.TRUNCATED,
    }


@pytest.mark.parametrize("name", FILES)
def test_every_forged_byte_is_caught(filled, name):
    """The attacker's case: a byte changed and the checksum recomputed to match."""
    path = filled / name
    original = path.read_bytes()
    end = len(original) - frame.CHECKSUM_BYTES
    reasons = set()
    for i in range(end):
        forged = bytearray(original[:end])
        forged[i] ^= 0x01
        poke(path, {i: forged[i : i + 1], end: hashlib.sha256(forged).digest()})
        reasons.add(refused(filled).reason)
        poke(path, {i: original[i : i + 1], end: original[end:]})
    assert path.read_bytes() == original
    assert Reason.TAMPERED in reasons
    assert reasons <= {
        Reason.TAMPERED,
        Reason.NOT_A_VAULT,
        Reason.UNSUPPORTED_VERSION,
        Reason.TRUNCATED,
        Reason.WRONG_SECRET,
        Reason.WRONG_PROJECT,
        Reason.WRONG_VAULT,
        Reason.STALE_RECORDS,
    }


@pytest.mark.parametrize("name", FILES)
def test_truncated_files(filled, name):
    path = filled / name
    original = path.read_bytes()
    for size in (0, 1, 7, 8, 29, 30, 31, len(original) // 2, len(original) - 33, len(original) - 1):
        path.write_bytes(original[:size])
        assert refused(filled).reason is Reason.TRUNCATED, size
    path.write_bytes(original + b"\0")
    assert refused(filled).reason is Reason.TAMPERED


def test_missing_files(filled):
    (filled / "vault.db").rename(filled / "elsewhere")
    assert refused(filled).reason is Reason.NOT_A_VAULT
    (filled / "elsewhere").rename(filled / "vault.db")
    (filled / "vault.keys").unlink()
    assert refused(filled).reason is Reason.NOT_A_VAULT


def test_keys_and_records_swapped(filled):
    keys, db = (filled / "vault.keys").read_bytes(), (filled / "vault.db").read_bytes()
    (filled / "vault.keys").write_bytes(db)
    (filled / "vault.db").write_bytes(keys)
    assert refused(filled).reason is Reason.NOT_A_VAULT


def test_not_a_vault_at_all(tmp_path):
    (tmp_path / "vault.keys").write_bytes(b"hello, I am a text file\n" * 3)
    (tmp_path / "vault.db").write_bytes(b"")
    tmp_path.chmod(0o700)
    (tmp_path / "vault.keys").chmod(0o600)
    (tmp_path / "vault.db").chmod(0o600)
    assert refused(tmp_path).reason is Reason.NOT_A_VAULT


def test_newer_format_version(filled):
    data = bytearray((filled / "vault.keys").read_bytes())
    data[8:10] = (2).to_bytes(2, "big")
    (filled / "vault.keys").write_bytes(bytes(data))
    rewrite_frame(filled / "vault.keys", lambda b: b)
    assert refused(filled).reason is Reason.UNSUPPORTED_VERSION


@pytest.fixture
def other(tmp_path, secret):
    """A second vault, same passphrase, same names, same project: only its keys differ."""

    def make(project: str = PROJECT) -> Path:
        directory = tmp_path / f"other-{project}"
        with Vault.create(directory, project, secret, kdf=ScryptParams.for_tests()) as v:
            v.add("participant", ["Kari Nordmann", "Kari"])
            v.add("participant", ["Åse Ødegård"])
            v.add("person", ["Ola Hansen"])
            v.add("person", ["Per Olsen"])
        return directory

    return make


def test_record_file_of_another_vault(filled, other):
    shutil.copy(other() / "vault.db", filled / "vault.db")
    assert refused(filled).reason is Reason.WRONG_VAULT


def test_record_moved_between_record_ids(filled):
    def swap(payload: dict) -> None:
        recs = {r["id"]: r for r in payload["records"]}
        a, b = recs["person:1"], recs["person:2"]
        a["ct"], b["ct"], a["nonce"], b["nonce"] = b["ct"], a["ct"], b["nonce"], a["nonce"]

    edit_payload(filled / "vault.db", swap)
    err = refused(filled)
    assert err.reason is Reason.TAMPERED and err.detail == "person:1"
    assert refused(filled, recover=True).reason is Reason.TAMPERED


def test_participant_record_moved_to_another_participant(filled):
    def move(payload: dict) -> None:
        recs = {r["id"]: r for r in payload["records"]}
        recs["participant:2"].update(
            ct=recs["participant:1"]["ct"], nonce=recs["participant:1"]["nonce"]
        )

    edit_payload(filled / "vault.db", move)
    assert refused(filled, recover=True).reason is Reason.TAMPERED


@pytest.mark.parametrize("project", [PROJECT, "study-2025"])
def test_record_moved_between_vaults_and_projects(filled, other, project):
    donor_dir = other(project)
    donor = json.loads(
        frame.unpack((donor_dir / "vault.db").read_bytes(), frame.RECORDS_MAGIC, "t").payload
    )
    stolen = {r["id"]: r for r in donor["records"]}

    def plant(payload: dict) -> None:
        for record in payload["records"]:
            if record["id"] in ("person:1", "participant:1"):
                record.update(ct=stolen[record["id"]]["ct"], nonce=stolen[record["id"]]["nonce"])

    edit_payload(filled / "vault.db", plant)
    assert refused(filled).reason is Reason.TAMPERED
    assert refused(filled, recover=True).reason is Reason.TAMPERED


def test_record_removed_or_renamed(filled):
    edit_payload(filled / "vault.db", lambda p: p["records"].pop(0))
    assert refused(filled).reason is Reason.STALE_RECORDS


def test_older_record_file_is_refused_then_recoverable(filled, reopen):
    old = (filled / "vault.db").read_bytes()
    v = reopen()
    v.add("person", ["Lise Berg"])
    v.add("person", ["Knut Dahl"])
    v.close()
    (filled / "vault.db").write_bytes(old)
    assert refused(filled).reason is Reason.STALE_RECORDS
    recovered = reopen(recover=True)
    assert recovered.lookup("person", "Lise Berg") is None
    assert recovered.lookup("person", "Ola Hansen").number == 1
    # The counter lives in the key-ring: numbers 3 and 4 were handed out once and stay burnt.
    assert recovered.add("person", ["Eva Lund"]).number == 5
    recovered.close()
    assert reopen().verify().ok


def test_record_file_one_commit_old_is_what_a_crash_leaves(filled, reopen):
    """Key-ring written, record file not: the records as they were, the keys as they are."""
    old = (filled / "vault.db").read_bytes()
    v = reopen()
    v.add("person", ["Lise Berg"])
    v.close()
    (filled / "vault.db").write_bytes(old)
    v = reopen()
    assert v.lookup("person", "Lise Berg") is None
    assert v.add("person", ["Knut Dahl"]).number == 4  # 3 is burnt, never reused
    assert v.verify().ok


def test_lost_record_file_recovers_empty_but_keeps_counters(filled, reopen):
    (filled / "vault.db").unlink()
    v = reopen(recover=True)
    assert v.entries() == ()
    assert v.add("participant", ["New Person"]).number == 3


def test_tampering_while_open_stops_the_next_write(filled, reopen):
    v = reopen()
    other = reopen()
    other.add("person", ["Lise Berg"])  # a genuine commit, so v must reload before writing
    rewrite_frame(filled / "vault.keys", lambda b: b[:200] + bytes([b[200] ^ 1]) + b[201:])
    before = files(filled)
    with pytest.raises(VaultError) as err:
        v.add("person", ["Knut Dahl"])
    assert err.value.reason in (Reason.TAMPERED, Reason.WRONG_SECRET)
    assert files(filled) == before


def test_verify_lists_damaged_records_by_id(filled, reopen):
    v = reopen()

    def damage(payload: dict) -> None:
        for record in payload["records"]:
            if record["id"] == "person:2":
                record["nonce"] = record["nonce"][::-1]

    edit_payload(filled / "vault.db", damage)
    report = v.verify()
    assert not report.ok
    assert {(p.where, p.reason) for p in report.problems} == {
        ("person:2", Reason.TAMPERED),
        ("records", Reason.STALE_RECORDS),
    }
    (filled / "vault.keys").write_bytes(b"garbage")
    assert v.verify().problems[0].where == "keyring"
