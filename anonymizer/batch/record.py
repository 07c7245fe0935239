"""The work record: one line per finished item, so a batch cut short (``kill -9`` of the driver
or a worker, a power cut) is finished by running the same command again, with nothing done twice.

``OUT/.batch/record.jsonl`` holds, per item, its SHA-256, its position, ``released`` with the
names of its clean files or ``refused`` with a reason code: no path, no name, no text. A line is
appended (and fsynced) only after the item's clean files are durable and its numbers are
committed to the vault, so an item is either in the record with all of its outputs, or it is
done again. A line torn by a crash is dropped when the record is read.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from anonymizer.fsutil import fsync_dir

WORK_FOLDER = ".batch"
RECORD_FILE = "record.jsonl"


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


class WorkRecord:
    def __init__(self, folder: Path) -> None:
        self.path = folder / RECORD_FILE
        self.done: dict[str, Done] = {}
        self._read()

    def _read(self) -> None:
        if not self.path.exists():
            return
        raw = self.path.read_bytes()
        good = 0
        for line in raw.splitlines(keepends=True):
            try:
                value = json.loads(line)
                done = Done(str(value["checksum"]), int(value["position"]),
                            Status(value["status"]), str(value.get("reason", "")),
                            tuple(value.get("outputs", ())))
            except (ValueError, KeyError, TypeError):
                break  # a line torn by a crash: it and anything after it are not done
            if not line.endswith(b"\n"):
                break
            self.done[done.checksum] = done
            good += len(line)
        if good < len(raw):
            with open(self.path, "r+b") as handle:
                handle.truncate(good)
                os.fsync(handle.fileno())

    def __contains__(self, checksum: str) -> bool:
        return checksum in self.done

    def add(self, done: Done) -> None:
        new = not self.path.exists()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, (done.to_json() + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        if new:
            fsync_dir(self.path.parent)
        self.done[done.checksum] = done
