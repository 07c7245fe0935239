"""The rules history: each correction (what, which identity, who, when, why) and the reruns of
the releases it concerns, read from the audit log. Numbers, kinds and codes only.

Shown by ``anonymizer rules history`` and in the ethics report ("Corrections and reruns").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC
from typing import Any

from anonymizer.audit.corrections import CORRECTION_EVENTS, is_correction
from anonymizer.audit.records import AuditEvent, AuditRecord

_TARGET = {  # event -> (kind field, number field) of the identity it concerns
    "participant_added": ("kind", "number"), "review_decision": ("kind", "number"),
    "identity_aliased": ("kind", "number"), "identities_merged": ("kind", "keep"),
    "participants_merged": ("kind", "keep"), "identity_moved": ("into_kind", "into"),
}
_CAUSE = "correction_"


def _event(record: AuditRecord) -> str:
    return str(getattr(record.event, "value", record.event))


def _time(record: AuditRecord) -> str:
    return record.time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def history_rows(records: Iterable[AuditRecord]) -> list[dict[str, Any]]:
    """One row per correction, oldest first, with the reruns it caused and how each ended."""
    rows: list[dict[str, Any]] = []
    by_number: dict[int, dict[str, Any]] = {}
    reruns: dict[int, list[dict[str, Any]]] = {}
    outcome: dict[str, str] = {}  # rerun job -> released | refused
    for record in records:
        event, fields = _event(record), record.fields
        if is_correction(event, fields):
            kind_field, number_field = _TARGET.get(event, ("kind", "number"))
            row = {"number": record.seq, "time": _time(record), "who": record.actor,
                   "what": event, "why": CORRECTION_EVENTS[event],
                   "kind": fields.get(kind_field), "identity": fields.get(number_field)}
            if event == "identities_merged":
                row["absorbed"] = f"{fields.get('absorb_kind')}:{fields.get('absorb')}"
            rows.append(row)
            by_number[record.seq] = row
            reruns[record.seq] = []
        elif event == AuditEvent.RERUN_REQUESTED.value:
            cause = str(fields.get("cause_code") or "")
            if cause.startswith(_CAUSE) and cause[len(_CAUSE):].isdigit():
                caused = reruns.get(int(cause[len(_CAUSE):]))
                if caused is not None:
                    caused.append({"job_id": fields.get("job_id"),
                                          "participant": fields.get("participant"),
                                          "wave": fields.get("wave")})
        elif event == AuditEvent.RELEASED.value:
            outcome[str(fields.get("job_id"))] = "released"
        elif event == AuditEvent.RERUN_REFUSED.value:
            outcome[str(fields.get("job_id"))] = "refused"
    for row in rows:
        row["reruns"] = reruns[row["number"]]
        for rerun in row["reruns"]:
            rerun["outcome"] = outcome.get(str(rerun["job_id"]), "queued or running")
    return rows


def describe(row: dict[str, Any]) -> str:
    """One line of ``rules history``."""
    target = f"{row['kind']}:{row['identity']}" if row.get("identity") is not None else "-"
    if row.get("absorbed"):
        target += f" (absorbed {row['absorbed']})"
    reruns = row["reruns"]
    done = sum(r["outcome"] == "released" for r in reruns)
    rerun_text = (f"{len(reruns)} rerun(s), {done} released: " + ", ".join(
        f"P{r['participant']} {r['wave']} {r['outcome']}" for r in reruns)) if reruns else \
        "no reruns yet"
    return (f"{row['number']:>6}  {row['time']}  {row['who']:<12} {row['what']:<20} {target:<22}"
            f" {row['why']}; {rerun_text}")
