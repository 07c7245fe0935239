"""The head anchor (issue 19): a log cut at its end, a removed rotated file, a vault folder put
back from an older copy, each found by `audit verify` and refused by the writer and the daemon;
checkpoints a committee keeps apart; crashes between the two anchor writes are not tampering.

Everything is real: a vault unlocked with a key file, the CLI, files on disk."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from audit_testkit import read_lines, released, write_lines

import anonymizer.audit.log as audit_module
import anonymizer.cli as cli
from anonymizer.audit import anchor as audit_anchor
from anonymizer.audit.anchor import AnchorMismatch, HeadProblem, anchor_path
from anonymizer.audit.log import AuditEvent, AuditLog, open_audit_log
from anonymizer.errors import ExitCode
from anonymizer.settings import Settings, load_settings
from vault import Secret, Vault, generate_key_file

PROJECT = "study-2024"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    key_file = generate_key_file(tmp_path / "vault.key")
    Vault.create(tmp_path / "vault", PROJECT, Secret.from_key_file(key_file)).close()
    config = tmp_path / "anonymizer.toml"
    config.write_text(
        f'[project]\nid = "{PROJECT}"\n'
        '[ethics]\ncommittee = "REK midt"\nreference = "2013/2244"\n'
        '[vault]\nbackend = "vault"\ndir = "vault"\nkey_file = "vault.key"\n'
        '[paths]\ndata_dir = "data"\n'
    )
    return config


def _settings(config: Path) -> Settings:
    return load_settings(config)


def _key(settings: Settings) -> bytes:
    assert settings.vault.dir is not None and settings.vault.key_file is not None
    secret = Secret.from_key_file(settings.vault.key_file)
    with Vault.open(settings.vault.dir, PROJECT, secret) as v:
        return v.audit_key()


def _log(config: Path, **kwargs) -> AuditLog:
    settings = _settings(config)
    return open_audit_log(settings, _key(settings), **kwargs)


def _run(config: Path, *argv: str) -> int:
    return cli.main(["--config", str(config), *argv])


def _watch_oneshot(config: Path) -> subprocess.CompletedProcess[str]:
    """The daemon as the operator starts it: its own process (it configures logging)."""
    return subprocess.run([sys.executable, "-m", "anonymizer", "--config", str(config), "watch",
                           "--oneshot"], capture_output=True, text=True, timeout=300,
                          check=False)


def _verify(config: Path, capsys, *extra: str) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = _run(config, "audit", "verify", *extra)
    return code, capsys.readouterr().out.splitlines()


def _files(log: AuditLog) -> list[Path]:
    return sorted(log.path.parent.glob("audit*.jsonl"))


# -- the log cut at its end ----------------------------------------------------------------------


def test_a_whole_log_verifies_ok(project, capsys):
    log = _log(project)
    for number in range(1, 6):
        released(log, number)
    assert anchor_path(_settings(project).vault.dir).is_file()
    code, out = _verify(project, capsys)
    assert (code, out[0]) == (ExitCode.OK, "audit log OK: 5 records in 1 files")


@pytest.mark.parametrize("keep", [0, 1, 4, 6])
def test_whole_records_cut_from_the_end_are_truncated(project, capsys, keep):
    log = _log(project)
    for number in range(1, 8):
        released(log, number)
    write_lines(log.path, read_lines(log.path)[:keep])
    code, out = _verify(project, capsys)
    assert code == ExitCode.FAILED
    assert out[0] == f"audit log BROKEN: TRUNCATED (records {keep + 1} to 7 missing): the log " \
        "ends before the last record the vault's anchor saw written"
    assert out[1] == f"{keep} records verified"


@pytest.mark.parametrize("fraction", [0.5, 0.25, 0.9])
def test_a_cut_inside_a_line_is_truncated(project, capsys, fraction):
    log = _log(project)
    for number in range(1, 8):
        released(log, number)
    data = log.path.read_bytes()
    log.path.write_bytes(data[: int(len(data) * fraction)])
    code, out = _verify(project, capsys)
    assert code == ExitCode.FAILED
    assert "TRUNCATED" in out[0]


def test_the_writer_refuses_to_chain_on_a_cut_log_and_writes_nothing(project):
    log = _log(project)
    for number in range(1, 6):
        released(log, number)
    write_lines(log.path, read_lines(log.path)[:3])
    cut = log.path.read_bytes()
    anchor_before = anchor_path(_settings(project).vault.dir).read_bytes()
    with pytest.raises(AnchorMismatch) as refused:
        released(_log(project), 9)
    assert refused.value.problem is HeadProblem.TRUNCATED
    assert log.path.read_bytes() == cut
    assert anchor_path(_settings(project).vault.dir).read_bytes() == anchor_before


def test_a_removed_rotated_file_is_truncated(project, capsys):
    settings = _settings(project)
    log = AuditLog(settings.audit_path(), _key(settings), max_bytes=2000,
                   anchor=anchor_path(settings.vault.dir))
    number = 0
    while len(_files(log)) < 3:
        number += 1
        released(log, number)
    total = sum(len(read_lines(p)) for p in _files(log))
    newest_rotated = [p for p in _files(log) if p != log.path][-1]
    kept = total - len(read_lines(log.path)) - len(read_lines(newest_rotated))
    newest_rotated.unlink()
    log.path.unlink()
    code, out = _verify(project, capsys)
    assert code == ExitCode.FAILED
    assert out[0].startswith(f"audit log BROKEN: TRUNCATED (records {kept + 1} to {total} "
                             "missing)")


def test_the_whole_log_removed_is_truncated(project, capsys):
    log = _log(project)
    for number in range(1, 4):
        released(log, number)
    shutil.rmtree(log.path.parent)
    code, out = _verify(project, capsys)
    assert (code, out[0][:50]) == (ExitCode.FAILED,
                                   "audit log BROKEN: TRUNCATED (records 1 to 3 missing)"[:50])


# -- crashes between the two writes of the anchor are not tampering ----------------------------


class Crash(Exception):
    pass


def test_a_crash_before_the_line_is_written_leaves_a_whole_log(project, capsys, monkeypatch):
    log = _log(project)
    for number in range(1, 4):
        released(log, number)

    def torn(fd, data):
        raise Crash

    monkeypatch.setattr(audit_module, "_write_all", torn)  # the anchor already names it pending
    with pytest.raises(Crash):
        released(log, 4)
    monkeypatch.undo()
    code, out = _verify(project, capsys)
    assert (code, out[0]) == (ExitCode.OK, "audit log OK: 3 records in 1 files")
    released(_log(project), 5)
    assert _verify(project, capsys)[1][0] == "audit log OK: 4 records in 1 files"


def test_a_crash_after_the_line_before_the_anchor_moves_on(project, capsys, monkeypatch):
    log = _log(project)
    for number in range(1, 4):
        released(log, number)
    real = audit_anchor.write_anchor
    calls = []

    def second_fails(path, key, anchor):
        calls.append(anchor)
        if len(calls) == 2:
            raise Crash
        real(path, key, anchor)

    monkeypatch.setattr(audit_anchor, "write_anchor", second_fails)
    with pytest.raises(Crash):
        released(log, 4)
    monkeypatch.undo()
    assert calls[0].pending is not None and calls[0].pending.seq == 4
    code, out = _verify(project, capsys)
    assert (code, out[0]) == (ExitCode.OK, "audit log OK: 4 records in 1 files")
    released(_log(project), 5)
    assert _verify(project, capsys)[1][0] == "audit log OK: 5 records in 1 files"


def test_a_partial_line_from_a_crash_is_repaired_under_the_anchor(project, capsys):
    log = _log(project)
    for number in range(1, 4):
        released(log, number)
    with log.path.open("ab") as handle:
        handle.write(b'{"actor":"svc-anon","ev')  # what kill -9 mid-write leaves
    released(_log(project), 4)
    code, out = _verify(project, capsys)
    assert (code, out[0]) == (ExitCode.OK, "audit log OK: 5 records in 1 files")


# -- the vault put back from an older copy ------------------------------------------------------


def _changes(project: Path, capsys) -> None:
    assert _run(project, "participants", "add", "Ada Lindqvist") == ExitCode.OK
    assert _run(project, "participants", "add", "Bea Marsh") == ExitCode.OK
    capsys.readouterr()


def _roll_back(project: Path, capsys, *, files_only: bool) -> None:
    settings = _settings(project)
    folder = Path(settings.vault.dir)
    backup = folder.parent / "vault-backup"
    shutil.copytree(folder, backup)
    assert _run(project, "participants", "withdraw", "1", "--yes") == ExitCode.OK
    assert _run(project, "participants", "add", "Cy Norland") == ExitCode.OK
    if files_only:  # the vault's own files back, the newer anchor kept
        for name in ("vault.keys", "vault.db"):
            shutil.copy2(backup / name, folder / name)
    else:
        shutil.rmtree(folder)
        shutil.copytree(backup, folder)
    capsys.readouterr()


@pytest.mark.parametrize("files_only", [False, True], ids=["whole-folder", "vault-files-only"])
def test_a_restored_older_vault_is_rolled_back(project, capsys, files_only):
    _changes(project, capsys)
    _roll_back(project, capsys, files_only=files_only)
    code, out = _verify(project, capsys)
    assert code == ExitCode.FAILED
    assert out[0].startswith("audit log BROKEN: ROLLED BACK")


@pytest.mark.parametrize("files_only", [False, True], ids=["whole-folder", "vault-files-only"])
def test_the_daemon_refuses_to_start_on_a_rolled_back_vault(project, capsys, files_only):
    _changes(project, capsys)
    _roll_back(project, capsys, files_only=files_only)
    records_before = len(read_lines(_settings(project).audit_path()))
    done = _watch_oneshot(project)
    assert done.returncode == ExitCode.FAILED
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "ROLLED BACK" in lines[0] and "Traceback" not in done.stderr
    assert "withdrawal forgotten" in lines[0]
    assert len(read_lines(_settings(project).audit_path())) == records_before  # nothing written


def test_the_daemon_starts_on_the_newest_vault(project, capsys):
    _changes(project, capsys)
    done = _watch_oneshot(project)
    assert done.returncode == ExitCode.OK, done.stderr
    events = [json.loads(line)["event"] for line in read_lines(_settings(project).audit_path())]
    assert events[-2:] == ["daemon_started", "daemon_stopped"]


def test_a_rolled_back_vault_cannot_number_through_the_cli(project, capsys):
    _changes(project, capsys)
    _roll_back(project, capsys, files_only=False)
    assert _run(project, "participants", "add", "Dag Oyen") == ExitCode.FAILED
    assert "ROLLED BACK" in capsys.readouterr().err


# -- checkpoints, kept apart by the committee ---------------------------------------------------


def test_a_checkpoint_is_proved_by_a_longer_log(project, capsys, tmp_path):
    log = _log(project)
    for number in range(1, 5):
        released(log, number)
    statement = tmp_path / "committee" / "checkpoint.json"
    statement.parent.mkdir()
    assert _run(project, "audit", "checkpoint", "-o", str(statement)) == ExitCode.OK
    body = json.loads(statement.read_text())
    assert (body["seq"], body["project"]) == (4, PROJECT) and len(body["chain_sha256"]) == 64
    for number in range(5, 9):
        released(log, number)
    code, out = _verify(project, capsys, "--against", str(statement))
    assert code == ExitCode.OK
    assert out[1].endswith("(record 4) unchanged")


def test_a_log_and_vault_rolled_back_together_fail_the_checkpoint(project, capsys, tmp_path):
    settings = _settings(project)
    log = _log(project)
    for number in range(1, 4):
        released(log, number)
    old = tmp_path / "old"  # an insider's consistent copy of log and vault at record 3
    shutil.copytree(settings.vault.dir, old / "vault")
    shutil.copytree(log.path.parent, old / "audit")
    for number in range(4, 8):
        released(log, number)
    statement = tmp_path / "checkpoint.json"
    assert _run(project, "audit", "checkpoint", "-o", str(statement)) == ExitCode.OK
    shutil.rmtree(settings.vault.dir)
    shutil.rmtree(log.path.parent)
    shutil.copytree(old / "vault", settings.vault.dir)
    shutil.copytree(old / "audit", log.path.parent)
    assert _verify(project, capsys)[0] == ExitCode.OK  # consistent: only the checkpoint knows
    code, out = _verify(project, capsys, "--against", str(statement))
    assert code == ExitCode.FAILED
    assert out[0].startswith("audit log BROKEN: TRUNCATED against the checkpoint of ")
    assert "(records 4 to 7 missing)" in out[0]


def test_a_forged_checkpoint_is_refused(project, capsys, tmp_path):
    log = _log(project)
    for number in range(1, 4):
        released(log, number)
    statement = tmp_path / "checkpoint.json"
    assert _run(project, "audit", "checkpoint", "-o", str(statement)) == ExitCode.OK
    statement.write_text(statement.read_text().replace('"seq": 3', '"seq": 2'))
    capsys.readouterr()
    assert _run(project, "audit", "verify", "--against", str(statement)) == ExitCode.FAILED
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "fails authentication" in err[0] and str(statement) in err[0]


def test_no_checkpoint_of_a_broken_log(project, capsys, tmp_path):
    log = _log(project)
    for number in range(1, 4):
        released(log, number)
    write_lines(log.path, read_lines(log.path)[:1])
    assert _run(project, "audit", "checkpoint", "-o", str(tmp_path / "c.json")) \
        == ExitCode.BAD_INPUT
    assert not (tmp_path / "c.json").exists()


# -- a log from before anchors ------------------------------------------------------------------


def test_a_log_without_an_anchor_is_adopted_by_a_recorded_reset(project, capsys):
    settings = _settings(project)
    legacy = AuditLog(settings.audit_path(), _key(settings))  # written before anchors existed
    for number in range(1, 4):
        released(legacy, number)
    code, out = _verify(project, capsys)
    assert code == ExitCode.FAILED and out[0].startswith("audit log BROKEN: the audit log has 3")
    with pytest.raises(AnchorMismatch):
        released(_log(project), 4)
    assert _run(project, "audit", "reset-anchor") == ExitCode.OK
    assert capsys.readouterr().out.strip() == (
        "audit anchor set at record 3 (there was none); recorded as record 4")
    code, out = _verify(project, capsys)
    assert (code, out[0]) == (ExitCode.OK, "audit log OK: 4 records in 1 files")
    last = json.loads(read_lines(settings.audit_path())[-1])
    assert last["event"] == AuditEvent.ANCHOR_RESET.value
    assert last["fields"]["log_seq"] == 3 and last["fields"]["anchor_seq_before"] is None


# -- the ethics report says the same ------------------------------------------------------------


def test_the_ethics_report_shows_a_cut_log(project):
    from anonymizer.report.gather import gather_report
    from anonymizer.report.render import render_html

    settings = _settings(project)
    log = _log(project)
    for number in range(1, 6):
        released(log, number)
    whole = gather_report(settings, _key(settings))["audit"]
    assert (whole["ok"], whole["anchor"]) == (True, "")
    write_lines(log.path, read_lines(log.path)[:2])
    report = gather_report(settings, _key(settings))
    assert report["audit"]["ok"] is False
    assert report["audit"]["anchor"].startswith("TRUNCATED (records 3 to 5 missing)")
    assert "Audit log BROKEN: TRUNCATED (records 3 to 5 missing)" in render_html(report)
