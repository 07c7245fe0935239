"""An input that crashes every worker it is given, on Ray, in the real command (a process of
its own, which starts its own Ray): it is refused (``worker_crashed``) and the batch goes on, with
run's files and numbers for every other file; it is never run on the driver, and its original
stays in SOURCE. The crash is real (SIGSEGV in the worker that opens the file), made by
tests/batch/poison/sitecustomize.py, a tests-only module on the batch's PYTHONPATH: nothing in
anonymizer/ knows of it."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from batch_kit import (
    assert_no_names_in,
    assert_same_as_run,
    copy_study,
    make_archive,
    make_study,
    run_reference,
    transcript,
)

pytest.importorskip("ray")  # the `ray` extra; `make test` installs it
psutil = pytest.importorskip("psutil")  # the `test` extra
pytestmark = [pytest.mark.integration, pytest.mark.slow]
ACTOR = "ray::TranscriptActor"  # the title Ray gives a worker's process (the probe's too)
POISON_HOOK = Path(__file__).resolve().parent / "poison"


def _poison_name() -> str:
    """The hook's file name, read from the hook (loaded under a name of its own: this process
    has its own ``sitecustomize``, if any)."""
    spec = importlib.util.spec_from_file_location("poison_hook", POISON_HOOK / "sitecustomize.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.POISON)


POISON = _poison_name()


def _actors(pid: int) -> set[int]:
    found = set()
    with contextlib.suppress(psutil.Error):
        for process in psutil.Process(pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if (process.cmdline() or [""])[0].startswith(ACTOR):
                    found.add(process.pid)
    return found


def _records(out: Path) -> int:
    with contextlib.suppress(OSError):
        return (out / ".batch" / "record.jsonl").read_bytes().count(b"\n")
    return 0


def test_an_input_that_crashes_every_worker_is_refused_and_the_batch_goes_on(tmp_path):
    config = make_study(tmp_path / "study")
    files = make_archive(tmp_path / "archive", 10)
    run_config = copy_study(config, tmp_path / "run-study")
    assert run_reference(run_config, files, tmp_path / "run-out") == 2  # the empty file
    poison = tmp_path / "archive" / POISON  # names in it, bytes of its own
    poison.write_text(transcript(3) + "Interviewer: And Trondheim?\n", encoding="utf-8")
    checksum = hashlib.sha256(poison.read_bytes()).hexdigest()
    mine = copy_study(config, tmp_path / "study-batch")
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "anonymizer", "-c", str(mine), "batch",
            str(tmp_path / "archive"), "-o", str(out), "--workers", "2"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env["PYTHONPATH"] = f"{POISON_HOOK}{os.pathsep}{Path(__file__).resolve().parents[2]}"
    seen: set[int] = set()  # every worker process seen (restarted ones and the probe too)
    died: set[int] = set()  # those gone while the batch ran
    with open(tmp_path / "stderr", "w") as err:
        batch = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=err,
                                 start_new_session=True)
        deadline = time.monotonic() + 400
        try:
            while batch.poll() is None:
                assert time.monotonic() < deadline, "the batch did not end in 400 s"
                now = _actors(batch.pid)
                if batch.poll() is None and _records(out) <= len(files):  # (not the close)
                    died |= seen - now
                seen |= now
                time.sleep(0.02)
        finally:
            if batch.poll() is None:
                os.killpg(batch.pid, 9)
    stderr = (tmp_path / "stderr").read_text()
    assert batch.returncode == 2, stderr[-3000:]
    print(f"worker processes seen {len(seen)}, died during the run {len(died)}")
    print("\n".join(stderr.splitlines()[-3:]))
    assert len(died) >= 2  # the crash is real: worker processes died under it
    assert f"{poison}: 2 batch workers died (a crash or out of memory) while holding it; " \
        "refused, not tried again" in stderr
    assert "refused: empty 1, worker_crashed 1" in stderr
    # Everything else is run's, file by file and number by number (the poison gave no number).
    assert_same_as_run(out, mine, tmp_path / "run-out", run_config)
    lines = [json.loads(line) for line in
             (out / ".batch" / "record.jsonl").read_text().splitlines()]
    assert len(lines) == len({line["checksum"] for line in lines}) == len(files) + 1
    refused = [line for line in lines if line["checksum"] == checksum]
    assert [(r["status"], r["reason"]) for r in refused] == [("refused", "worker_crashed")]
    # Never begun on the driver (which would have died on it, had it been a real crash).
    attempts = out / ".batch" / "attempts.jsonl"
    assert not attempts.exists() or checksum not in attempts.read_text()
    assert poison.exists() and hashlib.sha256(poison.read_bytes()).hexdigest() == checksum
    assert not list(out.glob(f"{checksum[:12]}*"))
    assert_no_names_in(out / ".batch")
    shutil.rmtree(tmp_path / "run-out")
