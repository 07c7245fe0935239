"""Writing clean text: UTF-8, LF, atomically, and without the input's name anywhere on disk.

``atomic_write`` puts the bytes in a randomly named hidden temp file in the target folder
(".clean-XXXXXXXX.part": the input's file name can hold a participant's name, so no part of it is
used; ".part" makes the inbox watcher ignore it), fsyncs it, renames it over the target and fsyncs
the folder, so a crash leaves either the old file or the new one, never half of it. New files get
mode 0600 (mkstemp's): clean transcripts are still research data; the store sets wider modes if
it wants them.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from anonymizer.formats.transcript import BlockKind, Transcript
from anonymizer.fsutil import fsync_dir


def write_clean_text(clean_text: str, path: Path, transcript: Transcript | None = None) -> None:
    """Write ``clean_text`` as UTF-8 with LF and a final newline.

    With the ``transcript`` it came from, subtitle cues get their start time: ``[hh:mm:ss] text``.
    """
    text = render_clean_text(clean_text, transcript) if transcript is not None else clean_text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    atomic_write(Path(path), (text if text.endswith("\n") else text + "\n").encode("utf-8"))


def render_clean_text(clean_text: str, transcript: Transcript) -> str:
    """The clean text as it is released: cue lines prefixed with ``[hh:mm:ss]``, others as is."""
    lines = clean_lines(clean_text, transcript)
    if not any(block.kind is BlockKind.CUE for block in transcript.blocks):
        return "\n".join(lines)
    out: list[str] = []
    it = iter(lines)
    for block in transcript.blocks:
        stamp = f"[{block.timing[:8]}] " if block.kind is BlockKind.CUE and block.timing else ""
        out.extend(stamp + next(it) for _ in range(block.line_count))
    return "\n".join(out)


def clean_lines(clean_text: str, transcript: Transcript) -> list[str]:
    """Split ``clean_text``; its lines must match the transcript's blocks one for one."""
    lines = clean_text.split("\n")
    expected = sum(block.line_count for block in transcript.blocks) if transcript.blocks else None
    if expected is not None and len(lines) != expected:
        # The engine must never add or remove line breaks; writing anyway would misplace text.
        raise ValueError(
            f"clean text has {len(lines)} lines but the transcript's blocks cover {expected}"
        )
    return lines


def atomic_write(path: Path, data: bytes) -> None:
    # Not fsutil.atomic_write: its temp name carries the target's name; this one's is random
    # and ends in ".part" (see the module docstring).
    folder = path.parent
    fd, temp_name = tempfile.mkstemp(prefix=".clean-", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    fsync_dir(folder)  # makes the rename itself durable
