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

from anonymizer.review.html import document, element, escape, table

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


def _flow_table(report: dict[str, Any]) -> str:
    waves = report["waves"]
    head = "".join(element("th", escape(w), scope="col", class_="num") for w in waves)
    rows = []
    for row in report["flow"]:
        cells = []
        for wave in waves:
            states = row["waves"].get(wave)
            if not states:
                cells.append(element("td", "", class_="cell empty"))
                continue
            mark, state = _cell(states)
            title = "; ".join(f"{n} {MARK_TEXT[s]}" for s, n in states.items())
            cells.append(element("td", escape(mark), class_=f"cell {state}", title=title,
                                 data_state=state))
        status = row["status"] + (f" {row['withdrawn_on']}" if row.get("withdrawn_on") else "")
        rows.append(element("tr", element("th", f"P{row['participant']:02d}", scope="row")
                            + "".join(cells) + element("td", escape(status), class_="row-status"),
                            class_=row["status"].split()[0], data_participant=row["participant"]))
    totals = "".join(element("td", str(report["wave_totals"].get(w, 0)), class_="num")
                     for w in waves)
    foot = element("tr", element("th", "n released", scope="row") + totals + element("td", ""))
    caption = element("caption", "Table 1. Participants through the interview waves")
    return element(
        "table",
        caption + element("thead", element("tr", element("th", "Participant", scope="col")
                                           + head + element("th", "Status", scope="col")))
        + element("tbody", "".join(rows)) + element("tfoot", foot),
        class_="flow", id="flow")


def _audit_banner(audit: dict[str, Any]) -> str:
    if audit["ok"]:
        text = (f"Audit log verified: OK — {audit['records']} records in {audit['files']} "
                f"file(s), last record {audit['last_seq']}"
                + (f" at {audit['last_time']}" if audit.get("last_time") else "") + ".")
        return element("p", escape(text), class_="status ok", id="audit-status")
    if not audit["first_bad"] and audit.get("anchor"):
        text = (f"Audit log BROKEN: {audit['anchor']}. Records verified: {audit['records']}.")
        return element("p", escape(text), class_="status bad", id="audit-status")
    bad = audit["first_bad"] or {}
    text = (f"Audit log BROKEN at {bad.get('file')} line {bad.get('line')}: {bad.get('reason')}"
            + (f" ({bad['detail']})" if bad.get("detail") else "")
            + f". Records verified before it: {audit['records']}; the history below stops "
            "there.")
    return element("p", escape(text), class_="status bad", id="audit-status")


def _summary(report: dict[str, Any]) -> str:
    labels = {"participants": "participants", "released_transcripts": "transcripts released",
              "withdrawn_participants": "withdrawn", "quarantined": "quarantined inputs",
              "reidentifications": "re-identifications"}
    items = "".join(element("li", element("b", str(report["summary"][k])) + escape(v))
                    for k, v in labels.items())
    return element("ul", items, class_="summary", id="summary")


def _or_none(rows: list[Any], content: str) -> str:
    return content if rows else element("p", "None.", class_="meta")


def _transcripts(report: dict[str, Any]) -> str:
    kinds = report["kinds"]
    rows = [[escape(t["released_as"]), str(t["participant"]), escape(t["wave"]),
             escape(t["anonymized_at"] or "-"), escape(t["consent"] or "-"),
             *[str(t["replacements"]["by_kind"].get(k, 0)) for k in kinds],
             str(t["replacements"]["total"]), str(t["residual_risk_flags"] or 0),
             escape(t.get("reviewed_by") or "-")]
            for t in report["transcripts"]]
    header = ["Released as", "Participant", "Wave", "Anonymized", "Consent",
              *[escape(k) for k in kinds], "Total", "Flags", "Reviewed by"]
    numeric = [1, *range(5, 5 + len(kinds) + 2)]
    return _or_none(rows, element("div", table(header, rows, numeric=numeric,
                                               id="transcripts"), class_="scroll-x"))


def _quarantine(report: dict[str, Any]) -> str:
    rows = [[escape(q["time"] or "-"), escape(q["reason"] or "-"), escape(q["stage"] or "-"),
             "-" if q["participant"] is None else str(q["participant"]),
             element("span", escape(q["input_sha256"] or "-"), class_="hash"),
             "yes" if q.get("still_held") else "no", escape(q.get("what_to_do") or "")]
            for q in report["quarantine"]]
    return _or_none(rows, table(["Time", "Reason", "Stage", "Participant", "Input SHA-256",
                                 "Still held", "What to do"], rows, id="quarantine"))


def _reidentifications(report: dict[str, Any]) -> str:
    rows = [[str(r["seq"]), escape(r["time"]), escape(r["actor"]), escape(r["kind"] or "-"),
             escape(", ".join(str(n) for n in r["numbers"]) or "-"), escape(r["command"] or "-"),
             escape((r.get("reason") or "-").replace("_", " "))]
            for r in report["reidentifications"]]
    return _or_none(rows, table(["Record", "Time (UTC)", "Who (account or OS user)", "Kind",
                                 "Number(s)", "How", "Why"], rows, numeric=[0],
                                id="reidentifications"))


def _decisions(report: dict[str, Any]) -> str:
    rows = []
    for d in report["decisions"]:
        detail = ", ".join(f"{k} {d[k]}" for k in ("kind", "number", "participant", "wave",
                                                    "allow_words", "flag_count") if k in d)
        rows.append([str(d["seq"]), escape(d["time"]), escape(d["actor"]), escape(d["event"]),
                     escape(d.get("decision", "-")), escape(detail)])
    return _or_none(rows, table(["Record", "Time (UTC)", "Who", "Event", "Decision", "Detail"],
                                rows, numeric=[0], id="decisions"))


def _versions(report: dict[str, Any]) -> str:
    rows = [[escape(v["tool_version"] or "-"), escape(v["language"] or "-"),
             element("span", escape(v["rules_digest"] or "-"), class_="hash"),
             element("span", escape(v["naming_rules_digest"] or "-"), class_="hash"),
             escape(f"{v['model'] or '-'} {v['model_version'] or ''}".strip()),
             str(v["transcripts"])] for v in report["versions"]]
    return _or_none(rows, table(["Tool", "Language", "Rules digest (SHA-256)",
                                 "File-naming rules digest", "Model", "Transcripts"], rows,
                                numeric=[5], id="versions"))


def _audit_detail(audit: dict[str, Any]) -> str:
    rows = [["Result", "OK" if audit["ok"] else "BROKEN"],
            ["Records verified", str(audit["records"])], ["Files", str(audit["files"])],
            ["Last record", f"{audit['last_seq']} ({audit.get('last_time') or '-'})"],
            ["Crash repairs", str(audit["repairs"])]]
    if audit["first_bad"]:
        bad = audit["first_bad"]
        rows.append(["First bad record", escape(f"{bad['file']} line {bad['line']}: "
                                                f"{bad['reason']} {bad['detail']}".strip())])
    anchor = audit.get("anchor")
    if anchor is not None:
        rows.append(["Log's end", escape(anchor or "matches the head anchor in the vault")])
    note = element("p", "The log's end is compared with the head anchor the writer keeps in the "
                   "vault folder. Against a rollback of log and vault together, keep a "
                   "checkpoint apart (anonymizer audit checkpoint) and check it with "
                   "anonymizer audit verify --against.", class_="meta")
    body = "".join(element("tr", element("th", escape(a), scope="row") + element("td", b))
                   for a, b in rows)
    return element("table", element("tbody", body), id="audit-detail") + note


def render_html(report: dict[str, Any]) -> str:
    project, ethics = report["project"], report["ethics"]
    title = project["title"] or project["id"]
    facts = [f"project {project['id']}", f"ethics {ethics['registry_entry'] or '-'}",
             f"approved {ethics['approval_date'] or '-'}",
             f"retention until {ethics['retention_until'] or '-'}",
             f"generated {report['generated_at']}", f"tool {report['tool_version']}"]
    legend = " · ".join(f"{MARKS[s]} {escape(t)}" for s, t in MARK_TEXT.items())
    body = "".join([
        element("h1", f"Ethics report: {escape(title)}"),
        element("p", "".join(element("span", escape(f)) for f in facts), class_="meta",
                id="facts"),
        element("p", escape(f"Committee: {ethics['committee'] or '-'} · reference: "
                            f"{ethics['reference'] or '-'} · consent scope: "
                            f"{ethics['consent_scope'] or '-'}"), class_="meta"),
        _audit_banner(report["audit"]),
        _summary(report),
        element("h2", "Participant flow"),
        element("div", _flow_table(report), class_="scroll-x"),
        element("p", legend, class_="legend"),
        element("h2", "Replacements per transcript"),
        _transcripts(report),
        element("h2", "Quarantined inputs"),
        element("p", "Inputs the daemon did not release, kept whole in quarantine. Shown by "
                "checksum only: no file names.", class_="meta"),
        _quarantine(report),
        element("h2", "Re-identification events"),
        element("p", "Every time a name behind a number was shown (participants reveal, a "
                "review page with the original).", class_="meta"),
        _reidentifications(report),
        element("h2", "Steward decisions"),
        _decisions(report),
        element("h2", "Rules and models used"),
        _versions(report),
        element("h2", "Audit log"),
        _audit_detail(report["audit"]),
    ])
    return document(f"Ethics report {project['id']}", element("div", body, class_="page"),
                    css=REPORT_CSS)
