"""The analysis store: ``store/<project>/<P07>/<wave2>/P07_wave2.txt`` + ``.meta.json``.

A release, under the store lock (``.store.lock``; purges take it too):

1. ``plan`` picks the file names (``P07_wave2``, or ``P07_wave2_part2`` if another transcript
   holds that name: nothing is ever overwritten); ``plan_rerun`` keeps the names of the
   release it replaces (``P07_wave2`` again: a QDA project that imported ``P07_wave2.docx``
   keeps its link) and marks the plan ``staged``; the caller journals the plan;
2. ``write_clean`` writes each clean file to a hidden temp file, fsyncs and renames it -- for a
   staged plan, to its staged name ``.P07_wave2.txt.staged`` beside the old release's file;
3. ``commit`` writes the sidecar the same way -- the commit point: from here the transcript is
   released, and a restart finishes the job instead of rolling it back (for a rerun in place
   the rename replaces the old version's sidecar: before it the old version is released,
   after it the new one);
4. ``place_staged`` (a staged plan) renames each staged file over the old version's file;
   idempotent, and redone by recovery for a committed plan, so after a crash the folder holds
   the old version whole or the new one whole, never a mixture;
5. the catalog rows are appended (a rerun: the catalog is rewritten, one row per transcript).

A clean file without its sidecar is never "released": on restart the journal's plan says whose it
is and it is rolled back; one that no journal claims (a purge cut short) is removed at start.
Files are 0640 and folders 0750, for a research group reading the store.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from anonymizer.fsutil import (
    atomic_write,
    exclusive_lock,
    fsync_dir,
    make_dirs,
    remove_durably,
    remove_temps,
)
from anonymizer.store.catalog import Catalog, rows_for
from anonymizer.store.metadata import FORMAT
from anonymizer.store.naming import (
    participant_folder,
    released_stem,
    revision_of,
)

META_SUFFIX = ".meta.json"
LOCK_FILE = ".store.lock"
WITHDRAWN_INPUTS = ".withdrawn-inputs"
STAGED_SUFFIX = ".staged"
FILE_MODE = 0o640
DIR_MODE = 0o750
# What this store writes itself: P07_wave2.txt, P07_wave2_part2.docx, P07_wave1.vtt,
# P07_wave2_r2.meta.json
_OURS = re.compile(
    r"P\d{2,}_[a-z0-9][a-z0-9-]*(?:_part\d+)?(?:_r\d+)?(?:\.txt|\.docx|\.vtt|\.srt|\.meta\.json)")


@dataclass(frozen=True)
class ReleasePlan:
    folder: str  # relative to the project's store folder: "P07/wave2"
    stem: str  # "P07_wave2"
    files: tuple[tuple[str, str], ...]  # (file name, sha256) of each clean file
    meta: str  # sidecar file name
    participant: int
    wave: str
    staged: bool = False  # a rerun in place: clean files are written under staged names

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "files": [list(f) for f in self.files]}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> ReleasePlan:
        return cls(str(value["folder"]), str(value["stem"]),
                   tuple((str(n), str(s)) for n, s in value["files"]), str(value["meta"]),
                   int(value["participant"]), str(value["wave"]),
                   bool(value.get("staged", False)))

    def written_names(self) -> list[str]:
        """The names ``write_clean`` writes: the final names, or the staged ones."""
        return [staged_name(n) if self.staged else n for n, _ in self.files]


def staged_name(name: str) -> str:
    """Where a rerun in place writes ``name`` before its commit (hidden: no reader lists it)."""
    return f".{name}{STAGED_SUFFIX}"



class Store:
    def __init__(self, root: Path, project: str) -> None:
        self.folder = Path(root) / project
        self.catalog = Catalog(self.folder)

    def prepare(self) -> None:
        make_dirs(self.folder, DIR_MODE)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        with exclusive_lock(self.folder / LOCK_FILE, wait=True, what="store"):
            yield

    # -- reading -----------------------------------------------------------------------------
    def sidecars(self) -> Iterator[Path]:
        for participant in _subfolders(self.folder):
            for wave in _subfolders(participant):
                for entry in sorted(os.scandir(wave), key=lambda e: e.name):
                    if entry.name.endswith(META_SUFFIX) and not entry.name.startswith(".") \
                            and entry.is_file(follow_symlinks=False):
                        yield Path(entry.path)

    def read_meta(self, path: Path) -> dict[str, Any] | None:
        try:
            meta = json.loads(path.read_bytes())
        except (OSError, ValueError):
            return None
        return meta if isinstance(meta, dict) and meta.get("format") == FORMAT else None

    def relative(self, path: Path) -> str:
        return path.relative_to(self.folder).as_posix()

    def all_meta(self) -> Iterator[tuple[Path, dict[str, Any]]]:
        for path in self.sidecars():
            meta = self.read_meta(path)
            if meta is not None:
                yield path, meta

    def catalog_rows(self) -> list[dict[str, str]]:
        rows = []
        for path, meta in self.all_meta():
            rows += rows_for(meta, self.relative(path.parent), path.name)
        return rows

    def released_inputs(self) -> dict[str, Path]:
        """Input checksum -> sidecar, for duplicate detection."""
        return {meta["input"]["sha256"]: path for path, meta in self.all_meta()}

    def withdrawn_inputs(self) -> set[str]:
        try:
            text = (self.folder / WITHDRAWN_INPUTS).read_text(encoding="ascii")
        except (FileNotFoundError, UnicodeDecodeError):
            return set()
        return {line.strip() for line in text.splitlines() if len(line.strip()) == 64}

    # -- releasing ---------------------------------------------------------------------------
    def plan(self, participant: int, wave: str, suffixes: list[tuple[str, str]],
             reserved: set[str]) -> ReleasePlan:
        """File names for a release. ``suffixes`` are (".txt", sha256) per clean file;
        ``reserved`` are stems other journal entries have planned in this folder."""
        folder = f"{participant_folder(participant)}/{wave}"
        target = self.folder / folder
        # a transcript re-run before reruns were in place (P07_wave2_r2) still holds its first
        # name: another transcript named P07_wave2 beside it would read as one of its versions
        rerun = {revision_of(name[: -len(META_SUFFIX)])[0] for name in _names_in(target)
                 if name.endswith(META_SUFFIX)}
        part = 1
        while True:
            stem = released_stem(participant, wave, part)
            names = [stem + suffix for suffix, _ in suffixes] + [stem + META_SUFFIX]
            taken = stem in rerun or any(
                (target / n).exists() or (target / n).is_symlink() for n in names)
            if not taken and f"{folder}/{stem}" not in reserved:
                break
            part += 1
        return ReleasePlan(folder, stem, tuple((stem + s, sha) for s, sha in suffixes),
                           stem + META_SUFFIX, participant, wave)

    def plan_rerun(self, old_stem: str, participant: int, wave: str,
                   suffixes: list[tuple[str, str]]) -> ReleasePlan:
        """File names for a rerun of ``old_stem``: the same names, in the same folder, written
        staged (``write_clean``) and placed over the old files once committed
        (``place_staged``)."""
        folder = f"{participant_folder(participant)}/{wave}"
        return ReleasePlan(folder, old_stem, tuple((old_stem + s, sha) for s, sha in suffixes),
                           old_stem + META_SUFFIX, participant, wave, staged=True)

    def write_clean(self, plan: ReleasePlan, contents: dict[str, bytes], job: str) -> None:
        target = self.folder / plan.folder
        make_dirs(target, DIR_MODE)
        for (name, _), written in zip(plan.files, plan.written_names(), strict=True):
            atomic_write(target / written, contents[name], tag=job[:12], mode=FILE_MODE)

    def place_staged(self, plan: ReleasePlan) -> int:
        """After the commit of a staged plan: each staged file renamed over the old version's
        (idempotent: a name already placed is skipped). Returns how many were placed."""
        if not plan.staged:
            return 0
        target = self.folder / plan.folder
        placed = 0
        for name, _ in plan.files:
            with contextlib.suppress(FileNotFoundError):
                os.replace(target / staged_name(name), target / name)
                placed += 1
        if placed:
            fsync_dir(target)
        return placed

    def commit(self, plan: ReleasePlan, meta: dict[str, Any], job: str) -> None:
        data = json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False).encode() + b"\n"
        atomic_write(self.folder / plan.folder / plan.meta, data, tag=job[:12], mode=FILE_MODE)

    def rewrite_meta(self, path: Path, meta: dict[str, Any], job: str) -> None:
        """A committed sidecar with a field added after its release (a steward's review)."""
        data = json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False).encode() + b"\n"
        atomic_write(path, data, tag=job[:12], mode=FILE_MODE)

    def is_committed(self, plan: ReleasePlan, job: str) -> bool:
        return self.holds(plan.folder, plan.meta, job)

    def holds(self, folder: str, meta_name: str, job: str) -> bool:
        """Whether ``folder/meta_name`` is the sidecar of job ``job`` (it is released)."""
        meta = self.read_meta(self.folder / folder / meta_name)
        return meta is not None and meta.get("job_id") == job

    def roll_back(self, plan: ReleasePlan) -> int:
        """Remove what an uncommitted release wrote (its clean files -- for a staged plan only
        the staged ones: the final names are the old version's --, temp files)."""
        target = self.folder / plan.folder
        removed = sum(remove_durably(target / name) for name in plan.written_names())
        if target.is_dir():
            remove_temps(target)
        return removed

    def claimed_names(self, folder: Path) -> set[str]:
        """The file names the sidecars in ``folder`` (a wave folder) list."""
        claimed: set[str] = set()
        with contextlib.suppress(FileNotFoundError):
            for entry in os.scandir(folder):
                if entry.name.endswith(META_SUFFIX):
                    meta = self.read_meta(Path(entry.path))
                    if meta is not None:
                        claimed |= {f["name"] for f in meta["files"]}
        return claimed

    # -- housekeeping ------------------------------------------------------------------------
    def clean_orphans(self, planned: set[str]) -> int:
        """At start: remove temp files, and clean files of ours that no sidecar and no journal
        plan claims (a purge or a release cut short). Returns how many clean files went."""
        removed = 0
        if not self.folder.is_dir():
            return 0
        remove_temps(self.folder)
        for participant in _subfolders(self.folder):
            for wave in _subfolders(participant):
                remove_temps(wave)
                claimed = self.claimed_names(wave)
                for entry in list(os.scandir(wave)):
                    rel = f"{participant.name}/{wave.name}/{entry.name}"
                    if entry.name.startswith(".") and entry.name.endswith(STAGED_SUFFIX) \
                            and _OURS.fullmatch(entry.name[1: -len(STAGED_SUFFIX)]) \
                            and rel not in planned:
                        removed += remove_durably(Path(entry.path))  # a rerun's, unjournaled
                    elif _OURS.fullmatch(entry.name) and not entry.name.endswith(META_SUFFIX) \
                            and entry.name not in claimed and rel not in planned:
                        removed += remove_durably(Path(entry.path))
        return removed

    def remove_empty_folders(self, participant: int) -> None:
        folder = self.folder / participant_folder(participant)
        for wave in _subfolders(folder):
            with contextlib.suppress(OSError):
                wave.rmdir()
        with contextlib.suppress(OSError):
            folder.rmdir()
        fsync_dir(self.folder)


def _names_in(folder: Path) -> list[str]:
    try:
        return [e.name for e in os.scandir(folder)]
    except (FileNotFoundError, NotADirectoryError):
        return []


def _subfolders(folder: Path) -> list[Path]:
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(Path(e.path) for e in entries
                  if not e.name.startswith(".") and e.is_dir(follow_symlinks=False))
