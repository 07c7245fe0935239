"""When is a file taken? The stability rules with injected clocks, then the real thing."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from daemon_kit import check_store, sha256, transcript, wait_until

from anonymizer.daemon.watcher import InboxWatcher, Stability, is_ignored
from anonymizer.settings import WatchSettings


class Clock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.mark.parametrize("name, ignored", [
    ("~$terview.docx", True), ("notes.tmp", True), ("upload.docx.part", True),
    (".DS_Store", True), ("Thumbs.db", True), ("THUMBS.DB", True), ("desktop.ini", True),
    (".hidden.txt", True), ("Kari t2.txt", False), ("Kari.TXT", False), ("x.partial", False),
    ("Kari.docx~", False), ("report.TMP", True),
])
def test_ignore_rules(name: str, ignored: bool) -> None:
    assert is_ignored(name) is ignored


def _stat(path: Path) -> os.stat_result:
    return os.lstat(path)


def test_a_file_is_ready_after_two_equal_looks_and_a_quiet_settle(tmp_path: Path) -> None:
    clock, wall = Clock(), Clock(1_700_000_000.0)
    tracker = Stability(settle=1.0, look_gap=0.25, clock=clock, wall=wall)
    path = tmp_path / "a.txt"
    path.write_text("part one")
    tracker.touched("a.txt")
    assert not tracker.look("a.txt", _stat(path))  # first look: only a signature
    clock.advance(0.5)
    assert not tracker.look("a.txt", _stat(path))  # two equal looks, but not quiet for 1 s
    clock.advance(0.6)
    assert tracker.look("a.txt", _stat(path))


def test_a_file_written_in_chunks_is_not_taken_until_it_stops_changing(tmp_path: Path) -> None:
    clock, wall = Clock(), Clock(1_700_000_000.0)
    tracker = Stability(settle=1.0, look_gap=0.25, clock=clock, wall=wall)
    path = tmp_path / "slow.txt"
    with open(path, "wb") as handle:
        for chunk in range(10):
            handle.write(b"x" * 100)
            handle.flush()
            tracker.touched("slow.txt")  # the write event
            clock.advance(0.9)  # each pause shorter than the settle delay
            assert not tracker.look("slow.txt", _stat(path)), f"taken after chunk {chunk}"
    clock.advance(0.3)
    assert not tracker.look("slow.txt", _stat(path))  # needs a second equal look
    clock.advance(0.8)
    assert tracker.look("slow.txt", _stat(path))


def test_a_change_seen_without_any_event_restarts_the_settle(tmp_path: Path) -> None:
    """Network shares: polling sees the size change although no event came."""
    clock, wall = Clock(), Clock(1_700_000_000.0)
    tracker = Stability(settle=1.0, look_gap=0.25, clock=clock, wall=wall)
    path = tmp_path / "share.txt"
    path.write_bytes(b"a")
    tracker.listed("share.txt", _stat(path))
    assert not tracker.look("share.txt", _stat(path))
    path.write_bytes(b"ab")  # grew; no event
    clock.advance(0.3)
    assert not tracker.look("share.txt", _stat(path))
    clock.advance(0.3)
    assert not tracker.look("share.txt", _stat(path))  # equal twice, but changed 0.3 s ago
    clock.advance(1.0)
    assert tracker.look("share.txt", _stat(path))


def test_an_old_file_found_at_start_needs_only_two_looks(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "old.txt"
    path.write_text("written yesterday")
    wall = Clock(os.lstat(path).st_ctime + 86_400)
    tracker = Stability(settle=5.0, look_gap=0.25, clock=clock, wall=wall)
    tracker.listed("old.txt", _stat(path))
    assert not tracker.look("old.txt", _stat(path))
    clock.advance(0.25)
    assert tracker.look("old.txt", _stat(path))


def test_a_file_renamed_in_just_now_waits_for_the_settle(tmp_path: Path) -> None:
    """A rename keeps the old mtime but sets ctime: the file counts as just changed."""
    clock = Clock()
    path = tmp_path / "moved.txt"
    path.write_text("complete")
    old = os.lstat(path).st_ctime - 86_400
    os.utime(path, (old, old))
    wall = Clock(os.lstat(path).st_ctime)  # now
    tracker = Stability(settle=2.0, look_gap=0.25, clock=clock, wall=wall)
    tracker.listed("moved.txt", _stat(path))
    tracker.look("moved.txt", _stat(path))
    clock.advance(1.0)
    assert not tracker.look("moved.txt", _stat(path))
    clock.advance(1.1)
    assert tracker.look("moved.txt", _stat(path))


def test_the_watcher_lists_events_and_forgets_vanished_files(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "sub").mkdir()
    (inbox / "a.txt").write_text("a")
    (inbox / ".DS_Store").write_text("x")
    clock = Clock()
    settings = WatchSettings(settle_seconds=0.0, poll_seconds=0.25, rescan_seconds=60)
    watcher = InboxWatcher(inbox, settings, clock=clock)
    watcher.start(observe=False)
    assert watcher.tracker.names() == ["a.txt"]
    assert watcher.ready() == []
    clock.advance(0.3)
    assert watcher.ready() == ["a.txt"]
    (inbox / "a.txt").unlink()
    clock.advance(0.3)
    assert watcher.ready() == [] and not watcher.pending()


def test_polling_observer_sees_a_new_file(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    settings = WatchSettings(settle_seconds=0.1, poll_seconds=0.05, rescan_seconds=3600,
                             use_polling=True)
    watcher = InboxWatcher(inbox, settings)
    watcher.start()
    try:
        assert watcher.polling
        (inbox / "new.txt").write_text("hello")
        stop = threading.Event()
        found: list[str] = []

        def ready() -> bool:
            found.extend(watcher.ready())
            watcher.wait(stop)
            return bool(found)

        wait_until(ready, timeout=30, what="the polling observer")
        assert found == ["new.txt"]
    finally:
        watcher.stop()


@pytest.mark.integration
def test_slow_chunked_writes_and_a_renamed_in_file(study, daemon) -> None:
    """A file written in pieces with pauses shorter than the settle delay is taken once, whole;
    a file renamed into the inbox is taken as it is."""
    study.write_config(watch={"settle_seconds": 0.6, "poll_seconds": 0.05})
    text = transcript("Sigrun Haldorsen", 1, extra=" And the pain is gone." * 40).encode()
    pieces = [text[i:i + 200] for i in range(0, len(text), 200)]
    moved = transcript("Halvard Brekke", 2).encode()
    pause = threading.Event()
    with daemon():
        with open(study.inbox / "Sigrun slow t1.txt", "wb") as handle:
            for piece in pieces:
                handle.write(piece)
                handle.flush()
                pause.wait(0.15)  # the writer's pace, not a wait for the daemon
                assert list(study.work.glob("*.job.json")) == [], "taken while being written"
        outside = study.root / "Halvard t1.txt"
        outside.write_bytes(moved)
        os.rename(outside, study.inbox / "Halvard t1.txt")
        wait_until(lambda: study.settled(2))
    assert study.reasons() == []
    by_input = {meta["input"]["sha256"]: meta for _, meta in study.sidecars()}
    assert set(by_input) == {sha256(text), sha256(moved)}
    check_store(study, {sha256(text): text, sha256(moved): moved})


@pytest.mark.integration
def test_polling_daemon_releases(study, daemon) -> None:
    raw = transcript("Torunn Vikås", 3).encode()
    with daemon(polling=True):
        study.drop("Torunn t1.txt", raw)
        wait_until(lambda: study.settled(1))
    check_store(study, {sha256(raw): raw})
