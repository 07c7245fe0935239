"""The ethics committee's pages: the live report and the study's history. Never a name.

    GET /committee           the ethics report as ``anonymizer report`` gathers it, live, with
                             the result of verifying the whole audit log
    GET /committee/history   rules changes and steward decisions, re-identifications with the
                             reason typed, and each release's versions (what replaced what, why)

Everything here comes from ``anonymizer.report.gather`` and the verified audit log: codes,
numbers, digests, account names. The original and the search are steward routes; a committee
account asking for them gets 403 (``auth.guard``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from starlette.responses import Response

from anonymizer.audit.log import AuditEvent
from anonymizer.report.gather import gather_report, wave_order
from anonymizer.web import study
from anonymizer.web.accounts import Role
from anonymizer.web.auth import Call, allow

_VERSION_EVENTS = {AuditEvent.RELEASED.value, AuditEvent.SUPERSEDED.value,
                   AuditEvent.RERUN_REFUSED.value}
_RULE_EVENTS = {AuditEvent.RULES_CHANGED.value, AuditEvent.REVIEW_DECISION.value}


def _report(call: Call) -> dict[str, Any]:
    from anonymizer.keys.vault_adapter import open_vault
    from vault import RetiredReason

    settings = call.app.settings
    with open_vault(settings) as vault:
        registered = [e.number for e in vault.entries("participant")]
        withdrawn = {r.number: r.on.isoformat() for r in vault.retired("participant")
                     if r.reason is RetiredReason.WITHDRAWN}
    return gather_report(settings, call.app.recorder.key, registered=registered,
                         withdrawn=withdrawn)


@allow(Role.COMMITTEE, Role.STEWARD)
def report(call: Call) -> Response:
    from anonymizer.report.render import view

    data = _report(call)
    return call.app.page(call.request, call.who, "committee_report.html",
                         {"report": data, "view": view(data)})


def _event(record: Any) -> str:
    return str(getattr(record.event, "value", record.event))


def release_versions(records: list[Any]) -> list[dict[str, Any]]:
    """One entry per participant and wave: every version released, oldest first, with what it
    replaced and why it was re-run (the cause of the request the daemon took, when it came
    from the request spool: ``steward`` or ``correction_<n>``)."""
    by_release: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    superseded = {str(r.fields.get("job_id")) for r in records
                  if _event(r) == AuditEvent.SUPERSEDED.value}
    # a rerun the daemon took from the request spool: its cause (steward, correction_<n>)
    causes = {str(r.fields.get("job_id")): str(r.fields.get("cause_code")) for r in records
              if _event(r) == AuditEvent.RERUN_REQUESTED.value and r.fields.get("cause_code")}
    for record in records:
        if _event(record) not in _VERSION_EVENTS or _event(record) == "superseded":
            continue
        f = record.fields
        participant, wave = f.get("participant"), str(f.get("wave") or "")
        if not isinstance(participant, int):
            continue
        by_release[(participant, wave)].append({
            "seq": record.seq, "time": record.time.strftime("%Y-%m-%d %H:%M"),
            "event": _event(record), "actor": record.actor,
            "job": str(f.get("job_id") or "")[:12], "supersedes": str(f.get("supersedes")
                                                                      or "")[:12],
            "cause": causes.get(str(f.get("job_id"))) or (
                "rerun" if f.get("supersedes") else "first release"),
            "rules": str(f.get("rules_digest") or "")[:12],
            "current": str(f.get("job_id")) not in superseded,
        })
    return [{"participant": p, "wave": w, "versions": v}
            for (p, w), v in sorted(by_release.items(),
                                    key=lambda kv: (kv[0][0], wave_order(kv[0][1])))]


@allow(Role.COMMITTEE, Role.STEWARD)
def history(call: Call) -> Response:
    records = study.history(call.app.settings, call.app.recorder.key)
    data = _report(call)
    rules = [{"seq": r.seq, "time": r.time.strftime("%Y-%m-%d %H:%M"), "actor": r.actor,
              "event": _event(r), "decision": r.fields.get("decision"),
              "kind": r.fields.get("kind"), "number": r.fields.get("number"),
              "participant": r.fields.get("participant"),
              "allow_words": r.fields.get("allow_words"),
              "allow_sha256": str(r.fields.get("allow_sha256") or "")[:12]}
             for r in records if _event(r) in _RULE_EVENTS]
    return call.app.page(call.request, call.who, "committee_history.html", {
        "rules": rules, "reidentifications": data["reidentifications"],
        "releases": release_versions(records), "audit": data["audit"]})


ROUTES = [
    ("/committee", report, ("GET",)),
    ("/committee/history", history, ("GET",)),
]
