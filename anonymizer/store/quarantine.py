"""Quarantine: an input the daemon will not release, kept whole, with a small name-free report.

``quarantine/20240301T120000Z-3f2a9c0d11e24b7a.docx`` (time, then the first 16 hex digits of the
input's SHA-256 -- or of the job id when the input could not be read) and beside it
``<same>.report.json``::

    {"v": 1, "reason": "zip_bomb", "stage": "read", "time": "...Z", "tool_version": "0.1.0",
     "job_id": "...", "input_sha256": "..." | null, "input_bytes": 1234 | null,
     "participant": 7 | null, "detail": "...", "what_to_do": "..."}

No part of the inbox file name is used (it may hold a participant's name). ``detail`` is only ever
a reader's name-free detail (``UnreadableTranscript.detail``: kinds, sizes, offsets) or a fixed
text; never an exception's message, which might quote the file. The input is moved, not copied,
so it is never lost and never in two places.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from anonymizer import __version__
from anonymizer.fsutil import atomic_write, make_dirs, move_file, remove_durably
from anonymizer.refusals import Reason, Stage
from anonymizer.store.reasons import HINTS

REPORT_SUFFIX = ".report.json"
_EXT = re.compile(r"\.[a-z0-9]{1,8}")


class Quarantine:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def prepare(self) -> None:
        make_dirs(self.folder, 0o700)

    def name_for(self, *, job: str, sha256: str | None, ext: str, now: datetime) -> str:
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        ident = (sha256 or job)[:16]
        ext = ext if _EXT.fullmatch(ext) else ""
        name = f"{stamp}-{ident}{ext}"
        n = 2
        while (self.folder / name).exists() or (self.folder / name).is_symlink() or \
                (self.folder / (name + REPORT_SUFFIX)).exists():
            name = f"{stamp}-{ident}-{n}{ext}"
            n += 1
        return name

    def move_in(self, source: Path, name: str) -> bool:
        """Move ``source`` in under ``name``; False if it is already there (a resumed move)."""
        target = self.folder / name
        if not (source.exists() or source.is_symlink()):
            return False
        move_file(source, target)
        return True

    def write_report(self, name: str, *, reason: Reason, stage: Stage, job: str,
                     sha256: str | None, size: int | None, participant: int | None,
                     detail: str, now: datetime) -> None:
        report = {
            "v": 1, "reason": reason.value, "stage": stage.value,
            "time": now.isoformat().replace("+00:00", "Z"), "tool_version": __version__,
            "job_id": job, "input_sha256": sha256, "input_bytes": size,
            "participant": participant, "detail": detail, "what_to_do": HINTS[reason],
        }
        data = json.dumps(report, indent=2, sort_keys=True).encode() + b"\n"
        atomic_write(self.folder / (name + REPORT_SUFFIX), data, tag=job[:12])

    def reports(self) -> list[tuple[str, dict[str, Any]]]:
        found = []
        with contextlib.suppress(FileNotFoundError):
            for entry in sorted(os.scandir(self.folder), key=lambda e: e.name):
                if entry.name.endswith(REPORT_SUFFIX) and not entry.name.startswith("."):
                    try:
                        report = json.loads(Path(entry.path).read_bytes())
                    except (OSError, ValueError):
                        continue
                    if isinstance(report, dict):
                        found.append((entry.name[: -len(REPORT_SUFFIX)], report))
        return found

    def holding(self) -> dict[str, str]:
        """Input checksum -> quarantined file name, for inputs still here."""
        return {r["input_sha256"]: name for name, r in self.reports()
                if isinstance(r.get("input_sha256"), str) and self.holds(name)}

    def holds(self, name: str) -> bool:
        path = self.folder / name
        return path.exists() or path.is_symlink()

    def remove(self, name: str) -> int:
        """Delete a quarantined input and its report (a withdrawal's purge)."""
        return remove_durably(self.folder / name) + remove_durably(
            self.folder / (name + REPORT_SUFFIX))
