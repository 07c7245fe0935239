"""``catalog.csv``: one row per released clean file, for import into a qualitative-analysis tool.

The sidecars are the truth; the catalog is derived from them. A release appends its rows (one
write, fsynced) after its sidecar is durable; a purge rewrites the file atomically without the
withdrawn participant's rows; and at start the daemon rebuilds it from the sidecars if it
differs (a crash between sidecar and row, a torn append). Columns are fixed (one per kind of
replacement), so a QDA tool sees the same header in every study. No names: numbers, codes,
dates, checksums and the study's own metadata. A rerun replaces its transcript in place, so
the catalog keeps one row per clean file of each transcript: the latest version (``version``,
and ``supersedes``: the job id of the version before it).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from anonymizer.findings import EntityKind
from anonymizer.fsutil import append_durably, atomic_write

FILE_NAME = "catalog.csv"
_KIND_COLUMNS = [f"replaced_{kind.value.lower()}" for kind in EntityKind]
COLUMNS = [
    "file", "format", "participant", "wave", "project_id", "project_title",
    "ethics_committee", "ethics_reference", "approval_date", "consent_status", "consent_scope",
    "anonymized_at", "retention_until", "tool_version", "rules_digest", "language",
    "model_name", "model_version", "replacements_total", *_KIND_COLUMNS,
    "residual_risk_flags", "sha256", "input_sha256", "meta_file", "job_id", "version",
    "supersedes", "review_status", "reviewed_by", "reviewed_at",
]


def rows_for(meta: dict[str, Any], folder: str, meta_name: str) -> list[dict[str, str]]:
    """The catalog rows of one sidecar; paths relative to the project's store folder."""
    by_kind = meta["replacements"]["by_kind"]
    common = {
        "participant": str(meta["participant"]),
        "wave": meta["wave"],
        "project_id": meta["project"]["id"],
        "project_title": meta["project"]["title"],
        "ethics_committee": meta["ethics"]["committee"],
        "ethics_reference": meta["ethics"]["reference"],
        "approval_date": meta["ethics"]["approval_date"] or "",
        "consent_status": meta["consent"]["status"],
        "consent_scope": meta["consent"]["scope"],
        "anonymized_at": meta["anonymized_at"],
        "retention_until": meta["retention_until"] or "",
        "tool_version": meta["tool"]["version"],
        "rules_digest": meta["rules_digest"],
        "language": meta["language"],
        "model_name": meta["model"]["name"],
        "model_version": meta["model"]["version"],
        "replacements_total": str(meta["replacements"]["total"]),
        **{col: str(by_kind.get(kind.value, 0))
           for col, kind in zip(_KIND_COLUMNS, EntityKind, strict=True)},
        "residual_risk_flags": str(meta["residual_risk_flags"]),
        "input_sha256": meta["input"]["sha256"],
        "meta_file": f"{folder}/{meta_name}",
        "job_id": meta["job_id"],
        "version": str(meta.get("version", 1)),
        "supersedes": str(meta.get("supersedes") or ""),
        # a steward's review of this version (the workbench's "mark reviewed", via the daemon)
        "review_status": str((meta.get("review") or {}).get("status") or "not_reviewed"),
        "reviewed_by": str((meta.get("review") or {}).get("by") or ""),
        "reviewed_at": str((meta.get("review") or {}).get("at") or ""),
    }
    # One row per clean transcript file; the review data beside it is not a transcript.
    return [{**common, "file": f"{folder}/{f['name']}", "format": f["format"],
             "sha256": f["sha256"]} for f in meta["files"] if f["format"] != "review"]


def _cell(value: str) -> str:
    # Spreadsheets run a cell starting with = + - @ as a formula; the study's own title could.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def render(rows: Iterable[dict[str, str]], *, header: bool) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    if header:
        writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return buffer.getvalue().encode("utf-8")


class Catalog:
    def __init__(self, project_folder: Path) -> None:
        self.path = Path(project_folder) / FILE_NAME

    def append(self, rows: list[dict[str, str]]) -> None:
        header = not self.path.exists() or self.path.stat().st_size == 0
        append_durably(self.path, render(rows, header=header))

    def rewrite(self, rows: list[dict[str, str]]) -> None:
        """Replace the file by exactly ``rows`` (sorted by file), atomically."""
        data = render(sorted(rows, key=_order), header=True)
        atomic_write(self.path, data, tag="catalog", mode=0o640)

    def reconcile(self, rows: list[dict[str, str]]) -> bool:
        """Rewrite the file if it does not hold exactly ``rows`` (in any order); True if so."""
        existed = self.path.exists()
        have = render(sorted(self.read(), key=_order), header=True)
        if existed and have == render(sorted(rows, key=_order), header=True):
            return False
        self.rewrite(rows)
        return existed or bool(rows)

    def read(self) -> list[dict[str, str]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        try:
            return [row for row in csv.DictReader(io.StringIO(text))
                    if set(row) == set(COLUMNS) and None not in row.values()]
        except csv.Error:
            return []


def _order(row: dict[str, str]) -> tuple[str, str]:
    return row.get("file") or "", row.get("job_id") or ""
