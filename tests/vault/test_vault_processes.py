"""Separate processes: concurrent writers, a writer that holds the lock, kill -9 mid-write."""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from vault_testkit import PASSPHRASE, PROJECT

from vault import Reason, Vault, VaultError, store

WORKER = Path(__file__).with_name("vault_worker.py")
REPO = Path(__file__).resolve().parents[2]
DEADLINE = 60.0


class Worker:
    """A vault-writing child process; we wait on the lines it prints, with a deadline."""

    def __init__(self, vault_dir: Path, mode: str, prefix: str, count: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO), "TEST_VAULT_PASSPHRASE": PASSPHRASE}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(WORKER),
                str(vault_dir),
                PROJECT,
                "TEST_VAULT_PASSPHRASE",
                mode,
                prefix,
                count,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        self._buffer = b""
        self.lines: list[str] = []

    def expect(self, prefix: str) -> str:
        deadline = time.monotonic() + DEADLINE
        while True:
            while b"\n" in self._buffer:
                line, self._buffer = self._buffer.split(b"\n", 1)
                self.lines.append(line.decode())
                if line.decode().startswith(prefix):
                    return line.decode()
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no {prefix!r} within {DEADLINE} s: {self.lines}"
            ready, _, _ = select.select([self.proc.stdout], [], [], remaining)
            chunk = os.read(self.proc.stdout.fileno(), 4096) if ready else b""
            if ready and not chunk:
                err = self.proc.stderr.read().decode()
                raise AssertionError(f"worker ended before {prefix!r}: {self.lines} {err}")
            self._buffer += chunk

    def send(self) -> None:
        self.proc.stdin.write(b"go\n")
        self.proc.stdin.flush()

    def finish(self) -> None:
        out, err = self.proc.communicate(timeout=DEADLINE)
        assert self.proc.returncode == 0, err.decode()

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.communicate(timeout=DEADLINE)


@pytest.fixture
def shared_vault(vault, vault_dir):
    vault.close()
    return vault_dir


def test_two_writers_in_separate_processes_both_succeed(shared_vault, reopen):
    workers = [Worker(shared_vault, "add", prefix, "wait:15") for prefix in ("Alfa", "Bravo")]
    for w in workers:
        w.expect("ready")
    for w in workers:  # released together, so their commits interleave
        w.send()
    for w in workers:
        w.finish()
    v = reopen()
    persons = v.entries("person")
    assert sorted(e.number for e in persons) == list(range(1, 31))
    assert {e.names[0] for e in persons} == {
        f"{p} Person {i}" for p in ("Alfa", "Bravo") for i in range(15)
    }
    for prefix in ("Alfa", "Bravo"):  # each writer's own order is kept
        numbers = [v.lookup("person", f"{prefix} Person {i}").number for i in range(15)]
        assert numbers == sorted(numbers)
    assert v.verify().ok


def test_a_writer_waits_for_the_lock_then_succeeds(shared_vault, reopen):
    holder = Worker(shared_vault, "hold", "Holder", "1")
    holder.expect("holding")
    with pytest.raises(VaultError) as err:
        Vault.open(
            shared_vault,
            PROJECT,
            __import__("vault").Secret.from_passphrase(PASSPHRASE),
            lock_timeout=0.05,
        )
    assert err.value.reason is Reason.LOCKED
    waiter = Worker(shared_vault, "add", "Waiter", "1")
    waiter.expect("starting")  # it is now trying to get in, while the holder is inside
    holder.send()
    holder.finish()
    waiter.finish()
    v = reopen()
    assert v.lookup("person", "Holder Person 0").number == 1
    assert v.lookup("person", "Waiter Person 0").number == 2


def test_kill_9_during_writes_leaves_old_or_new_state(shared_vault, reopen):
    rng = random.Random(os.getpid())
    for round_ in range(4):
        prefix = f"Round{round_}"
        worker = Worker(shared_vault, "add", prefix, "100000")
        seen = 0
        for _ in range(rng.randint(1, 6)):
            seen = int(worker.expect("done").split()[1]) + 1
        # A random pause spreads the kills over every phase of a write (sealing, the key-ring
        # replacement, the record file replacement, the fsyncs); it waits for nothing.
        time.sleep(rng.uniform(0, 0.03))
        worker.kill()
        v = reopen()
        assert v.verify().ok, v.verify()
        mine = [e for e in v.entries("person") if e.names[0].startswith(prefix + " ")]
        committed = len(mine)
        assert committed >= seen  # everything reported as committed is there ...
        assert [e.names[0] for e in mine] == [f"{prefix} Person {i}" for i in range(committed)]
        v.close()  # ... and nothing half-written: a prefix of the sequence, in order
    v = reopen()
    v.add("person", ["After The Crashes"])
    leftovers = [p.name for p in shared_vault.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    assert v.verify().ok


def test_crash_between_key_ring_and_record_file(vault, vault_dir, reopen, monkeypatch):
    vault.add("person", ["Ola Hansen"])
    real = store.atomic_write

    def crash_on_records(target, data, token):
        if target.name == "vault.db":
            raise OSError("simulated power loss")
        real(target, data, token)

    monkeypatch.setattr(store, "atomic_write", crash_on_records)
    with pytest.raises(OSError):
        vault.add("person", ["Per Olsen"])
    monkeypatch.setattr(store, "atomic_write", real)
    assert vault.lookup("person", "Per Olsen") is None  # the failed change is not kept
    other = reopen()
    assert other.lookup("person", "Per Olsen") is None
    assert other.verify().ok
    assert vault.add("person", ["Lise Berg"]).number == 3  # 2 was burnt by the crashed write
    other.refresh()
    assert [e.number for e in other.entries("person")] == [1, 3]


def test_crash_before_rename_leaves_only_a_temp_file(vault, vault_dir, reopen, monkeypatch):
    vault.add("person", ["Ola Hansen"])

    def crash_on_replace(src, dst):
        raise OSError("simulated crash before rename")

    monkeypatch.setattr(os, "replace", crash_on_replace)
    with pytest.raises(OSError):
        vault.add("person", ["Per Olsen"])
    monkeypatch.undo()
    assert [p for p in vault_dir.iterdir() if p.name.endswith(".tmp")] == []  # cleaned up
    v = reopen()
    assert [e.number for e in v.entries("person")] == [1]
    assert v.add("person", ["Per Olsen"]).number == 2


@pytest.mark.parametrize("kind", ["participant", "person"])
def test_crash_during_a_merge_finishes_the_merge(vault, vault_dir, reopen, monkeypatch, kind):
    vault.add(kind, ["Kari Nordmann"])
    vault.add(kind, ["K. Nordmann", "Kari N."])
    real = store.atomic_write

    def crash_on_records(target, data, token):
        if target.name == "vault.db":
            raise OSError("simulated power loss")
        real(target, data, token)

    monkeypatch.setattr(store, "atomic_write", crash_on_records)
    with pytest.raises(OSError):
        vault.merge(kind, 1, 2)
    monkeypatch.setattr(store, "atomic_write", real)
    other = reopen()  # key-ring says "2 merged into 1"; the record file still holds record 2
    assert other.get(kind, 1).names == ("Kari Nordmann", "K. Nordmann", "Kari N.")
    assert other.lookup(kind, "kari n.").number == 1
    with pytest.raises(VaultError) as err:
        other.get(kind, 2)
    assert err.value.reason is Reason.MERGED
    other.add(kind, ["Per Olsen"])  # the next write makes the record file agree
    other.close()
    final = reopen()
    assert final.get(kind, 1).names == ("Kari Nordmann", "K. Nordmann", "Kari N.")
    assert final.verify().ok


def test_withdrawing_right_after_a_merge_shreds_both_keys(vault, vault_dir, secret):
    from vault.crypto import derive_kek
    from vault.keyring import open_keyring

    vault.add("participant", ["Kari Nordmann"])
    vault.add("participant", ["K. Nordmann"])
    with vault.transaction():
        vault.merge("participant", 1, 2)
        vault.withdraw(1)
    keys = open_keyring(
        (vault_dir / "vault.keys").read_bytes(),
        project=PROJECT,
        kek_for=lambda spec: derive_kek(spec, secret),
    ).body.participant_keys
    assert keys == {}
