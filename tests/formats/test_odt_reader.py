from __future__ import annotations

from pathlib import Path

import pytest
from formats_factories import make_odt

from anonymizer.formats import read_transcript, write_clean_docx
from anonymizer.formats.transcript import BlockKind, TranscriptFormat

TRACKED = (
    "<text:tracked-changes>"
    '<text:changed-region text:id="ct1"><text:deletion><office:change-info>'
    "<dc:creator>Editor Eriksen</dc:creator></office:change-info>"
    "<text:p>Kari Slettesen</text:p></text:deletion></text:changed-region>"
    '<text:changed-region text:id="ct2"><text:insertion><office:change-info>'
    "<dc:creator>Editor Eriksen</dc:creator></office:change-info></text:insertion>"
    "</text:changed-region></text:tracked-changes>"
)


def _read(tmp_path: Path, body: str, **kw: object):  # type: ignore[no-untyped-def]
    return read_transcript(make_odt(tmp_path / "intervju.odt", body, **kw))  # type: ignore[arg-type]


def test_paragraphs_headings_lists_and_speaker_table(tmp_path: Path) -> None:
    body = (
        '<text:h text:outline-level="2">Intervju 3</text:h>'
        '<text:p text:style-name="P1">Kari Nordmann: Jeg bodde i Tromsdal.</text:p>'
        "<text:p/>"
        "<text:list><text:list-item><text:p>punkt en</text:p></text:list-item></text:list>"
        "<table:table><table:table-column/>"
        "<table:table-row><table:table-cell><text:p>I</text:p></table:table-cell>"
        "<table:table-cell><text:p>Og så?</text:p></table:table-cell></table:table-row>"
        '<table:table-rows><table:table-row><table:table-cell table:number-columns-repeated="2">'
        "<text:p>x</text:p></table:table-cell></table:table-row></table:table-rows>"
        "</table:table>"
    )
    styles = '<style:style style:name="P1" style:family="paragraph" style:parent-style-name="Title"/>'
    t = _read(tmp_path, body, automatic_styles=styles)
    assert t.format is TranscriptFormat.ODT
    assert t.text.split("\n") == [
        "Intervju 3",
        "Kari Nordmann: Jeg bodde i Tromsdal.",
        "",
        "punkt en",
        "I\tOg så?",
        "x\tx",
    ]
    assert [b.style for b in t.blocks[:2]] == ["Heading 2", "Title"]
    assert [b.kind for b in t.blocks[-2:]] == [BlockKind.TABLE_ROW] * 2


@pytest.mark.parametrize(
    ("xml", "text"),
    [
        ("<text:p>a<text:s/>b</text:p>", "a b"),
        ('<text:p>a <text:s text:c="2"/>b</text:p>', "a   b"),
        ("<text:p>\n    <text:span>indented</text:span>\n  xml  \n</text:p>", "indented xml"),
        ("<text:p>Kari:<text:tab/>hei</text:p>", "Kari:\thei"),
        ("<text:p>line one<text:line-break/>line two</text:p>", "line one line two"),
        ('<text:p>see <text:a xlink:href="mailto:x@y.no" xmlns:xlink="http://www.w3.org/1999/xlink">'
         "the site</text:a> now</text:p>", "see the site now"),
        ("<text:p>Hi <text:span>there</text:span>, <text:span> you</text:span></text:p>",
         "Hi there, you"),
    ],
)
def test_whitespace_tabs_breaks_and_links_follow_odf_rules(tmp_path: Path, xml: str, text: str) -> None:
    assert _read(tmp_path, xml).text == text


def test_tracked_changes_accepted_and_annotations_skipped(tmp_path: Path) -> None:
    body = (
        TRACKED
        + '<text:p>My friend <text:change text:change-id="ct1"/>'
        + '<text:change-start text:change-id="ct2"/>Anne<text:change-end text:change-id="ct2"/>'
        + " came.<office:annotation><dc:creator>Reviewer Ragnhild</dc:creator>"
        + "<text:p>Ola Kommentarsen?</text:p></office:annotation> Yes.</text:p>"
    )
    t = _read(tmp_path, body)
    assert t.text == "My friend Anne came. Yes."
    assert "tracked changes accepted: 1 insertion(s) kept, 1 deletion(s) dropped" in t.notes
    assert "1 comment removed (not transcript content)" in t.notes


def test_headers_footers_notes_and_text_boxes_are_lines(tmp_path: Path) -> None:
    master = (
        "<style:header><text:p>Intervju med Kari Nordmann</text:p><text:p/></style:header>"
        "<style:footer-left><text:p>Side 2</text:p></style:footer-left>"
    )
    body = (
        "<text:p>Text<text:note text:note-class=\"footnote\"><text:note-citation>1</text:note-citation>"
        "<text:note-body><text:p>Note about Ola</text:p></text:note-body></text:note> here.</text:p>"
        '<text:p>Anchor<draw:frame><draw:text-box><text:p>Box text</text:p></draw:text-box>'
        "</draw:frame></text:p>"
    )
    t = _read(tmp_path, body, master=master, author="Ingrid Forfattersen")
    assert t.text.split("\n") == [
        "Intervju med Kari Nordmann",
        "Text here.",
        "Anchor",
        "Box text",
        "Note about Ola",
        "Side 2",
    ]
    assert [b.style for b in t.blocks] == ["Header", None, None, None, "Footnote Text", "Footer"]
    assert "Forfattersen" not in t.text  # meta.xml is never read


def test_odt_can_be_written_as_clean_docx(tmp_path: Path) -> None:
    body = ("<text:p>Kari: hei</text:p><table:table><table:table-row><table:table-cell>"
            "<text:p>I</text:p></table:table-cell><table:table-cell><text:p>ja</text:p>"
            "</table:table-cell></table:table-row></table:table>")
    t = _read(tmp_path, body, master="<style:header><text:p>Head</text:p></style:header>")
    write_clean_docx(t.text, t, tmp_path / "clean.docx")
    assert read_transcript(tmp_path / "clean.docx").text == t.text == "Head\nKari: hei\nI\tja"


def test_an_odt_written_by_odfpy() -> None:
    # Committed fixture made with odfpy (tests/fixtures/formats): a real producer's XML layout.
    fixture = Path(__file__).parent.parent / "fixtures" / "formats" / "odfpy_intervju.odt"
    t = read_transcript(fixture)
    assert t.text.split("\n") == [
        "Intervju med Kari Nordmann",
        "Intervju 2",
        "Kari Nordmann: Vi bodde i Ødegårdsveien.",
        "Første linje andre linje",
        "I\tOg så?",
        "Kari\tSå flyttet vi.",
        "Side 1",
    ]
    assert "Sjekk" not in t.text and "Forfattersen" not in t.text
    assert "1 comment removed (not transcript content)" in t.notes
