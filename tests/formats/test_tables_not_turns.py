"""Table rows are never speaker turns (issue 17.5): a first cell "Content" is not a label."""

from __future__ import annotations

from pathlib import Path

import pytest
from formats_factories import make_docx, make_odt, p, table

from anonymizer.detectors.speakers import parse_turns
from anonymizer.formats import read_transcript

ROWS = [("Content", "Notes about the week"), ("Name", "Fiktiv Person"), ("Topic", "Garden")]


def _odt_table(rows: list[tuple[str, str]]) -> str:
    cells = "".join(
        "<table:table-row>" + "".join(
            f"<table:table-cell><text:p>{c}</text:p></table:table-cell>" for c in row)
        + "</table:table-row>" for row in rows)
    return f"<table:table><table:table-column/>{cells}</table:table>"


def _docx(path: Path, rows: list[tuple[str, str]]) -> Path:
    return make_docx(path, p("Interviewer: Hello.") + table(*rows) + p("Kari: Thanks."))


def _odt(path: Path, rows: list[tuple[str, str]]) -> Path:
    body = ("<text:p>Interviewer: Hello.</text:p>" + _odt_table(rows)
            + "<text:p>Kari: Thanks.</text:p>")
    return make_odt(path, body)


@pytest.mark.parametrize(("make", "suffix"), [(_docx, "docx"), (_odt, "odt")])
@pytest.mark.parametrize("n_rows", [1, 2, 3])
def test_table_cells_never_become_speaker_labels(tmp_path: Path, make, suffix: str,
                                                 n_rows: int) -> None:
    t = read_transcript(make(tmp_path / f"t.{suffix}", ROWS[:n_rows]))
    lines = t.text.split("\n")
    assert t.table_lines() == frozenset(range(1, 1 + n_rows))
    assert [lines[i].split("\t")[0] for i in sorted(t.table_lines())] == [
        r[0] for r in ROWS[:n_rows]]
    turns = parse_turns(t.text, frozenset({"interviewer"}), 4, skip_lines=t.table_lines())
    labels = [t.text[x.label_start:x.label_end] for x in turns]
    assert labels == ["Interviewer", "Kari"]
