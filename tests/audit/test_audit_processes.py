"""Several processes appending at once, and kill -9 in the middle of appending."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from audit_testkit import KEY, make_log, read_lines
from audit_worker import append_many

from anonymizer.audit.log import AuditEvent, AuditReason, verify_log

WORKER = Path(__file__).with_name("audit_worker.py")
REPO = Path(__file__).resolve().parents[2]
DEADLINE = 60.0


def _by_worker(path: Path) -> dict[str, list[int]]:
    seen: dict[str, list[int]] = {}
    for record in make_log(path).records():
        if record.event is AuditEvent.RECEIVED:
            seen.setdefault(record.fields["worker_code"], []).append(record.fields["sequence"])
    return seen


@pytest.mark.parametrize("processes", [2, 4])
def test_concurrent_appenders_make_one_valid_chain(tmp_path, processes):
    path = tmp_path / "audit" / "audit.jsonl"
    count = 30
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    workers = [
        context.Process(target=append_many,
                        args=(str(path), KEY, 4096, f"w{n}", count, start))
        for n in range(processes)
    ]
    for worker in workers:
        worker.start()
    start.set()  # released together, so their appends contend for the lock
    for worker in workers:
        worker.join(DEADLINE)
        assert worker.exitcode == 0
    result = verify_log(path, KEY)
    assert result.ok, result.first_bad
    assert result.files > 1  # rotations happened while they were contending
    rotations = result.files - 1
    assert result.records == processes * count + rotations
    seen = _by_worker(path)
    assert seen == {f"w{n}": list(range(count)) for n in range(processes)}


class Child:
    """``audit_worker.py`` as a separate process; we wait on the lines it prints."""

    def __init__(self, path: Path, mode: str, tag: str, count: int, max_bytes: int) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), str(path), KEY.hex(), str(max_bytes), mode, tag,
             str(count)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        )
        self._buffer = b""

    def wait_for_done(self, index: int) -> None:
        deadline = time.monotonic() + DEADLINE
        want = f"done {index}".encode()
        while want not in self._buffer.split(b"\n"):
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no {want!r} within {DEADLINE} s"
            ready, _, _ = select.select([self.proc.stdout], [], [], remaining)
            chunk = os.read(self.proc.stdout.fileno(), 65536) if ready else b""
            assert chunk or not ready, self.proc.stderr.read().decode()
            self._buffer += chunk

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.communicate(timeout=DEADLINE)

    def wait(self) -> int:
        self.proc.communicate(timeout=DEADLINE)
        return self.proc.returncode


def test_kill_9_while_appending_in_a_loop_leaves_at_most_a_partial_last_line(tmp_path):
    path = tmp_path / "audit.jsonl"
    rng = random.Random(os.getpid())
    confirmed: dict[str, int] = {}
    for round_ in range(4):
        tag = f"r{round_}"
        child = Child(path, "loop", tag, 1_000_000, 4096)
        confirmed[tag] = rng.randint(3, 40)
        child.wait_for_done(confirmed[tag] - 1)  # then kill it wherever it happens to be
        child.kill()
        result = verify_log(path, KEY)
        if not result.ok:  # the only damage a kill may leave
            live_lines = len(read_lines(path))
            assert (result.first_bad.file, result.first_bad.line, result.first_bad.reason) == (
                path, live_lines, AuditReason.TRUNCATED)
    make_log(path).append(AuditEvent.DAEMON_STARTED)  # the chosen recovery: repair and go on
    result = verify_log(path, KEY)
    assert result.ok, result.first_bad
    seen = _by_worker(path)
    for tag, count in confirmed.items():
        # everything confirmed is there, in order, and nothing else but a prefix of the rest
        assert seen[tag][:count] == list(range(count))
        assert seen[tag] == list(range(len(seen[tag])))


def test_kill_9_in_the_middle_of_a_write_is_truncated_then_repaired(tmp_path):
    path = tmp_path / "audit.jsonl"
    child = Child(path, "tear", "torn", 5, 10_000_000)
    assert child.wait() == -signal.SIGKILL
    lines = read_lines(path)
    assert len(lines) == 6 and not lines[-1].endswith(b"\n")  # half of record 6 was written
    bad = verify_log(path, KEY).first_bad
    assert (bad.file, bad.line, bad.reason) == (path, 6, AuditReason.TRUNCATED)

    make_log(path).append(AuditEvent.DAEMON_STARTED)
    result = verify_log(path, KEY)
    assert (result.ok, result.records, result.repairs) == (True, 7, 1)
    repaired = json.loads(read_lines(path)[5])
    assert (repaired["event"], repaired["fields"]["line"]) == ("log_repaired", 6)
    assert path.with_name("audit.jsonl.corrupt").read_bytes() == lines[-1] + b"\n"
