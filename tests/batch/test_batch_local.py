"""The batch without Ray: the driver's checks against stale snapshots, --workers 0, resume,
bad manifests. Real model, real vault, real files; compared file by file with `anonymizer run`."""

from __future__ import annotations

import pytest
from batch_kit import (
    assert_no_names_in,
    assert_same_as_run,
    copy_study,
    make_archive,
    make_study,
    run_reference,
)

from anonymizer.batch.runner import BatchRequest, InlinePool, run_batch
from anonymizer.cli import main

pytestmark = pytest.mark.integration


@pytest.fixture
def study(tmp_path):
    config = make_study(tmp_path / "study")
    files = make_archive(tmp_path / "archive", 12)
    run_config = copy_study(config, tmp_path / "run-study")
    assert run_reference(run_config, files, tmp_path / "run-out") == 2  # the empty file
    return config, files, run_config


def test_stale_snapshots_give_runs_files_and_numbers(study, tmp_path):
    """Workers four items behind the driver's key: most first results cannot be taken as they
    are; what is released is still exactly what run releases."""
    config, files, run_config = study
    summary = run_batch(BatchRequest(files[0].parent, tmp_path / "out", 0, config=config),
                        pool=InlinePool(4))
    assert summary.released == len(files) - 1
    assert dict(summary.refused) == {"empty": 1}
    assert summary.speculated + summary.redone == summary.released
    assert summary.refinished > 0  # the checks did send work back
    assert_same_as_run(tmp_path / "out", config, tmp_path / "run-out", run_config)
    assert_no_names_in(tmp_path / "out" / ".batch")


def test_workers_0_is_run_and_a_second_run_does_nothing(study, tmp_path, capsys):
    config, files, run_config = study
    out = tmp_path / "out"
    argv = ["-c", str(config), "batch", str(files[0].parent), "-o", str(out), "--workers", "0"]
    out.mkdir()
    torn = out / ".clean-k3j4h5g6.part"  # a clean file a killed batch was writing
    torn.write_text("Interviewer: Thank you for coming in today, [Participant 1", encoding="utf-8")
    assert main(argv) == 2
    assert not torn.exists()
    err = capsys.readouterr().err
    assert "refused: empty 1" in err and "zz empty.txt: is empty" in err
    assert_same_as_run(out, config, tmp_path / "run-out", run_config)
    record = (out / ".batch" / "record.jsonl").read_bytes()
    stamps = {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.is_file()}
    assert main(argv) == 0  # everything done before: nothing refused or written again
    assert "0 of 0 files" in capsys.readouterr().err
    assert (out / ".batch" / "record.jsonl").read_bytes() == record
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.is_file()} == stamps
    assert_same_as_run(out, config, tmp_path / "run-out", run_config)


@pytest.mark.parametrize("manifest, message", [
    ("path,participant\na.txt,Sigrun\n", "line 2: participant must be a number"),
    ("path,speaker\na.txt,1\n", "unknown column(s) speaker"),
    ("file\na.txt\n", "no 'path' column"),
])
def test_a_bad_manifest_is_one_line(tmp_path, capsys, manifest, message):
    path = tmp_path / "m.csv"
    path.write_text(manifest, encoding="utf-8")
    assert main(["batch", str(path), "-o", str(tmp_path / "out"), "--workers", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and message in err and "Sigrun" not in err


def test_resume_without_a_vault_is_refused(tmp_path, capsys):
    archive = tmp_path / "a"
    archive.mkdir()
    (archive / "one.txt").write_text("Interviewer: Hello.\n", encoding="utf-8")
    (archive / "two.txt").write_text("Interviewer: Hello again.\n", encoding="utf-8")
    out = tmp_path / "out"
    argv = ["batch", str(archive), "-o", str(out), "--workers", "0"]
    assert main(argv) == 0
    lines = (out / ".batch" / "record.jsonl").read_text().splitlines()
    (out / ".batch" / "record.jsonl").write_text(lines[0] + "\n")  # as if cut short
    assert main(argv) == 3
    assert "resuming a batch needs the study's vault" in capsys.readouterr().err


def test_a_local_ray_listening_beyond_loopback_is_shut_down_before_use():
    """Fail closed: if Ray was loaded before the batch could keep it on this machine (its node
    address is not loopback), the batch's own Ray is shut down and the batch refuses."""
    from types import SimpleNamespace

    from anonymizer.batch.ray_pool import _check_loopback
    from anonymizer.errors import SettingsError

    shut: list[bool] = []
    for address, refused in (("192.0.2.2", True), ("127.0.0.1", False), ("::1", False)):
        ray = SimpleNamespace(util=SimpleNamespace(get_node_ip_address=lambda a=address: a),
                              shutdown=lambda: shut.append(True))
        if refused:
            with pytest.raises(SettingsError, match="loopback"):
                _check_loopback(ray)
        else:
            _check_loopback(ray)
    assert shut == [True]


def test_studies_on_one_model_load_it_once(tmp_path):
    """A manifest of several studies on one language: the driver and each worker load the
    spaCy model once for all of them (a model per study would be hundreds of MB each), while
    each study keeps its own rules and key."""
    from anonymizer.batch.runner import open_studies
    from anonymizer.batch.source import Item
    from anonymizer.batch.worker import Job, TranscriptWorker
    from anonymizer.settings import load_settings

    configs = [make_study(tmp_path / "a"), make_study(tmp_path / "b", project="other-study")]
    items = [Item(i, tmp_path / f"{i}.txt", config) for i, config in enumerate(configs)]
    studies, keyed, bad = open_studies(items, load_settings(configs[0]), None)
    try:
        assert bad == [] and len(studies) == 2
        first, second = (study.engine for study in studies.values())
        assert first.pipeline is second.pipeline
        assert first.keystore is not second.keystore and first.rulebook is not second.rulebook
        worker = TranscriptWorker()
        jobs = [Job(0, item.path, "", key, studies[key].settings, None)
                for item, key in keyed]
        assert worker.engine(jobs[0]).pipeline is worker.engine(jobs[1]).pipeline
        assert worker.engine(jobs[0]) is not worker.engine(jobs[1])
    finally:
        for study in studies.values():
            study.keystore.close()  # type: ignore[attr-defined]
