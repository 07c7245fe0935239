from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from formats_factories import make_docx, p, run, table

from anonymizer.formats import read_transcript, write_clean_docx
from anonymizer.formats.transcript import Block, BlockKind, Transcript, TranscriptFormat

# Invented names and texts that live only in places the clean .docx must never carry.
AUTHOR = "Ingrid Forfattersen"
COMMENT = "Ola Kommentarsen knows her"
COMMENT_AUTHOR = "Reviewer Ragnhild"
DELETED = "Kari Slettesen"
FIELD_CODE = "kari@eksempel.no"
CUSTOM = "Hemmelig Egenskap"
NAME = "Kari Nordmann"


def _rich_docx(path: Path) -> Path:
    body = (
        p("Interview 4", "Heading1")
        + "<w:p>" + '<w:commentRangeStart w:id="0"/>' + run(f"{NAME}: I grew up by the fjord.")
        + '<w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r></w:p>'
        + "<w:p>" + run("My friend ")
        + f'<w:del w:id="1" w:author="{AUTHOR}"><w:r><w:delText>{DELETED}</w:delText></w:r></w:del>'
        + f'<w:ins w:id="2" w:author="{AUTHOR}">' + run("Anne") + "</w:ins>" + run(" came.") + "</w:p>"
        + '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        + f'<w:r><w:instrText> HYPERLINK "mailto:{FIELD_CODE}" </w:instrText></w:r>'
        + '<w:r><w:fldChar w:fldCharType="separate"/></w:r>' + run("mail me")
        + '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
        + table(("Interviewer", "And then?"), (NAME, "We moved\u00a0north."), ("P", "", "extra"))
        + p("Quote here", "Quote")
        + p("  spaced  ")
    )
    return make_docx(
        path,
        body,
        header=p(f"Interview with {NAME}"),
        footer=p("Page 1"),
        footnotes='<w:footnote w:id="1">' + p("Footnote text") + "</w:footnote>",
        comments=f'<w:comment w:id="0" w:author="{COMMENT_AUTHOR}">{p(COMMENT)}</w:comment>',
        styles={"Heading1": "heading 1", "Quote": "Quote"},
        author=AUTHOR,
        extra_parts={
            "docProps/custom.xml": f"<Properties><p>{CUSTOM}</p></Properties>".encode(),
            "word/media/image1.png": b"\x89PNG fake",
            "customXml/item1.xml": f"<x>{CUSTOM}</x>".encode(),
        },
    )


def _package_text(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name).decode("utf-8", "replace") for name in zf.namelist()}


def test_round_trip_gives_the_same_lines_and_blocks(tmp_path: Path) -> None:
    source = read_transcript(_rich_docx(tmp_path / "interview4.docx"))
    write_clean_docx(source.text, source, tmp_path / "clean.docx")
    again = read_transcript(tmp_path / "clean.docx")
    assert again.text == source.text
    assert again.blocks == source.blocks
    assert source.text.split("\n")[:3] == [f"Interview with {NAME}", "Interview 4",
                                           f"{NAME}: I grew up by the fjord."]


def test_clean_package_carries_no_trace_of_the_source(tmp_path: Path) -> None:
    source = read_transcript(_rich_docx(tmp_path / "interview4.docx"))
    clean_text = source.text.replace(NAME, "[Participant 7]")
    write_clean_docx(clean_text, source, tmp_path / "clean.docx")

    parts = _package_text(tmp_path / "clean.docx")
    everything = "\n".join(parts.values())
    for secret in (AUTHOR, COMMENT, COMMENT_AUTHOR, DELETED, FIELD_CODE, CUSTOM, NAME, "Kari",
                   "Forfattersen", "interview4"):
        assert secret not in everything, secret
    assert "[Participant 7]" in parts["word/document.xml"]
    assert not any(name.lower().startswith(("docprops/custom", "docprops/thumbnail", "customxml",
                                            "word/comments", "word/media", "word/people"))
                   for name in parts)


def test_core_properties_are_neutral(tmp_path: Path) -> None:
    source = read_transcript(_rich_docx(tmp_path / "in.docx"))
    write_clean_docx(source.text, source, tmp_path / "clean.docx")
    props = docx.Document(str(tmp_path / "clean.docx")).core_properties
    for name in ("author", "last_modified_by", "title", "subject", "keywords", "comments",
                 "category"):
        assert getattr(props, name) == "", name
    assert props.created == props.modified
    assert props.created.year == 2000


def test_python_docx_source_round_trips_and_sheds_its_metadata(tmp_path: Path) -> None:
    document = docx.Document()
    document.core_properties.author = AUTHOR
    document.core_properties.title = f"Interview {NAME}"
    para = document.add_paragraph(f"{NAME}: hei")
    document.add_comment(para.runs[0], text=COMMENT, author=COMMENT_AUTHOR)
    document.sections[0].footer.paragraphs[0].text = "Footer"
    document.save(tmp_path / "src.docx")

    source = read_transcript(tmp_path / "src.docx")
    write_clean_docx(source.text.replace(NAME, "[Participant 1]"), source, tmp_path / "out.docx")

    assert read_transcript(tmp_path / "out.docx").text == "[Participant 1]: hei\nFooter"
    everything = "\n".join(_package_text(tmp_path / "out.docx").values())
    assert AUTHOR not in everything and COMMENT not in everything and NAME not in everything


def test_text_and_subtitle_transcripts_can_be_written_as_docx(tmp_path: Path) -> None:
    cues = Transcript(
        text="A: hi\nB: yes\nB: no",
        format=TranscriptFormat.VTT,
        blocks=(Block(BlockKind.CUE, timing="00:00:01.000 --> 00:00:02.000"),
                Block(BlockKind.CUE, line_count=2, timing="01:02:03.500 --> 01:02:04.000")),
    )
    write_clean_docx(cues.text, cues, tmp_path / "cues.docx")
    assert read_transcript(tmp_path / "cues.docx").text == (
        "[00:00:01] A: hi\n[01:02:03] B: yes\n[01:02:03] B: no"
    )
    plain = Transcript(text="one\n\ttwo", format=TranscriptFormat.TEXT)
    write_clean_docx(plain.text, plain, tmp_path / "plain.docx")
    assert read_transcript(tmp_path / "plain.docx").text == "one\n\ttwo"


def test_a_clean_text_with_other_line_count_is_refused_and_nothing_written(tmp_path: Path) -> None:
    source = read_transcript(_rich_docx(tmp_path / "in.docx"))
    with pytest.raises(ValueError, match="lines"):
        write_clean_docx(source.text + "\nextra", source, tmp_path / "clean.docx")
    assert sorted(f.name for f in tmp_path.iterdir()) == ["in.docx"]
