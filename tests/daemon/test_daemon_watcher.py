"""When is a file taken? The stability rules with injected clocks, then the real thing."""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from daemon_kit import check_store, sha256, transcript, wait_until
from watchdog.events import (
    FileClosedEvent,
    FileClosedNoWriteEvent,
    FileCreatedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileOpenedEvent,
)

from anonymizer.daemon.watcher import (
    MOVE_PAIRING_SECONDS,
    InboxWatcher,
    Stability,
    _Events,
    is_ignored,
    shorten_move_pairing,
)
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


def _quick_tracker() -> tuple[Stability, Clock]:
    """Settle 1 s, looks 0.25 s apart; 0.1 s once the writer has finished."""
    clock = Clock()
    tracker = Stability(settle=1.0, look_gap=0.25, settle_after_close=0.1, clock=clock,
                        wall=Clock(1_700_000_000.0))
    return tracker, clock


def test_a_file_its_writer_closed_is_taken_after_the_short_delay(tmp_path: Path) -> None:
    tracker, clock = _quick_tracker()
    path = tmp_path / "copied.txt"
    path.write_text("complete")
    tracker.touched("copied.txt")  # the write
    tracker.touched("copied.txt", finished=True)  # the close after writing
    assert not tracker.look("copied.txt", _stat(path))
    clock.advance(0.05)
    assert not tracker.look("copied.txt", _stat(path))  # not quiet for 0.1 s yet
    clock.advance(0.06)
    assert tracker.look("copied.txt", _stat(path))


def test_an_event_after_the_close_puts_the_file_back_on_the_full_delay(tmp_path: Path) -> None:
    """A writer that closes, then reopens to append: the full settle delay protects it."""
    tracker, clock = _quick_tracker()
    path = tmp_path / "appended.txt"
    path.write_text("part one")
    tracker.touched("appended.txt", finished=True)
    assert not tracker.look("appended.txt", _stat(path))
    tracker.touched("appended.txt")  # opened again (or written again)
    clock.advance(0.3)
    assert not tracker.look("appended.txt", _stat(path))
    clock.advance(0.5)
    assert not tracker.look("appended.txt", _stat(path))  # 0.8 s quiet: not the full second
    clock.advance(0.3)
    assert tracker.look("appended.txt", _stat(path))


def test_a_change_seen_by_a_look_after_the_close_means_the_full_delay(tmp_path: Path) -> None:
    tracker, clock = _quick_tracker()
    path = tmp_path / "grows.txt"
    path.write_bytes(b"a")
    tracker.touched("grows.txt", finished=True)
    assert not tracker.look("grows.txt", _stat(path))
    path.write_bytes(b"ab")  # changed, and the event has not arrived yet
    clock.advance(0.2)
    assert not tracker.look("grows.txt", _stat(path))
    clock.advance(0.2)
    assert not tracker.look("grows.txt", _stat(path))  # not quiet for the full second
    clock.advance(0.7)
    assert not tracker.look("grows.txt", _stat(path))  # 0.9 s since the change
    clock.advance(0.2)
    assert tracker.look("grows.txt", _stat(path))


def test_the_short_delay_is_never_longer_than_the_settle_delay(tmp_path: Path) -> None:
    tracker = Stability(settle=0.05, look_gap=0.25, settle_after_close=0.1)
    assert tracker.quick == 0.05 and tracker.quick_gap == 0.05
    plain = Stability(settle=0.5, look_gap=0.25)
    assert plain.quick == 0.5 and plain.quick_gap == 0.25  # no short delay: as before


@pytest.mark.parametrize(("event", "finished"), [
    (FileClosedEvent("{inbox}/a.txt"), {"a.txt": True}),
    (FileModifiedEvent("{inbox}/a.txt"), {"a.txt": False}),
    (FileCreatedEvent("{inbox}/a.txt"), {"a.txt": False}),
    (FileOpenedEvent("{inbox}/a.txt"), {"a.txt": False}),
    (FileClosedNoWriteEvent("{inbox}/a.txt"), {"a.txt": False}),
    # renamed into the inbox: done; the old name (a .part, say) merely changed
    (FileMovedEvent("{inbox}/a.txt.part", "{inbox}/a.txt"), {"a.txt.part": False, "a.txt": True}),
    (FileMovedEvent("{outside}/a.txt", "{inbox}/a.txt"), {"a.txt": True}),
    (FileMovedEvent("{inbox}/a.txt", "{outside}/a.txt"), {"a.txt": False}),
    (FileClosedEvent("{outside}/a.txt"), {}),
], ids=lambda v: v if isinstance(v, dict) else type(v).__name__)
def test_which_events_say_the_writer_is_done(tmp_path: Path, event: object,
                                             finished: dict[str, bool]) -> None:
    inbox = tmp_path / "inbox"
    for field in ("src_path", "dest_path"):
        value = getattr(event, field, "")
        if value:
            setattr(event, field, value.format(inbox=inbox, outside=tmp_path / "outside"))
    events = _Events(inbox, threading.Event())
    events.dispatch(event)
    assert events.drain() == finished


def test_the_last_event_of_a_file_decides(tmp_path: Path) -> None:
    events = _Events(tmp_path, threading.Event())
    events.dispatch(FileClosedEvent(str(tmp_path / "a.txt")))
    events.dispatch(FileModifiedEvent(str(tmp_path / "a.txt")))
    events.dispatch(FileModifiedEvent(str(tmp_path / "b.txt")))
    events.dispatch(FileClosedEvent(str(tmp_path / "b.txt")))
    assert events.drain() == {"a.txt": False, "b.txt": True}
    assert events.drain() == {}


def _quick_only_watcher(inbox: Path) -> tuple[InboxWatcher, Callable[[], bool], list[str]]:
    """A started real-observer watcher whose long delay is an hour: whatever it takes within a
    test's deadline was taken on the short delay after a close or a rename in."""
    settings = WatchSettings(settle_seconds=3600, settle_after_close_seconds=0.05,
                             poll_seconds=0.05, rescan_seconds=3600)
    watcher = InboxWatcher(inbox, settings)
    watcher.start()
    return (watcher, *_looker(watcher))


@pytest.mark.integration
def test_inotify_reports_a_copy_as_done_and_an_open_file_as_not(tmp_path: Path) -> None:
    """The real observer: a file still held open by its writer is not "done"; once closed, it
    is, and the watcher takes it after the short delay, not the long one."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    watcher, look, found = _quick_only_watcher(inbox)
    try:
        assert not watcher.polling
        with open(inbox / "copy.txt", "wb") as handle:
            handle.write(b"first half")
            handle.flush()
            wait_until(lambda: watcher.pending() or look(), timeout=30, what="the write event")
            for _ in range(5):
                assert not look(), "taken while its writer held it open"
            handle.write(b" second half")
        wait_until(look, timeout=30, what="the close event")
        assert found == ["copy.txt"]
        assert (inbox / "copy.txt").read_bytes() == b"first half second half"
    finally:
        watcher.stop()


def test_the_move_pairing_delay_is_shortened_where_the_installed_watchdog_keeps_it() -> None:
    """A claim (a rename out of the inbox) must not hold the inbox's later events back for
    watchdog's default half second; if an upgrade moves the setting, this fails."""
    changed = shorten_move_pairing()
    assert changed, "watchdog's move-pairing delay was not found"
    for dotted in changed:
        module, _, name = dotted.rpartition(".")
        assert getattr(importlib.import_module(module), name).delay == MOVE_PAIRING_SECONDS


@pytest.mark.integration
def test_a_file_renamed_in_right_after_a_claim_is_still_seen_as_renamed_in(
        tmp_path: Path) -> None:
    """The claim's move out of the inbox, then a sync client's rename in (``x.part`` -> ``x``):
    the rename is still reported as one move into the inbox, so the file takes the short delay
    (the long one is an hour here: a rename seen as a plain creation would never be taken)."""
    inbox, work = tmp_path / "inbox", tmp_path / "work"
    inbox.mkdir()
    work.mkdir()
    (inbox / "first.txt").write_text("first")
    watcher, look, found = _quick_only_watcher(inbox)
    try:
        watcher.taken("first.txt")
        os.rename(inbox / "first.txt", work / "claimed")  # the claim
        (inbox / "second.txt.part").write_text("second")
        os.rename(inbox / "second.txt.part", inbox / "second.txt")
        wait_until(look, timeout=30, what="the renamed-in file")
        assert found == ["second.txt"]
    finally:
        watcher.stop()


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


def _looker(watcher: InboxWatcher) -> tuple[Callable[[], bool], list[str]]:
    """One round of the daemon's loop (take the ready names, then wait), for wait_until; the
    names taken so far collect in the list."""
    stop = threading.Event()
    found: list[str] = []

    def look() -> bool:
        found.extend(watcher.ready())
        watcher.wait(stop)
        return bool(found)

    return look, found


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
        ready, found = _looker(watcher)
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
