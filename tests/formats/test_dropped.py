"""What readers leave out on purpose is counted by kind in ``Transcript.dropped`` (issue 17.4b)."""

from __future__ import annotations

from pathlib import Path

import pytest
from formats_factories import make_docx, p, run

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
