"""`anonymizer audit verify` and `audit show` against a real vault unlocked with a key file."""

from __future__ import annotations

from pathlib import Path

import pytest
from audit_testkit import read_lines, released, write_lines

import anonymizer.cli as cli
from anonymizer.audit.log import AuditEvent, AuditLog, open_audit_log
from anonymizer.errors import ExitCode
from anonymizer.settings import load_settings
from vault import Secret, Vault, generate_key_file

PROJECT = "study-2024"
MODULE = "anonymizer.cli.audit_cmds"


@pytest.fixture(autouse=True)
def audit_commands(monkeypatch):
    """Until the lead adds the module to COMMAND_MODULES (then this changes nothing)."""
    if MODULE not in cli.COMMAND_MODULES:
        monkeypatch.setattr(cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, MODULE))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    key_file = generate_key_file(tmp_path / "vault.key")
    Vault.create(tmp_path / "vault", PROJECT, Secret.from_key_file(key_file)).close()
    config = tmp_path / "anonymizer.toml"
    config.write_text(
        f'[project]\nid = "{PROJECT}"\n'
        '[vault]\nbackend = "vault"\ndir = "vault"\nkey_file = "vault.key"\n'
        '[paths]\ndata_dir = "data"\n'
    )
    return config


def _log(config: Path) -> AuditLog:
    settings = load_settings(config)
    secret = Secret.from_key_file(settings.vault.key_file)
    with Vault.open(settings.vault.dir, PROJECT, secret) as v:
        key = v.audit_key()
    return open_audit_log(settings, key)


def test_verify_ok(project, capsys):
    log = _log(project)
    log.append(AuditEvent.VAULT_CREATED)
    for number in range(1, 5):
        released(log, number)
    assert cli.main(["--config", str(project), "audit", "verify"]) == ExitCode.OK
    assert capsys.readouterr().out.splitlines()[0] == "audit log OK: 5 records in 1 files"


def test_verify_broken_names_file_line_and_reason(project, capsys):
    log = _log(project)
    for number in range(1, 6):
        released(log, number)
    lines = read_lines(log.path)
    lines[2] = lines[2].replace(b'"participant":3', b'"participant":4')
    write_lines(log.path, lines)
    assert cli.main(["--config", str(project), "audit", "verify"]) == ExitCode.FAILED
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"audit log BROKEN at {log.path} line 3: EDITED")
    assert out[1] == "2 records before it verified"


def test_verify_without_a_log_yet(project, capsys):
    assert cli.main(["--config", str(project), "audit", "verify"]) == ExitCode.OK
    assert capsys.readouterr().out.startswith("audit log OK: 0 records in 0 files")


def test_a_log_keyed_by_another_vault_is_a_wrong_key(project, tmp_path, capsys):
    stranger = AuditLog(load_settings(project).audit_path(), bytes(32))
    stranger.append(AuditEvent.DAEMON_STARTED)
    assert cli.main(["--config", str(project), "audit", "verify"]) == ExitCode.FAILED
    assert "line 1: WRONG_KEY" in capsys.readouterr().out


def test_without_the_vault_the_command_fails_as_a_key_store_error(project, tmp_path, capsys):
    (tmp_path / "vault.key").unlink()
    assert cli.main(["--config", str(project), "audit", "verify"]) == ExitCode.KEYSTORE
    assert "vault" in capsys.readouterr().err


def test_a_memory_backend_has_no_audit_key(tmp_path, capsys):
    config = tmp_path / "anonymizer.toml"
    config.write_text('[paths]\ndata_dir = "data"\n')
    assert cli.main(["--config", str(config), "audit", "verify"]) == ExitCode.BAD_CONFIG
    assert "vault.backend" in capsys.readouterr().err


def test_show_tail_prints_the_last_records(project, capsys):
    log = _log(project)
    for number in range(1, 6):
        released(log, number)
    log.append(AuditEvent.REIDENTIFIED, participant=7)
    assert cli.main(["--config", str(project), "audit", "show", "--tail", "2"]) == ExitCode.OK
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert out[0].split()[0] == "5" and "released" in out[0]
    assert out[1].split()[0] == "6" and "reidentified" in out[1] and '{"participant":7}' in out[1]


def test_show_stops_at_a_bad_record(project, capsys):
    log = _log(project)
    for number in range(1, 4):
        released(log, number)
    write_lines(log.path, read_lines(log.path)[1:])
    assert cli.main(["--config", str(project), "audit", "show"]) == ExitCode.FAILED
    assert "line 1: DELETED" in capsys.readouterr().out


def test_every_audit_command_has_help(capsys):
    for argv in (["audit", "--help"], ["audit", "verify", "--help"], ["audit", "show", "--help"]):
        with pytest.raises(SystemExit) as done:
            cli.main(argv)
        assert done.value.code == 0
    assert cli.main(["audit"]) == ExitCode.USAGE
    capsys.readouterr()
