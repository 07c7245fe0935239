"""The work record: one line per finished item, so a batch cut short (``kill -9`` of the driver
or a worker, a power cut) is finished by running the same command again, with nothing done twice.

``OUT/.batch/record.jsonl`` holds, per item, its SHA-256, its position, ``released`` with the
names of its clean files or ``refused`` with a reason code: no path, no name, no text. A line is
appended (and fsynced) only after the item's clean files are durable and its numbers are
committed to the vault, so an item is either in the record with all of its outputs, or it is
done again. A line torn by a crash is dropped when the record is read.

``OUT/.batch/attempts.jsonl`` holds a line (SHA-256, position) for each item the driver runs
itself in place of a worker that is gone, written before it starts: an item there and not in the
record took the driver down with it, and the next run refuses it (``worker_crashed``) instead of
trying again. Its torn lines are dropped in the same way.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from anonymizer.fsutil import fsync_dir

WORK_FOLDER = ".batch"
RECORD_FILE = "record.jsonl"
ATTEMPTS_FILE = "attempts.jsonl"


class Status(str, Enum):
    RELEASED = "released"
    REFUSED = "refused"


@dataclass(frozen=True)
class Done:
    checksum: str
    position: int
    status: Status
    reason: str = ""
    outputs: tuple[str, ...] = ()

    def to_json(self) -> str:
        return json.dumps({"checksum": self.checksum, "position": self.position,
                           "status": self.status.value, "reason": self.reason,
                           "outputs": list(self.outputs)}, sort_keys=True)


T = TypeVar("T")
TORN_WRITES = ".clean-*.part"  # formats.writers' temp files: a write cut short by a kill -9


def remove_torn_writes(output: Path) -> int:
    """Temp files of clean files a killed batch was writing (their item is not in the record,
    so it is done again); how many were removed."""
    torn = [p for p in output.glob(TORN_WRITES) if p.is_file()]
    for path in torn:
        path.unlink(missing_ok=True)
    return len(torn)


def work_folder(output: Path) -> Path:
    folder = output / WORK_FOLDER
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _whole_lines(path: Path, parse: Callable[[Any], T]) -> list[T]:
    """``parse`` of each whole line of ``path``; a line torn by a crash, or one ``parse`` cannot
    read, is cut off the file with anything after it (not done: done again)."""
    if not path.exists():
        return []
    raw = path.read_bytes()
    good, values = 0, []
    for line in raw.splitlines(keepends=True):
        if not line.endswith(b"\n"):
            break
        try:
            values.append(parse(json.loads(line)))
        except (ValueError, KeyError, TypeError):
            break
        good += len(line)
    if good < len(raw):
        with open(path, "r+b") as handle:
            handle.truncate(good)
            os.fsync(handle.fileno())
    return values


def _done(value: Any) -> Done:
    return Done(str(value["checksum"]), int(value["position"]), Status(value["status"]),
                str(value.get("reason", "")), tuple(value.get("outputs", ())))


def _attempted(value: Any) -> str:
    return str(value["checksum"])


def _append(path: Path, line: str) -> None:
    new = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    if new:
        fsync_dir(path.parent)


class WorkRecord:
    def __init__(self, folder: Path) -> None:
        self.path = folder / RECORD_FILE
        self.attempts_path = folder / ATTEMPTS_FILE
        self.done: dict[str, Done] = {}
        self.attempted: set[str] = set()  # begun on the driver by an earlier run
        self._read()

    def _read(self) -> None:
        self.done = {done.checksum: done for done in _whole_lines(self.path, _done)}
        self.attempted = set(_whole_lines(self.attempts_path, _attempted))

    def __contains__(self, checksum: str) -> bool:
        return checksum in self.done

    def crashed(self, checksum: str) -> bool:
        """Begun on the driver by an earlier run that ended before finishing it."""
        return checksum in self.attempted and checksum not in self.done

    def attempt(self, checksum: str, position: int) -> None:
        """Before the driver runs an item itself: if it never comes back, the next run knows."""
        _append(self.attempts_path, json.dumps({"checksum": checksum, "position": position},
                                               sort_keys=True))
        self.attempted.add(checksum)

    def add(self, done: Done) -> None:
        _append(self.path, done.to_json())
        self.done[done.checksum] = done
