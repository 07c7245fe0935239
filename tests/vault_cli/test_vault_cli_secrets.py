"""Where the CLI takes the vault's secret from: the environment variable the settings name, a
passphrase file, a systemd credential, a key file, or the terminal prompt -- never argv."""

from __future__ import annotations

import pytest
from vault_cli_kit import PASSPHRASE, PASSPHRASE_ENV, SIGRUN, Terminal

from vault import Secret


def answers(monkeypatch, *replies: str) -> list[str]:
    """The terminal: stdin is a tty and getpass returns ``replies`` in order; the prompts shown
    are collected."""
    asked: list[str] = []
    pending = list(replies)

    def getpass(prompt: str = "") -> str:
        asked.append(prompt)
        return pending.pop(0)

    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("getpass.getpass", getpass)
    return asked


def private_file(path, content: bytes, mode: int = 0o600):
    path.write_bytes(content)
    path.chmod(mode)
    return path


def test_passphrase_from_a_file(study, monkeypatch, tmp_path):
    monkeypatch.delenv(PASSPHRASE_ENV)
    secret_file = private_file(tmp_path / "passphrase", PASSPHRASE.encode() + b"\n")
    study.configure(passphrase_file=secret_file)
    assert study.cli("participants", "add", SIGRUN[0]).code == 0

    secret_file.chmod(0o640)
    result = study.cli("participants", "list")
    assert result.code == 4 and "bad_permissions" in result.err
    assert result.err.count("\n") == 1


def test_passphrase_from_a_systemd_credential(study, monkeypatch, tmp_path):
    monkeypatch.delenv(PASSPHRASE_ENV)
    credentials = tmp_path / "credentials"
    credentials.mkdir(mode=0o700)
    private_file(credentials / "study-vault", PASSPHRASE.encode(), 0o400)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    study.configure(credential="study-vault")
    assert study.cli("participants", "add", SIGRUN[0]).code == 0


def test_no_source_at_all_is_one_line_and_exit_4(study, monkeypatch):
    monkeypatch.delenv(PASSPHRASE_ENV)
    result = study.cli("participants", "list")
    assert result.code == 4 and result.err.count("\n") == 1
    assert PASSPHRASE_ENV in result.err and "Traceback" not in result.err


def test_prompt_on_a_terminal(study, monkeypatch):
    monkeypatch.delenv(PASSPHRASE_ENV)
    asked = answers(monkeypatch, PASSPHRASE)
    assert study.cli("participants", "list").code == 0
    assert asked == ["Vault passphrase: "]


def test_generated_key_file_for_daemons(bare_study, monkeypatch):
    monkeypatch.delenv(PASSPHRASE_ENV)
    key_file = bare_study.root / "secrets" / "daemon.key"
    bare_study.configure(key_file=key_file)
    result = bare_study.cli("vault", "init", "--generate-key-file")
    assert result.code == 0, result.err
    assert key_file.stat().st_mode & 0o777 == 0o600 and len(key_file.read_bytes()) == 32
    assert bare_study.cli("participants", "add", SIGRUN[0]).code == 0
    assert bare_study.open_vault(Secret.from_key_file(key_file)).get("participant", 1)
    assert [e for e, _ in bare_study.audit_events(Secret.from_key_file(key_file))] == [
        "vault_created", "participant_added"]
    assert bare_study.audit_events(Secret.from_key_file(key_file))[0][1] == {"secret_kind": "key"}

    key_file.chmod(0o644)
    refused = bare_study.cli("participants", "list")
    assert refused.code == 4 and "bad_permissions" in refused.err


def test_generate_key_file_needs_a_place_and_never_overwrites(bare_study, monkeypatch):
    refused = bare_study.cli("vault", "init", "--generate-key-file")
    assert refused.code == 3 and "vault.key_file" in refused.err
    key_file = private_file(bare_study.root / "daemon.key", b"\x01" * 32)
    bare_study.configure(key_file=key_file)
    again = bare_study.cli("vault", "init", "--generate-key-file")
    assert again.code == 4 and again.err.startswith("anonymizer: vault error: exists")
    assert key_file.read_bytes() == b"\x01" * 32
    assert not bare_study.vault_dir.exists()


def test_init_asks_twice_and_refuses_a_mismatch(bare_study, monkeypatch):
    monkeypatch.delenv(PASSPHRASE_ENV)
    asked = answers(monkeypatch, "an invented passphrase", "an invented passfrase")
    result = bare_study.cli("vault", "init")
    assert result.code == 4 and "no_secret" in result.err
    assert asked == ["New vault passphrase: ", "Repeat passphrase: "]
    assert not (bare_study.vault_dir / "vault.keys").exists()


def test_init_refuses_a_short_passphrase(bare_study, monkeypatch):
    monkeypatch.setenv(PASSPHRASE_ENV, "too short")
    result = bare_study.cli("vault", "init")
    assert result.code == 4 and "weak_secret" in result.err
    assert not (bare_study.vault_dir / "vault.keys").exists()


def test_passwd_from_a_prompt(study, monkeypatch):
    asked = answers(monkeypatch, "a new invented passphrase", "a new invented passphrase")
    assert study.cli("vault", "passwd").code == 0
    assert asked == ["New vault passphrase: ", "Repeat passphrase: "]
    study.open_vault(Secret.from_passphrase("a new invented passphrase")).close()


def test_passwd_from_a_file_and_to_a_key_file(study, tmp_path):
    new = private_file(tmp_path / "new-passphrase", b"a new invented passphrase\n")
    assert study.cli("vault", "passwd", "--new-passphrase-file", new).code == 0
    study.configure(passphrase_file=new)
    key = private_file(tmp_path / "new.key", bytes(range(32)))
    assert study.cli("vault", "passwd", "--new-key-file", key).code == 0
    study.open_vault(Secret.from_key_file(key)).close()


def test_passwd_without_a_terminal_needs_a_source(study):
    result = study.cli("vault", "passwd")
    assert result.code == 4 and "--new-passphrase-env" in result.err


@pytest.mark.parametrize("argv", [
    ("vault", "passwd", "--passphrase", PASSPHRASE),
    ("vault", "passwd", "--password", PASSPHRASE),
    ("vault", "passwd", "--new-passphrase", "a new invented passphrase"),  # no abbreviations
    ("vault", "init", "--key", "00" * 32),
    ("participants", "list", "--passphrase", PASSPHRASE),
], ids=lambda argv: " ".join(argv[:3]))
def test_a_secret_as_an_argument_is_a_usage_error(study, argv, capsys):
    from anonymizer.cli import main

    before = study.vault_bytes()
    with pytest.raises(SystemExit) as done:
        main(["--config", str(study.config), *argv])
    assert done.value.code == 2
    assert study.vault_bytes() == before


def test_a_passphrase_given_as_a_variable_name_is_not_echoed(study):
    result = study.cli("vault", "passwd", "--new-passphrase-env", "a new invented passphrase")
    assert result.code == 2 and "variable" in result.err
    assert "invented" not in result.err
