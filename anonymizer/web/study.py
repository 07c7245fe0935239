"""What the workbench reads about the study: releases, their review state, quarantined inputs.

Reads only: the store's sidecars (``anonymizer.store.released``), the quarantine reports, and
the audit log (verified as it is read). A release is *reviewed* when a ``review_decision``
``accepted`` record names its job id.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anonymizer.audit.log import AuditEvent, AuditLogBroken, AuditRecord
from anonymizer.audit.verify import iter_records
from anonymizer.errors import InputError
from anonymizer.report.gather import wave_order
from anonymizer.settings import Settings
from anonymizer.store.quarantine import Quarantine
from anonymizer.store.released import (
    Released,
    load_released,
    read_meta,
    sidecars,
    stem_of,
    store_folder,
)

STEM_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


@dataclass(frozen=True)
class ReleaseRow:
    stem: str
    participant: int
    wave: str
    job_id: str
    anonymized_at: str
    replacements: int
    flags: int
    input_sha256: str
    supersedes: str | None
    reviewed_by: str | None  # the account that accepted this version, if one did


@dataclass(frozen=True)
class QuarantineRow:
    name: str  # <time>-<checksum>.<ext>: no part of the inbox name
    reason: str
    stage: str
    time: str
    what_to_do: str
    input_sha256: str | None
    participant: int | None


def history(settings: Settings, key: bytes) -> list[AuditRecord]:
    """The audit records, oldest first, up to the first bad one."""
    found: list[AuditRecord] = []
    try:
        for record in iter_records(settings.audit_path(), key):
            found.append(record)
    except AuditLogBroken:
        pass
    except FileNotFoundError:
        pass
    return found


def _event(record: AuditRecord) -> str:
    return str(getattr(record.event, "value", record.event))


def accepted_jobs(records: list[AuditRecord]) -> dict[str, str]:
    """Job id -> the account that accepted it."""
    return {str(r.fields.get("job_id")): r.actor for r in records
            if _event(r) == AuditEvent.REVIEW_DECISION.value
            and r.fields.get("decision") == "accepted" and r.fields.get("job_id")}


def releases(settings: Settings, records: list[AuditRecord]) -> list[ReleaseRow]:
    accepted = accepted_jobs(records)
    rows = []
    for path in sidecars(store_folder(settings)):
        meta = read_meta(path)
        if meta is None or not isinstance(meta.get("participant"), int):
            continue
        job = str(meta.get("job_id", ""))
        rows.append(ReleaseRow(
            stem=stem_of(path), participant=meta["participant"], wave=str(meta.get("wave", "")),
            job_id=job, anonymized_at=str(meta.get("anonymized_at", "")),
            replacements=int(meta.get("replacements", {}).get("total", 0)),
            flags=int(meta.get("residual_risk_flags") or 0),
            input_sha256=str(meta.get("input", {}).get("sha256", "")),
            supersedes=meta.get("supersedes"), reviewed_by=accepted.get(job)))
    rows.sort(key=lambda r: (r.participant, wave_order(r.wave), r.stem))
    return rows


def quarantine(settings: Settings) -> Quarantine:
    return Quarantine(Path(settings.paths.folder("quarantine")))


def quarantined(settings: Settings) -> list[QuarantineRow]:
    folder = quarantine(settings)
    rows = []
    for name, report in folder.reports():
        if not folder.holds(name):
            continue
        participant = report.get("participant")
        rows.append(QuarantineRow(
            name=name, reason=str(report.get("reason", "")), stage=str(report.get("stage", "")),
            time=str(report.get("time", "")), what_to_do=str(report.get("what_to_do", "")),
            input_sha256=report.get("input_sha256"),
            participant=participant if isinstance(participant, int) else None))
    return rows


def released(settings: Settings, stem: str) -> Released:
    """The release named ``stem`` exactly (a URL's stem: no paths, no prefixes of ids)."""
    if not stem or not set(stem) <= STEM_CHARS:
        raise InputError("not a released transcript's name")
    for path in sidecars(store_folder(settings)):
        if stem_of(path) == stem:
            return load_released(path)
    raise InputError("no released transcript of that name (it may have been re-run)")


def meta_of(row: ReleaseRow) -> dict[str, Any]:
    return {"participant": row.participant, "wave": row.wave}
