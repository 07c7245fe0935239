"""The ethics report in a real headless Chromium at 1366x768: the flow table there and readable
(released and withdrawn told apart by mark and by colour), the audit status on top, nothing
loaded, no sideways scroll, fit for print. Screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path

from browser import Page, artifact, only_itself
from steward_study import StewardStudy

NO_SIDEWAYS_JS = ("document.documentElement.scrollWidth <= document.documentElement.clientWidth"
                  " && document.body.scrollWidth <= document.documentElement.clientWidth")
FLOW_JS = """
[...document.querySelectorAll('#flow tbody tr')].map(tr => ({
  participant: tr.dataset.participant, cls: tr.className,
  cells: [...tr.querySelectorAll('td.cell')].map(td => {
    const s = getComputedStyle(td), r = td.getBoundingClientRect();
    return {text: td.textContent, state: td.dataset.state || '', background: s.backgroundColor,
            line: s.textDecorationLine, visible: r.width > 20 && r.height > 10,
            size: parseFloat(s.fontSize)};
  })}))
"""


def test_the_report_reads_well_in_chromium(study: StewardStudy, capsys, tmp_path: Path,
                                           page: Page) -> None:
    study.cli(capsys, "participants", "reveal", "2")
    study.withdraw(3)
    out = tmp_path / "report.html"
    code, _, _ = study.cli(capsys, "report", "-o", out)
    assert code == 0
    page.open(out)
    assert only_itself(page) == []
    assert page.messages() == []
    assert page.evaluate("performance.getEntriesByType('resource').length") == 0
    assert page.evaluate(NO_SIDEWAYS_JS)

    table = page.evaluate("""(() => { const t = document.getElementById('flow'),
        r = t.getBoundingClientRect();
        return {visible: r.width > 200 && r.height > 50,
                head: [...t.querySelectorAll('thead th')].map(th => th.textContent),
                caption: t.caption.textContent}; })()""")
    assert table["visible"] and table["head"] == ["Participant", "wave1", "wave2", "Status"]
    assert table["caption"].startswith("Table 1.")
    rows = page.evaluate(FLOW_JS)
    assert [r["participant"] for r in rows] == ["1", "2", "3"]
    assert [[c["text"] for c in r["cells"]] for r in rows] == [
        ["●", "●"], ["●", ""], ["W", "W"]]
    assert rows[2]["cls"] == "withdrawn"
    released = [c for r in rows for c in r["cells"] if c["state"] == "released"]
    withdrawn = [c for r in rows for c in r["cells"] if c["state"] == "withdrawn"]
    assert len(released) == 3 and len(withdrawn) == 2
    assert all(c["visible"] and c["size"] >= 12 for c in released + withdrawn)
    assert {c["background"] for c in released}.isdisjoint({c["background"] for c in withdrawn})
    assert {c["line"] for c in withdrawn} == {"line-through"}
    status = page.evaluate("""(() => { const e = document.getElementById('audit-status'),
        r = e.getBoundingClientRect(); return [e.textContent, getComputedStyle(e).color,
        r.top >= 0 && r.bottom <= innerHeight]; })()""")
    assert status[0].startswith("Audit log verified: OK") and status[2]  # seen without scrolling
    for section in ("transcripts", "quarantine", "reidentifications", "versions",
                    "audit-detail"):
        assert page.evaluate(f"document.getElementById('{section}').getBoundingClientRect()"
                             ".height > 30"), section
    page.screenshot(artifact("ethics-report.png"))
    page.screenshot(artifact("ethics-report-full.png"), full_page=True)
    page.media("print")
    try:
        printed = page.evaluate(FLOW_JS)
        assert [[c["text"] for c in r["cells"]] for r in printed] == [
            ["●", "●"], ["●", ""], ["W", "W"]]  # the marks, not the colours, carry it
        assert page.evaluate(NO_SIDEWAYS_JS)
        page.screenshot(artifact("ethics-report-print.png"))
        assert page.print_pdf().startswith(b"%PDF")
    finally:
        page.media("")


def test_a_broken_log_is_plain_to_see(study: StewardStudy, capsys, tmp_path: Path,
                                      page: Page) -> None:
    good = tmp_path / "good.html"
    study.cli(capsys, "report", "-o", good)
    data = bytearray(study.audit_path.read_bytes())
    at = data.index(b'"wave":"wave2"') + len(b'"wave":"wave')
    data[at] = ord("9")  # one byte of record 2
    study.audit_path.write_bytes(bytes(data))
    bad = tmp_path / "bad.html"
    code, _, _ = study.cli(capsys, "report", "-o", bad)
    assert code == 1
    colours = []
    for path in (good, bad):
        page.open(path)
        colours.append(page.evaluate("[document.getElementById('audit-status').textContent,"
                                     " getComputedStyle(document.getElementById('audit-status'))"
                                     ".borderTopColor]"))
    assert colours[1][0].startswith("Audit log BROKEN at audit.jsonl line 2: EDITED")
    assert colours[0][1] != colours[1][1]
    page.screenshot(artifact("ethics-report-broken-log.png"))
