"""`anonymizer report`: the flow of participants through the waves, counts per transcript,
quarantine, re-identifications, decisions, versions and the audit check -- the same in HTML and
JSON, and without a single name."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from steward_study import TRANSCRIPTS, StewardStudy, all_names

from anonymizer.report.gather import wave_order


class Cells(HTMLParser):
    """The flow table as rows of (text, data-state) cells, read from the HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[tuple[str, str | None]]] = []
        self.ids: set[str] = set()
        self._in_flow = 0
        self._cell: list[str] | None = None
        self._state: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if tag == "table" and values.get("id") == "flow":
            self._in_flow = 1
        elif self._in_flow and tag == "tr":
            self.rows.append([])
        elif self._in_flow and tag in ("td", "th"):
            self._cell, self._state = [], values.get("data-state")

    def handle_endtag(self, tag: str) -> None:
        if self._in_flow and tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(("".join(self._cell).strip(), self._state))
            self._cell = None
        elif tag == "table":
            self._in_flow = 0

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def report(study: StewardStudy, capsys, tmp_path: Path, name: str = "report") -> tuple[
        int, dict, str]:
    code_json, _, _ = study.cli(capsys, "report", "-o", tmp_path / f"{name}.json",
                                "--format", "json")
    code_html, stdout, _ = study.cli(capsys, "report", "-o", tmp_path / f"{name}.html")
    assert code_json == code_html
    return (code_html, json.loads((tmp_path / f"{name}.json").read_text(encoding="utf-8")),
            (tmp_path / f"{name}.html").read_text(encoding="utf-8"))


def flow_of(page: str) -> list[list[tuple[str, str | None]]]:
    cells = Cells()
    cells.feed(page)
    return cells.rows


def test_the_report_says_what_happened_to_every_transcript(study: StewardStudy, capsys,
                                                          tmp_path: Path) -> None:
    code, stdout, _ = study.cli(capsys, "participants", "reveal", "2")
    assert code == 0
    study.cli(capsys, "review", "P01_wave1", "--accept")
    code, data, page = report(study, capsys, tmp_path)
    assert code == 0
    assert data["format"] == "anonymizer-ethics-report/1"
    assert data["project"] == {"id": "tinnitus-2031", "title": "Living with tinnitus"}
    assert data["ethics"]["registry_entry"] == "REK nord 2031/4711"
    assert data["ethics"]["approval_date"] == "2031-01-15"
    assert data["waves"] == ["wave1", "wave2"]
    assert [(r["participant"], r["status"], sorted(r["waves"])) for r in data["flow"]] == [
        (1, "active", ["wave1", "wave2"]), (2, "active", ["wave1"]),
        (3, "active", ["wave1", "wave2"])]
    assert all(states == {"released": 1} for r in data["flow"] for states in r["waves"].values())
    assert data["wave_totals"] == {"wave1": 3, "wave2": 2}
    by_stem = {t["released_as"]: t for t in data["transcripts"]}
    assert sorted(by_stem) == sorted(f"P{p:02d}_{w}" for p, w in TRANSCRIPTS)
    for (p, w), release in study.releases.items():
        row = by_stem[f"P{p:02d}_{w}"]
        counts = release.outcome.scan.counts
        assert {k: v for k, v in row["replacements"]["by_kind"].items() if v} == counts
        assert row["replacements"]["total"] == sum(counts.values())
        assert row["residual_risk_flags"] == len(release.outcome.scan.flags)
    [held] = data["quarantine"]
    assert held["reason"] == "zip_bomb" and held["stage"] == "read" and held["still_held"]
    assert len(held["input_sha256"]) == 16
    [shown] = data["reidentifications"]
    assert shown["numbers"] == [2] and shown["command"] == "participants_reveal"
    assert shown["actor"] and shown["time"].endswith("Z")
    [decision] = data["decisions"]
    assert decision["decision"] == "accepted" and decision["participant"] == 1
    [version] = data["versions"]
    assert version["transcripts"] == 5 and version["model"] and len(version["rules_digest"]) == 64
    audit = data["audit"]
    assert audit["ok"] and audit["first_bad"] is None and audit["history_complete"]
    assert audit["records"] == audit["last_seq"] == len(study.audit_events())
    assert data["summary"] == {"participants": 3, "withdrawn_participants": 0,
                               "released_transcripts": 5, "quarantined": 1,
                               "reidentifications": 1, "reviewed_transcripts": 1}
    # the HTML says the same
    rows = flow_of(page)
    assert [c[0] for c in rows[0]] == ["Participant", "wave1", "wave2", "Status"]
    assert [[c[0] for c in r] for r in rows[1:4]] == [
        ["P01", "●", "●", "active"], ["P02", "●", "", "active"], ["P03", "●", "●", "active"]]
    assert [c[0] for c in rows[4]] == ["n released", "3", "2", ""]
    assert "Audit log verified: OK" in page and "participants_reveal" in page
    for row in data["transcripts"]:
        assert row["released_as"] in page


def test_no_name_anywhere_in_either_format(study: StewardStudy, capsys, tmp_path: Path) -> None:
    study.cli(capsys, "participants", "reveal", "1")
    study.withdraw(3)
    _, _, page = report(study, capsys, tmp_path)
    for path in (tmp_path / "report.json", tmp_path / "report.html"):
        data = path.read_bytes().lower()
        found = [n for n in all_names() if n.encode("utf-8").lower() in data]
        assert found == [], path.name
    assert "quarantine/" not in page and ".docx" not in page  # no quarantined file names


def test_a_withdrawn_participant_is_shown_as_withdrawn(study: StewardStudy, capsys,
                                                      tmp_path: Path) -> None:
    study.withdraw(3)
    code, data, page = report(study, capsys, tmp_path)
    assert code == 0
    row = next(r for r in data["flow"] if r["participant"] == 3)
    assert row["status"] == "withdrawn" and row["withdrawn_on"]
    assert row["waves"] == {"wave1": {"withdrawn": 1}, "wave2": {"withdrawn": 1}}
    assert data["wave_totals"] == {"wave1": 2, "wave2": 1}
    assert data["summary"]["withdrawn_participants"] == 1
    assert "P03_wave1" not in {t["released_as"] for t in data["transcripts"]}
    html_row = next(r for r in flow_of(page) if r[0][0] == "P03")
    assert [c[1] for c in html_row[1:3]] == ["withdrawn", "withdrawn"]
    assert html_row[-1][0].startswith("withdrawn")


def test_files_missing_from_the_store_or_left_after_a_withdrawal_are_flagged(
        study: StewardStudy, capsys, tmp_path: Path) -> None:
    release = study.releases[(1, "wave2")]
    for path in release.meta_path.parent.iterdir():
        path.unlink()  # gone without a withdrawal
    keep = {p: p.read_bytes() for p in study.releases[(2, "wave1")].meta_path.parent.iterdir()}
    study.withdraw(2)
    for path, data in keep.items():  # the purge "did not run"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    _, data, page = report(study, capsys, tmp_path)
    flow = {r["participant"]: r["waves"] for r in data["flow"]}
    assert flow[1]["wave2"] == {"missing": 1}
    assert flow[2]["wave1"] == {"not_purged": 1}
    states = {c[1] for r in flow_of(page) for c in r}
    assert {"missing", "not_purged"} <= states


def test_a_re_run_transcript_is_counted_once(study: StewardStudy, capsys, tmp_path: Path,
                                              cached_model) -> None:
    """`store rerun` replaces P01_wave1: the old release's `released` record stays in the log,
    but it is superseded, so it is neither a second transcript nor a missing one."""
    (study.root / "project-allow.txt").write_text("# nothing allowed\n", encoding="utf-8")
    old = study.releases[(1, "wave1")].job
    code, stdout, stderr = study.cli(capsys, "store", "rerun", "P01_wave1", "--yes")
    assert code == 0 and "as P01_wave1 " in stdout, stderr
    code, data, page = report(study, capsys, tmp_path)
    assert code == 0 and data["audit"]["ok"]
    assert all(states == {"released": 1} for r in data["flow"] for states in r["waves"].values())
    assert data["wave_totals"] == {"wave1": 3, "wave2": 2}
    assert data["summary"]["released_transcripts"] == 5
    assert sum(v["transcripts"] for v in data["versions"]) == 5
    by_stem = {t["released_as"]: t for t in data["transcripts"]}
    assert by_stem["P01_wave1"]["supersedes"] == old  # in place: one row, the new version
    assert by_stem["P01_wave2"]["supersedes"] is None
    assert {c[1] for r in flow_of(page) for c in r} & {"missing", "unaudited"} == set()


def test_waves_come_in_their_natural_order(empty_study: StewardStudy, capsys,
                                           tmp_path: Path) -> None:
    text = TRANSCRIPTS[(3, "wave1")]
    for wave in ("wave10", "wave2", "wave1"):
        empty_study.release(3, wave, text.replace("Thank you", f"Thanks ({wave})"))
    _, data, page = report(empty_study, capsys, tmp_path)
    assert data["waves"] == ["wave1", "wave2", "wave10"]
    assert [c[0] for c in flow_of(page)[0]][1:4] == ["wave1", "wave2", "wave10"]
    assert sorted(["t10", "t2", "month6", "month12", "t1"], key=wave_order) == [
        "month6", "month12", "t1", "t2", "t10"]


@pytest.mark.parametrize("fmt", ["json", "html"])
def test_a_broken_log_is_reported_with_its_first_bad_record(study: StewardStudy, capsys,
                                                            tmp_path: Path, fmt: str) -> None:
    lines = study.audit_path.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b'"wave":"wave1"', b'"wave":"wave7"', 1)  # one byte
    assert lines[2] != study.audit_path.read_bytes().split(b"\n")[2]
    study.audit_path.write_bytes(b"\n".join(lines))
    code, stdout, _ = study.cli(capsys, "audit", "verify")
    assert code == 1 and "line 3: EDITED" in stdout
    code, _, _ = study.cli(capsys, "report", "-o", tmp_path / f"r.{fmt}", "--format", fmt)
    assert code == 1
    text = (tmp_path / f"r.{fmt}").read_text(encoding="utf-8")
    if fmt == "json":
        audit = json.loads(text)["audit"]
        assert not audit["ok"] and audit["first_bad"] == {
            "file": "audit.jsonl", "line": 3, "reason": "EDITED",
            "detail": audit["first_bad"]["detail"]}
        assert audit["records"] == 2 and not audit["history_complete"]
    else:
        assert "Audit log BROKEN at audit.jsonl line 3: EDITED" in text


def test_the_report_can_go_to_standard_output(study: StewardStudy, capsys) -> None:
    code, stdout, _ = study.cli(capsys, "report", "-o", "-", "--format", "json")
    assert code == 0 and json.loads(stdout)["summary"]["released_transcripts"] == 5
