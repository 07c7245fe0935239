"""The batch on Ray: a local Ray of two CPUs, a two-node cluster simulated on this machine
(``ray.cluster_utils.Cluster``), and ``kill -9`` of the driver mid-run; each compared file by
file (and vault by vault) with `anonymizer run` on the same inputs."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
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
)

from anonymizer.batch.runner import BatchRequest, run_batch

ray = pytest.importorskip("ray")  # the `ray` extra; `make test` installs it
pytestmark = [pytest.mark.integration, pytest.mark.slow]
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """One archive and run's result on it, shared by the module's tests (each batch gets its
    own copy of the study's vault as it was before run)."""
    root = tmp_path_factory.mktemp("batch")
    config = make_study(root / "study")
    files = make_archive(root / "archive", 16)
    run_config = copy_study(config, root / "run-study")
    assert run_reference(run_config, files, root / "run-out") == 2  # the empty file
    return config, files, run_config, root / "run-out"


def _ray_leftovers() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("anonymizer-ray-*")}


def test_local_ray_two_workers_is_run(reference, tmp_path):
    config, files, run_config, run_out = reference
    mine = copy_study(config, tmp_path / "study")
    before = _ray_leftovers()
    summary = run_batch(BatchRequest(files[0].parent, tmp_path / "out", 2, config=mine))
    assert not ray.is_initialized()  # the batch's own Ray is shut down
    assert summary.released == len(files) - 1 and dict(summary.refused) == {"empty": 1}
    assert len(summary.worker_peak_rss) == 2
    assert_same_as_run(tmp_path / "out", mine, run_out, run_config)
    work = tmp_path / "out" / ".batch"
    assert sorted(p.name for p in work.iterdir()) == ["record.jsonl"]  # no spill, no pointer
    assert _ray_leftovers() == before
    assert_no_names_in(work)


def test_two_node_cluster_is_run(reference, tmp_path, monkeypatch):
    from ray.cluster_utils import Cluster

    config, files, run_config, run_out = reference
    mine = copy_study(config, tmp_path / "study")
    temp = tempfile.mkdtemp(prefix="anonymizer-ray-")
    monkeypatch.setenv("RAY_TMPDIR", temp)  # the cluster's address file goes there too
    (Path(temp) / "ray").mkdir()
    cluster = None
    try:
        cluster = Cluster(initialize_head=True, head_node_args={
            "num_cpus": 1, "include_dashboard": False, "temp_dir": temp})
        cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        summary = run_batch(BatchRequest(files[0].parent, tmp_path / "out", 2, cluster.address,
                                         config=mine))
        assert summary.released == len(files) - 1
        assert summary.worker_nodes == 2  # one worker on each node
        assert_same_as_run(tmp_path / "out", mine, run_out, run_config)
    finally:
        ray.shutdown()
        if cluster is not None:
            cluster.shutdown()
        shutil.rmtree(temp, ignore_errors=True)


def test_kill_9_of_the_driver_then_the_same_command_finishes(reference, tmp_path):
    config, files, run_config, run_out = reference
    mine = copy_study(config, tmp_path / "study")
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "anonymizer", "-c", str(mine), "batch", str(files[0].parent),
            "-o", str(out), "--workers", "2"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    driver = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 180
    while len(list(out.glob("*.clean.txt"))) < 3:
        assert driver.poll() is None, "the batch ended before it could be killed"
        assert time.monotonic() < deadline, "no outputs after 180 s"
        time.sleep(0.05)
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    with contextlib.suppress(ProcessLookupError):  # Ray's processes of the killed driver
        os.killpg(driver.pid, signal.SIGKILL)
    done_before = (out / ".batch" / "record.jsonl").read_text().count("\n")
    assert 3 <= done_before < len(files)
    again = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 2, again.stderr[-2000:]  # the empty file, refused again
    assert f"{done_before} done before" in again.stderr
    assert_same_as_run(out, mine, run_out, run_config)
    checksums = [line.split('"checksum": "')[1][:64]
                 for line in (out / ".batch" / "record.jsonl").read_text().splitlines()]
    assert len(checksums) == len(set(checksums)) == len(files)  # each item once
    assert_no_names_in(out / ".batch")
