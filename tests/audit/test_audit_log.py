"""Appending, the record format, the anchor, rotation, and recovery from a crash mid-append."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
from pathlib import Path

import pytest
from audit_testkit import KEY, OTHER_KEY, digest, fill, make_log, read_lines, released, write_lines

import anonymizer.audit.log as audit
from anonymizer.audit.log import (
    AuditError,
    AuditEvent,
    AuditLog,
    AuditReason,
    open_audit_log,
    verify_log,
)
from anonymizer.audit.verify import rotated_path
from anonymizer.errors import ExitCode
from anonymizer.settings import Settings


def test_a_record_is_canonical_chained_and_macd(tmp_path):
    path = tmp_path / "audit" / "audit.jsonl"
    log = make_log(path)
    first = log.append(AuditEvent.DAEMON_STARTED, config_sha256="c" * 64, tool_version="0.1.0")
    second = log.append(AuditEvent.REIDENTIFIED, participant=7)
    lines = read_lines(path)
    assert len(lines) == 2 and all(line.endswith(b"\n") for line in lines)
    one = json.loads(lines[0])
    assert set(one) == {"v", "seq", "time", "event", "actor", "fields", "prev", "mac"}
    assert lines[0] == json.dumps(one, sort_keys=True, separators=(",", ":")).encode() + b"\n"
    assert (one["seq"], one["event"], one["actor"]) == (1, "daemon_started", "steward")
    assert one["time"] == "2024-03-01T12:00:01.000000Z"
    # the anchor: HMAC of a fixed label under the vault's audit key
    assert one["prev"] == hmac.new(KEY, b"qr-audit/v1/genesis", hashlib.sha256).hexdigest()
    body = {k: v for k, v in one.items() if k != "mac"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    assert one["mac"] == hmac.new(KEY, b"qr-audit/v1/record\x00" + text, hashlib.sha256).hexdigest()
    two = json.loads(lines[1])
    assert (two["seq"], two["prev"], two["fields"]) == (2, digest(lines[0]), {"participant": 7})
    assert (first.seq, second.seq, second.prev) == (1, 2, digest(lines[0]))


def test_records_reads_back_what_was_appended(tmp_path):
    path = tmp_path / "audit.jsonl"
    log = fill(path, 5)
    records = list(log.records())
    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    assert [r.line for r in records] == [1, 2, 3, 4, 5]
    assert records[2].event is AuditEvent.RELEASED
    assert records[2].fields["participant"] == 3
    assert records[0].time < records[1].time


def test_files_are_private(tmp_path):
    path = tmp_path / "audit" / "audit.jsonl"
    fill(path, 1)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_an_empty_or_missing_log_verifies_with_no_records(tmp_path):
    result = verify_log(tmp_path / "nowhere" / "audit.jsonl", KEY)
    assert (result.ok, result.records, result.files) == (True, 0, 0)


def test_internal_and_unknown_events_are_refused(tmp_path):
    log = make_log(tmp_path / "audit.jsonl")
    for event in (AuditEvent.LOG_ROTATED, AuditEvent.LOG_REPAIRED, "no_such_event"):
        with pytest.raises(AuditError):
            log.append(event)
    assert not (tmp_path / "audit.jsonl").exists()


def test_bad_keys_and_settings_are_refused(tmp_path):
    with pytest.raises(AuditError):
        AuditLog(tmp_path / "audit.jsonl", b"short")
    with pytest.raises(AuditError):
        verify_log(tmp_path / "audit.jsonl", b"short")
    with pytest.raises(AuditError):
        AuditLog(tmp_path / "audit.jsonl", KEY, max_bytes=10)
    with pytest.raises(AuditError):
        AuditLog(tmp_path / "audit.jsonl", KEY, actor="Kari Nordmann")
    assert AuditError("x").exit_code is ExitCode.FAILED


def test_open_audit_log_follows_the_settings(tmp_path):
    settings = Settings.model_validate(
        {"paths": {"data_dir": str(tmp_path)}, "audit": {"max_bytes": 20_000}})
    log = open_audit_log(settings, KEY)
    assert log.path == tmp_path / "audit" / "audit.jsonl"
    assert log.max_bytes == 20_000
    log.append(AuditEvent.VAULT_CREATED)
    assert verify_log(log.path, KEY).ok


# -- rotation ------------------------------------------------------------------------------------


def test_rotating_three_times_keeps_one_chain(tmp_path):
    path = tmp_path / "audit.jsonl"
    log = make_log(path, max_bytes=1024)
    appended = 0
    while not rotated_path(path, 3).exists():
        appended += 1
        released(log, appended)
    appended += 1  # and one more into the fourth file, which still has room for it
    released(log, appended)
    result = verify_log(path, KEY)
    assert result.ok, result.first_bad
    assert result.files == 4
    assert result.records == appended + 3  # plus one log_rotated record per rotated file
    files = [rotated_path(path, i) for i in (1, 2, 3)] + [path]
    for index, rotated in enumerate(files[:-1], 1):
        lines = read_lines(rotated)
        closing = json.loads(lines[-1])
        assert (closing["event"], closing["fields"]) == ("log_rotated", {"file_index": index})
        # a file is closed before the next record would take it past max_bytes
        assert len(b"".join(lines[:-1])) <= 1024
        following = json.loads(read_lines(files[index])[0])
        assert (following["seq"], following["prev"]) == (closing["seq"] + 1, digest(lines[-1]))
    assert [r.seq for r in log.records()] == list(range(1, appended + 4))


def test_a_crash_before_the_rename_is_finished_by_the_next_append(tmp_path, monkeypatch):
    path = tmp_path / "audit.jsonl"
    log = fill(path, 1, max_bytes=1024)
    real = AuditLog._rename_live

    def crash(self, index):
        raise OSError("simulated crash after the closing record")

    monkeypatch.setattr(AuditLog, "_rename_live", crash)
    number = 1
    with pytest.raises(OSError):
        while True:
            number += 1
            released(log, number)
    assert json.loads(read_lines(path)[-1])["event"] == "log_rotated"
    assert verify_log(path, KEY).ok  # a closed but not yet renamed live file is a valid state
    monkeypatch.setattr(AuditLog, "_rename_live", real)
    released(log, number)
    assert rotated_path(path, 1).exists()
    result = verify_log(path, KEY)
    assert (result.ok, result.files) == (True, 2)
    assert [r.fields.get("participant") for r in log.records()][-1] == number


def test_a_crash_between_link_and_unlink_reads_the_file_once_then_finishes(tmp_path, monkeypatch):
    path = tmp_path / "audit.jsonl"
    log = fill(path, 1, max_bytes=1024)

    def link_then_crash(self, index):
        os.link(path, rotated_path(path, index))
        raise OSError("simulated crash between link and unlink")

    monkeypatch.setattr(AuditLog, "_rename_live", link_then_crash)
    number = 1
    with pytest.raises(OSError):
        while True:
            number += 1
            released(log, number)
    monkeypatch.undo()
    assert os.path.samefile(path, rotated_path(path, 1))
    before = verify_log(path, KEY)
    assert (before.ok, before.files) == (True, 1)
    released(log, number)
    after = verify_log(path, KEY)
    assert (after.ok, after.files, after.records) == (True, 2, before.records + 1)


def test_rotation_never_overwrites_an_existing_file(tmp_path, monkeypatch):
    path = tmp_path / "audit.jsonl"
    log = fill(path, 1, max_bytes=1024)

    def crash(self, index):
        raise OSError("simulated crash after the closing record")

    monkeypatch.setattr(AuditLog, "_rename_live", crash)
    number = 1
    with pytest.raises(OSError):
        while True:
            number += 1
            released(log, number)
    monkeypatch.undo()
    squatter = rotated_path(path, 1)
    squatter.write_bytes(b"someone else's file\n")
    before = path.read_bytes()
    with pytest.raises(AuditError, match="exists"):
        released(log, number)
    assert squatter.read_bytes() == b"someone else's file\n"
    assert path.read_bytes() == before


# -- a partial last line -------------------------------------------------------------------------


def test_a_partial_last_line_is_truncated_then_moved_aside_and_recorded(tmp_path):
    path = tmp_path / "audit.jsonl"
    log = fill(path, 4)
    fragment = read_lines(path)[-1][:40]
    with open(path, "ab") as f:
        f.write(fragment)  # what a kill -9 in the middle of a write leaves
    bad = verify_log(path, KEY).first_bad
    assert (bad.file, bad.line, bad.reason) == (path, 5, AuditReason.TRUNCATED)

    released(log, 5)
    result = verify_log(path, KEY)
    assert (result.ok, result.records, result.repairs) == (True, 6, 1)
    lines = read_lines(path)
    repair = json.loads(lines[4])
    assert repair["event"] == "log_repaired"
    assert repair["fields"] == {
        "file_index": 0,
        "line": 5,
        "fragment_bytes": 40,
        "fragment_sha256": hashlib.sha256(fragment).hexdigest(),
    }
    assert json.loads(lines[5])["fields"]["participant"] == 5
    assert path.with_name("audit.jsonl.corrupt").read_bytes() == fragment + b"\n"


def test_a_partial_first_line_of_a_new_file_is_repaired_at_line_1(tmp_path):
    path = tmp_path / "audit.jsonl"
    log = fill(path, 1, max_bytes=1024)
    number = 1
    while not rotated_path(path, 1).exists():
        number += 1
        released(log, number)
    lines = read_lines(path)
    write_lines(path, [lines[0][:25]])  # the new file's first record was cut short
    bad = verify_log(path, KEY).first_bad
    assert (bad.file, bad.line, bad.reason) == (path, 1, AuditReason.TRUNCATED)
    released(log, number + 1)
    result = verify_log(path, KEY)
    assert (result.ok, result.repairs) == (True, 1)
    assert json.loads(read_lines(path)[0])["fields"]["line"] == 1


@pytest.mark.parametrize("damage", ["edit", "garbage"])
def test_append_refuses_to_chain_onto_a_bad_last_record(tmp_path, damage):
    path = tmp_path / "audit.jsonl"
    log = fill(path, 4)
    lines = read_lines(path)
    lines[-1] = (lines[-1].replace(b'"participant":4', b'"participant":5') if damage == "edit"
                 else b"{not a record}\n")
    write_lines(path, lines)
    before = path.read_bytes()
    with pytest.raises(AuditError) as refused:
        released(log, 5)
    message = str(refused.value)
    assert f"{path} line 4: " in message
    assert ("BAD_MAC" if damage == "edit" else "BAD_JSON") in message
    assert path.read_bytes() == before


def test_append_with_the_wrong_key_is_refused(tmp_path):
    path = tmp_path / "audit.jsonl"
    fill(path, 2)
    before = path.read_bytes()
    with pytest.raises(AuditError, match="line 2: BAD_MAC"):
        released(make_log(path, OTHER_KEY), 3)
    assert path.read_bytes() == before


def test_a_record_too_large_is_refused_before_anything_is_written(tmp_path):
    path = tmp_path / "audit.jsonl"
    log = fill(path, 1)
    before = path.read_bytes()
    with pytest.raises(AuditError, match="exceed"):
        log.append(AuditEvent.RELEASED, offsets=list(range(9000)),
                   lengths=list(range(9000)))
    assert path.read_bytes() == before


def test_the_write_is_one_call_so_a_crash_leaves_at_most_a_partial_line(tmp_path, monkeypatch):
    path = tmp_path / "audit.jsonl"
    log = fill(path, 2)
    calls = []
    real = audit._write_all
    monkeypatch.setattr(audit, "_write_all", lambda fd, data: calls.append(data) or real(fd, data))
    released(log, 3)
    assert len(calls) == 1 and calls[0].endswith(b"\n") and calls[0].count(b"\n") == 1


def test_a_refusal_changes_nothing_even_with_a_partial_line_waiting(tmp_path):
    path = tmp_path / "audit.jsonl"
    log = fill(path, 1, max_bytes=1024)
    number = 1
    while not rotated_path(path, 1).exists():
        number += 1
        released(log, number)
    rotated = rotated_path(path, 1)
    write_lines(rotated, read_lines(rotated)[:-1])  # the closing record is gone
    path.write_bytes(b'{"actor":"ste')  # and the live file holds only a fragment
    with pytest.raises(AuditError, match=r"audit\.000001\.jsonl line \d+: TRUNCATED"):
        released(log, number + 1)
    assert path.read_bytes() == b'{"actor":"ste'
    assert not path.with_name("audit.jsonl.corrupt").exists()


@pytest.mark.parametrize("first", ["anonymizer.audit.log", "anonymizer.audit.verify"])
def test_either_module_can_be_imported_first(first):
    import subprocess
    import sys

    code = f"import {first}; from anonymizer.audit.log import verify_log, AuditLog; print('ok')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2], timeout=60)
    assert done.stdout.strip() == "ok", done.stderr
