"""Where secrets come from: environment, files, systemd credentials, prompt, key files."""

from __future__ import annotations

import os

import pytest
from vault_testkit import PROJECT

from vault import Reason, Secret, SecretKind, Vault, VaultError, generate_key_file


def private_file(path, data: bytes, mode: int = 0o600):
    path.write_bytes(data)
    path.chmod(mode)
    return path


def test_from_env_reads_the_named_variable():
    secret = Secret.from_env("MY_VAULT_PASS", environ={"MY_VAULT_PASS": "long enough secret"})
    assert secret.kind is SecretKind.PASSPHRASE
    assert secret.material == b"long enough secret"
    assert "long enough" not in repr(secret) and "MY_VAULT_PASS" in repr(secret)


@pytest.mark.parametrize("environ", [{}, {"MY_VAULT_PASS": ""}])
def test_from_env_refuses_unset_or_empty(environ):
    with pytest.raises(VaultError) as err:
        Secret.from_env("MY_VAULT_PASS", environ=environ)
    assert err.value.reason is Reason.NO_SECRET


def test_from_file_drops_one_newline_and_checks_mode(tmp_path):
    path = private_file(tmp_path / "pass", "pässphrase words\n".encode())
    assert Secret.from_file(path).material == "pässphrase words".encode()
    path.chmod(0o640)
    with pytest.raises(VaultError) as err:
        Secret.from_file(path)
    assert err.value.reason is Reason.BAD_PERMISSIONS
    with pytest.raises(VaultError) as err:
        Secret.from_file(tmp_path / "missing")
    assert err.value.reason is Reason.NO_SECRET


def test_passphrase_is_unicode_normalised():
    assert Secret.from_passphrase("A\u030as").material == Secret.from_passphrase("\u00c5s").material


def test_from_credential_uses_credentials_directory(tmp_path):
    private_file(tmp_path / "vault-pass", b"from systemd creds\n", mode=0o440)
    private_file(tmp_path / "vault-key", bytes(range(32)), mode=0o440)
    env = {"CREDENTIALS_DIRECTORY": str(tmp_path)}
    assert Secret.from_credential("vault-pass", environ=env).material == b"from systemd creds"
    key = Secret.from_credential("vault-key", key=True, environ=env)
    assert key.kind is SecretKind.KEY and key.material == bytes(range(32))
    for name, environ in (("vault-pass", {}), ("../etc", env), ("missing", env)):
        with pytest.raises(VaultError) as err:
            Secret.from_credential(name, environ=environ)
        assert err.value.reason is Reason.NO_SECRET


def test_prompt_asks_without_echo_and_can_confirm():
    answers = iter(["typed passphrase", "typed passphrase", "typo"])
    assert Secret.prompt(ask=lambda _: next(answers)).material == b"typed passphrase"
    with pytest.raises(VaultError) as err:
        Secret.prompt(confirm=True, ask=lambda _: next(answers))
    assert err.value.reason is Reason.NO_SECRET


def test_generated_key_file_is_private_and_opens_a_vault(tmp_path):
    key = generate_key_file(tmp_path / "vault.key")
    assert os.stat(key).st_mode & 0o777 == 0o600 and len(key.read_bytes()) == 32
    with pytest.raises(VaultError) as err:
        generate_key_file(key)
    assert err.value.reason is Reason.EXISTS
    with Vault.create(tmp_path / "v", PROJECT, Secret.from_key_file(key)) as v:
        v.add("participant", ["Kari Nordmann"])
    with Vault.open(tmp_path / "v", PROJECT, Secret.from_key_file(key)) as v:
        assert v.lookup("participant", "kari nordmann").number == 1
    with pytest.raises(VaultError) as err:
        Vault.open(tmp_path / "v", PROJECT, Secret.from_passphrase("a long passphrase"))
    assert err.value.reason is Reason.WRONG_SECRET
    other = generate_key_file(tmp_path / "other.key")
    with pytest.raises(VaultError) as err:
        Vault.open(tmp_path / "v", PROJECT, Secret.from_key_file(other))
    assert err.value.reason is Reason.WRONG_SECRET


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
def test_key_file_readable_by_others_is_refused(tmp_path, mode):
    path = private_file(tmp_path / "k", bytes(32), mode=mode)
    with pytest.raises(VaultError) as err:
        Secret.from_key_file(path)
    assert err.value.reason is Reason.BAD_PERMISSIONS


def test_hex_key_file(tmp_path):
    path = private_file(tmp_path / "k", (bytes(range(32)).hex() + "\n").encode())
    assert Secret.from_key_file(path).material == bytes(range(32))


@pytest.mark.parametrize("data", [b"\0" * 31, b"\0" * 33, b"zz" * 32, b"short", b"\0" * 5000])
def test_malformed_key_file(tmp_path, data):
    path = private_file(tmp_path / "k", data)
    with pytest.raises(VaultError) as err:
        Secret.from_key_file(path)
    assert err.value.reason in (Reason.BAD_KEYFILE, Reason.NO_SECRET)


def test_key_file_must_be_a_regular_file(tmp_path):
    with pytest.raises(VaultError) as err:
        Secret.from_key_file(tmp_path)
    assert err.value.reason is Reason.NO_SECRET
