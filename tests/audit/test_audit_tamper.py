"""Every kind of tampering is reported at the exact first bad line, with its reason."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from audit_testkit import (
    KEY,
    OTHER_KEY,
    canonical_line,
    digest,
    fill,
    mac_with,
    make_log,
    read_lines,
    released,
    write_lines,
)

from anonymizer.audit.log import AuditEvent, AuditLogBroken, AuditReason, verify_log
from anonymizer.audit.verify import iter_records, rotated_path

RECORDS = 8
Lines = list[bytes]


def _record(line: bytes) -> dict:
    return json.loads(line)


def edit_byte_in_field(lines: Lines) -> Lines:
    # record 4 says participant 4; make it 5 (valid JSON, one byte changed)
    lines[3] = lines[3].replace(b'"participant":4', b'"participant":5')
    return lines


def edit_mac(lines: Lines) -> Lines:
    record = _record(lines[3])
    mac = record["mac"]
    record["mac"] = ("0" if mac[0] != "0" else "1") + mac[1:]
    lines[3] = canonical_line(record)
    return lines


def edit_prev(lines: Lines) -> Lines:
    record = _record(lines[3])
    record["prev"] = "0" * 64
    lines[3] = canonical_line(record)
    return lines


def remac_without_key(lines: Lines) -> Lines:
    record = _record(lines[3])
    record["fields"]["participant"] = 99
    record["mac"] = mac_with(OTHER_KEY, record)  # a re-MAC under a guessed key
    lines[3] = canonical_line(record)
    return lines


def reformat_whitespace(lines: Lines) -> Lines:
    lines[3] = lines[3].replace(b'","', b'", "', 1)  # same JSON, not the bytes that were MACed
    return lines


def garbage_line(lines: Lines) -> Lines:
    lines[3] = b"this is not json\n"
    return lines


def delete_record(lines: Lines) -> Lines:
    del lines[3]
    return lines


def delete_first_record(lines: Lines) -> Lines:
    del lines[0]
    return lines


def reorder_two(lines: Lines) -> Lines:
    lines[3], lines[4] = lines[4], lines[3]
    return lines


def insert_forged(lines: Lines) -> Lines:
    # a well-formed record where record 4 belongs, chained correctly, but MACed without the key
    forged = _record(lines[3])
    forged["fields"] = {"participant": 42}
    forged["prev"] = digest(lines[2])
    forged["mac"] = mac_with(OTHER_KEY, forged)
    lines.insert(3, canonical_line(forged))
    return lines


def insert_forged_first(lines: Lines) -> Lines:
    forged = _record(lines[0])
    forged["fields"] = {"participant": 42}
    forged["mac"] = mac_with(OTHER_KEY, forged)
    lines.insert(0, canonical_line(forged))
    return lines


def replay_copy(lines: Lines) -> Lines:
    lines.insert(4, lines[1])  # an authentic record, copied to a second place
    return lines


def truncate_mid_line(lines: Lines) -> Lines:
    lines[-1] = lines[-1][: len(lines[-1]) // 2]
    return lines


def truncate_newline_only(lines: Lines) -> Lines:
    lines[-1] = lines[-1].rstrip(b"\n")
    return lines


def edit_last_record(lines: Lines) -> Lines:
    lines[-1] = lines[-1].replace(b'"participant":8', b'"participant":9')
    return lines


CASES: list[tuple[Callable[[Lines], Lines], int, AuditReason]] = [
    (edit_byte_in_field, 4, AuditReason.EDITED),
    (edit_mac, 4, AuditReason.EDITED),
    (edit_prev, 4, AuditReason.EDITED),
    (remac_without_key, 4, AuditReason.EDITED),
    (reformat_whitespace, 4, AuditReason.EDITED),
    (garbage_line, 4, AuditReason.BAD_JSON),
    (delete_record, 4, AuditReason.DELETED),
    (delete_first_record, 1, AuditReason.DELETED),
    (reorder_two, 4, AuditReason.REORDERED),
    (insert_forged, 4, AuditReason.INSERTED),
    (insert_forged_first, 1, AuditReason.INSERTED),
    (replay_copy, 5, AuditReason.INSERTED),
    (truncate_mid_line, RECORDS, AuditReason.TRUNCATED),
    (truncate_newline_only, RECORDS, AuditReason.TRUNCATED),
    (edit_last_record, RECORDS, AuditReason.BAD_MAC),
]


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    path = tmp_path / "audit" / "audit.jsonl"
    fill(path, RECORDS)
    assert verify_log(path, KEY).ok  # so every failure below is the tampering's
    return path


@pytest.mark.parametrize(("tamper", "line", "reason"), CASES, ids=[c[0].__name__ for c in CASES])
def test_tampering_is_reported_at_its_first_bad_line(log_path, tamper, line, reason):
    write_lines(log_path, tamper(read_lines(log_path)))
    result = verify_log(log_path, KEY)
    assert not result.ok
    assert result.first_bad is not None
    assert (result.first_bad.file, result.first_bad.line, result.first_bad.reason) == (
        log_path, line, reason)
    assert result.records == line - 1  # every record before the bad line was good


def test_records_yields_the_good_records_then_raises_the_same_bad_record(log_path):
    write_lines(log_path, delete_record(read_lines(log_path)))
    seen = []
    with pytest.raises(AuditLogBroken) as broken:
        for record in iter_records(log_path, KEY):
            seen.append(record.seq)
    assert seen == [1, 2, 3]
    assert broken.value.bad == verify_log(log_path, KEY).first_bad
    assert str(broken.value.bad).startswith(f"{log_path} line 4: DELETED")


def test_wrong_key_is_named_at_line_1(log_path):
    result = verify_log(log_path, OTHER_KEY)
    assert (result.first_bad.line, result.first_bad.reason) == (1, AuditReason.WRONG_KEY)


def test_an_authentic_record_from_another_log_with_the_same_key_breaks_the_chain(tmp_path):
    first, second = tmp_path / "a" / "audit.jsonl", tmp_path / "b" / "audit.jsonl"
    fill(first, RECORDS)
    other = make_log(second)
    other.append(AuditEvent.PURGED, participant=3)  # from here on, the two chains differ
    for number in range(1, RECORDS):
        released(other, number)
    lines = read_lines(first)
    lines[3] = read_lines(second)[3]  # same seq, valid MAC, a different predecessor
    write_lines(first, lines)
    bad = verify_log(first, KEY).first_bad
    assert (bad.line, bad.reason) == (4, AuditReason.CHAIN_BROKEN)


def test_an_untouched_log_verifies(log_path):
    result = verify_log(log_path, KEY)
    assert (result.ok, result.records, result.files, result.last_seq) == (True, RECORDS, 1, RECORDS)


# -- across rotated files -------------------------------------------------------------------------


@pytest.fixture
def rotated_log(tmp_path: Path) -> Path:
    path = tmp_path / "audit" / "audit.jsonl"
    log = fill(path, 1, max_bytes=1024)
    number = 1
    while not rotated_path(path, 3).exists() or not path.exists():
        number += 1
        released(log, number)
    assert verify_log(path, KEY).ok
    return path


def test_deleting_a_middle_rotated_file_is_a_rotation_gap(rotated_log):
    os.unlink(rotated_path(rotated_log, 2))
    bad = verify_log(rotated_log, KEY).first_bad
    assert (bad.file, bad.line, bad.reason) == (
        rotated_path(rotated_log, 3), 1, AuditReason.ROTATION_GAP)


def test_deleting_the_oldest_rotated_file_is_a_rotation_gap(rotated_log):
    os.unlink(rotated_path(rotated_log, 1))
    bad = verify_log(rotated_log, KEY).first_bad
    assert (bad.file, bad.line, bad.reason) == (
        rotated_path(rotated_log, 2), 1, AuditReason.ROTATION_GAP)


def test_deleting_the_newest_rotated_file_is_a_rotation_gap_in_the_live_file(rotated_log):
    os.unlink(rotated_path(rotated_log, 3))
    bad = verify_log(rotated_log, KEY).first_bad
    assert (bad.file, bad.line, bad.reason) == (rotated_log, 1, AuditReason.ROTATION_GAP)


def test_swapping_two_rotated_files_is_reordered(rotated_log):
    one, two, spare = (rotated_path(rotated_log, 1), rotated_path(rotated_log, 2),
                       rotated_log.with_name("spare"))
    os.rename(one, spare)
    os.rename(two, one)
    os.rename(spare, two)
    bad = verify_log(rotated_log, KEY).first_bad
    assert (bad.file, bad.line, bad.reason) == (one, 1, AuditReason.REORDERED)


def test_a_rotated_file_cut_at_a_line_boundary_is_truncated(rotated_log):
    two = rotated_path(rotated_log, 2)
    lines = read_lines(two)
    write_lines(two, lines[:-1])  # its closing log_rotated record is gone
    bad = verify_log(rotated_log, KEY).first_bad
    assert (bad.file, bad.line, bad.reason) == (two, len(lines), AuditReason.TRUNCATED)


def test_editing_a_byte_in_a_rotated_file_names_that_file_and_line(rotated_log):
    two = rotated_path(rotated_log, 2)
    lines = read_lines(two)
    lines[1] = lines[1].replace(b'"LOCATION":2', b'"LOCATION":3')
    write_lines(two, lines)
    bad = verify_log(rotated_log, KEY).first_bad
    assert (bad.file, bad.line, bad.reason) == (two, 2, AuditReason.EDITED)


def test_a_renamed_single_rotated_file_is_caught_at_its_closing_record(tmp_path):
    path = tmp_path / "audit.jsonl"
    log = fill(path, 1, max_bytes=1024)
    number = 1
    while not rotated_path(path, 1).exists() or not path.exists():
        number += 1
        released(log, number)
    os.rename(rotated_path(path, 1), rotated_path(path, 2))
    bad = verify_log(path, KEY).first_bad
    assert bad.file == rotated_path(path, 2)
    assert bad.reason in (AuditReason.REORDERED, AuditReason.ROTATION_GAP)
