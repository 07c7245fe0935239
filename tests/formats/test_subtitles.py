from __future__ import annotations

import codecs
import shutil
from pathlib import Path

import pytest

from anonymizer.formats import read_transcript, render_clean_text, write_clean_text
from anonymizer.formats.transcript import BlockKind, TranscriptFormat

FIXTURES = Path(__file__).parent.parent / "fixtures" / "formats"

VTT_LINES = [
    "Kari Nordmann: Jeg vokste opp i Tromsdal, rett ved fjorden.",
    "Interviewer: Og så & deretter?",
    "Kari Nordmann: Vi flyttet.",
    "Ola Fiktivsen: Jeg ble igjen.",
    "Hmm ja",
]


def test_vtt_cues_voices_and_markup(tmp_path: Path) -> None:
    t = read_transcript(FIXTURES / "whisper_intervju.vtt")
    assert t.format is TranscriptFormat.VTT
    assert t.text.split("\n") == VTT_LINES
    assert [(b.kind, b.line_count, b.timing) for b in t.blocks] == [
        (BlockKind.CUE, 1, "00:00:01.000 --> 00:00:04.500"),
        (BlockKind.CUE, 1, "00:00:05.000 --> 00:00:07.250"),
        (BlockKind.CUE, 2, "00:01:02.000 --> 00:01:05.500"),
        (BlockKind.CUE, 1, "01:00:00.000 --> 01:00:01.000"),
    ]
    assert "Forfattersen" not in t.text and "yellow" not in t.text and "intro-2" not in t.text
    assert "1 cue without text skipped" in t.notes


def test_srt_numbers_timings_tags_and_a_missing_blank_line(tmp_path: Path) -> None:
    t = read_transcript(FIXTURES / "speech.srt")
    assert t.format is TranscriptFormat.SRT
    assert t.text.split("\n") == [
        "Kari: Hei, jeg heter Kari. Hvordan går det?",
        "- Bra. - Takk for sist.",
        "I <3 Tromsø",
    ]
    assert [b.timing for b in t.blocks] == [
        "00:00:01.000 --> 00:00:04.000",
        "00:00:04.500 --> 00:00:06.000",
        "00:00:07.000 --> 00:00:08.000",
    ]


@pytest.mark.parametrize("bom", [codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b""])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_subtitle_encodings_and_newlines(tmp_path: Path, bom: bytes, newline: str) -> None:
    source = (FIXTURES / "whisper_intervju.vtt").read_text("utf-8").replace("\n", newline)
    codec = {codecs.BOM_UTF16_LE: "utf-16-le", codecs.BOM_UTF16_BE: "utf-16-be"}.get(bom, "utf-8")
    path = tmp_path / "cues.vtt"
    path.write_bytes(bom + source.encode(codec))
    assert read_transcript(path).text.split("\n") == VTT_LINES


def test_vtt_without_header_and_hourless_timings(tmp_path: Path) -> None:
    path = tmp_path / "tool.vtt"
    path.write_text("00:01.5 --> 00:02.000\n<v Kari>hei\n", "utf-8")
    t = read_transcript(path)
    assert t.text == "Kari: hei"
    assert t.blocks[0].timing == "00:00:01.500 --> 00:00:02.000"


def test_clean_text_output_puts_the_start_time_before_each_line(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "whisper_intervju.vtt", tmp_path / "in.vtt")
    t = read_transcript(tmp_path / "in.vtt")
    clean = t.text.replace("Kari Nordmann", "Participant 7").replace("Ola Fiktivsen", "[Person 1]")
    expected = (
        "[00:00:01] Participant 7: Jeg vokste opp i Tromsdal, rett ved fjorden.\n"
        "[00:00:05] Interviewer: Og så & deretter?\n"
        "[00:01:02] Participant 7: Vi flyttet.\n"
        "[00:01:02] [Person 1]: Jeg ble igjen.\n"
        "[01:00:00] Hmm ja"
    )
    assert render_clean_text(clean, t) == expected
    write_clean_text(clean, tmp_path / "out.txt", transcript=t)
    assert (tmp_path / "out.txt").read_bytes() == (expected + "\n").encode("utf-8")


@pytest.mark.parametrize(
    ("source", "lines", "ignored"),
    [
        # No blank lines at all, no cue ids (VTT): every timing line starts a cue.
        ("WEBVTT\n00:01.000 --> 00:02.000\nhello\n00:03.000 --> 00:04.000\nworld\n",
         ["hello", "world"], 0),
        # A stray blank line inside a cue: the orphan text is counted, the next cue still read.
        ("1\n00:00:01,000 --> 00:00:02,000\nHello\n\nthere\n2\n00:00:03,000 --> 00:00:04,000\nBye\n",
         ["Hello", "Bye"], 1),
        # A cue whose text is a number keeps it when it is the last line of the file.
        ("1\n00:00:01,000 --> 00:00:02,000\n42\n", ["42"], 0),
    ],
)
def test_damaged_subtitle_layouts(
    tmp_path: Path, source: str, lines: list[str], ignored: int
) -> None:
    path = tmp_path / "damaged.srt"
    path.write_text(source, "utf-8")
    t = read_transcript(path)
    assert t.text.split("\n") == lines
    assert any("outside cues" in note for note in t.notes) == bool(ignored)


@pytest.mark.parametrize("suffix", ["vtt", "srt"])
@pytest.mark.parametrize(
    ("cue_lines", "expected"),
    [
        (["Kari: first line", " ", "rest of the turn"], "Kari: first line rest of the turn"),
        (["Kari: first", "\t", "second", "  ", "third"], "Kari: first second third"),
        (["- (Anna) Hello", " ", "- (Ben) Hi"], "- (Anna) Hello - (Ben) Hi"),
        ([" ", "- (Anna) Hello", "- (Ben) Hi"], "- (Anna) Hello - (Ben) Hi"),
    ],
)
def test_a_line_holding_only_spaces_does_not_end_the_cue(
    tmp_path: Path, suffix: str, cue_lines: list[str], expected: str
) -> None:
    sep = "." if suffix == "vtt" else ","
    head = "WEBVTT\n\n" if suffix == "vtt" else ""
    body = "\n".join(cue_lines)
    path = tmp_path / f"cue.{suffix}"
    path.write_text(
        f"{head}1\n00:00:01{sep}000 --> 00:00:02{sep}000\n{body}\n\n"
        f"2\n00:00:03{sep}000 --> 00:00:04{sep}000\nAfter\n",
        "utf-8",
    )
    t = read_transcript(path)
    assert t.text.split("\n") == [expected, "After"]
    assert t.notes == ()
