from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from anonymizer.errors import InputError
from anonymizer.formats import UnreadableTranscript, read_transcript
from anonymizer.formats.transcript import BlockKind, TranscriptFormat
from anonymizer.refusals import Reason

LINES = [
    "Interviewer: Hvor bor du nå, Åse?",
    "Åse Fjellstrøm: I Ødegårdsveien, sammen med mannen min.",
    "",
    "[00:01:02] I: And before that?",
    "P:\tIn Tromsdal – with my sister Ingvild.",
]


def _encode(text: str, encoding: str) -> bytes:
    boms = {
        "utf-8-sig": codecs.BOM_UTF8,
        "utf-16-le-bom": codecs.BOM_UTF16_LE,
        "utf-16-be-bom": codecs.BOM_UTF16_BE,
        "utf-32-bom": codecs.BOM_UTF32_LE,
    }
    codec = {"utf-8-sig": "utf-8", "utf-16-le-bom": "utf-16-le", "utf-16-be-bom": "utf-16-be",
             "utf-32-bom": "utf-32-le"}.get(encoding, encoding)
    return boms.get(encoding, b"") + text.encode(codec)


@pytest.mark.parametrize(
    ("encoding", "label"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8"),
        ("utf-16-le-bom", "utf-16"),
        ("utf-16-be-bom", "utf-16"),
        ("utf-32-bom", "utf-32"),
    ],
)
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("final_newline", [True, False])
def test_every_encoding_and_newline_gives_the_same_lines(
    tmp_path: Path, encoding: str, label: str, newline: str, final_newline: bool
) -> None:
    text = newline.join(LINES) + (newline if final_newline else "")
    path = tmp_path / "interview.txt"
    path.write_bytes(_encode(text, encoding))

    transcript = read_transcript(path)

    assert transcript.text.split("\n") == LINES
    assert transcript.encoding == label
    assert transcript.format is TranscriptFormat.TEXT
    assert "\ufeff" not in transcript.text and "\r" not in transcript.text
    assert [b.kind for b in transcript.blocks] == [BlockKind.PARAGRAPH] * len(LINES)
    assert transcript.source == path


def test_mixed_line_ends_each_end_one_line(tmp_path: Path) -> None:
    path = tmp_path / "mixed.txt"
    path.write_bytes(b"a\r\nb\nc\rd")
    assert read_transcript(path).text == "a\nb\nc\nd"


def test_blank_lines_are_kept_but_one_final_newline_is_not_a_line(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_bytes(b"a\n\nb\n\n")
    assert read_transcript(path).text.split("\n") == ["a", "", "b", ""]


@pytest.mark.parametrize("separator", ["\v", "\f", "\x85", "\u2028", "\u2029"])
def test_other_unicode_line_separators_become_spaces(tmp_path: Path, separator: str) -> None:
    path = tmp_path / "sep.txt"
    path.write_text(f"Kari:{separator}hello\nnext", encoding="utf-8")
    text = read_transcript(path).text
    assert text == "Kari: hello\nnext"
    assert text.splitlines() == text.split("\n")


def test_speaker_labels_and_tabs_are_preserved_exactly(tmp_path: Path) -> None:
    path = tmp_path / "speakers.txt"
    path.write_text("Kari Nordmann: Hei.\nI: Takk.\nP:\tJa.\n[00:01:02] Kari: Ok.\n", "utf-8")
    assert read_transcript(path).text == "Kari Nordmann: Hei.\nI: Takk.\nP:\tJa.\n[00:01:02] Kari: Ok."


def test_legacy_8bit_text_is_refused_by_default_with_the_offset(tmp_path: Path) -> None:
    path = tmp_path / "windows.txt"
    path.write_bytes("Åse: hei".encode("cp1252"))
    with pytest.raises(UnreadableTranscript) as info:
        read_transcript(path)
    assert info.value.reason is Reason.UNDECODABLE
    assert "not valid UTF-8" in str(info.value) and "offset 0" in str(info.value)


def test_cp1252_only_when_the_setting_asks_for_it(tmp_path: Path) -> None:
    path = tmp_path / "windows.txt"
    path.write_bytes("Åse Ødegård: hei – ja".encode("cp1252"))
    transcript = read_transcript(path, legacy_encoding="cp1252")
    assert transcript.text == "Åse Ødegård: hei – ja"
    assert transcript.encoding == "cp1252"
    assert any("cp1252" in note for note in transcript.notes)


def test_cp1252_still_refuses_its_undefined_bytes(tmp_path: Path) -> None:
    path = tmp_path / "odd.txt"
    path.write_bytes(b"abc \x81 def")
    with pytest.raises(InputError, match="neither UTF-8 nor cp1252"):
        read_transcript(path, legacy_encoding="cp1252")


def test_only_cp1252_is_accepted_as_legacy_encoding(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"hello")
    with pytest.raises(ValueError):
        read_transcript(path, legacy_encoding="latin-1")  # type: ignore[arg-type]


def test_utf16_without_bom_gets_a_helpful_message(tmp_path: Path) -> None:
    path = tmp_path / "nobom.txt"
    path.write_bytes("Kari: hello there, this is text".encode("utf-16-le"))
    with pytest.raises(InputError, match="UTF-16 text without a byte-order mark"):
        read_transcript(path)


def test_a_stray_control_character_is_dropped_not_refused(tmp_path: Path) -> None:
    path = tmp_path / "stray.txt"
    path.write_bytes(b"Kari: hel\x07lo " + b"x" * 2000)
    assert read_transcript(path).text.startswith("Kari: hello ")


def test_suffix_is_case_insensitive(tmp_path: Path) -> None:
    path = tmp_path / "LOUD.TXT"
    path.write_bytes(b"hello")
    assert read_transcript(path).text == "hello"
