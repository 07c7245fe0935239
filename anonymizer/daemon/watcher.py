"""The inbox watcher: which files are there, and which of them are ready to be taken.

Three sources of "something may have changed", all feeding one ``Stability`` tracker:

* a watchdog observer (inotify and friends), or its polling observer for network shares, where
  the OS sees nothing another machine writes (``watch.use_polling`` / ``--polling``);
* a full listing at start (files already in the inbox are processed) and every
  ``watch.rescan_seconds`` (events can be missed: overflow, a share reconnecting);
* the daemon's own looks every ``watch.poll_seconds`` at files still pending.

A file is ready when it still exists, nothing happened to it for ``settle_seconds`` (no event,
no change seen; for a file found by listing, its mtime/ctime count as the last event), and two
looks at least ``poll_seconds`` apart saw the same size, mtime, inode and type. When the last
event says the writer finished -- it closed the file after writing (inotify's IN_CLOSE_WRITE),
or the file was renamed into the inbox -- the quiet time and the gap between the two looks are
``settle_after_close_seconds`` instead: a copy that is done is taken at once, a writer that
still holds the file open is waited for as before. Any other event, or a change a look sees,
puts the file back on the full delay.

Ignored: ``~$*`` (Word lock files), ``*.tmp``, ``*.part``, ``.DS_Store``, ``Thumbs.db``,
``desktop.ini``, hidden files, and subfolders (never descended: an inbox is one flat folder, so a
steward's own sub-folders are left alone). Symbolic links, pipes and other odd entries are NOT
ignored: they are taken and quarantined with a reason, and never followed.

Each claim renames a file out of the inbox. watchdog holds such an inotify IN_MOVED_FROM for
up to half a second, waiting for an IN_MOVED_TO to pair it with, and every later event of the
inbox waits behind it: a file that landed just after a claim was seen up to 0.5 s late. The two
events of a rename come from one system call, back to back, so the watcher pairs within
``MOVE_PAIRING_SECONDS``; a pair missed on a very busy host arrives as "deleted" and "created",
and the file then waits the full settle delay: slower, never unsafe.

Times come from injectable clocks, so the tracker is tested without sleeping.
"""

from __future__ import annotations

import importlib
import logging
import os
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from anonymizer.settings import WatchSettings

log = logging.getLogger("anonymizer.daemon")

MOVE_PAIRING_SECONDS = 0.05
# where watchdog keeps its move-pairing delay: 7.x, then 4.x-6.x
_MOVE_PAIRING = (("watchdog.observers.inotify_move_event_grouper", "InotifyMoveEventGrouper"),
                 ("watchdog.observers.inotify_buffer", "InotifyBuffer"))

_IGNORED_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})
_IGNORED_SUFFIXES = (".tmp", ".part")


def is_ignored(name: str) -> bool:
    lower = name.casefold()
    return (name.startswith(".") or name.startswith("~$") or lower in _IGNORED_NAMES
            or lower.endswith(_IGNORED_SUFFIXES))


Signature = tuple[int, int, int, int, int]  # size, mtime_ns, inode, device, file type


def signature(st: os.stat_result) -> Signature:
    return st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev, stat.S_IFMT(st.st_mode)


@dataclass
class _Candidate:
    last_change: float  # monotonic time of the last event or change seen
    signature: Signature | None = None
    looks: int = 0  # consecutive looks that saw ``signature``
    last_look: float = float("-inf")
    finished: bool = False  # the last event said the writer was done (closed, renamed in)


class Stability:
    """Decides when a file has settled. ``clock`` is monotonic; ``wall`` is the time that file
    timestamps are in (to judge how long ago a file found by listing last changed)."""

    def __init__(self, settle: float, look_gap: float, *, settle_after_close: float | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time) -> None:
        self.settle = settle
        self.look_gap = look_gap
        quick = settle if settle_after_close is None else min(settle_after_close, settle)
        self.quick = quick
        self.quick_gap = min(look_gap, quick)
        self.clock = clock
        self.wall = wall
        self._pending: dict[str, _Candidate] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def names(self) -> list[str]:
        return sorted(self._pending)

    def touched(self, name: str, *, finished: bool = False) -> None:
        """An event named this file; ``finished``: the event says its writer is done."""
        now = self.clock()
        candidate = self._pending.get(name)
        if candidate is None:
            self._pending[name] = _Candidate(now, finished=finished)
        else:
            candidate.last_change = now
            candidate.finished = finished

    def has_finished(self) -> bool:
        """Is any pending file on the quick delay (so the next look is due sooner)?"""
        return any(c.finished for c in self._pending.values())

    def listed(self, name: str, st: os.stat_result) -> None:
        """A listing found this file; its timestamps say when it last changed."""
        if name in self._pending:
            return
        age = max(0.0, self.wall() - max(st.st_mtime, st.st_ctime))
        self._pending[name] = _Candidate(self.clock() - age)

    def forget(self, name: str) -> None:
        self._pending.pop(name, None)

    def look(self, name: str, st: os.stat_result) -> bool:
        """Record a look at the file; True if it is ready to be taken now."""
        candidate = self._pending.get(name)
        if candidate is None:
            return False
        now = self.clock()
        seen = signature(st)
        if seen != candidate.signature:
            if candidate.signature is not None:
                candidate.last_change = now
                candidate.finished = False  # it changed after all: the full delay
            candidate.signature, candidate.looks, candidate.last_look = seen, 1, now
            return False
        gap, settle = (self.quick_gap, self.quick) if candidate.finished else \
            (self.look_gap, self.settle)
        if now - candidate.last_look >= gap:
            candidate.looks += 1
            candidate.last_look = now
        return candidate.looks >= 2 and now - candidate.last_change >= settle


class _Events:
    """Receives watchdog events on the observer's thread; hands names to the daemon's."""

    def __init__(self, inbox: Path, wake: threading.Event) -> None:
        self.inbox = os.path.normpath(os.fspath(inbox))
        self.wake = wake
        self._lock = threading.Lock()
        self._names: dict[str, bool] = {}  # name -> did its last event say "writer done"?

    def dispatch(self, event: object) -> None:  # watchdog's handler protocol
        kind = getattr(event, "event_type", "")
        for role in ("src_path", "dest_path"):
            raw = getattr(event, role, "")
            if not raw:
                continue
            path = os.fsdecode(raw)
            if os.path.dirname(os.path.normpath(path)) == self.inbox:
                # a writer is done when it closed the file after writing, or when the file
                # arrived by a rename (the destination of a move)
                finished = kind == "closed" or (kind == "moved" and role == "dest_path")
                with self._lock:
                    self._names[os.path.basename(path)] = finished  # the last event counts
                self.wake.set()

    def drain(self) -> dict[str, bool]:
        with self._lock:
            names, self._names = self._names, {}
        return names


def shorten_move_pairing() -> list[str]:
    """Set watchdog's inotify move-pairing delay to ``MOVE_PAIRING_SECONDS`` (read when an
    observer starts); returns the classes changed (none on a platform without inotify)."""
    changed = []
    for module_name, class_name in _MOVE_PAIRING:
        try:
            holder = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError):
            continue
        holder.delay = MOVE_PAIRING_SECONDS
        changed.append(f"{module_name}.{class_name}")
    return changed


class _Wake:
    """Any event in a folder the daemon reads besides the inbox (the request spool) wakes it."""

    def __init__(self, wake: threading.Event) -> None:
        self.wake = wake

    def dispatch(self, event: object) -> None:  # watchdog's handler protocol
        self.wake.set()


class InboxWatcher:
    def __init__(self, inbox: Path, settings: WatchSettings, *, polling: bool | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time,
                 also_wake_on: tuple[Path, ...] = ()) -> None:
        self.inbox = Path(inbox)
        self.also_wake_on = tuple(Path(f) for f in also_wake_on)
        self.settings = settings
        self.polling = settings.use_polling if polling is None else polling
        self.clock = clock
        self.tracker = Stability(settings.settle_seconds, settings.poll_seconds,
                                 settle_after_close=settings.settle_after_close_seconds,
                                 clock=clock, wall=wall)
        self.wake = threading.Event()
        self._events = _Events(self.inbox, self.wake)
        self._observer: object | None = None
        self._next_rescan = float("-inf")
        self.subfolders_seen = 0

    # -- life cycle --------------------------------------------------------------------------
    def start(self, *, observe: bool = True) -> None:
        if observe:
            self._observer = self._start_observer()
        self.rescan()

    def _start_observer(self) -> object | None:
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        shorten_move_pairing()

        kinds = [PollingObserver] if self.polling else [Observer, PollingObserver]
        for kind in kinds:
            try:
                observer = (kind(timeout=self.settings.poll_seconds) if kind is PollingObserver
                            else kind())
                # _Events has the one method watchdog calls (dispatch); it need not subclass
                observer.schedule(self._events, os.fspath(self.inbox),  # type: ignore[arg-type]
                                  recursive=False)
                for folder in self.also_wake_on:
                    observer.schedule(_Wake(self.wake), os.fspath(folder),  # type: ignore[arg-type]
                                      recursive=False)
                observer.daemon = True
                observer.start()
                return observer
            except OSError as exc:  # e.g. the inotify watch limit; polling still works
                log.warning("file notifications unavailable (%s); polling the inbox instead",
                            os.strerror(exc.errno) if exc.errno else type(exc).__name__)
        return None

    def stop(self) -> None:
        observer, self._observer = self._observer, None
        if observer is None:
            return
        # watchdog 7 logs "queue_events() called when the thread is inactive" (ERROR) when an
        # event races the stop: harmless, but alarming in a steward's journal. Quiet it for the
        # stop only.
        noisy = logging.getLogger("watchdog.observers.inotify")
        level = noisy.level
        noisy.setLevel(logging.CRITICAL)
        try:
            observer.stop()  # type: ignore[attr-defined]
            observer.join(timeout=5)  # type: ignore[attr-defined]
        finally:
            noisy.setLevel(level)

    # -- looking -----------------------------------------------------------------------------
    def rescan(self) -> None:
        self._next_rescan = self.clock() + self.settings.rescan_seconds
        subfolders = 0
        try:
            entries = list(os.scandir(self.inbox))
        except FileNotFoundError:
            log.error("the inbox folder is missing")
            return
        present = set()
        for entry in entries:
            if is_ignored(entry.name):
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if stat.S_ISDIR(st.st_mode):
                subfolders += 1
                continue
            present.add(entry.name)
            self.tracker.listed(entry.name, st)
        for name in self.tracker.names():
            if name not in present:
                self.tracker.forget(name)
        if subfolders != self.subfolders_seen:
            log.info("the inbox holds %d subfolder(s); subfolders are not processed", subfolders)
            self.subfolders_seen = subfolders

    def ready(self) -> list[str]:
        """Names of files that have settled, in name order (after taking in events, and a
        rescan when one is due)."""
        for name, finished in self._events.drain().items():
            if not is_ignored(name):
                self.tracker.touched(name, finished=finished)
        if self.clock() >= self._next_rescan:
            self.rescan()
        settled = []
        for name in self.tracker.names():
            try:
                st = os.lstat(self.inbox / name)
            except FileNotFoundError:
                self.tracker.forget(name)
                continue
            except (OSError, ValueError):
                settled.append(name)  # cannot even be looked at: take it, to quarantine it
                continue
            if stat.S_ISDIR(st.st_mode):
                self.tracker.forget(name)
                continue
            if self.tracker.look(name, st):
                settled.append(name)
        return settled

    def taken(self, name: str) -> None:
        self.tracker.forget(name)

    def pending(self) -> bool:
        return len(self.tracker) > 0

    def wait(self, stop: threading.Event) -> None:
        """Until an event, a stop request, or the next look/rescan is due."""
        if stop.is_set():
            return
        if self.tracker.has_finished():
            timeout = max(self.tracker.quick_gap, 0.01)  # never a busy loop, even at 0 s
        elif self.pending():
            timeout = self.settings.poll_seconds
        else:
            timeout = max(0.0, min(self.settings.rescan_seconds, self._next_rescan - self.clock()))
        self.wake.wait(timeout)
        self.wake.clear()
