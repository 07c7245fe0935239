"""kill -9 of the daemon, at every step that matters and at random moments, then a restart.

The daemon runs in a forked child of the test process, so it starts with the session's model
already loaded (a restart costs milliseconds, not seconds) yet is a real, separate process that
the kernel kills: no ``finally`` runs, nothing is flushed. Deterministic crash points patch one
function in the child to ``SIGKILL`` itself just before or after it; random kills come from the
test, with a seeded random pause. After each restart ``check_store`` asserts: every input
released exactly once or quarantined, no clean file without metadata, no original lost, the
catalog equal to the sidecars; and the audit log records each release or quarantine once.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import threading
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from daemon_kit import PARTICIPANTS, Study, check_store, sha256, transcript, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.skipif(
    not hasattr(os, "fork"), reason="needs os.fork")]


@dataclass
class Crash:
    """Kill this process the ``nth`` time ``owner.attr`` is called (and ``only`` agrees)."""

    owner: str  # "module" or "module:Class"
    attr: str
    when: str = "before"
    nth: int = 1
    only: Callable[..., bool] | None = None

    def install(self) -> None:
        import importlib

        module, _, cls = self.owner.partition(":")
        target: Any = importlib.import_module(module)
        if cls:
            target = getattr(target, cls)
        real = getattr(target, self.attr)
        seen = [0]

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if self.only is not None and not self.only(*args, **kwargs):
                return real(*args, **kwargs)
            seen[0] += 1
            hit = seen[0] == self.nth
            if hit and self.when == "before":
                os.kill(os.getpid(), signal.SIGKILL)
            result = real(*args, **kwargs)
            if hit and self.when == "after":
                os.kill(os.getpid(), signal.SIGKILL)
            return result

        setattr(target, self.attr, wrapper)


def fork_daemon(study: Study, engine_parts: Any, crash: Crash | None,
                act: Callable[[Any], int], *, prepare: Callable[[], None] | None = None) -> int:
    """Fork a child that builds a real daemon on the study (vault, audit log, the session's
    model), runs ``prepare`` and the ``crash`` patch, then exits with ``act(daemon)`` (70 on an
    exception, reported on stderr). Returns the pid once the child can take SIGTERM."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid != 0:
        os.close(writer)
        os.read(reader, 1)  # b"!" -- or b"" if the child died first
        os.close(reader)
        return pid
    os.close(reader)
    code = 70
    try:
        from anonymizer.audit.log import open_audit_log
        from anonymizer.daemon import Daemon
        from anonymizer.engine.engine import Engine
        from anonymizer.keys.vault_adapter import open_vault_keystore

        stop = threading.Event()  # a SIGTERM that comes early still stops it cleanly
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        os.write(writer, b"!")
        os.close(writer)
        if prepare is not None:
            prepare()
        if crash is not None:
            crash.install()
        settings = study.settings()
        keystore = open_vault_keystore(settings, interactive=False)
        engine = Engine(settings, engine_parts.rulebook, engine_parts.pipeline, keystore)
        audit = open_audit_log(settings, keystore.vault.audit_key())
        code = act(Daemon(settings, engine, keystore, audit, stop=stop))
    except BaseException:  # noqa: BLE001 - reported on stderr, exit code 70
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def spawn(study: Study, engine_parts: Any, crash: Crash | None = None, *,
          oneshot: bool = True) -> int:
    """Fork a daemon that watches the inbox; exit code 0 if all was released, else 2."""
    return fork_daemon(study, engine_parts, crash,
                       lambda daemon: 0 if daemon.run(oneshot=oneshot).all_released else 2)


def wait_child(pid: int) -> int:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def run_once(study: Study, engine_parts: Any, crash: Crash | None = None) -> int:
    return wait_child(spawn(study, engine_parts, crash))


def _event_is(name: str) -> Callable[..., bool]:
    return lambda log, event, *a, **k: getattr(event, "value", event) == name


def _state_is(name: str) -> Callable[..., bool]:
    return lambda journal, entry, *a, **k: entry.state.value == name


def _to(suffix: str) -> Callable[..., bool]:
    return lambda source, target, *a, **k: str(target).endswith(suffix)


D = "anonymizer.daemon"
S = "anonymizer.store"
CRASH_POINTS = {
    "claim: journal written, before the rename": Crash(f"{D}.intake", "durable_rename"),
    "claim: renamed, before the journal says so": Crash(f"{D}.intake", "durable_rename",
                                                        "after"),
    "engine: inside the vault transaction": Crash(f"{D}.stages", "speaking_participants"),
    "release: plan journaled, no clean file yet": Crash(f"{S}.layout:Store", "write_clean"),
    "release: clean file renamed, no sidecar": Crash(f"{S}.layout:Store", "commit"),
    "release: sidecar temp written, not renamed": Crash("os", "replace", only=_to(".meta.json")),
    "release: sidecar durable, no catalog row": Crash(f"{S}.layout:Store", "commit", "after"),
    "release: catalog row, journal not yet released": Crash(
        f"{D}.journal:Journal", "save", only=_state_is("released")),
    "finish: before the audit record": Crash(
        "anonymizer.audit.log:AuditLog", "append", only=_event_is("released")),
    "finish: audit record written, before sealing": Crash(
        "anonymizer.audit.log:AuditLog", "append", "after", only=_event_is("released")),
    "finish: sealed, journal not yet sealed": Crash(f"{S}.originals:Originals", "seal", "after"),
    "finish: journal sealed, before clean-up": Crash(f"{D}.journal:Journal", "close"),
    "finish: input removed, journal entry not": Crash(f"{D}.journal", "remove_durably", "after"),
    "quarantine: journaled, before the move": Crash(f"{S}.quarantine:Quarantine", "move_in"),
    "quarantine: moved, no report": Crash(f"{S}.quarantine:Quarantine", "write_report"),
    "quarantine: report, before the audit record": Crash(
        "anonymizer.audit.log:AuditLog", "append", only=_event_is("quarantined")),
    "quarantine: audit record, before clean-up": Crash(
        "anonymizer.audit.log:AuditLog", "append", "after", only=_event_is("quarantined")),
}


@pytest.mark.parametrize("crash", list(CRASH_POINTS.values()), ids=list(CRASH_POINTS))
def test_kill_9_at_each_step_then_restart(study: Study, engine_parts, crash: Crash) -> None:
    good = study.drop("Sigrun Haldorsen t1.txt", transcript("Sigrun Haldorsen", 1))
    bad = study.drop("Halvard t1.txt", b"\0\1\2\3" * 64)  # binary: quarantined
    inputs = {sha256(good): good, sha256(bad): bad}

    assert run_once(study, engine_parts, crash) == -signal.SIGKILL, "the crash point was missed"
    check_store(study, inputs, final=False)

    # restart: it finishes (2: this run quarantined the binary input; 0: the first run had)
    assert run_once(study, engine_parts) in (0, 2)
    fate = check_store(study, inputs)
    assert fate == {sha256(good): "released", sha256(bad): "quarantined"}
    _audit_once(study, inputs)


def _audit_once(study: Study, inputs: dict[str, bytes]) -> None:
    events = study.audit_events()
    released = Counter(f["input_sha256"] for e, f in events if e == "released")
    quarantined = Counter(f["input_sha256"] for e, f in events if e == "quarantined")
    assert all(n == 1 for n in released.values()), released
    assert all(n == 1 for n in quarantined.values()), quarantined
    assert set(released) | set(quarantined) == set(inputs)


def test_a_file_that_kills_the_daemon_every_time_is_quarantined(study: Study, engine_parts
                                                                ) -> None:
    raw = study.drop("Liv t1.txt", transcript("Liv Aamodt", 2))
    crash = Crash(f"{D}.stages", "speaking_participants")
    for _ in range(3):
        assert run_once(study, engine_parts, crash) == -signal.SIGKILL
    assert run_once(study, engine_parts) == 2
    assert study.reasons() == ["crashed_repeatedly"]
    check_store(study, {sha256(raw): raw})


@pytest.mark.slow
def test_kill_9_at_random_moments_over_many_drops(study: Study, engine_parts) -> None:
    rng = random.Random(20130620)
    names = [names[0] for names in PARTICIPANTS.values()]
    pending = []
    for k in range(30):
        name = rng.choice(names)
        if k % 10 == 9:
            pending.append((f"broken {k}.txt", b"\0\xff" * 50 + bytes([k])))  # to quarantine
        else:
            pending.append((f"{name} t{k % 4 + 1} k{k}.txt", transcript(name, 100 + k)))
    inputs: dict[str, bytes] = {}
    pause = threading.Event()
    kills = 0
    while kills < 8:
        pid = spawn(study, engine_parts, oneshot=False)
        for _ in range(rng.randint(2, 6)):
            if pending:
                name, data = pending.pop(0)
                raw = study.drop(name, data)
                inputs[sha256(raw)] = raw
        pause.wait(rng.uniform(0.05, 2.5))  # the kill lands wherever the daemon is by then
        os.kill(pid, signal.SIGKILL)
        assert wait_child(pid) == -signal.SIGKILL
        kills += 1
        check_store(study, inputs, final=False)
    for name, data in pending:
        raw = study.drop(name, data)
        inputs[sha256(raw)] = raw
    pid = spawn(study, engine_parts, oneshot=False)
    wait_until(lambda: study.settled(len(inputs)) and not list(study.inbox.iterdir()),
               timeout=300, what="every input released or quarantined")
    os.kill(pid, signal.SIGTERM)
    assert wait_child(pid) in (0, 2)
    fate = check_store(study, inputs)
    assert Counter(fate.values()) == {"released": 27, "quarantined": 3}
    _audit_once(study, inputs)
