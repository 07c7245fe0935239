"""Passphrase change and master-key rotation: one file replaced, records untouched."""

from __future__ import annotations

import json

import pytest
from vault_testkit import PROJECT

from vault import Reason, ScryptParams, Secret, VaultError, frame, generate_key_file, store
from vault.crypto import Sealed, associated_data, derive_kek, unseal
from vault.keyring import open_keyring

NEW = Secret.from_passphrase("a brand new passphrase")


@pytest.fixture
def writes(monkeypatch):
    """Every atomic replacement the vault makes, by file name."""
    seen: list[str] = []
    real = store.atomic_write

    def spy(target, data, token):
        seen.append(target.name)
        real(target, data, token)

    monkeypatch.setattr(store, "atomic_write", spy)
    return seen


def master_key(vault_dir, secret):
    keys = (vault_dir / "vault.keys").read_bytes()
    return open_keyring(keys, project=PROJECT, kek_for=lambda spec: derive_kek(spec, secret)).master


@pytest.fixture
def filled(vault):
    vault.add("participant", ["Kari Nordmann", "Kari"])
    vault.add("person", ["Ola Hansen"])
    return vault


def test_change_secret_rewraps_only_the_master_key(filled, vault_dir, secret, reopen, writes):
    records = (vault_dir / "vault.db").read_bytes()
    master = master_key(vault_dir, secret)
    filled.change_secret(NEW)
    assert writes == ["vault.keys"]  # one atomic replacement: never a window without a vault
    assert (vault_dir / "vault.db").read_bytes() == records
    assert master_key(vault_dir, NEW) == master
    filled.close()
    with pytest.raises(VaultError) as err:
        reopen()
    assert err.value.reason is Reason.WRONG_SECRET
    again = reopen(secret=NEW)
    assert again.lookup("participant", "kari").number == 1
    assert again.verify().ok


def test_rotate_rewraps_every_data_key_under_a_new_master(
    filled, vault_dir, secret, reopen, writes
):
    records = (vault_dir / "vault.db").read_bytes()
    master = master_key(vault_dir, secret)
    filled.rotate()
    assert writes == ["vault.keys"]
    assert (vault_dir / "vault.db").read_bytes() == records
    assert master_key(vault_dir, secret) != master
    filled.close()
    again = reopen()
    assert again.lookup("person", "ola hansen").number == 1 and again.verify().ok
    again.add("participant", ["Åse Ødegård"])  # keys made after rotation work as well
    again.close()
    assert reopen().lookup("participant", "åse ødegård").number == 2


def test_old_master_key_no_longer_opens_the_key_ring(filled, vault_dir, secret):
    """A master key that leaked before rotation cannot read the key-ring after it."""
    old_master = master_key(vault_dir, secret)
    filled.rotate()
    new_master = master_key(vault_dir, secret)
    framed = frame.unpack((vault_dir / "vault.keys").read_bytes(), frame.KEYRING_MAGIC, "t")
    payload = json.loads(framed.payload)
    body = Sealed.from_json(payload["body"], "t")
    ad = associated_data("qrvault/v1/keyring-body", payload["vault"], PROJECT, framed.write_id)
    assert unseal(new_master, body, ad, reason=Reason.TAMPERED, where="t")
    with pytest.raises(VaultError):
        unseal(old_master, body, ad, reason=Reason.TAMPERED, where="t")


def test_change_to_key_file_and_back(filled, vault_dir, tmp_path, reopen):
    key = Secret.from_key_file(generate_key_file(tmp_path / "k"))
    filled.change_secret(key)
    filled.close()
    with reopen(secret=key) as v:
        v.change_secret(NEW, kdf=ScryptParams.for_tests())
    assert reopen(secret=NEW).lookup("participant", "Kari").number == 1


def test_kdf_parameters_can_be_raised_and_are_stored(filled, vault_dir, reopen):
    stronger = ScryptParams.for_tests(n=2**6)
    filled.change_secret(NEW, kdf=stronger)
    filled.close()
    v = reopen(secret=NEW)
    assert v._live().header.kdf.scrypt == ScryptParams(n=2**6, r=8, p=1)


def test_change_secret_refuses_weak_new_secrets(filled):
    with pytest.raises(VaultError) as err:
        filled.change_secret(Secret.from_passphrase("short"))
    assert err.value.reason is Reason.WEAK_SECRET
    with pytest.raises(VaultError) as err:
        filled.change_secret(NEW, kdf=ScryptParams(n=2**10))
    assert err.value.reason is Reason.WEAK_SECRET


def test_another_process_changing_the_secret_locks_out_stale_handles(filled, reopen):
    other = reopen()
    other.change_secret(NEW)
    with pytest.raises(VaultError) as err:
        filled.add("person", ["Per Olsen"])
    assert err.value.reason is Reason.WRONG_SECRET


def test_rekeying_inside_a_transaction_is_refused(filled):
    with pytest.raises(VaultError) as err, filled.transaction():
        filled.rotate()
    assert err.value.reason is Reason.INVALID
