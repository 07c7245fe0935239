"""Sealed blobs: originals kept under a participant's data key, shredded with the participant."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from vault_testkit import PROJECT

from vault import Reason, Secret, Vault, VaultError
from vault.blobs import HEADER_BYTES, MAGIC

ORIGINAL = b"Interviewer: Welcome, Kari Nordmann.\nKari Nordmann: Thank you.\n"
FILE_ID = "3f2a9c0d11e24b7a"


@pytest.fixture
def study(vault: Vault) -> Vault:
    vault.add("participant", ["Kari Nordmann"])
    vault.add("participant", ["Åse Ødegård"])
    vault.add("person", ["Ola Hansen"])
    return vault


def test_round_trip(study: Vault) -> None:
    blob = study.seal_blob(1, ORIGINAL, FILE_ID)
    assert blob.startswith(MAGIC) and ORIGINAL not in blob
    assert study.open_blob(1, blob, FILE_ID) == ORIGINAL


def test_two_seals_differ(study: Vault) -> None:
    assert study.seal_blob(1, ORIGINAL, FILE_ID) != study.seal_blob(1, ORIGINAL, FILE_ID)


@pytest.mark.parametrize("number, file_id", [(2, FILE_ID), (1, "another-file")])
def test_bound_to_participant_and_file_id(study: Vault, number: int, file_id: str) -> None:
    blob = study.seal_blob(1, ORIGINAL, FILE_ID)
    with pytest.raises(VaultError) as refused:
        study.open_blob(number, blob, file_id)
    assert refused.value.reason is Reason.TAMPERED


def test_every_flipped_byte_and_every_cut_is_refused(study: Vault) -> None:
    blob = study.seal_blob(1, b"short original", FILE_ID)
    for i in range(len(blob)):
        bad = bytearray(blob)
        bad[i] ^= 0x01
        with pytest.raises(VaultError) as refused:
            study.open_blob(1, bytes(bad), FILE_ID)
        assert refused.value.reason in (Reason.TAMPERED, Reason.UNSUPPORTED_VERSION)
    for cut in range(len(blob)):
        with pytest.raises(VaultError) as refused:
            study.open_blob(1, blob[:cut], FILE_ID)
        assert refused.value.reason is Reason.TAMPERED


def test_another_vault_of_the_same_project_cannot_open_it(study: Vault, tmp_path, secret) -> None:
    from vault_testkit import CHEAP_KDF

    blob = study.seal_blob(1, ORIGINAL, FILE_ID)
    with Vault.create(tmp_path / "other", PROJECT, secret, kdf=CHEAP_KDF) as other:
        other.add("participant", ["Kari Nordmann"])
        with pytest.raises(VaultError) as refused:
            other.open_blob(1, blob, FILE_ID)
    assert refused.value.reason is Reason.TAMPERED


def test_only_live_participants(study: Vault) -> None:
    study.merge("participant", keep=1, absorb=2)
    for number, reason in ((99, Reason.NOT_FOUND), (2, Reason.MERGED)):
        with pytest.raises(VaultError) as refused:
            study.seal_blob(number, ORIGINAL, FILE_ID)
        assert refused.value.reason is reason


@pytest.mark.parametrize("file_id", ["", "../x", "a b", "Kari Nordmann", "x" * 129, 7])
def test_file_ids_are_plain(study: Vault, file_id) -> None:
    with pytest.raises(VaultError) as refused:
        study.seal_blob(1, ORIGINAL, file_id)
    assert refused.value.reason is Reason.INVALID
    assert "Kari" not in str(refused.value)


def test_withdrawal_shreds_every_blob(study: Vault) -> None:
    """After the withdrawal no key the vault still holds opens the blob: not through the API,
    and not by trying every key of the current key-ring directly (the old key is gone)."""
    blob = study.seal_blob(1, ORIGINAL, FILE_ID)
    before = dict(study._live().ring.participant_keys)
    study.withdraw(1)
    with pytest.raises(VaultError) as refused:
        study.open_blob(1, blob, FILE_ID)
    assert refused.value.reason is Reason.WITHDRAWN
    with pytest.raises(VaultError):
        study.seal_blob(1, ORIGINAL, FILE_ID)

    state = study._live()
    ring = state.ring
    candidates = [ring.audit_key, ring.shared_key, state.master, state.kek,
                  *ring.participant_keys.values()]
    assert before[1] not in candidates
    ad_for = [_ad(state.header.vault_id, PROJECT, n, FILE_ID) for n in (1, 2)]
    for key in candidates:
        for derived in (key, _blob_key(key)):
            for ad in ad_for:
                with pytest.raises(InvalidTag):
                    AESGCM(derived).decrypt(blob[10:HEADER_BYTES], blob[HEADER_BYTES:], ad)
    # ...and the old key (which a stale key-ring backup would still hold) does open it:
    # the test above can fail.
    old = AESGCM(_blob_key(before[1]))
    assert old.decrypt(blob[10:HEADER_BYTES], blob[HEADER_BYTES:], ad_for[0]) == ORIGINAL


def test_a_withdrawal_in_another_process_is_seen_before_sealing(study: Vault, vault_dir,
                                                                secret: Secret) -> None:
    with Vault.open(vault_dir, PROJECT, secret) as steward:
        steward.withdraw(2)
    with pytest.raises(VaultError) as refused:
        study.seal_blob(2, ORIGINAL, FILE_ID)
    assert refused.value.reason is Reason.WITHDRAWN


def test_the_documented_format_by_an_independent_reader(study: Vault) -> None:
    """Seal by hand from the README's description; the vault must open it (and vice versa)."""
    state = study._live()
    data_key = state.ring.participant_keys[1]
    ad = _ad(state.header.vault_id, PROJECT, 1, FILE_ID)
    nonce = bytes(range(12))
    blob = MAGIC + (1).to_bytes(2, "big") + nonce + AESGCM(_blob_key(data_key)).encrypt(
        nonce, ORIGINAL, ad)
    assert study.open_blob(1, blob, FILE_ID) == ORIGINAL
    ours = study.seal_blob(1, ORIGINAL, FILE_ID)
    assert AESGCM(_blob_key(data_key)).decrypt(ours[10:22], ours[22:], ad) == ORIGINAL


def test_sealing_inside_a_transaction_keeps_the_lock(study: Vault) -> None:
    with study.transaction():
        study.add("participant", ["Liv Aamodt"])
        blob = study.seal_blob(3, ORIGINAL, FILE_ID)
        study.note_wave(3, "wave-1")
    assert study.open_blob(3, blob, FILE_ID) == ORIGINAL


def _blob_key(data_key: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, None, b"qrvault/v1/blob-key").derive(data_key)


def _ad(vault_id: str, project: str, number: int, file_id: str) -> bytes:
    out = b""
    for part in ("qrvault/v1/blob", vault_id, project, f"participant:{number}", file_id):
        raw = part.encode()
        out += len(raw).to_bytes(4, "big") + raw
    return out
