from __future__ import annotations

from pathlib import Path

import docx
import pytest
from formats_factories import make_docx, p, run, table

from anonymizer.formats import read_transcript
from anonymizer.formats.transcript import Block, BlockKind, TranscriptFormat

HEADING = {"Heading1": "heading 1", "Custom1": "Kari Nordmann style", "Normal": "Normal"}


def _read(tmp_path: Path, body: str, **kw: object):  # type: ignore[no-untyped-def]
    return read_transcript(make_docx(tmp_path / "interview.docx", body, **kw))  # type: ignore[arg-type]


def test_body_paragraphs_and_speaker_table_in_document_order(tmp_path: Path) -> None:
    body = (
        p("Interview 4", "Heading1")
        + p("Kari Nordmann: I grew up in Tromsdal.")
        + p()
        + table(("Interviewer", "And then?"), ("Kari", "Then we moved."))
        + p("After the table", "Custom1")
    )
    t = _read(tmp_path, body, styles=HEADING)
    assert t.format is TranscriptFormat.DOCX
    assert t.text.split("\n") == [
        "Interview 4",
        "Kari Nordmann: I grew up in Tromsdal.",
        "",
        "Interviewer\tAnd then?",
        "Kari\tThen we moved.",
        "After the table",
    ]
    assert [b.kind for b in t.blocks] == [BlockKind.PARAGRAPH] * 3 + [BlockKind.TABLE_ROW] * 2 + [
        BlockKind.PARAGRAPH
    ]
    # Built-in style names are kept, canonically spelled; custom names (user text) are not.
    assert [b.style for b in t.blocks] == ["Heading 1", None, None, None, None, None]


def test_cells_join_paragraphs_with_space_and_tabs_never_split_a_cell(tmp_path: Path) -> None:
    cell = p("first") + '<w:p><w:r><w:t>a</w:t><w:tab/><w:t>b</w:t></w:r></w:p>' + p()
    nested = table(("inner 1", "inner 2"), ("inner 3", ""))
    t = _read(tmp_path, table(("Kari", cell), ("Ola", p("outer") + nested)))
    assert t.text.split("\n") == ["Kari\tfirst a b", "Ola\touter inner 1 inner 2 inner 3"]
    assert "1 nested table flattened into their cells" in t.notes


def test_headers_footers_and_footnotes_are_lines_that_say_where_they_came_from(
    tmp_path: Path,
) -> None:
    header = p("Interview with Kari Nordmann") + p() + table(("Project", "Wave 2"))
    footnote = '<w:footnote w:id="1">' + p("Kari later asked to remove this.") + "</w:footnote>"
    t = _read(tmp_path, p("Body text"), header=header, footer=p("Page 1 – Kari N."),
              footnotes=footnote)
    assert t.text.split("\n") == [
        "Interview with Kari Nordmann",
        "Project\tWave 2",
        "Body text",
        "Kari later asked to remove this.",
        "Page 1 – Kari N.",
    ]
    assert [b.style for b in t.blocks] == ["Header", "Header", None, "Footnote Text", "Footer"]
    assert all(b.kind is BlockKind.PARAGRAPH for b in t.blocks)
    assert "3 header/footer lines included" in t.notes
    assert "1 footnote/endnote line included" in t.notes


def test_comments_are_counted_never_read(tmp_path: Path) -> None:
    body = (
        '<w:p><w:commentRangeStart w:id="0"/>' + run("We met at the café.")
        + '<w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r></w:p>'
    )
    comments = ('<w:comment w:id="0" w:author="Reviewer Ragnhild" w:initials="RR">'
                + p("Is this Ola Fiktivsen's café?") + "</w:comment>")
    t = _read(tmp_path, body, comments=comments)
    assert t.text == "We met at the café."
    assert "1 comment removed (not transcript content)" in t.notes


def test_tracked_changes_are_accepted(tmp_path: Path) -> None:
    body = (
        "<w:p>" + run("My neighbour ")
        + '<w:del w:id="1" w:author="Editor Eriksen"><w:r><w:delText>Kari Deletedsen </w:delText></w:r></w:del>'
        + '<w:ins w:id="2" w:author="Editor Eriksen">' + run("the teacher ") + "</w:ins>"
        + run("helped.") + "</w:p>"
        + '<w:p><w:pPr><w:rPr><w:del w:id="3" w:author="E"/></w:rPr></w:pPr>'
        + '<w:del w:id="4" w:author="E"><w:r><w:delText>Gone paragraph</w:delText></w:r></w:del></w:p>'
        + "<w:p>" + '<w:moveFrom w:id="5" w:author="E">' + run("Old place") + "</w:moveFrom>"
        + '<w:moveTo w:id="6" w:author="E">' + run("New place") + "</w:moveTo></w:p>"
        + "<w:tbl><w:tr>" + f"<w:tc>{p('kept row')}</w:tc></w:tr>"
        + '<w:tr><w:trPr><w:del w:id="7" w:author="E"/></w:trPr>'
        + f"<w:tc>{p('Deleted Row Person')}</w:tc></w:tr></w:tbl>"
    )
    t = _read(tmp_path, body)
    assert t.text.split("\n") == ["My neighbour the teacher helped.", "New place", "kept row"]
    assert "Deletedsen" not in t.text and "Gone" not in t.text and "Old place" not in t.text
    assert "tracked changes accepted: 2 insertion(s) kept, 5 deletion(s) dropped" in t.notes


def test_soft_breaks_tabs_fields_and_links_give_the_visible_text(tmp_path: Path) -> None:
    body = (
        "<w:p>" + run("Kari:") + "<w:r><w:tab/></w:r>" + run("line one")
        + "<w:r><w:br/></w:r>" + run("line two") + "</w:p>"
        + "<w:p>" + '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        + '<w:r><w:instrText xml:space="preserve"> HYPERLINK "mailto:kari@example.no" </w:instrText></w:r>'
        + '<w:r><w:fldChar w:fldCharType="separate"/></w:r>' + run("write to me")
        + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        + '<w:hyperlink r:id="rIdLink">' + run(" or the site") + "</w:hyperlink>"
        + '<w:fldSimple w:instr=" AUTHOR ">' + run(" (Field Author)") + "</w:fldSimple></w:p>"
    )
    t = _read(tmp_path, body)
    assert t.text.split("\n") == [
        "Kari:\tline one line two",
        "write to me or the site (Field Author)",
    ]
    assert "mailto" not in t.text and "HYPERLINK" not in t.text
    assert "1 soft line break joined with a space" in t.notes


def test_text_box_appears_once_after_its_anchor(tmp_path: Path) -> None:
    box = f"<w:txbxContent>{p('Box: Ola Fiktivsen')}</w:txbxContent>"
    body = (
        "<w:p>" + run("Anchor paragraph")
        + "<w:r><mc:AlternateContent>"
        + f'<mc:Choice Requires="wps"><w:drawing><wps:txbx>{box}</wps:txbx></w:drawing></mc:Choice>'
        + f"<mc:Fallback><w:pict><v:textbox>{box}</v:textbox></w:pict></mc:Fallback>"
        + "</mc:AlternateContent></w:r></w:p>" + p("Next")
    )
    t = _read(tmp_path, body)
    assert t.text.split("\n") == ["Anchor paragraph", "Box: Ola Fiktivsen", "Next"]
    assert "1 text box included as lines after their anchor" in t.notes


def test_content_controls_are_looked_through(tmp_path: Path) -> None:
    body = (
        "<w:sdt><w:sdtPr><w:alias w:val='Name field'/></w:sdtPr><w:sdtContent>"
        + p("Participant: Kari") + "</w:sdtContent></w:sdt>"
        + "<w:p><w:sdt><w:sdtPr/><w:sdtContent>" + run("inline ") + "</w:sdtContent></w:sdt>"
        + run("control") + "</w:p>"
    )
    assert _read(tmp_path, body).text == "Participant: Kari\ninline control"


def test_embedded_media_are_counted(tmp_path: Path) -> None:
    t = _read(tmp_path, p("Photo below"), extra_parts={"word/media/image1.png": b"\x89PNG"})
    assert "1 embedded image/object not carried over" in t.notes


def test_strict_ooxml_namespace_is_read(tmp_path: Path) -> None:
    strict = "http://purl.oclc.org/ooxml/wordprocessingml/main"
    xml = f'<w:document xmlns:w="{strict}"><w:body>{p("strict text")}</w:body></w:document>'
    path = make_docx(tmp_path / "strict.docx", "", document_xml=xml)
    assert read_transcript(path).text == "strict text"


def test_a_word_document_made_by_python_docx(tmp_path: Path) -> None:
    document = docx.Document()
    document.core_properties.author = "Ingrid Forfattersen"
    document.add_heading("Intervju 2", level=1)
    para = document.add_paragraph("Kari Nordmann: Vi bodde i Ødegårdsveien.")
    document.add_comment(para.runs[0], text="Sjekk med Ola", author="Veileder Vik")
    rows = document.add_table(rows=1, cols=2)
    rows.cell(0, 0).text, rows.cell(0, 1).text = "I", "Og så?"
    document.sections[0].header.paragraphs[0].text = "Prosjekt Fjell – Kari Nordmann"
    document.save(tmp_path / "intervju2.docx")

    t = read_transcript(tmp_path / "intervju2.docx")

    assert t.text.split("\n") == [
        "Prosjekt Fjell – Kari Nordmann",
        "Intervju 2",
        "Kari Nordmann: Vi bodde i Ødegårdsveien.",
        "I\tOg så?",
    ]
    assert t.blocks[1] == Block(BlockKind.PARAGRAPH, style="Heading 1")
    assert "Sjekk" not in t.text and "Forfattersen" not in t.text
    assert "1 comment removed (not transcript content)" in t.notes


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("a\x0bb", "a b"), ("a\u2028b", "a b"), ("a\x01b", "ab"), ("a\ufeffb", "ab"), ("a\tb", "a\tb")],
)
def test_line_cleaner_keeps_one_line_and_valid_xml(raw: str, clean: str) -> None:
    # Shared by all readers: nothing that splits a line or breaks the clean .docx XML survives.
    from anonymizer.formats._lines import clean_piece

    assert clean_piece(raw) == clean
