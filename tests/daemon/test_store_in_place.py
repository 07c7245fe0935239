"""The store's half of a rerun in place, on real files: staged names, the commit, placing,
rolling back, and the spool's request files. Fast: no model, no daemon."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from anonymizer.settings import Settings
from anonymizer.store.layout import ReleasePlan, Store, staged_name
from anonymizer.store.metadata import Consent, EngineFacts, build_meta

JOB_OLD, JOB_NEW = "a" * 32, "b" * 32


def _meta(settings: Settings, job: str, files: list[tuple[str, str]], version: int = 1,
          supersedes: str | None = None) -> dict:
    return build_meta(
        settings, job=job, participant=7, participants=[7], wave="wave2",
        consent=Consent("given", "research"), engine=EngineFacts("en", "0" * 64, "0" * 64, "m",
                                                                 "1"),
        counts={}, flags=0, files=[(n, "txt", s) for n, s in files], input_sha256="c" * 64,
        input_bytes=1, input_format="txt", original={"policy": "delete"},
        anonymized_at=datetime(2031, 1, 15, tzinfo=UTC), supersedes=supersedes, version=version)


@pytest.fixture
def released(tmp_path: Path) -> tuple[Store, Settings, Path]:
    """P07_wave2 released (version 1): its clean file says "old"."""
    settings = Settings()
    store = Store(tmp_path / "store", "proj")
    store.prepare()
    plan = store.plan(7, "wave2", [(".txt", "1" * 64)], reserved=set())
    store.write_clean(plan, {"P07_wave2.txt": b"old\n"}, JOB_OLD)
    store.commit(plan, _meta(settings, JOB_OLD, [("P07_wave2.txt", "1" * 64)]), JOB_OLD)
    return store, settings, store.folder / "P07" / "wave2"


def test_a_staged_plan_keeps_the_old_release_whole_until_its_commit(released) -> None:
    store, settings, folder = released
    plan = store.plan_rerun("P07_wave2", 7, "wave2", [(".txt", "2" * 64)])
    assert (plan.stem, plan.meta, plan.staged) == ("P07_wave2", "P07_wave2.meta.json", True)
    assert ReleasePlan.from_json(json.loads(json.dumps(plan.to_json()))) == plan
    store.write_clean(plan, {"P07_wave2.txt": b"new\n"}, JOB_NEW)
    assert (folder / "P07_wave2.txt").read_bytes() == b"old\n"
    assert (folder / staged_name("P07_wave2.txt")).read_bytes() == b"new\n"
    assert not store.is_committed(plan, JOB_NEW)
    # a crash here: recovery rolls back the staged file only
    assert store.roll_back(plan) == 1
    assert sorted(p.name for p in folder.iterdir()) == ["P07_wave2.meta.json", "P07_wave2.txt"]
    assert (folder / "P07_wave2.txt").read_bytes() == b"old\n"


def test_after_the_commit_the_staged_files_are_placed_once(released) -> None:
    store, settings, folder = released
    plan = store.plan_rerun("P07_wave2", 7, "wave2", [(".txt", "2" * 64)])
    store.write_clean(plan, {"P07_wave2.txt": b"new\n"}, JOB_NEW)
    store.commit(plan, _meta(settings, JOB_NEW, [("P07_wave2.txt", "2" * 64)], 2, JOB_OLD),
                 JOB_NEW)
    assert store.is_committed(plan, JOB_NEW)
    assert store.place_staged(plan) == 1 and store.place_staged(plan) == 0  # idempotent
    assert (folder / "P07_wave2.txt").read_bytes() == b"new\n"
    assert sorted(p.name for p in folder.iterdir()) == ["P07_wave2.meta.json", "P07_wave2.txt"]
    [row] = store.catalog_rows()
    assert (row["file"], row["version"], row["supersedes"], row["job_id"]) == (
        "P07/wave2/P07_wave2.txt", "2", JOB_OLD, JOB_NEW)


def test_a_staged_file_no_journal_claims_is_an_orphan(released) -> None:
    store, _, folder = released
    (folder / staged_name("P07_wave2.txt")).write_bytes(b"half\n")
    (folder / ".notes.staged").write_bytes(b"not ours\n")
    assert store.clean_orphans({"P07/wave2/" + staged_name("P07_wave2.docx")}) == 1
    assert sorted(p.name for p in folder.iterdir()) == [
        ".notes.staged", "P07_wave2.meta.json", "P07_wave2.txt"]


def test_request_files_round_trip_and_are_read_again_only_when_changed(tmp_path: Path) -> None:
    from anonymizer.daemon.requests import RequestStatus, Spool, submit_rerun

    settings = Settings.model_validate({"paths": {"data_dir": str(tmp_path / "data")}})
    first = submit_rerun(settings, "P07_wave2", actor="kari", cause="correction_3")
    assert submit_rerun(settings, "P07_wave2", actor="kari", cause="steward") == first
    other = submit_rerun(settings, "P07_wave2_part2", actor="kari", cause="steward")
    spool = Spool.of(settings)
    assert {s.id for s in spool.waiting()} == {first, other}
    state = spool.read(first)
    assert state is not None and state.status is RequestStatus.QUEUED
    spool.save(state.moved(RequestStatus.DONE, job=JOB_NEW, new_stem="P07_wave2"))
    assert [s.id for s in spool.waiting()] == [other]
    # a third submission for P07_wave2 is new: the first one is done
    assert submit_rerun(settings, "P07_wave2", actor="kari", cause="steward") != first
    raw = json.loads(spool.path(first).read_text())
    assert raw["status"] == "done" and raw["job"] == JOB_NEW and raw["cause"] == "correction_3"
