"""The request spool: `store rerun` with the daemon running hands it the rerun, and the daemon
does it while it keeps watching; a request is done exactly once, also across kill -9.

The end-to-end test runs `anonymizer watch` and `anonymizer store rerun` as separate processes;
the kill -9 tests fork a real daemon that already holds the session's model (the kit of
``test_daemon_crash``). Names are invented.
"""

from __future__ import annotations

import json
import os
import signal
import stat
from collections import Counter
from typing import Any

import pytest
from daemon_kit import (
    DaemonThread,
    Study,
    check_store,
    files_holding,
    sha256,
    transcript,
    wait_until,
)
from test_daemon_crash import Crash, _event_is, _state_is, run_once
from test_daemon_process import Watching, run_cli

MISSED = "Fjellkroa"  # a sentence-initial unknown word: flagged, not replaced
TEXT = ("Interviewer: Where did you grow up?\n"
        f"Sigrun Haldorsen: {MISSED}, every Sunday. My sister helped me with the garden.\n")
NAMES = [MISSED, "Sigrun", "Haldorsen", "Halvard", "Brekke"]


@pytest.fixture
def released(study: Study, engine_parts: Any) -> dict[str, bytes]:
    """P01_wave1 released with a missed name, and the name registered since."""
    raw = study.drop("Sigrun t1.txt", TEXT)
    with DaemonThread(study, engine_parts, oneshot=True) as running:
        assert running.finish().released == 1
    with study.open_vault() as vault:
        vault.add("place", [MISSED])
    return {sha256(raw): raw}


def requests(study: Study) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted((study.data / "requests").glob("*.json"))]


def clean_text(study: Study) -> str:
    (path, meta), = study.sidecars()
    return (path.parent / meta["files"][0]["name"]).read_text(encoding="utf-8")


@pytest.mark.integration
def test_store_rerun_hands_the_job_to_the_running_daemon(study: Study, released) -> None:
    (_, old), = study.sidecars()
    watching = Watching(study)
    try:
        watching.wait_ready()
        result = run_cli(study, "store", "rerun", "P01_wave1", "--yes")
        assert result.returncode == 0, result.stderr
        assert "the daemon is running: handed it the rerun of P01_wave1" in result.stderr
        (_, new), = study.sidecars()
        assert result.stdout.startswith(f"re-ran P01_wave1 as P01_wave1 (job "
                                        f"{new['job_id'][:12]}")
        assert new["supersedes"] == old["job_id"] and MISSED not in clean_text(study)
        # the daemon kept watching: a new transcript is released while it runs
        other = study.drop("Halvard t1.txt", transcript("Halvard Brekke", 3))
        wait_until(lambda: len(study.sidecars()) == 2, what="the next inbox file")
        # --no-wait: queued, the daemon does it, the request says so
        result = run_cli(study, "store", "rerun", "P01_wave1", "--yes", "--no-wait")
        assert result.returncode == 0 and "queued the rerun of P01_wave1" in result.stdout
        wait_until(lambda: all(r["status"] == "done" for r in requests(study)),
                   what="the queued request")
    finally:
        assert watching.stop() == 0
    check_store(study, {**released, sha256(other): other})
    spool = study.data / "requests"
    assert stat.S_IMODE(spool.stat().st_mode) == 0o700
    for path in spool.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    done = requests(study)
    assert [(r["status"], r["stem"], r["cause"]) for r in done] == [
        ("done", "P01_wave1", "steward")] * 2
    assert files_holding(spool, NAMES) == []
    events = study.audit_events()
    asked = [f for e, f in events if e == "rerun_requested"]
    assert sorted(f["request_id"] for f in asked) == sorted(r["id"] for r in done)
    assert {f["job_id"] for f in asked} == {r["job"] for r in done}
    assert [e for e, _ in events].count("superseded") == 2


@pytest.mark.integration
def test_a_request_for_an_unknown_release_is_refused_and_the_daemon_goes_on(
        study: Study, released, engine_parts) -> None:
    from anonymizer.daemon.requests import RequestStatus, request_state, submit_rerun

    settings = study.settings()
    bad = submit_rerun(settings, "P09_wave4", actor="steward1", cause="steward")
    good = submit_rerun(settings, "P01_wave1", actor="steward1", cause="correction_12")
    with DaemonThread(study, engine_parts, oneshot=True) as running:
        running.finish()
    refused, done = request_state(settings, bad), request_state(settings, good)
    assert (refused.status, refused.reason, refused.exit_code) == (
        RequestStatus.REFUSED, "unknown_release", 2)
    assert done.status is RequestStatus.DONE and done.new_stem == "P01_wave1"
    (_, meta), = study.sidecars()
    assert meta["job_id"] == done.job and MISSED not in clean_text(study)
    [asked] = [f for e, f in study.audit_events() if e == "rerun_requested"]
    assert (asked["cause_code"], asked["job_id"], asked["resumed"]) == (
        "correction_12", done.job, False)
    check_store(study, released)


def test_the_spool_takes_no_free_text(study: Study) -> None:
    from anonymizer.daemon.requests import submit_rerun
    from anonymizer.errors import InputError

    settings = study.settings()
    for stem, actor, cause in (("Sigrun t1", "a", "steward"), ("P01_wave1", "Sigrun H", "x"),
                               ("P01_wave1", "a", "because Sigrun asked")):
        with pytest.raises(InputError) as caught:
            submit_rerun(settings, stem, actor=actor, cause=cause)
        assert "Sigrun" not in str(caught.value)
    assert not (study.data / "requests").exists() or requests(study) == []


# A crash at each step of a request's life; afterwards the request is done, the transcript
# re-run exactly once (one released record with supersedes, one superseded record).
REQUEST_CRASHES = {
    "request marked running, nothing journaled": Crash(
        "anonymizer.daemon.requests:Spool", "save", "after",
        only=lambda spool, state, *a, **k: state.status.value == "running"),
    "rerun_requested recorded, nothing journaled": Crash(
        "anonymizer.audit.log:AuditLog", "append", "after", only=_event_is("rerun_requested")),
    "rerun journaled as claiming": Crash(
        "anonymizer.daemon.journal:Journal", "save", "after", only=_state_is("claiming")),
    "rerun released, request not yet done": Crash(
        "anonymizer.daemon.journal:Journal", "save", only=_state_is("released")),
    "rerun finished, request not yet done": Crash(
        "anonymizer.daemon.requests:Spool", "save",
        only=lambda spool, state, *a, **k: state.status.value == "done"),
}


@pytest.mark.integration
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.parametrize("crash", list(REQUEST_CRASHES.values()), ids=list(REQUEST_CRASHES))
def test_kill_9_at_each_step_of_a_request(study: Study, engine_parts, released,
                                          crash: Crash) -> None:
    from anonymizer.daemon.requests import RequestStatus, request_state, submit_rerun

    settings = study.settings()
    (_, old), = study.sidecars()
    request = submit_rerun(settings, "P01_wave1", actor="steward1", cause="steward")
    assert run_once(study, engine_parts, crash) == -signal.SIGKILL, "crash point missed"
    assert study.sidecars(), "no release visible after the kill"
    assert run_once(study, engine_parts) == 0
    state = request_state(settings, request)
    assert state.status is RequestStatus.DONE, state
    (_, meta), = study.sidecars()
    assert meta["job_id"] == state.job and meta["supersedes"] == old["job_id"]
    assert MISSED not in clean_text(study)
    check_store(study, released)
    events = study.audit_events()
    released_jobs = Counter(f["job_id"] for e, f in events if e == "released")
    assert all(n == 1 for n in released_jobs.values()) and state.job in released_jobs
    assert [f["job_id"] for e, f in events if e == "superseded"] == [old["job_id"]]

