"""The ethics report as HTML (one self-contained page) or JSON, from ``gather_report``'s data.

Both renderers take the same dictionary, so the two formats cannot say different things: JSON is
that dictionary as it is; HTML lays it out for a committee (status of the audit log first, then
the participant flow as Table 1, then the detail). Marks in the flow table are characters as well
as colours (● released, W withdrawn, ? missing, ! not purged), so the table reads the same printed
in black and white.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from anonymizer.pages import render
from anonymizer.review.html import BASE_CSS, CSP

REPORT_CSS = """
.page { max-width: 72rem; margin: 0 auto; }
.status { border: 2px solid; padding: .5rem .7rem; margin: .6rem 0 1rem; font-weight: 600; }
.status.ok { border-color: var(--ok); color: var(--ok); }
.status.bad { border-color: var(--bad); color: var(--bad); }
.summary { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr));
  gap: .5rem; margin: .6rem 0; padding: 0; list-style: none; }
.summary li { border: 1px solid var(--line); padding: .4rem .6rem; }
.summary b { display: block; font-size: 1.4rem; }
table.flow td.cell { text-align: center; min-width: 4.2rem; font-weight: 700; }
table.flow td.released { background: #dcfce7; color: #14532d; }
table.flow td.unaudited { background: #fef9c3; color: #713f12; }
table.flow td.withdrawn { background: #e5e7eb; color: #374151; text-decoration: line-through; }
table.flow td.missing, table.flow td.not_purged { background: #fee2e2; color: #7f1d1d; }
table.flow { min-width: 22rem; }
table.flow tr.withdrawn th, table.flow tr.withdrawn td.row-status { color: #6b7280;
  font-style: italic; }
table.flow tfoot td, table.flow tfoot th { font-weight: 700; background: #f9fafb; }
caption { caption-side: top; text-align: left; font-weight: 600; padding: .2rem 0;
  white-space: nowrap; }
.legend { font-size: .85rem; color: var(--muted); }
.hash { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .8rem;
  overflow-wrap: anywhere; }
@media print {
  .page { max-width: none; }
  table.flow td.released, table.flow td.unaudited, table.flow td.withdrawn,
  table.flow td.missing, table.flow td.not_purged { background: none; color: #000; }
  .status { color: #000 !important; }
}
"""

MARKS = {"released": "●", "unaudited": "●*", "withdrawn": "W", "missing": "?",
         "not_purged": "!"}
MARK_TEXT = {
    "released": "released (in the store; release in the audit log)",
    "unaudited": "in the store, but no release record in the verified audit log",
    "withdrawn": "released, then withdrawn by the participant and purged",
    "missing": "released per the audit log, but not in the store",
    "not_purged": "participant withdrew, but the file is still in the store",
}


def render_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _cell(states: dict[str, int]) -> tuple[str, str]:
    """(mark, css class) of one flow cell; the most serious state decides the class."""
    order = ("not_purged", "missing", "unaudited", "withdrawn", "released")
    state = next(s for s in order if states.get(s))
    marks = " ".join(MARKS[s] + (f"×{states[s]}" if states[s] > 1 else "")
                     for s in order if states.get(s))
    return marks, state


def _audit_banner(audit: dict[str, Any]) -> str:
    if audit["ok"]:
        return (f"Audit log verified: OK — {audit['records']} records in {audit['files']} "
                f"file(s), last record {audit['last_seq']}"
                + (f" at {audit['last_time']}" if audit.get("last_time") else "") + ".")
    if not audit["first_bad"] and audit.get("anchor"):
        return f"Audit log BROKEN: {audit['anchor']}. Records verified: {audit['records']}."
    bad = audit["first_bad"] or {}
    return (f"Audit log BROKEN at {bad.get('file')} line {bad.get('line')}: {bad.get('reason')}"
            + (f" ({bad['detail']})" if bad.get("detail") else "")
            + f". Records verified before it: {audit['records']}; the history below stops "
            "there.")


SUMMARY = (("participants", "participants"), ("released_transcripts", "transcripts released"),
           ("reviewed_transcripts", "reviewed"), ("withdrawn_participants", "withdrawn"),
           ("quarantined", "quarantined inputs"), ("reidentifications", "re-identifications"))


def _flow(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for row in report["flow"]:
        cells: list[dict[str, str] | None] = []
        for wave in report["waves"]:
            states = row["waves"].get(wave)
            if not states:
                cells.append(None)
                continue
            mark, state = _cell(states)
            cells.append({"mark": mark, "state": state, "title": "; ".join(
                f"{n} {MARK_TEXT[s]}" for s, n in states.items())})
        status = row["status"] + (f" {row['withdrawn_on']}" if row.get("withdrawn_on") else "")
        rows.append({"participant": row["participant"], "css": row["status"].split()[0],
                     "cells": cells, "status": status})
    return rows


def _audit_rows(audit: dict[str, Any]) -> list[tuple[str, str]]:
    rows = [("Result", "OK" if audit["ok"] else "BROKEN"),
            ("Records verified", str(audit["records"])), ("Files", str(audit["files"])),
            ("Last record", f"{audit['last_seq']} ({audit.get('last_time') or '-'})"),
            ("Crash repairs", str(audit["repairs"]))]
    if audit["first_bad"]:
        bad = audit["first_bad"]
        rows.append(("First bad record", f"{bad['file']} line {bad['line']}: "
                                         f"{bad['reason']} {bad['detail']}".strip()))
    anchor = audit.get("anchor")
    if anchor is not None:
        rows.append(("Log's end", anchor or "matches the head anchor in the vault"))
    return rows


def view(report: dict[str, Any]) -> dict[str, Any]:
    """What the template shows that is worked out from the data (cells, banner, details)."""
    project, ethics = report["project"], report["ethics"]
    decisions = [(d, ", ".join(f"{k} {d[k]}" for k in ("kind", "number", "participant", "wave",
                                                        "allow_words", "flag_count") if k in d))
                 for d in report["decisions"]]
    return {
        "title": project["title"] or project["id"],
        "facts": [f"project {project['id']}", f"ethics {ethics['registry_entry'] or '-'}",
                  f"approved {ethics['approval_date'] or '-'}",
                  f"retention until {ethics['retention_until'] or '-'}",
                  f"generated {report['generated_at']}", f"tool {report['tool_version']}"],
        "audit_banner": _audit_banner(report["audit"]),
        "summary": [(k, v) for k, v in SUMMARY if k in report["summary"]],
        "flow": _flow(report),
        "legend": [(MARKS[s], t) for s, t in MARK_TEXT.items()],
        "decisions": decisions,
        "audit_rows": _audit_rows(report["audit"]),
    }


def render_html(report: dict[str, Any]) -> str:
    return render("report_page.html", report=report, view=view(report),
                  css=Markup(BASE_CSS + REPORT_CSS), csp=CSP,
                  title=f"Ethics report {report['project']['id']}")
