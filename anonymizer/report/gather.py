"""What the ethics report says, gathered once into plain data; both renderers draw from it.

Sources, all name-free by construction:

* the settings: project and ethics-registry metadata;
* the analysis store's sidecars (``*.meta.json``): what is released now, counts by kind, rules,
  model and tool versions;
* the quarantine reports (``*.report.json``): reason, stage, time (never a file name: a
  quarantined file's name is a time and a checksum, and only the checksum's first 16 digits are
  shown);
* the audit log, read verified: the history (released, quarantined, withdrawn, merged,
  re-identified, decided), and ``verify_log`` on all of it. A broken log is reported with its
  first bad record, and the history stops there (everything after it is unproven);
* from the vault (optional, by the caller): live participant numbers and withdrawals.

The flow table (Table 1 of a qualitative study): one row per participant number, one column per
wave in natural order (``wave2`` before ``wave10``), and in each cell the state of that
participant's transcript(s) of that wave:

    released    in the store now, and its release is in the audit log
    unaudited   in the store, but no ``released`` record in the (verified part of the) log
    withdrawn   released once; the participant withdrew and the store was purged
    missing     the log says released, the store has no such file, and nobody withdrew
    not_purged  still in the store although the participant withdrew (the purge has not run)

A release replaced by its rerun (``anonymizer store rerun``: a ``superseded`` record, or a
sidecar's ``supersedes``) is no transcript of its own: it is neither counted nor missing, and its
rules and model versions are not listed; the transcript row of the new version names the job it
supersedes.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from anonymizer import __version__
from anonymizer.audit.anchor import AnchorMismatch, Head, anchor_path, check_head, verify_anchored
from anonymizer.audit.log import AuditEvent, AuditLogBroken, AuditRecord, verify_log
from anonymizer.audit.verify import iter_records
from anonymizer.report.corrections import history_rows
from anonymizer.store.released import read_meta, sidecars, stem_of, store_folder

FORMAT = "anonymizer-ethics-report/1"


class CellState:
    RELEASED = "released"
    UNAUDITED = "unaudited"
    WITHDRAWN = "withdrawn"
    MISSING = "missing"
    NOT_PURGED = "not_purged"


def wave_order(label: str) -> tuple[Any, ...]:
    """Natural order: letters compared as text, digit runs as numbers (wave2 < wave10)."""
    return tuple(int(p) if p.isdigit() else p.casefold()
                 for p in re.split(r"(\d+)", label) if p != "")


def _time(record: AuditRecord) -> str:
    return record.time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _event(record: AuditRecord) -> str:
    return str(getattr(record.event, "value", record.event))


@dataclass
class AuditHistory:
    records: list[AuditRecord] = field(default_factory=list)
    broken_at: int | None = None  # seq of the last good record before a bad one

    def of(self, *events: AuditEvent) -> list[AuditRecord]:
        wanted = {e.value for e in events}
        return [r for r in self.records if _event(r) in wanted]


def read_history(path: Path, key: bytes) -> AuditHistory:
    history = AuditHistory()
    try:
        for record in iter_records(path, key):
            history.records.append(record)
    except AuditLogBroken:
        history.broken_at = history.records[-1].seq if history.records else 0
    return history


def audit_status(path: Path, key: bytes, history: AuditHistory,
                 anchor_file: Path | None = None) -> dict[str, Any]:
    """The whole log verified and, with ``anchor_file``, its end compared with the head anchor
    (``anchor``: None when there is none to compare, "" when it matches, else what is wrong)."""
    anchor: str | None = None
    if anchor_file is None:
        result = verify_log(path, key)
    else:
        result, seen = verify_anchored(path, key, anchor_file)
        try:
            check_head(seen, Head(result.last_seq, result.last_digest))
            anchor = ""
        except AnchorMismatch as mismatch:
            anchor = str(mismatch)
    bad = result.first_bad
    last = history.records[-1] if history.records else None
    return {
        "ok": result.ok and not anchor,
        "anchor": anchor,
        "records": result.records,
        "files": result.files,
        "repairs": result.repairs,
        "last_seq": result.last_seq,
        "last_time": _time(last) if last else None,
        "first_bad": None if bad is None else {
            "file": bad.file.name, "line": bad.line, "reason": bad.reason.value,
            "detail": bad.detail},
        "log_file": path.name,
    }


def _anchor_file(settings: Any) -> Path | None:
    vault = settings.vault
    if getattr(vault.backend, "value", vault.backend) != "vault" or vault.dir is None:
        return None
    return anchor_path(vault.dir)


def _released_now(settings: Any) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sidecars(store_folder(settings)):
        meta = read_meta(path)
        if meta is not None and isinstance(meta.get("participant"), int):
            found.append((stem_of(path), meta))
    return found


def _quarantine_reports(settings: Any) -> dict[str, dict[str, Any]]:
    """Job id (or report name) -> report, for the reports in the quarantine folder."""
    from anonymizer.store.quarantine import Quarantine

    return {str(report.get("job_id") or name): report
            for name, report in Quarantine(settings.paths.folder("quarantine")).reports()}


def _transcript_row(stem: str, meta: Mapping[str, Any]) -> dict[str, Any]:
    text_file: Mapping[str, Any] = next(
        (f for f in meta.get("files", []) if f.get("format") == "txt"), {})
    model = meta.get("model", {})
    return {
        "released_as": stem,
        "participant": meta["participant"],
        "wave": str(meta.get("wave", "")),
        "anonymized_at": meta.get("anonymized_at"),
        "consent": meta.get("consent", {}).get("status"),
        "replacements": {
            "total": int(meta.get("replacements", {}).get("total", 0)),
            "by_kind": {k: int(v) for k, v in
                        meta.get("replacements", {}).get("by_kind", {}).items()},
        },
        "residual_risk_flags": meta.get("residual_risk_flags"),
        "language": meta.get("language"),
        "rules_digest": meta.get("rules_digest"),
        "model": f"{model.get('name', '')} {model.get('version', '')}".strip(),
        "tool_version": meta.get("tool", {}).get("version"),
        "clean_sha256": text_file.get("sha256"),
        "job_id": meta.get("job_id"),
        "supersedes": meta.get("supersedes"),
        "reviewed_by": None,  # filled in from the log by gather_report
    }


def superseded_jobs(released_now: list[tuple[str, dict[str, Any]]], history: AuditHistory
                    ) -> set[str]:
    """Job ids of releases that a rerun replaced."""
    jobs = {str(r.fields.get("job_id")) for r in history.of(AuditEvent.SUPERSEDED)}
    jobs |= {str(meta["supersedes"]) for _, meta in released_now if meta.get("supersedes")}
    return jobs


def _flow(
    released_now: list[tuple[str, dict[str, Any]]],
    history: AuditHistory,
    registered: Iterable[int],
    withdrawn: Mapping[int, str],
) -> tuple[list[str], list[dict[str, Any]], dict[str, int]]:
    replaced = superseded_jobs(released_now, history)
    audited = {str(r.fields.get("job_id")): r for r in history.of(AuditEvent.RELEASED)
               if str(r.fields.get("job_id")) not in replaced}
    in_store = {str(meta.get("job_id")): meta for _, meta in released_now}
    merged_into = {int(r.fields["absorb"]): int(r.fields["keep"])
                   for r in history.of(AuditEvent.PARTICIPANTS_MERGED)
                   if isinstance(r.fields.get("absorb"), int)
                   and isinstance(r.fields.get("keep"), int)}
    gone = dict(withdrawn)
    for record in history.of(AuditEvent.WITHDRAWN):
        number = record.fields.get("number")
        if isinstance(number, int):
            gone.setdefault(number, _time(record)[:10])
    cells: dict[int, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for job, meta in in_store.items():
        state = CellState.RELEASED if job in audited else CellState.UNAUDITED
        if meta["participant"] in gone:
            state = CellState.NOT_PURGED
        cells[meta["participant"]][str(meta.get("wave", ""))][state] += 1
    for job, record in audited.items():
        if job in in_store:
            continue
        number, wave = record.fields.get("participant"), record.fields.get("wave")
        if not isinstance(number, int) or not isinstance(wave, str):
            continue
        state = CellState.WITHDRAWN if number in gone else CellState.MISSING
        cells[number][wave][state] += 1
    numbers = set(cells) | set(registered) | set(gone)
    waves = sorted({w for row in cells.values() for w in row}, key=wave_order)
    rows = []
    for number in sorted(numbers):
        status = "withdrawn" if number in gone else (
            f"merged into {merged_into[number]}" if number in merged_into else "active")
        rows.append({
            "participant": number,
            "status": status,
            "withdrawn_on": gone.get(number),
            "waves": {w: dict(sorted(cells[number][w].items())) for w in waves
                      if cells[number].get(w)},
        })
    totals = {w: sum(cells[n][w].get(CellState.RELEASED, 0) + cells[n][w].get(
        CellState.UNAUDITED, 0) for n in cells) for w in waves}
    return waves, rows, totals


def _quarantine(history: AuditHistory, reports: Mapping[str, dict[str, Any]]
                ) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for record in history.of(AuditEvent.QUARANTINED, AuditEvent.DUPLICATE):
        job = str(record.fields.get("job_id"))
        if _event(record) == AuditEvent.DUPLICATE.value and \
                record.fields.get("action") != "quarantined":
            continue
        rows[job] = {
            "time": _time(record),
            "reason": record.fields.get("reason") or "duplicate",
            "stage": record.fields.get("stage") or "dedupe",
            "participant": record.fields.get("participant"),
            "input_sha256": _short(record.fields.get("input_sha256")),
            "still_held": False, "what_to_do": None, "audited": True,
        }
    for job, report in reports.items():
        row = rows.setdefault(job, {
            "time": report.get("time"), "reason": report.get("reason"),
            "stage": report.get("stage"), "participant": report.get("participant"),
            "input_sha256": _short(report.get("input_sha256")), "audited": False,
        })
        row["still_held"] = True
        row["what_to_do"] = report.get("what_to_do")
    return sorted(rows.values(), key=lambda r: str(r.get("time") or ""))


def _short(sha: object) -> str | None:
    return sha[:16] if isinstance(sha, str) else None


def _reidentifications(history: AuditHistory) -> list[dict[str, Any]]:
    rows = []
    for record in history.of(AuditEvent.REIDENTIFIED):
        numbers = record.fields.get("numbers")
        if numbers is None and record.fields.get("number") is not None:
            numbers = [record.fields["number"]]
        rows.append({"seq": record.seq, "time": _time(record), "actor": record.actor,
                     "kind": record.fields.get("kind"), "numbers": numbers or [],
                     "command": record.fields.get("command"),
                     "reason": record.fields.get("reidentify_reason")})
    return rows


_DECISION_FIELDS = ("decision", "kind", "number", "participant", "wave", "allow_words",
                    "replacement_count", "flag_count")


def _decisions(history: AuditHistory) -> list[dict[str, Any]]:
    rows = []
    for record in history.of(AuditEvent.REVIEW_DECISION, AuditEvent.RULES_CHANGED):
        rows.append({"seq": record.seq, "time": _time(record), "actor": record.actor,
                     "event": _event(record),
                     **{k: record.fields.get(k) for k in _DECISION_FIELDS
                        if record.fields.get(k) is not None}})
    return rows


def _versions(released_now: list[tuple[str, dict[str, Any]]], history: AuditHistory
              ) -> list[dict[str, Any]]:
    facts: dict[str, tuple[Any, ...]] = {}
    replaced = superseded_jobs(released_now, history)
    for record in history.of(AuditEvent.RELEASED):
        f = record.fields
        if str(f.get("job_id")) in replaced:
            continue
        facts[str(f.get("job_id"))] = (f.get("tool_version"), f.get("language"),
                                       f.get("rules_digest"), None, f.get("model"),
                                       f.get("model_version"))
    for _, meta in released_now:
        model = meta.get("model", {})
        facts[str(meta.get("job_id"))] = (
            meta.get("tool", {}).get("version"), meta.get("language"), meta.get("rules_digest"),
            meta.get("naming_rules_digest"), model.get("name"), model.get("version"))
    counts = Counter(facts.values())
    keys = ("tool_version", "language", "rules_digest", "naming_rules_digest", "model",
            "model_version")
    return [{**dict(zip(keys, combo, strict=True)), "transcripts": n}
            for combo, n in sorted(counts.items(), key=lambda kv: tuple(map(str, kv[0])))]


def gather_report(settings: Any, key: bytes, *, registered: Iterable[int] = (),
                  withdrawn: Mapping[int, str] | None = None,
                  now: datetime | None = None) -> dict[str, Any]:
    """The report's content as JSON-ready data. ``key``: the audit key (from the vault);
    ``registered``/``withdrawn``: live participant numbers and withdrawal dates, from the vault."""
    path = settings.audit_path()
    history = read_history(path, key)
    released_now = _released_now(settings)
    waves, flow, totals = _flow(released_now, history, registered, withdrawn or {})
    transcripts = sorted((_transcript_row(stem, meta) for stem, meta in released_now),
                         key=lambda r: (r["participant"], wave_order(r["wave"]),
                                        r["released_as"]))
    accepted = {str(r.fields.get("job_id")): r.actor
                for r in history.of(AuditEvent.REVIEW_DECISION)
                if r.fields.get("decision") == "accepted" and r.fields.get("job_id")}
    for row in transcripts:
        row["reviewed_by"] = accepted.get(str(row["job_id"]))
    kinds = sorted({k for t in transcripts for k, n in t["replacements"]["by_kind"].items()
                    if n})
    quarantine = _quarantine(history, _quarantine_reports(settings))
    reidentified = _reidentifications(history)
    ethics = settings.ethics
    return {
        "format": FORMAT,
        "generated_at": (now or datetime.now(UTC)).astimezone(UTC).strftime(
            "%Y-%m-%dT%H:%M:%SZ"),
        "tool_version": __version__,
        "project": {"id": settings.project.id, "title": settings.project.title},
        "ethics": {
            "committee": ethics.committee, "reference": ethics.reference,
            "registry_entry": " ".join(p for p in (ethics.committee, ethics.reference) if p),
            "approval_date": _date(ethics.approval_date),
            "consent_scope": ethics.consent_scope,
            "retention_until": _date(ethics.retention_until),
        },
        "summary": {
            "participants": len(flow),
            "withdrawn_participants": sum(r["status"] == "withdrawn" for r in flow),
            "released_transcripts": len(transcripts),
            "quarantined": len(quarantine),
            "reidentifications": len(reidentified),
            "reviewed_transcripts": sum(t["reviewed_by"] is not None for t in transcripts),
        },
        "waves": waves,
        "flow": flow,
        "wave_totals": totals,
        "kinds": kinds,
        "transcripts": transcripts,
        "quarantine": quarantine,
        "reidentifications": reidentified,
        "decisions": _decisions(history),
        "corrections": history_rows(history.records),
        "versions": _versions(released_now, history),
        "audit": {**audit_status(path, key, history, _anchor_file(settings)),
                  "history_complete": history.broken_at is None},
    }


def _date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
