"""No registered name in clear anywhere: files, temp files, messages, logs, output."""

from __future__ import annotations

import logging

import pytest
from vault_testkit import PROJECT, SCAN_NAMES, find_names_in_files

from vault import ScryptParams, Secret, Vault, VaultError, generate_key_file


def test_a_whole_life_cycle_leaves_no_name_in_clear(tmp_path, secret, clock, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    messages: list[str] = []

    def expect_refusal(action) -> None:
        with pytest.raises(VaultError) as err:
            action()
        messages.append(str(err.value))
        messages.append(repr(err.value))

    directory = tmp_path / "vault"
    kari, ase, zoe, per, marit, sjurdur, bjorn, asmund = SCAN_NAMES
    with Vault.create(directory, PROJECT, secret, kdf=ScryptParams.for_tests(), clock=clock) as v:
        v.add("participant", [kari, bjorn])
        v.assign("participant", [ase])
        v.assign("participant", [ase.upper(), asmund])
        v.add("person", [zoe])
        v.add("place", [per])
        v.add("organisation", [marit])
        v.add("participant", [sjurdur])
        v.note_wave(1, "wave-1")
        v.set_consent(2, "restricted", scope="no quotes")
        expect_refusal(lambda: v.add("participant", [kari.lower()]))
        expect_refusal(lambda: v.add("participant", [zoe], number=1))
        expect_refusal(lambda: v.add("participant", [kari + "\x00"]))
        messages.extend(repr(e) for e in v.entries())
        v.merge("participant", 1, 3)
        v.withdraw(2)
        expect_refusal(lambda: v.get("participant", 2))
        v.rotate()
        key = Secret.from_key_file(generate_key_file(tmp_path / "daemon.key"))
        v.change_secret(key)
        assert v.verify().ok
    with Vault.open(directory, PROJECT, key) as v:
        messages.extend(repr(e) for e in v.entries())
        messages.append(repr(v.verify()))
        messages.append(repr(v.retired()))
    expect_refusal(lambda: Vault.open(directory, PROJECT, secret))

    assert find_names_in_files(tmp_path) == []
    captured = capsys.readouterr()
    text = "\n".join([*messages, captured.out, captured.err, caplog.text])
    for name in SCAN_NAMES:
        for form in (name, name.lower(), name.upper()):
            assert form not in text


def test_secret_never_appears_in_files_or_reprs(tmp_path, clock):
    passphrase = "Sjúrður's very secret passphrase"
    secret = Secret.from_passphrase(passphrase)
    with Vault.create(tmp_path / "v", PROJECT, secret, kdf=ScryptParams.for_tests()) as v:
        v.add("person", ["Ola Hansen"])
    assert passphrase not in repr(secret)
    assert find_names_in_files(tmp_path, (passphrase,)) == []
