"""kill -9 in the middle of a batch on Ray, in a process of its own (the real command, which
starts its own Ray): of the driver, then the same command finishes it; of a worker, and the
batch carries on. Each compared file by file and vault by vault with `anonymizer run`, each item
in the work record once. The second also watches every socket the batch's Ray listens on."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from batch_kit import assert_no_names_in, assert_same_as_run, copy_study

pytest.importorskip("ray")  # the `ray` extra; `make test` installs it
psutil = pytest.importorskip("psutil")  # the `test` extra
pytestmark = [pytest.mark.integration, pytest.mark.slow]
ACTOR = "ray::TranscriptActor"  # the title Ray gives a worker's process


def _command(config: Path, source: Path, out: Path) -> tuple[list[str], dict[str, str]]:
    argv = [sys.executable, "-m", "anonymizer", "-c", str(config), "batch", str(source),
            "-o", str(out), "--workers", "2"]
    # The batch itself keeps its Ray on loopback: nothing of the kind comes from here.
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return argv, env


def _ray_folder(out: Path) -> Path | None:
    """The batch's private Ray folder, while the batch runs (or after it was killed): its
    pointer, which the batch removes once the folder is gone."""
    with contextlib.suppress(OSError):
        return Path((out / ".batch" / "ray-temp").read_text(encoding="utf-8").strip())
    return None


def _ray_folders_removed(out: Path, *folders: Path | None) -> bool:
    return not (out / ".batch" / "ray-temp").exists() and \
        not (out / ".batch" / "spill").exists() and \
        all(folder is not None and not folder.exists() for folder in folders)


def _record(out: Path) -> list[str]:
    """The checksums of the work record's whole lines (a line being written is left out)."""
    record = out / ".batch" / "record.jsonl"
    lines = record.read_text().split("\n")[:-1] if record.exists() else []
    return [json.loads(line)["checksum"] for line in lines]


def _tree(pid: int) -> list[psutil.Process]:
    with contextlib.suppress(psutil.Error):
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    return []


def _actors(tree: list[psutil.Process]) -> set[int]:
    pids = set()
    for process in tree:
        with contextlib.suppress(psutil.Error):
            if (process.cmdline() or [""])[0].startswith(ACTOR):
                pids.add(process.pid)
    return pids


def _listening(tree: list[psutil.Process]) -> set[tuple[str, str, int]]:
    found = set()
    for process in tree:
        with contextlib.suppress(psutil.Error):
            name = process.name()
            for conn in process.net_connections(kind="inet"):
                if conn.status == psutil.CONN_LISTEN:
                    found.add((name, conn.laddr.ip, conn.laddr.port))
    return found


def test_kill_9_of_the_driver_then_the_same_command_finishes(reference, tmp_path):
    config, files, run_config, run_out = reference
    mine = copy_study(config, tmp_path / "study")
    out = tmp_path / "out"
    argv, env = _command(mine, files[0].parent, out)
    driver = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 180
    while len(_record(out)) < 3:  # (a clean file may be written before its record line)
        assert driver.poll() is None, "the batch ended before it could be killed"
        assert time.monotonic() < deadline, "no outputs after 180 s"
        time.sleep(0.05)
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    with contextlib.suppress(ProcessLookupError):  # Ray's processes of the killed driver
        os.killpg(driver.pid, signal.SIGKILL)
    done_before = len(_record(out))
    assert 3 <= done_before < len(files)
    killed_folder = _ray_folder(out)
    assert killed_folder is not None and killed_folder.exists()  # left by the kill
    again = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 2, again.stderr[-2000:]  # the empty file, refused again
    assert f"{done_before} done before" in again.stderr
    assert _ray_folders_removed(out, killed_folder)  # the second run's and the killed one's
    assert_same_as_run(out, mine, run_out, run_config)
    checksums = _record(out)
    assert len(checksums) == len(set(checksums)) == len(files)  # each item once
    assert_no_names_in(out / ".batch")


def test_kill_9_of_a_worker_and_the_batch_carries_on_listening_on_loopback_only(
        reference, tmp_path):
    """A worker (a Ray actor) is killed while items are in flight: Ray restarts it and runs
    its tasks again; the same run finishes with run's files and numbers. Meanwhile every
    listening socket of the batch's processes (driver, GCS, raylet, agents, workers) is on
    the loopback address."""
    config, files, run_config, run_out = reference
    mine = copy_study(config, tmp_path / "study")
    out = tmp_path / "out"
    argv, env = _command(mine, files[0].parent, out)
    folder: Path | None = None
    with open(tmp_path / "stderr", "w") as err:
        batch = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=err,
                                 start_new_session=True)
        listening: set[tuple[str, str, int]] = set()
        killed: int | None = None
        actors_then: set[int] = set()
        restarted: set[int] = set()
        done_at_kill = 0
        deadline = time.monotonic() + 300
        try:
            while batch.poll() is None:
                assert time.monotonic() < deadline, "the batch did not end in 300 s"
                tree = _tree(batch.pid)
                folder = folder or _ray_folder(out)
                listening |= _listening(tree)
                actors = _actors(tree)
                if killed is None and len(actors) == 2 and len(_record(out)) >= 3:
                    done_at_kill = len(_record(out))
                    killed, actors_then = min(actors), actors
                    os.kill(killed, signal.SIGKILL)
                elif killed is not None:
                    restarted |= actors - actors_then
                time.sleep(0.02)
        finally:
            if batch.poll() is None:
                os.killpg(batch.pid, signal.SIGKILL)
    stderr = (tmp_path / "stderr").read_text()
    assert batch.returncode == 2, stderr[-2000:]  # the empty file
    assert killed is not None, "the batch ended before a worker could be killed"
    assert 3 <= done_at_kill < len(files) - 1  # items were still in flight
    assert restarted, "no worker came back after the kill"
    assert_same_as_run(out, mine, run_out, run_config)
    checksums = _record(out)
    assert len(checksums) == len(set(checksums)) == len(files)  # each item once
    assert "refused: empty 1" in stderr and "workers restarted 1, lost 0)" in stderr
    assert _ray_folders_removed(out, folder)
    # Ray's servers were seen (so the check below checks something), all on loopback.
    names = {name for name, _, _ in listening}
    assert {"gcs_server", "raylet"} <= names, listening
    wide = {(name, ip) for name, ip, _ in listening
            if not ipaddress.ip_address(ip.removeprefix("::ffff:")).is_loopback}
    assert wide == set()


def test_the_batch_runs_with_no_network_at_all(reference, tmp_path):
    """The real command with two workers inside a network namespace that has the loopback
    interface alone (what systemd's PrivateNetwork=yes gives): Ray needs no network beyond this
    machine, and the result is run's."""
    if subprocess.run(["unshare", "--net", "--map-root-user", "true"],
                      capture_output=True).returncode != 0:
        pytest.skip("this machine cannot make a network namespace (unshare --net)")
    config, files, run_config, run_out = reference
    mine = copy_study(config, tmp_path / "study")
    out = tmp_path / "out"
    argv, env = _command(mine, files[0].parent, out)
    script = "ip link set lo up && exec " + " ".join(f"'{a}'" for a in argv)
    done = subprocess.run(["unshare", "--net", "--map-root-user", "sh", "-c", script],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr[-2000:]  # the empty file
    assert "external connectivity" not in done.stderr  # Ray did not look for a way out
    assert _ray_folders_removed(out)
    assert_same_as_run(out, mine, run_out, run_config)
