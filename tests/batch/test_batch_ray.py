"""The batch on Ray, in this process: a local Ray of two CPUs whose object store is made to
spill (no name left on disk, in Ray's folders or its logs), a two-node cluster simulated on this
machine (``ray.cluster_utils.Cluster``) and a manifest of two studies; each compared file by file
(and vault by vault) with `anonymizer run` on the same inputs; and a worker killed for good.
The kill -9 cases are in test_batch_ray_kill.py (a batch in a process of its own)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest
from batch_kit import (
    assert_no_names_in,
    assert_same_as_run,
    copy_study,
    identities,
    make_study,
    names_in,
    outputs,
    run_reference,
    transcript,
)

from anonymizer.batch.ray_pool import RayPool
from anonymizer.batch.runner import BatchRequest, run_batch

ray = pytest.importorskip("ray")  # the `ray` extra; `make test` installs it (see conftest.py)

pytestmark = [pytest.mark.integration, pytest.mark.slow]
MB = 1024 * 1024


class _Spiller(threading.Thread):
    """Fills the batch's object store while the batch runs (as another job on a shared
    machine would), so that Ray spills the batch's own objects (its key snapshots hold the
    study's names) to disk; records what was spilled, and where, while the batch still runs."""

    def __init__(self, out: Path) -> None:
        super().__init__(daemon=True)
        self.out = out
        self.spilled: dict[Path, list[str]] = {}  # spill file -> names in it
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            deadline = time.monotonic() + 300
            while not list(self.out.glob("*.clean.*")):  # the workers are at work
                assert time.monotonic() < deadline
                time.sleep(0.02)
            ballast = [ray.put(os.urandom(40 * MB)) for _ in range(3)]  # 120 MB > 80 MB
            for path in (self.out / ".batch").rglob("*"):
                if path.is_file() and path.name not in ("record.jsonl", "ray-temp"):
                    self.spilled[path] = names_in(path.read_bytes())
            del ballast
        except BaseException as error:  # noqa: BLE001 - reported by the test
            self.error = error


def test_local_ray_two_workers_is_run_and_leaves_no_plaintext(reference, tmp_path,
                                                              monkeypatch):
    config, files, run_config, run_out = reference
    mine = copy_study(config, tmp_path / "study")
    out = tmp_path / "out"
    logs: dict[str, bytes] = {}
    temp: list[Path] = []
    close = RayPool.close

    def close_after_reading_logs(pool: RayPool) -> None:  # Ray's logs, before they are removed
        assert pool.temp is not None
        temp.append(pool.temp)
        logs.update({str(p.relative_to(pool.temp)): p.read_bytes()
                     for p in pool.temp.rglob("*") if p.is_file() and "logs" in p.parts})
        close(pool)

    monkeypatch.setattr(RayPool, "close", close_after_reading_logs)
    spiller = _Spiller(out)
    spiller.start()
    summary = run_batch(BatchRequest(files[0].parent, out, 2, config=mine,
                                     object_store_bytes=80 * MB))
    spiller.join(timeout=60)
    assert spiller.error is None, repr(spiller.error)
    assert not ray.is_initialized()  # the batch's own Ray is shut down
    assert summary.released == len(files) - 1 and dict(summary.refused) == {"empty": 1}
    assert len(summary.worker_peak_rss) == 2
    assert_same_as_run(out, mine, run_out, run_config)
    # Spilled while the batch ran: inside OUT's work folder only, and the batch's own key
    # snapshots were among what was spilled (so the names did reach disk there).
    spill = out / ".batch" / "spill"
    assert spiller.spilled and all(p.is_relative_to(spill) for p in spiller.spilled)
    assert any(spiller.spilled.values()), "no object of the batch was spilled"
    # After the run: the work folder holds the record alone, Ray's temp folder is gone, and no
    # file under OUT but the clean files, nor any of Ray's logs, holds a name.
    assert sorted(p.name for p in (out / ".batch").iterdir()) == ["record.jsonl"]
    assert temp and not temp[0].exists()
    assert_no_names_in(out)
    assert any(name.endswith((".out", ".err")) and "worker" in name for name in logs)
    leaked = {name: found for name, data in logs.items() if (found := names_in(data))}
    assert leaked == {}


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


def test_a_manifest_of_two_studies_numbers_each_as_run_does_alone(reference, tmp_path,
                                                                    capsys):
    """Rows of two studies interleaved (each its own settings and vault), a row whose file is
    missing and one whose study settings do not exist: those two are refused with their
    reasons, the rest released, and each study's files and vault are what `anonymizer run`
    gives on that study's rows alone, in the manifest's order."""
    config_a, files, _, _ = reference
    study_a = copy_study(config_a, tmp_path / "a")
    study_b = make_study(tmp_path / "b", project="batch-2026-b")
    files_a = [f for f in files if f.suffix == ".txt" and f.stat().st_size][:6]
    (tmp_path / "b-archive").mkdir()
    files_b = []
    for i in range(100, 105):  # other interviews, with the same people and places
        files_b.append(tmp_path / "b-archive" / f"b {i}.txt")
        files_b[-1].write_text(transcript(i), encoding="utf-8")
    rows = ["path,config,participant,wave"]
    for i, path in enumerate(files_a):
        rows.append(f"{path},{study_a},,1")
        if i < len(files_b):
            rows.append(f"{files_b[i]},{study_b},,1")
    rows.insert(4, f"{tmp_path / 'gone.txt'},{study_a},,1")
    other = tmp_path / "b-archive" / "c.txt"  # a study nobody can open: not even read
    other.write_text(transcript(200), encoding="utf-8")
    rows.insert(7, f"{other},{tmp_path / 'nope.toml'},,1")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("\n".join(rows) + "\n", encoding="utf-8")
    alone_a = copy_study(study_a, tmp_path / "run-a")
    alone_b = copy_study(study_b, tmp_path / "run-b")
    assert run_reference(alone_a, files_a, tmp_path / "run-a-out") == 0
    assert run_reference(alone_b, files_b, tmp_path / "run-b-out") == 0

    capsys.readouterr()
    summary = run_batch(BatchRequest(manifest, tmp_path / "out", 2, config=study_a))
    errors = [line for line in capsys.readouterr().err.splitlines()
              if line.startswith("anonymizer: error:")]
    assert len(errors) == 2  # one line each, naming the file and why
    assert any("gone.txt: does not exist" in line for line in errors), errors
    assert any("c.txt" in line and "nope.toml" in line for line in errors), errors
    assert summary.released == len(files_a) + len(files_b)
    assert dict(summary.refused) == {"missing": 1, "study_unknown": 1}
    want = {**outputs(tmp_path / "run-a-out"), **outputs(tmp_path / "run-b-out")}
    assert len(want) == summary.released  # no two clean files share a name
    assert outputs(tmp_path / "out") == want
    assert identities(study_a) == identities(alone_a)
    assert identities(study_b) == identities(alone_b)


def test_a_worker_gone_for_good_leaves_its_items_to_the_driver(reference, tmp_path,
                                                               monkeypatch):
    """One of two workers is killed for good mid-run (no restart): the items it held are run
    again alone on the probe (none of them is what killed it) and settled on the driver, later
    items go to the other worker, and the files and numbers are run's."""
    config, files, run_config, run_out = reference
    mine = copy_study(config, tmp_path / "study")
    out = tmp_path / "out"
    pools: list[RayPool] = []
    warm = RayPool.warm

    def warm_and_keep(pool: RayPool, jobs) -> None:
        warm(pool, jobs)
        pools.append(pool)

    def kill_for_good() -> None:
        deadline = time.monotonic() + 300
        while len(list(out.glob("*.clean.txt"))) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        ray.kill(pools[0].actors[0], no_restart=True)

    monkeypatch.setattr(RayPool, "warm", warm_and_keep)
    killer = threading.Thread(target=kill_for_good, daemon=True)
    killer.start()
    summary = run_batch(BatchRequest(files[0].parent, out, 2, config=mine))
    killer.join(timeout=10)
    assert summary.workers_lost == 1 and summary.worker_restarts == 0
    assert summary.redone >= 1  # the dead worker's items, run on the driver
    assert summary.released == len(files) - 1 and dict(summary.refused) == {"empty": 1}
    assert_same_as_run(out, mine, run_out, run_config)
    lines = (out / ".batch" / "record.jsonl").read_text().splitlines()
    checksums = [json.loads(line)["checksum"] for line in lines]
    assert len(checksums) == len(set(checksums)) == len(files)  # each item once
