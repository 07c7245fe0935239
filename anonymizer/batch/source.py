"""What a batch works on: the files of a folder (recursively, in path order) or the rows of a
manifest CSV, as ``Item``s in input order (the order numbers are given in).

A manifest has a header row naming its columns: ``path`` (required; relative to the manifest's
folder), ``config`` (a study's settings TOML; empty: the command's settings), ``participant`` (a
participant number, never a name) and ``wave``. OS clutter and hidden files of a folder are
skipped (the daemon's rule); any other file is an item, and one the readers cannot take is
refused with its reason when its turn comes.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from anonymizer.daemon.watcher import is_ignored
from anonymizer.errors import InputError

COLUMNS = ("path", "config", "participant", "wave")


@dataclass(frozen=True)
class Item:
    position: int  # in input order, from 0
    path: Path
    config: Path | None = None
    participant: int | None = None
    wave: str | None = None


def items_from(source: Path) -> list[Item]:
    if source.is_dir():
        return folder_items(source)
    if source.suffix.lower() == ".csv" and source.is_file():
        return manifest_items(source)
    if not source.exists():
        raise InputError(f"{source}: no such folder or manifest")
    raise InputError(f"{source}: not a folder or a manifest .csv")


def folder_items(folder: Path) -> list[Item]:
    paths = sorted(p for p in folder.rglob("*")
                   if not any(is_ignored(part) for part in p.relative_to(folder).parts)
                   and not p.is_dir())
    return [Item(i, p) for i, p in enumerate(paths)]


def manifest_items(manifest: Path) -> list[Item]:
    try:
        with open(manifest, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
            header = rows[0].keys() if rows else []
    except (OSError, UnicodeDecodeError, csv.Error):
        raise InputError(f"{manifest}: cannot be read as a UTF-8 CSV file") from None
    if rows and "path" not in header:
        raise InputError(f"{manifest}: the header row has no 'path' column")
    unknown = sorted(str(c) for c in set(header) - set(COLUMNS) if c is not None)
    if unknown:
        raise InputError(f"{manifest}: unknown column(s) {', '.join(unknown)} "
                         f"(known: {', '.join(COLUMNS)})")
    base = manifest.parent
    items: list[Item] = []
    for number, row in enumerate(rows, 2):  # line 1 is the header
        path = (row.get("path") or "").strip()
        if not path:
            raise InputError(f"{manifest}: line {number}: empty path")
        config = (row.get("config") or "").strip()
        participant = (row.get("participant") or "").strip()
        if participant and not participant.isdigit():
            raise InputError(f"{manifest}: line {number}: participant must be a number "
                             "(names never go into a manifest)")
        items.append(Item(len(items), base / path, base / config if config else None,
                          int(participant) if participant else None,
                          (row.get("wave") or "").strip() or None))
    return items
