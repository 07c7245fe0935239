"""The work record's attempts (``OUT/.batch/attempts.jsonl``): an item the driver begins in place
of a worker that is gone, and that never comes back, is refused by the next run as
``worker_crashed`` instead of taking the driver down again. Fast ones on the record alone; one
through the real driver (real model, real vault, real files) with a pool whose workers are all
gone (the pool is the boundary faked here; the real Ray version is test_batch_ray_crash)."""

from __future__ import annotations

import hashlib
import json

import pytest
from batch_kit import assert_no_names_in, copy_study, make_archive, make_study

from anonymizer.batch.record import ATTEMPTS_FILE, RECORD_FILE, Done, Status, WorkRecord
from anonymizer.batch.runner import BatchRequest, run_batch
from anonymizer.batch.snapshot import KeySnapshot
from anonymizer.batch.worker import Job, WorkerResult

A, B, C = "a" * 64, "b" * 64, "c" * 64


def test_an_attempt_without_a_record_line_is_a_crash(tmp_path):
    record = WorkRecord(tmp_path)
    record.attempt(A, 0)
    record.attempt(B, 1)
    record.add(Done(B, 1, Status.RELEASED, outputs=("b.clean.txt",)))
    again = WorkRecord(tmp_path)  # the next run
    assert again.crashed(A)  # begun, never finished: the driver died on it
    assert not again.crashed(B)  # begun and finished
    assert not again.crashed(C) and C not in again  # never begun
    assert A not in again and B in again
    lines = (tmp_path / ATTEMPTS_FILE).read_text().splitlines()
    assert [json.loads(line) for line in lines] == [{"checksum": A, "position": 0},
                                                    {"checksum": B, "position": 1}]
    assert (tmp_path / ATTEMPTS_FILE).stat().st_mode & 0o777 == 0o600


def test_a_torn_attempt_line_is_dropped_and_cut_off(tmp_path):
    """A kill -9 in the middle of writing the attempt: that item was not begun (the driver
    reads the file only after the line is whole and fsynced), so it is tried again."""
    record = WorkRecord(tmp_path)
    record.attempt(A, 0)
    path = tmp_path / ATTEMPTS_FILE
    whole = path.read_bytes()
    path.write_bytes(whole + b'{"checksum": "' + B[:20].encode())
    again = WorkRecord(tmp_path)
    assert again.crashed(A) and not again.crashed(B)
    assert path.read_bytes() == whole  # cut back to its whole lines
    again.attempt(C, 2)  # and the next line starts on a line of its own
    assert WorkRecord(tmp_path).attempted == {A, C}


def test_a_torn_record_line_still_dropped_with_attempts_beside_it(tmp_path):
    record = WorkRecord(tmp_path)
    record.attempt(A, 0)
    record.add(Done(A, 0, Status.RELEASED, outputs=("a.clean.txt",)))
    path = tmp_path / RECORD_FILE
    whole = path.read_bytes()
    path.write_bytes(whole + Done(B, 1, Status.RELEASED).to_json().encode()[:30])
    again = WorkRecord(tmp_path)
    assert list(again.done) == [A] and path.read_bytes() == whole
    assert not again.crashed(A)


class _Gone:
    """A pool whose workers are all gone for good: every item falls back to the driver."""

    window = 2

    def submit(self, job: Job, snapshot: KeySnapshot) -> object:
        return job, snapshot

    def result(self, handle: object) -> WorkerResult:
        assert isinstance(handle, tuple)
        job, snapshot = handle
        return WorkerResult(job, snapshot.version, conflict=True)

    def redo(self, handle: object, snapshot: KeySnapshot) -> object:
        return handle


@pytest.mark.integration
def test_the_driver_died_on_an_item_so_the_next_run_refuses_it(tmp_path, capsys):
    config = make_study(tmp_path / "study")
    files = make_archive(tmp_path / "archive", 3)
    out = tmp_path / "out"
    mine = copy_study(config, tmp_path / "mine")
    first = run_batch(BatchRequest(files[0].parent, out, 0, config=mine), pool=_Gone())
    assert first.released == len(files) - 1 and first.redone == first.released
    work = out / ".batch"
    checksums = [hashlib.sha256(p.read_bytes()).hexdigest() for p in files]
    attempted = [json.loads(line)["checksum"]
                 for line in (work / ATTEMPTS_FILE).read_text().splitlines()]
    assert attempted == checksums  # each begun on the driver, in order (the empty one too)
    # The state a driver that died while running the second item leaves: its attempt line
    # and not its record line (nor anything after it).
    victim = files[1]
    lines = (work / RECORD_FILE).read_text().splitlines(keepends=True)
    (work / RECORD_FILE).write_text(lines[0], encoding="utf-8")
    (work / ATTEMPTS_FILE).write_text("".join(
        line for line in (work / ATTEMPTS_FILE).read_text().splitlines(keepends=True)[:2]),
        encoding="utf-8")
    for path in out.glob("*.clean.*"):
        if not path.name.startswith(checksums[0][:12]):
            path.unlink()
    capsys.readouterr()
    again = run_batch(BatchRequest(files[0].parent, out, 0, config=mine), pool=_Gone())
    err = capsys.readouterr().err
    assert dict(again.refused) == {"worker_crashed": 1, "empty": 1}
    assert again.skipped == 1 and again.released == len(files) - 3
    crashed = [line for line in err.splitlines() if "worker_crashed" not in line
               and "driver died" in line]
    assert crashed == [f"anonymizer: error: {victim}: the batch's driver died while running it "
                       "(an earlier run); refused, not tried again"]
    assert "refused: empty 1, worker_crashed 1" in err
    done = WorkRecord(work).done[checksums[1]]
    assert (done.status, done.reason) == (Status.REFUSED, "worker_crashed")
    assert victim.exists() and hashlib.sha256(victim.read_bytes()).hexdigest() == checksums[1]
    assert not list(out.glob(f"{checksums[1][:12]}*"))  # nothing released for it
    third = run_batch(BatchRequest(files[0].parent, out, 0, config=mine), pool=_Gone())
    assert third.skipped == len(files) and not third.refused  # not tried again
    assert_no_names_in(work)
