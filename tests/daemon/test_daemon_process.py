"""`anonymizer watch` as users run it: a separate process, its exit codes, its refusals, and a
kill -9 of the real daemon process followed by a restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from daemon_kit import Study, check_store, sha256, transcript, wait_until


def _env(study: Study) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("ANONYMIZER_CONFIG", "CREDENTIALS_DIRECTORY")}
    return {**env, "PYTHONUNBUFFERED": "1"}


def _command(study: Study, *args: str) -> list[str]:
    return [sys.executable, "-m", "anonymizer", "-c", str(study.config), *args]


def run_cli(study: Study, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(_command(study, *args), capture_output=True, text=True,
                          env=_env(study), cwd=study.root, timeout=timeout)


class Watching:
    """``anonymizer watch`` in the background, its stderr in a file we can wait on."""

    def __init__(self, study: Study, *, own_group: bool = False) -> None:
        self.log = study.root / f"watch-{os.urandom(3).hex()}.log"
        self.handle = open(self.log, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(_command(study, "watch"), stdout=self.handle,
                                        stderr=subprocess.STDOUT, env=_env(study),
                                        cwd=study.root, process_group=0 if own_group else None)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self) -> None:
        wait_until(lambda: "watching the inbox" in self.output() or self.process.poll()
                   is not None, timeout=180, what="the daemon process to start")
        assert self.process.poll() is None, self.output()

    def stop(self, sig: int = signal.SIGTERM, *, group: bool = False) -> int:
        """Signal the daemon, or with ``group`` every process in its group at once, as
        systemd's default KillMode=control-group and a terminal's Ctrl-C do."""
        if group:
            os.killpg(self.process.pid, sig)
        else:
            self.process.send_signal(sig)
        code = self.process.wait(timeout=120)
        self.handle.close()
        return code

    def children(self) -> list[int]:
        return [int(pid) for task in Path(f"/proc/{self.process.pid}/task").iterdir()
                for pid in (task / "children").read_text().split()]


def test_the_daemon_refuses_to_start_without_ethics_metadata(study: Study) -> None:
    study.write_config(ethics={"committee": "", "reference": ""})
    result = run_cli(study, "watch", "--oneshot")
    assert result.returncode == 3
    assert result.stderr.strip().splitlines() == [
        "anonymizer: error: the daemon releases files only under the study's ethics approval: "
        "set ethics.committee, ethics.reference in the settings file"]


def test_the_daemon_refuses_without_the_vault_or_a_project_id(study: Study) -> None:
    study.write_config(vault={"backend": "memory"})
    result = run_cli(study, "watch", "--oneshot")
    assert result.returncode == 3 and "vault.backend" in result.stderr
    study.write_config(vault={"backend": "vault"}, project={"id": "default"})
    result = run_cli(study, "watch", "--oneshot")
    assert result.returncode == 3 and "set project.id" in result.stderr


def test_the_daemon_refuses_a_vault_it_cannot_open(study: Study) -> None:
    (study.root / "vault.key").write_bytes(os.urandom(32))  # the wrong key
    result = run_cli(study, "watch", "--oneshot")
    assert result.returncode == 4 and len(result.stderr.strip().splitlines()) == 1
    assert "wrong_secret" in result.stderr


@pytest.mark.integration
@pytest.mark.slow
def test_oneshot_exit_codes(study: Study) -> None:
    raw = study.drop("Sigrun t1.txt", transcript("Sigrun Haldorsen", 1))
    result = run_cli(study, "watch", "--oneshot")
    assert (result.returncode, result.stdout.strip()) == (
        0, "released 1, quarantined 0, duplicates 0"), result.stderr
    study.drop("Sigrun t2.txt", b"")
    result = run_cli(study, "watch", "--oneshot")
    assert (result.returncode, result.stdout.strip()) == (
        2, "released 0, quarantined 1, duplicates 0"), result.stderr
    assert "sigrun" not in result.stderr.casefold()
    study.drop("Sigrun t1 copy.txt", raw)  # a duplicate goes to quarantine too: exit 2
    result = run_cli(study, "watch", "--oneshot")
    assert (result.returncode, result.stdout.strip()) == (
        2, "released 0, quarantined 0, duplicates 1"), result.stderr
    study.write_config(store={"duplicates": "delete"})
    study.drop("Sigrun t1 copy 2.txt", raw)  # ... unless the policy deletes duplicates
    result = run_cli(study, "watch", "--oneshot")
    assert result.returncode == 0, result.stderr
    check_store(study, {sha256(raw): raw})


@pytest.mark.integration
@pytest.mark.slow
def test_kill_9_of_the_daemon_process_and_a_restart(study: Study) -> None:
    inputs = {}
    daemon = Watching(study)
    try:
        daemon.wait_ready()
        second = run_cli(study, "watch", "--oneshot", timeout=120)
        assert second.returncode == 1 and "another daemon is running" in second.stderr
        for k in range(8):
            raw = study.drop(f"Torunn Vikås t{k % 3 + 1} n{k}.txt", transcript("Torunn Vikås", k))
            inputs[sha256(raw)] = raw
        wait_until(lambda: len(study.sidecars()) >= 2, what="two releases")
    finally:
        code = daemon.stop(signal.SIGKILL)
    assert code == -signal.SIGKILL
    check_store(study, inputs, final=False)
    daemon = Watching(study)
    try:
        daemon.wait_ready()
        wait_until(lambda: study.settled(len(inputs)), timeout=180)
    finally:
        assert daemon.stop() == 0, daemon.output()
    assert check_store(study, inputs) == dict.fromkeys(inputs, "released")
    output = daemon.output()
    assert "stopped: " in output and "torunn" not in output.casefold()


@pytest.mark.integration
@pytest.mark.slow
def test_a_hundred_files_dropped_at_once(study: Study, daemon) -> None:
    names = ["Sigrun Haldorsen", "Halvard Brekke", "Torunn Vikås", "Eirik Moldestad",
             "Liv Aamodt"]
    inputs = {}
    for k in range(100):
        name = names[k % 5]
        inputs_raw = transcript(name, 1000 + k).encode()
        inputs[sha256(inputs_raw)] = inputs_raw
    payloads = list(inputs.values())
    with daemon():
        threads = [threading.Thread(target=study.drop, args=(
            f"{names[k % 5].split()[0]} t{k % 4 + 1} {k}.txt", payloads[k])) for k in range(100)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wait_until(lambda: study.settled(100), timeout=600, what="100 releases")
    assert check_store(study, inputs) == dict.fromkeys(inputs, "released")
    waves = {(meta["participant"], meta["wave"]) for _, meta in study.sidecars()}
    assert len(waves) == 20  # 5 participants x 4 waves, 5 transcripts each (_part2 ... _part5)


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_to_every_process_of_a_daemon_with_workers_stops_it_cleanly(
        study: Study, sig: int) -> None:
    """systemd stops a unit by signalling every process in it (KillMode=control-group), a
    terminal's Ctrl-C reaches the whole foreground group: parse workers get the signal too."""
    study.write_config(nlp={"workers": 2})
    daemon = Watching(study, own_group=True)
    try:
        daemon.wait_ready()
        workers = daemon.children()
        assert len(workers) >= 2
        raw = study.drop("Liv Aamodt t1.txt", transcript("Liv Aamodt", 1))
        wait_until(lambda: study.settled(1), what="the release")
    finally:
        code = daemon.stop(sig, group=True)
    assert code == 0, daemon.output()
    assert "stopped: 1 released" in daemon.output()
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
    assert check_store(study, {sha256(raw): raw}) == {sha256(raw): "released"}


@pytest.mark.integration
@pytest.mark.slow
def test_a_parse_worker_killed_from_outside_does_not_stall_the_daemon(study: Study) -> None:
    """The OOM killer, or an operator, may kill a worker: the daemon parses in its own process
    from then on, and nothing waits forever on the dead one."""
    study.write_config(nlp={"workers": 2})
    inputs = {}
    daemon = Watching(study)
    try:
        daemon.wait_ready()
        os.kill(daemon.children()[0], signal.SIGKILL)
        for k in range(2):
            raw = study.drop(f"Liv Aamodt t{k + 1}.txt", transcript("Liv Aamodt", k))
            inputs[sha256(raw)] = raw
        wait_until(lambda: study.settled(2), timeout=120, what="two releases")
    finally:
        code = daemon.stop()
    assert code == 0, daemon.output()
    assert check_store(study, inputs) == dict.fromkeys(inputs, "released")
    assert "a parse worker died" in daemon.output()
