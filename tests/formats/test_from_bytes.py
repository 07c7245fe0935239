"""``read_transcript_bytes``: a transcript read from bytes in memory (a decrypted original) is
the one its file gives, and its refusals name no path."""

from __future__ import annotations

from pathlib import Path

import pytest
from formats_factories import make_docx, make_odt, p

from anonymizer.formats import (
    ReadLimits,
    UnreadableTranscript,
    read_transcript,
    read_transcript_bytes,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "formats"


def _files(tmp_path: Path) -> list[Path]:
    text = tmp_path / "x.txt"
    text.write_text("Interviewer: Hello.\nKari: Hi, from Fjellkroa.\n", encoding="utf-8")
    docx = make_docx(tmp_path / "x.docx", p("Interviewer: Hello.") + p("Kari: Hi there."))
    odt = make_odt(tmp_path / "x.odt", "<text:p>Interviewer: Hello.</text:p>")
    return [text, docx, odt, *sorted(FIXTURES.iterdir())]


def test_bytes_read_as_their_file_reads(tmp_path: Path) -> None:
    files = _files(tmp_path)
    assert {f.suffix for f in files} == {".txt", ".docx", ".odt", ".vtt", ".srt"}
    for path in files:
        from_file = read_transcript(path)
        from_bytes = read_transcript_bytes(path.read_bytes(), path.suffix)
        assert from_bytes.text == from_file.text and from_bytes.text, path.name
        assert from_bytes.dropped_counts() == from_file.dropped_counts(), path.name


@pytest.mark.parametrize(("data", "ext", "reason"), [
    (b"", ".txt", "is empty"), (b"PK\x03\x04 not a zip", ".docx", "not a valid .docx"),
    (b"x" * 2048, ".txt", "too large"), (b"hello", ".rtf", "unsupported file type .rtf")])
def test_refusals_name_the_label_never_a_path(data: bytes, ext: str, reason: str) -> None:
    with pytest.raises(UnreadableTranscript) as caught:
        read_transcript_bytes(data, ext, ReadLimits(max_file_bytes=1024))
    message = str(caught.value)
    assert f"original{ext}" in message and reason in message and "/" not in message
