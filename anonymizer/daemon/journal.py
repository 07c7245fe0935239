"""The work journal: one small JSON file per job, replaced atomically at each step.

``work/<job>.job.json`` says how far the job got, so that after ``kill -9`` or a power cut every
job is resumed or rolled back -- never lost, never released twice. It holds numbers, codes,
checksums and store-relative names only: never the inbox file name (it may hold a name), never
text from the file. Each state is written (fsynced, renamed, folder fsynced) BEFORE the step it
announces, so on restart the state names the step that may be half done::

    claiming      about to rename the input from the inbox to work/<job><ext> (for a rerun:
                  about to write the decrypted sealed original there)
    claimed       the input is in work/; nothing released
    releasing     the plan (store folder, file names, checksums) is fixed; clean files may be
                  in the store, the metadata sidecar -- the commit point -- may be there
    released      the sidecar is durable: the transcript is released (audit, seal, clean up)
    sealed        the original is sealed or deleted by policy; only work/ cleanup remains
                  (for a rerun: also removing the release it supersedes)
    quarantining  moving the input to quarantine/ under ``quarantine.name``
    discarding    a rerun was refused: about to record that and delete its input from work/
                  (the release it would have replaced and its sealed original stay as they are)

Recovery rules (``anonymizer.daemon.recovery``): ``claiming`` -> the input is in work/ (treat as
claimed) or not (drop the entry); ``claimed`` -> process again; ``releasing`` ->
the sidecar is there with this job id (finish as released) or not (delete this plan's files and
process again); ``released`` -> audit if missing, seal, clean up; ``sealed`` -> clean up;
``quarantining`` -> finish the move and the report; ``discarding`` -> audit if missing, clean
up. ``attempts`` counts processing starts: a file that kills the daemon every time is
quarantined (a rerun: discarded) after ``MAX_ATTEMPTS``.

A rerun (``anonymizer.daemon.rerun``) is an entry with ``supersedes``: the release it replaces.
It goes through the same states; after its own commit point every step that removes the old
release (sidecar first, then its files and catalog rows, then -- once the new original is
sealed -- the old sealed original) is idempotent and finished by recovery.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from dataclasses import asdict, dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Any

from anonymizer.fsutil import atomic_write, remove_durably
from anonymizer.refusals import Refusal
from anonymizer.store.layout import ReleasePlan
from anonymizer.store.naming import NameClues

SUFFIX = ".job.json"
MAX_ATTEMPTS = 3
_JOB_ID = re.compile(r"[0-9a-f]{32}")


class JobState(str, Enum):
    CLAIMING = "claiming"
    CLAIMED = "claimed"
    RELEASING = "releasing"
    RELEASED = "released"
    SEALED = "sealed"
    QUARANTINING = "quarantining"
    DISCARDING = "discarding"


@dataclass(frozen=True)
class QuarantinePlan:
    name: str  # the file's name in quarantine/ (no part of the inbox name)
    refusal: Refusal

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, **self.refusal.to_json()}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> QuarantinePlan:
        return cls(str(value["name"]), Refusal.from_json(value))


@dataclass(frozen=True)
class Supersedes:
    """The release a rerun replaces, as its sidecar said when the rerun began."""

    job: str  # its job id
    folder: str  # relative to the project's store folder: "P07/wave2"
    stem: str  # "P07_wave2"
    meta: str  # its sidecar's file name
    files: tuple[tuple[str, str], ...]  # (file name, sha256) of its clean files and review data
    original: str  # its sealed original, relative to the project's originals folder
    input_sha256: str
    version: int = 1  # its sidecar's version (1 for a release from before versions)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "files": [list(f) for f in self.files]}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Supersedes:
        job = str(value["job"])
        if not _JOB_ID.fullmatch(job):
            raise ValueError("supersedes.job is not a job id")
        return cls(job, str(value["folder"]), str(value["stem"]), str(value["meta"]),
                   tuple((str(n), str(s)) for n, s in value["files"]), str(value["original"]),
                   str(value["input_sha256"]), int(value.get("version", 1)))


@dataclass(frozen=True)
class JournalEntry:
    job: str  # 32 hex digits
    state: JobState
    ext: str  # the input's extension, lower case (".docx"), or ""
    received_at: str  # ISO-8601 UTC
    clues: NameClues = field(default_factory=NameClues)
    bad_name: bool = False
    attempts: int = 0
    input_sha256: str | None = None
    input_bytes: int | None = None
    release: ReleasePlan | None = None
    quarantine: QuarantinePlan | None = None
    participants: tuple[int, ...] = ()  # speaking participants, for the withdrawal purge
    supersedes: Supersedes | None = None  # a rerun: the release it replaces
    refusal: Refusal | None = None  # a refused rerun (state discarding)

    @property
    def input_name(self) -> str:
        return f"{self.job}{self.ext}"

    def moved(self, state: JobState, **changes: Any) -> JournalEntry:
        return replace(self, state=state, **changes)

    def to_json(self) -> dict[str, Any]:
        return {
            "v": 1, "job": self.job, "state": self.state.value, "ext": self.ext,
            "received_at": self.received_at, "clues": self.clues.to_json(),
            "bad_name": self.bad_name, "attempts": self.attempts,
            "input_sha256": self.input_sha256, "input_bytes": self.input_bytes,
            "release": None if self.release is None else self.release.to_json(),
            "quarantine": None if self.quarantine is None else self.quarantine.to_json(),
            "participants": list(self.participants),
            "supersedes": None if self.supersedes is None else self.supersedes.to_json(),
            "refusal": None if self.refusal is None else self.refusal.to_json(),
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> JournalEntry:
        if value.get("v") != 1 or not _JOB_ID.fullmatch(str(value.get("job"))):
            raise ValueError("not a version 1 journal entry")
        release, quarantine = value.get("release"), value.get("quarantine")
        supersedes, refusal = value.get("supersedes"), value.get("refusal")
        return cls(
            job=str(value["job"]), state=JobState(value["state"]), ext=str(value["ext"]),
            received_at=str(value["received_at"]),
            clues=NameClues.from_json(value.get("clues") or {}),
            bad_name=bool(value.get("bad_name", False)), attempts=int(value.get("attempts", 0)),
            input_sha256=value.get("input_sha256"), input_bytes=value.get("input_bytes"),
            release=None if release is None else ReleasePlan.from_json(release),
            quarantine=None if quarantine is None else QuarantinePlan.from_json(quarantine),
            participants=tuple(int(n) for n in value.get("participants", ())),
            supersedes=None if supersedes is None else Supersedes.from_json(supersedes),
            refusal=None if refusal is None else Refusal.from_json(refusal),
        )


class Journal:
    """The entries in the work folder."""

    def __init__(self, work: Path) -> None:
        self.work = Path(work)

    def path(self, job: str) -> Path:
        return self.work / f"{job}{SUFFIX}"

    def input_path(self, entry: JournalEntry) -> Path:
        return self.work / entry.input_name

    def save(self, entry: JournalEntry) -> JournalEntry:
        data = json.dumps(entry.to_json(), sort_keys=True, separators=(",", ":")).encode()
        atomic_write(self.path(entry.job), data, tag="journal")
        return entry

    def close(self, entry: JournalEntry) -> None:
        """The job is finished: its input (if still here) and its entry go."""
        remove_durably(self.input_path(entry))
        remove_durably(self.path(entry.job))

    def entries(self) -> list[tuple[str, JournalEntry | None]]:
        """Every entry, oldest first; ``None`` for one that cannot be parsed (kept for a human:
        a torn entry is impossible with atomic replacement, so it means someone edited it)."""
        found = []
        with contextlib.suppress(FileNotFoundError):
            for entry in os.scandir(self.work):
                if entry.name.endswith(SUFFIX) and not entry.name.startswith("."):
                    job = entry.name[: -len(SUFFIX)]
                    found.append((entry.stat().st_mtime_ns, job, Path(entry.path)))
        out: list[tuple[str, JournalEntry | None]] = []
        for _, job, path in sorted(found):
            try:
                parsed = JournalEntry.from_json(json.loads(path.read_bytes()))
            except (OSError, ValueError, KeyError, TypeError):
                parsed = None
            if parsed is not None and parsed.job != job:
                parsed = None
            out.append((job, parsed))
        return out

    def orphan_inputs(self, known: set[str]) -> list[Path]:
        """Files in work/ that belong to no entry (left by a claim whose entry was lost)."""
        orphans = []
        with contextlib.suppress(FileNotFoundError):
            for entry in os.scandir(self.work):
                name = entry.name
                if name.startswith(".") or name.endswith(SUFFIX):
                    continue
                job = name.split(".", 1)[0]
                if _JOB_ID.fullmatch(job) and job not in known:
                    orphans.append(Path(entry.path))
        return sorted(orphans)
