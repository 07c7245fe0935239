"""Round trips through real files: what goes in comes out, after reopening too."""

from __future__ import annotations

import os
import stat
from datetime import date

import pytest
from vault_testkit import PROJECT

from vault import (
    ConsentStatus,
    Kind,
    Reason,
    RetiredReason,
    ScryptParams,
    Secret,
    Vault,
    VaultError,
)


def test_add_lookup_get_survive_reopen(vault, reopen):
    kari = vault.add("participant", ["Kari Nordmann", "Kari"])
    ola = vault.add(Kind.PERSON, ["Ola Hansen"])
    oslo = vault.add("place", ["Oslo"])
    nav = vault.add("organisation", ["NAV"])
    assert (kari.number, ola.number, oslo.number, nav.number) == (1, 1, 1, 1)
    vault.close()
    again = reopen()
    assert again.get("participant", 1).names == ("Kari Nordmann", "Kari")
    assert again.lookup("person", "ola hansen").number == 1
    assert again.lookup("place", "OSLO").kind is Kind.PLACE
    assert again.lookup("organisation", "nav").number == 1
    assert [e.label for e in again.entries()] == [
        "Participant 1",
        "Person 1",
        "Place 1",
        "Organisation 1",
    ]
    assert [e.number for e in again.entries("person")] == [1]


@pytest.mark.parametrize(
    "spelling",
    ["kari nordmann", "KARI NORDMANN", "  Kari   Nordmann ", "Kari\tNordmann", "kARI nORDMANN"],
)
def test_lookup_is_case_and_space_insensitive(vault, spelling):
    vault.add("participant", ["Kari Nordmann"])
    assert vault.lookup("participant", spelling).number == 1


def test_lookup_normalises_unicode(vault):
    vault.add("participant", ["\u00c5se \u00d8deg\u00e5rd"])  # precomposed
    decomposed = "A\u030ase \u00d8dega\u030ard"
    assert vault.lookup("participant", decomposed).number == 1
    assert vault.lookup("participant", "ÅSE ØDEGÅRD").number == 1


def test_lookup_is_per_kind(vault):
    vault.add("place", ["Jordan"])
    assert vault.lookup("person", "Jordan") is None
    assert vault.add("person", ["Jordan"]).number == 1


def test_assign_finds_by_alias_and_adds_new_aliases(vault, reopen):
    first = vault.assign("participant", ["Kari Nordmann"])
    again = vault.assign("participant", ["kari", "KARI NORDMANN"])
    assert again.number == first.number
    assert again.names == ("Kari Nordmann", "kari")
    assert vault.lookup("participant", "Kari").number == first.number
    vault.close()
    assert reopen().get("participant", 1).names == ("Kari Nordmann", "kari")


def test_assign_creates_with_next_free_number(vault):
    vault.add("person", ["Ola Hansen"], number=7)
    assert vault.assign("person", ["Per Olsen"]).number == 8
    assert vault.add("person", ["Lise Berg"], number=3).number == 3
    assert vault.assign("person", ["Knut Dahl"]).number == 9


def test_assign_leaves_names_of_another_identity_where_they_are(vault):
    vault.add("person", ["Ola Hansen"])
    vault.add("person", ["Per Olsen"])
    got = vault.assign("person", ["Ola Hansen", "Per Olsen", "Ola"])
    assert got.number == 1
    assert got.names == ("Ola Hansen", "Ola")
    assert vault.lookup("person", "Per Olsen").number == 2


def test_assign_without_change_writes_nothing(vault, vault_dir):
    vault.assign("person", ["Ola Hansen", "Ola"])
    before = (vault_dir / "vault.keys").read_bytes(), (vault_dir / "vault.db").read_bytes()
    vault.assign("person", ["ola"])
    vault.assign("person", ["OLA HANSEN", "ola"])
    assert (
        (vault_dir / "vault.keys").read_bytes(),
        (vault_dir / "vault.db").read_bytes(),
    ) == before


def test_add_refuses_known_name_and_taken_number(vault):
    vault.add("person", ["Ola Hansen", "Ola"])
    with pytest.raises(VaultError) as err:
        vault.add("person", ["Per", "OLA"])
    assert err.value.reason is Reason.NAME_TAKEN
    assert "Ola" not in str(err.value) and "Per" not in str(err.value)
    with pytest.raises(VaultError) as err:
        vault.add("person", ["Per Olsen"], number=1)
    assert err.value.reason is Reason.NUMBER_TAKEN
    assert vault.lookup("person", "Per") is None  # a refused add changed nothing


@pytest.mark.parametrize(
    "names", [[], [""], ["   "], ["Kari\x00"], "Kari Nordmann", [42], ["x" * 201]]
)
def test_bad_names_are_refused(vault, names):
    with pytest.raises(VaultError) as err:
        vault.add("person", names)
    assert err.value.reason is Reason.INVALID


@pytest.mark.parametrize("number", [0, -1, True, 1.5, "7", 10**10])
def test_bad_numbers_are_refused(vault, number):
    with pytest.raises(VaultError) as err:
        vault.add("person", ["Ola Hansen"], number=number)
    assert err.value.reason is Reason.INVALID


def test_unknown_kind_is_refused(vault):
    with pytest.raises(VaultError) as err:
        vault.add("animal", ["Rex"])
    assert err.value.reason is Reason.INVALID


def test_waves_and_consent(vault, reopen, clock):
    vault.add("participant", ["Kari Nordmann"])
    assert vault.get("participant", 1).consent.status is ConsentStatus.PENDING
    vault.note_wave(1, "wave-1")
    vault.note_wave(1, "wave-2")
    vault.note_wave(1, "wave-1")
    clock.day = date(2024, 5, 2)
    vault.set_consent(1, "restricted", scope="no direct quotes")
    vault.close()
    entry = reopen().get("participant", 1)
    assert entry.waves == ("wave-1", "wave-2")
    assert entry.consent.status is ConsentStatus.RESTRICTED
    assert entry.consent.scope == "no direct quotes"
    assert entry.consent.since == date(2024, 5, 2)


def test_waves_and_consent_are_for_participants(vault):
    vault.add("person", ["Ola Hansen"])
    with pytest.raises(VaultError) as err:
        vault.note_wave(1, "wave-1")
    assert err.value.reason is Reason.NOT_FOUND
    vault.add("participant", ["Kari Nordmann"])
    with pytest.raises(VaultError) as err:
        vault.set_consent(1, "maybe")
    assert err.value.reason is Reason.INVALID


def test_merge_retires_the_absorbed_number(vault, reopen, clock):
    vault.add("participant", ["Kari Nordmann"])
    vault.add("participant", ["K. Nordmann", "Kari N."])
    vault.note_wave(1, "wave-1")
    vault.note_wave(2, "wave-2")
    merged = vault.merge("participant", keep=1, absorb=2)
    assert merged.names == ("Kari Nordmann", "K. Nordmann", "Kari N.")
    assert merged.waves == ("wave-1", "wave-2")
    vault.close()
    again = reopen()
    assert again.lookup("participant", "kari n.").number == 1
    with pytest.raises(VaultError) as err:
        again.get("participant", 2)
    assert err.value.reason is Reason.MERGED
    assert again.retired()[0].reason is RetiredReason.MERGED and again.retired()[0].into == 1
    assert again.assign("participant", ["Someone Else"]).number == 3
    with pytest.raises(VaultError) as err:
        again.add("participant", ["Another Person"], number=2)
    assert err.value.reason is Reason.MERGED
    with pytest.raises(VaultError) as err:
        again.merge("participant", 1, 1)
    assert err.value.reason is Reason.INVALID


def test_audit_key_is_random_and_stable(vault, reopen, make_vault, tmp_path, secret):
    key = vault.audit_key()
    assert len(key) == 32
    vault.rotate()
    assert vault.audit_key() == key
    vault.close()
    assert reopen().audit_key() == key
    other = Vault.create(tmp_path / "other", PROJECT, secret, kdf=ScryptParams.for_tests())
    assert other.audit_key() != key
    other.close()


def test_entry_repr_hides_names(vault):
    entry = vault.add("participant", ["Kari Nordmann"])
    assert "Kari" not in repr(entry) and "Kari" not in str(entry)
    assert entry.label == "Participant 1"


def test_files_and_folder_are_private(vault, vault_dir):
    vault.add("person", ["Ola Hansen"])
    assert stat.S_IMODE(os.stat(vault_dir).st_mode) == 0o700
    for name in ("vault.keys", "vault.db", "vault.lock"):
        assert stat.S_IMODE(os.stat(vault_dir / name).st_mode) == 0o600, name


def test_open_refuses_loose_permissions(vault, vault_dir, reopen):
    vault.close()
    os.chmod(vault_dir / "vault.db", 0o644)
    with pytest.raises(VaultError) as err:
        reopen()
    assert err.value.reason is Reason.BAD_PERMISSIONS
    os.chmod(vault_dir / "vault.db", 0o600)
    os.chmod(vault_dir, 0o750)
    with pytest.raises(VaultError) as err:
        reopen()
    assert err.value.reason is Reason.BAD_PERMISSIONS


def test_create_refuses_existing_vault(vault, vault_dir, secret):
    with pytest.raises(VaultError) as err:
        Vault.create(vault_dir, PROJECT, secret, kdf=ScryptParams.for_tests())
    assert err.value.reason is Reason.EXISTS


def test_create_refuses_weak_secrets(tmp_path, secret):
    with pytest.raises(VaultError) as err:
        Vault.create(tmp_path / "a", PROJECT, Secret.from_passphrase("short"))
    assert err.value.reason is Reason.WEAK_SECRET
    with pytest.raises(VaultError) as err:
        Vault.create(tmp_path / "b", PROJECT, secret, kdf=ScryptParams(n=2**14))
    assert err.value.reason is Reason.WEAK_SECRET


def test_default_kdf_is_at_least_owasp_minimum():
    default = ScryptParams()
    assert (default.n, default.r, default.p) >= (2**17, 8, 1) and default.strong_enough


@pytest.mark.parametrize("project", ["", "has space", "ünïcode", "x" * 65, "-leading", None])
def test_project_id_is_plain(tmp_path, secret, project):
    with pytest.raises(VaultError) as err:
        Vault.create(tmp_path / "v", project, secret, kdf=ScryptParams.for_tests())
    assert err.value.reason is Reason.INVALID


def test_closed_vault_refuses_everything(vault):
    vault.add("person", ["Ola Hansen"])
    vault.close()
    for call in (
        lambda: vault.lookup("person", "x"),
        lambda: vault.add("person", ["y z"]),
        vault.entries,
        vault.audit_key,
        vault.verify,
        vault.rotate,
    ):
        with pytest.raises(VaultError) as err:
            call()
        assert err.value.reason is Reason.CLOSED


def test_transaction_commits_once_or_not_at_all(vault, vault_dir, reopen):
    with vault.transaction():
        for i in range(5):
            vault.add("person", [f"Person Number {i}"])
        before = (vault_dir / "vault.db").read_bytes()
    assert (vault_dir / "vault.db").read_bytes() != before  # committed at the end, not earlier
    with pytest.raises(RuntimeError), vault.transaction():
        vault.add("person", ["Never Committed"])
        raise RuntimeError("caller changed its mind")
    assert vault.lookup("person", "Never Committed") is None
    vault.close()
    again = reopen()
    assert len(again.entries()) == 5 and again.lookup("person", "Never Committed") is None


def test_a_second_handle_sees_changes_after_refresh(vault, reopen):
    reader = reopen()
    vault.add("person", ["Ola Hansen"])
    assert reader.lookup("person", "Ola Hansen") is None  # a snapshot until refreshed
    reader.refresh()
    assert reader.lookup("person", "Ola Hansen").number == 1
    # A write always catches up first, so numbers never collide between handles.
    assert reader.add("person", ["Per Olsen"]).number == 2
    assert vault.add("person", ["Lise Berg"]).number == 3


def test_verify_reports_ok(vault):
    vault.add("participant", ["Kari Nordmann"])
    vault.add("person", ["Ola Hansen"])
    report = vault.verify()
    assert report.ok and report.records_checked == 2
