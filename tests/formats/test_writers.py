from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from anonymizer.formats import write_clean_docx, write_clean_text
from anonymizer.formats.transcript import Block, BlockKind, Transcript, TranscriptFormat


def test_clean_text_is_utf8_with_lf_and_one_final_newline(tmp_path: Path) -> None:
    write_clean_text("Participant 7: Hei på deg\n[Person 1]: ja", tmp_path / "P07_wave2.txt")
    assert (tmp_path / "P07_wave2.txt").read_bytes() == (
        "Participant 7: Hei på deg\n[Person 1]: ja\n".encode()
    )


def test_temp_file_is_in_the_target_folder_and_named_after_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    renames: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src: str, dst: str) -> None:
        renames.append((str(src), str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    target = tmp_path / "Kari_Nordmann_intervju2.txt"
    write_clean_text("text", target)
    (src, dst), = renames
    assert Path(src).parent == tmp_path and dst == str(target)
    assert re.fullmatch(r"\.clean-[a-z0-9_]+\.part", Path(src).name)
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old\n", "utf-8")

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        write_clean_text("new", target)
    assert target.read_text("utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_line_count_must_match_the_blocks(tmp_path: Path) -> None:
    transcript = Transcript(
        text="a\nb", format=TranscriptFormat.TEXT,
        blocks=(Block(BlockKind.PARAGRAPH), Block(BlockKind.PARAGRAPH)),
    )
    with pytest.raises(ValueError, match="3 lines but the transcript's blocks cover 2"):
        write_clean_text("a\nb\nc", tmp_path / "x.txt", transcript)  # positional, as the CLI calls it
    with pytest.raises(ValueError):
        write_clean_docx("a", transcript, tmp_path / "x.docx")
    assert list(tmp_path.iterdir()) == []
