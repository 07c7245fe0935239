"""The progress line (files done, files/s, ETA) and the summary at the end (released, refused
by reason). Counts and codes only: no path, no name. On a terminal the line is redrawn in place;
elsewhere (a log, a CI transcript) a line is printed every ``every_seconds``."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from anonymizer.errors import ExitCode


def _clock(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


@dataclass
class Summary:
    total: int
    skipped: int = 0  # done by an earlier run of the same command (the work record)
    released: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    words: int = 0
    speculated: int = 0  # released from a worker's result
    refinished: int = 0  # finished again on its worker, against a newer key
    redone: int = 0  # run again on the driver (a worker's result could not be taken)
    worker_peak_rss: tuple[int, ...] = ()  # bytes, per Ray worker
    worker_nodes: int = 0  # how many Ray nodes the workers ran on
    worker_restarts: int = 0  # workers Ray restarted during the run (their tasks run again)
    workers_lost: int = 0  # workers gone for good (their items run on the driver)
    leftovers: tuple[str, ...] = ()  # Ray's folders the batch could not remove
    elapsed: float = 0.0  # seconds, from the first item to the last (start-up left out)

    def lines(self, seconds: float) -> list[str]:
        done = self.released + sum(self.refused.values())
        rate = done / seconds if seconds > 0 else 0.0
        out = [f"batch: {done} of {self.total - self.skipped} files in {seconds:.1f} s "
               f"({rate:.2f} files/s, {self.words / seconds if seconds > 0 else 0:.0f} words/s); "
               f"{self.skipped} done before",
               f"released: {self.released} (from workers {self.speculated}, of which "
               f"finished again against a newer key {self.refinished}; run again on the "
               f"driver {self.redone}; workers restarted {self.worker_restarts}, lost "
               f"{self.workers_lost})",
               "refused: " + (", ".join(f"{reason} {count}" for reason, count
                                        in sorted(self.refused.items())) or "none")]
        return out

    @property
    def worst_exit(self) -> int:
        """The command's exit code: FAILED if Ray's folders (spilled objects) are left,
        BAD_INPUT if anything was refused, else OK."""
        if self.leftovers:
            return int(ExitCode.FAILED)
        return int(ExitCode.BAD_INPUT) if self.refused else int(ExitCode.OK)


class Progress:
    def __init__(self, stream: TextIO, total: int, *, every_seconds: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.total = total
        self.done = 0
        self.every = every_seconds
        self.clock = clock
        self.start = clock()
        self._last = -every_seconds
        self.tty = stream.isatty()

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = self.clock() - self.start
        if self.tty or now - self._last >= self.every or self.done == self.total:
            self._last = now
            self.stream.write(("\r" if self.tty else "") + self.line(now)
                              + ("" if self.tty else "\n"))
            self.stream.flush()

    def line(self, elapsed: float) -> str:
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        width = 24
        filled = width * self.done // self.total if self.total else width
        return (f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} files, "
                f"{rate:.2f} files/s, ETA {_clock(left)}")

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
