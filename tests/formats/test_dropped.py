"""What readers leave out on purpose is counted by kind in ``Transcript.dropped`` (issue 17.4b)."""

from __future__ import annotations

from pathlib import Path

import pytest
from formats_factories import make_docx, make_odt, p, run

from anonymizer.formats import read_transcript

COMMENT = ('<w:comment w:id="{i}" w:author="Reviewer Ragnhild">' + p("Ola Fiktivsen?")
           + "</w:comment>")


@pytest.mark.parametrize(
    ("n_comments", "deleted", "expected", "summary"),
    [
        (2, False, {"comment": 2}, "dropped: 2 comments"),
        (1, True, {"comment": 1, "deletion": 1}, "dropped: 1 comment, 1 tracked deletion"),
        (0, True, {"deletion": 1}, "dropped: 1 tracked deletion"),
    ],
)
def test_docx_dropped_counts(tmp_path: Path, n_comments: int, deleted: bool,
                             expected: dict[str, int], summary: str) -> None:
    body = p("Interviewer: Hello there.")
    if deleted:
        body += ('<w:p>' + run("Kept ") + '<w:del w:id="9" w:author="X"><w:r><w:delText>'
                 'Ola Fiktivsen</w:delText></w:r></w:del></w:p>')
    comments = "".join(COMMENT.format(i=i) for i in range(n_comments)) if n_comments else None
    t = read_transcript(make_docx(tmp_path / "t.docx", body, comments=comments))
    assert t.dropped_counts() == expected
    assert t.dropped_summary() == summary
    assert "Ola" not in t.dropped_summary() and "Ragnhild" not in t.dropped_summary()


@pytest.mark.parametrize(("outside", "expected"), [(0, {}), (1, {"outside_cue": 1}),
                                                   (2, {"outside_cue": 2})])
def test_subtitle_text_outside_cues_is_counted(tmp_path: Path, outside: int,
                                               expected: dict[str, int]) -> None:
    stray = "".join(f"stray text {i}\nmore\n\n" for i in range(outside))
    path = tmp_path / "t.vtt"
    path.write_text(f"WEBVTT\n\n{stray}00:00:01.000 --> 00:00:02.000\nHello\n", "utf-8")
    t = read_transcript(path)
    assert t.dropped_counts() == expected
    assert (t.dropped_summary() != "") == bool(outside)


# A ruby annotation (a reading aid printed over its base text) was read as text glued to the
# base: "Kari" + its reading "kari" became "Karikari", which no name detector knows (17.6).
ODT_RUBY = ('<text:p>Interviewer: I spoke with <text:ruby><text:ruby-base>{base}'
            '</text:ruby-base><text:ruby-text>{reading}</text:ruby-text></text:ruby> today.'
            '</text:p>')
DOCX_RUBY = ('<w:p>' + run("Interviewer: I spoke with ") + '<w:r><w:ruby><w:rubyPr/>'
             '<w:rt><w:r><w:t>{reading}</w:t></w:r></w:rt><w:rubyBase><w:r><w:t>{base}</w:t>'
             '</w:r></w:rubyBase></w:ruby></w:r>' + run(" today.") + '</w:p>')


@pytest.mark.parametrize("fmt", ["odt", "docx"])
@pytest.mark.parametrize(("base", "reading"), [("Kari", "ka-ri"), ("Margaret", "Maggie"),
                                               ("Tromsø", "Romsa")])
def test_ruby_annotations_are_dropped_and_counted(tmp_path: Path, fmt: str, base: str,
                                                  reading: str) -> None:
    if fmt == "odt":
        path = make_odt(tmp_path / "t.odt", ODT_RUBY.format(base=base, reading=reading))
    else:
        path = make_docx(tmp_path / "t.docx", DOCX_RUBY.format(base=base, reading=reading))
    t = read_transcript(path)
    assert t.text.strip() == f"Interviewer: I spoke with {base} today."
    assert t.dropped_counts() == {"ruby": 1}
    assert t.dropped_summary() == "dropped: 1 ruby annotation"


def test_a_name_under_ruby_is_replaced(tmp_path: Path, session_engine) -> None:
    path = make_odt(tmp_path / "t.odt", ODT_RUBY.format(base="Margaret Thompson",
                                                        reading="Maggie"))
    clean = session_engine.anonymize(read_transcript(path).text).clean_text
    assert "Margaret" not in clean and "Maggie" not in clean and "[Person" in clean
