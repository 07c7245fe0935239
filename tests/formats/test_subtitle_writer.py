"""Clean .vtt/.srt in the input's own format, with the input's timings (issue 17.8)."""

from __future__ import annotations

from pathlib import Path

import pytest

from anonymizer.formats import read_transcript, write_clean_subtitles
from anonymizer.formats.transcript import TranscriptFormat

CUES = [
    ("00:00:01.000", "00:00:04.500", ["<v Kari Nordmann>Jeg bodde i Tromsdal."]),
    ("00:00:05.000", "00:00:07.250", ["- (Anna) Hei", " ", "- (Ben) Hallo"]),
    ("00:01:02.000", "00:01:05.500",
     ["<v Kari Nordmann>Vi flyttet.", "<v Ola>Jeg ble igjen &amp; mer."]),
    ("01:00:00.000", "01:00:01.000", ["Hmm <i>ja</i>"]),
]
NAMES = ("Kari", "Nordmann", "Ola", "Anna", "Ben", "Tromsdal")


def _source(fmt: str, cues: list[tuple[str, str, list[str]]]) -> str:
    out = ["WEBVTT", ""] if fmt == "vtt" else []
    for n, (start, end, lines) in enumerate(cues, 1):
        if fmt == "srt":
            start, end = start.replace(".", ","), end.replace(".", ",")
            lines = [line.replace("<v Kari Nordmann>", "Kari Nordmann: ")
                     .replace("<v Ola>", "Ola: ") for line in lines]
        out += [str(n), f"{start} --> {end}", *lines, ""]
    return "\n".join(out)


def _fake_clean(text: str) -> str:
    for i, name in enumerate(("Kari Nordmann", "Ola", "Anna", "Ben", "Tromsdal"), 1):
        text = text.replace(name, f"Participant {i}")
    return text


@pytest.mark.parametrize("fmt", ["vtt", "srt"])
@pytest.mark.parametrize("n_cues", [1, 2, 4])
def test_clean_subtitles_keep_timings_and_no_names(tmp_path: Path, fmt: str, n_cues: int) -> None:
    source = tmp_path / f"in.{fmt}"
    source.write_text(_source(fmt, CUES[:n_cues]), "utf-8")
    t = read_transcript(source)
    out = tmp_path / f"out.clean.{fmt}"
    write_clean_subtitles(_fake_clean(t.text), t, out)
    written = out.read_text("utf-8")
    assert written.startswith("WEBVTT\n\n") == (fmt == "vtt")
    back = read_transcript(out)
    assert back.format is TranscriptFormat(fmt)
    assert [b.timing for b in back.blocks] == [f"{s} --> {e}" for s, e, _ in CUES[:n_cues]]
    assert back.text == _fake_clean(t.text)
    assert not [n for n in NAMES if n in written]
    if n_cues >= 3 and fmt == "vtt":
        assert "Participant 1: Vi flyttet." in back.text.split("\n")


@pytest.mark.parametrize("fmt", ["vtt", "srt"])
@pytest.mark.parametrize("word", ["Ødegård", "café", "naïve – “quoted”"])
def test_cp1252_subtitles_are_read_when_unambiguous(tmp_path: Path, fmt: str, word: str) -> None:
    path = tmp_path / f"in.{fmt}"
    path.write_bytes(_source(fmt, [("00:00:01.000", "00:00:02.000", [word])]).encode("cp1252"))
    t = read_transcript(path)
    assert t.text == word and t.encoding == "cp1252"


@pytest.mark.parametrize("fmt", ["vtt", "srt"])
def test_bytes_undefined_in_cp1252_are_still_refused(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"in.{fmt}"
    path.write_bytes(_source(fmt, [("00:00:01.000", "00:00:02.000", ["x"])]).encode() + b"\x81\x9d")
    with pytest.raises(Exception, match="cp1252|UTF-8"):
        read_transcript(path)
