"""kill -9 during `store rerun`, at each step, then recovery by the daemon's next start.

As in ``test_daemon_crash``: the rerun runs in a forked child that already holds the session's
model, and a patched function ``SIGKILL``s it just before or after one step. Then a daemon starts
(oneshot) and recovers. Whatever the step, afterwards: exactly one release of the transcript --
the old one untouched (the rerun never got its input into work/, or was refused) or the new one
with the old one gone -- exactly one sealed original opening to the dropped bytes, nothing left in
work/ (no decrypted copy, no temp file), the catalog equal to the sidecars, and each audit record
(released with ``supersedes``, superseded, rerun_refused) written once.
"""

from __future__ import annotations

import os
import signal
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from daemon_kit import DaemonThread, Study, check_store, sha256

# The crash machinery of the daemon's own crash tests (one copy of it).
from test_daemon_crash import Crash, _event_is, _state_is, _to, fork_daemon, run_once, wait_child

pytestmark = [pytest.mark.integration, pytest.mark.skipif(
    not hasattr(os, "fork"), reason="needs os.fork")]

MISSED = "Fjellkroa"
TEXT = ("Interviewer: Where did you grow up?\n"
        f"Sigrun Haldorsen: {MISSED}, every Sunday. My sister helped me with the garden.\n")
D = "anonymizer.daemon"
S = "anonymizer.store"
R = f"{D}.rerun"


def _path_ends(suffix: str) -> Callable[..., bool]:
    return lambda path, *a, **k: str(path).endswith(suffix)


def _staged(source: Any, *a: Any, **k: Any) -> bool:
    return str(source).endswith(".staged")


def _input_in_work(source: Any, target: Any, *a: Any, **k: Any) -> bool:
    return Path(target).parent.name == "work" and str(target).endswith(".txt")


# step -> (crash, what recovery ends with: "old" release kept or "new" release only)
RERUN_CRASHES: dict[str, tuple[Crash, str]] = {
    "claim: journaled, before the original is decrypted into work/": (
        Crash(R, "atomic_write"), "old"),
    "claim: decrypted into a temp file, not renamed": (
        Crash("os", "replace", only=_input_in_work), "old"),
    "claim: input in work/, journal not yet claimed": (
        Crash(R, "atomic_write", "after"), "new"),
    "engine: inside the vault transaction": (
        Crash(f"{D}.stages", "speaking_participants"), "new"),
    "release: plan journaled, no clean file yet": (
        Crash(f"{S}.layout:Store", "write_clean"), "new"),
    "release: staged files written, no sidecar yet": (
        Crash(f"{S}.layout:Store", "commit"), "new"),
    "release: new sidecar temp written, not renamed": (
        Crash("os", "replace", only=_to(".meta.json")), "new"),
    "release: new sidecar over the old one, staged files not placed": (
        Crash(f"{S}.layout:Store", "commit", "after"), "new"),
    "release: one staged file placed, the next not": (
        Crash("os", "replace", nth=2, only=_staged), "new"),
    "retire: files placed, catalog not yet rewritten": (
        Crash(f"{S}.catalog:Catalog", "reconcile", nth=2), "new"),  # 1st: at start
    "release: old release out, journal not yet released": (
        Crash(f"{D}.journal:Journal", "save", only=_state_is("released")), "new"),
    "finish: before the released record": (
        Crash("anonymizer.audit.log:AuditLog", "append", only=_event_is("released")), "new"),
    "finish: released recorded, before sealing again": (
        Crash("anonymizer.audit.log:AuditLog", "append", "after", only=_event_is("released")),
        "new"),
    "finish: sealed again, journal not yet sealed": (
        Crash(f"{S}.originals:Originals", "seal", "after"), "new"),
    "finish: old sealed original deleted, superseded not recorded": (
        Crash(R, "remove_durably", "after", only=_path_ends(".sealed")), "new"),
    "finish: superseded recorded, before clean-up": (
        Crash("anonymizer.audit.log:AuditLog", "append", "after", only=_event_is("superseded")),
        "new"),
    "finish: input removed, journal entry not": (
        Crash(f"{D}.journal", "remove_durably", "after"), "new"),
}


def refuse_verification() -> None:
    """In the child: every verification refuses (a correction that made things worse)."""
    from anonymizer.engine.engine import Engine
    from anonymizer.errors import VerificationError

    def refuse(self: Any, *args: Any, **kwargs: Any) -> None:
        raise VerificationError("a registered name is left")

    Engine.verify = refuse  # type: ignore[method-assign]


REFUSED_CRASHES: dict[str, Crash] = {
    "discard: journaled, before the rerun_refused record": Crash(
        "anonymizer.audit.log:AuditLog", "append", only=_event_is("rerun_refused")),
    "discard: recorded, before the input is deleted": Crash(
        "anonymizer.audit.log:AuditLog", "append", "after", only=_event_is("rerun_refused")),
}


def rerun_in_child(study: Study, engine_parts: Any, crash: Crash | None = None, *,
                   refuse: bool = False) -> int:
    from anonymizer.store.released import find_sidecar

    def rerun(daemon: Any) -> int:
        result = daemon.rerun(lambda: find_sidecar(study.store, "P01_wave1"))
        return 0 if result.new_stem is not None else 5

    return wait_child(fork_daemon(study, engine_parts, crash, rerun,
                                  prepare=refuse_verification if refuse else None))


@pytest.fixture
def released(study: Study, engine_parts: Any) -> tuple[dict[str, bytes], dict[str, Any]]:
    """P01_wave1 released with a missed name, and the name registered since."""
    raw = study.drop("Sigrun t1.txt", TEXT)
    with DaemonThread(study, engine_parts, oneshot=True) as running:
        assert running.finish().released == 1
    with study.open_vault() as vault:
        vault.add("place", [MISSED])
    (_, meta), = study.sidecars()
    return {sha256(raw): raw}, meta


def original_somewhere(study: Study, raw: bytes) -> None:
    """Right after the kill: a release is visible, and the original is sealed or in work/."""
    assert study.sidecars(), "no release visible"
    in_work = [p for p in study.work.iterdir() if p.is_file() and p.read_bytes() == raw]
    assert list(study.originals.rglob("*.sealed")) or in_work, "the original is lost"


def after_recovery(study: Study, inputs: dict[str, bytes], old: dict[str, Any], outcome: str
                   ) -> list[tuple[str, dict[str, Any]]]:
    check_store(study, inputs)
    (path, meta), = study.sidecars()
    assert len(list(study.originals.rglob("*"))) == 2  # P01/ and one sealed original in it
    assert sorted(p.name for p in study.work.iterdir()) == [".daemon.lock"]
    assert [p.name for p in study.store.rglob(".*")] == [".store.lock"]  # nothing staged left
    events = study.audit_events()  # verifies the chain
    assert all(n == 1 for n in Counter(f["job_id"] for e, f in events
                                       if e == "released").values())
    superseded = [f for e, f in events if e == "superseded"]
    if outcome == "old":
        assert meta == old and path.name == "P01_wave1.meta.json"
        assert superseded == []
    else:
        assert path.name == "P01_wave1.meta.json" and meta["supersedes"] == old["job_id"]
        assert meta["version"] == 2
        assert MISSED not in path.with_name("P01_wave1.txt").read_text(encoding="utf-8")
        [new_release] = [f for e, f in events if e == "released" and f.get("supersedes")]
        assert new_release["job_id"] == meta["job_id"]
        assert [(f["job_id"], f["new_job_id"]) for f in superseded] == [
            (old["job_id"], meta["job_id"])]
    return events


@pytest.mark.parametrize(("crash", "outcome"), list(RERUN_CRASHES.values()),
                         ids=list(RERUN_CRASHES))
def test_kill_9_at_each_rerun_step_then_recovery(study: Study, engine_parts, released,
                                                 crash: Crash, outcome: str) -> None:
    inputs, old = released
    assert rerun_in_child(study, engine_parts, crash) == -signal.SIGKILL, "crash point missed"
    original_somewhere(study, next(iter(inputs.values())))
    assert run_once(study, engine_parts) == 0
    events = after_recovery(study, inputs, old, outcome)
    assert "rerun_refused" not in [e for e, _ in events]


@pytest.mark.parametrize("crash", list(REFUSED_CRASHES.values()), ids=list(REFUSED_CRASHES))
def test_kill_9_while_a_refused_rerun_is_discarded(study: Study, engine_parts, released,
                                                   crash: Crash) -> None:
    inputs, old = released
    assert rerun_in_child(study, engine_parts, crash, refuse=True) == -signal.SIGKILL
    original_somewhere(study, next(iter(inputs.values())))
    assert run_once(study, engine_parts) == 0
    events = after_recovery(study, inputs, old, "old")
    [refused] = [f for e, f in events if e == "rerun_refused"]
    assert refused["reason"] == "verification_refused" and refused["supersedes"] == old["job_id"]


def test_a_refused_rerun_then_a_good_one(study: Study, engine_parts, released) -> None:
    inputs, old = released
    assert rerun_in_child(study, engine_parts, refuse=True) == 5
    after_recovery(study, inputs, old, "old")
    assert rerun_in_child(study, engine_parts) == 0
    after_recovery(study, inputs, old, "new")


def test_a_rerun_that_kills_the_daemon_every_time_is_discarded(study: Study, engine_parts,
                                                               released) -> None:
    inputs, old = released
    crash = Crash(f"{D}.stages", "speaking_participants")
    for _ in range(3):  # the 2nd and 3rd die while recovering the first's job
        assert rerun_in_child(study, engine_parts, crash) == -signal.SIGKILL
    assert run_once(study, engine_parts) == 0
    events = after_recovery(study, inputs, old, "old")
    [refused] = [f for e, f in events if e == "rerun_refused"]
    assert refused["reason"] == "crashed_repeatedly" and refused["resumed"] is False
