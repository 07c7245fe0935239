"""Turning the pieces a reader found into one ``Transcript`` whose lines match its blocks.

The engine and the writers rely on ``text.split("\\n")`` giving exactly one entry per block line,
so every character that some tool or ``str.splitlines`` treats as a line end, and every character
XML cannot carry, is removed from the pieces here, in one place for all formats.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from anonymizer.formats.failures import ReadFailure, refuse
from anonymizer.transcript import Block, BlockKind, Transcript, TranscriptFormat

# Soft breaks inside one block become a space, as the readers document for <w:br/> and cue lines.
_SOFT_BREAKS = str.maketrans(
    {c: " " for c in "\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029"}
)
# Other C0/C1 controls, the BOM used as a zero-width space, and non-characters carry no text and
# would make the clean .docx invalid XML.
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\ufeff\ufffe\uffff]")

PARAGRAPH = Block(BlockKind.PARAGRAPH)


def clean_piece(text: str) -> str:
    return _INVISIBLE.sub("", text.translate(_SOFT_BREAKS))


def assemble(
    path: Path,
    fmt: TranscriptFormat,
    pieces: Iterable[tuple[Sequence[str], Block]],
    *,
    encoding: str = "utf-8",
    notes: Sequence[str] = (),
) -> Transcript:
    """Join block lines with LF; a block's ``line_count`` must equal the lines given for it."""
    lines: list[str] = []
    blocks: list[Block] = []
    for block_lines, block in pieces:
        if len(block_lines) != block.line_count:
            raise ValueError("a reader produced a block whose line_count does not match its lines")
        lines.extend(clean_piece(line) for line in block_lines)
        blocks.append(block)
    if not any(line.strip() for line in lines):
        refuse(path, ReadFailure.EMPTY, "contains no text")
    return Transcript(
        text="\n".join(lines),
        format=fmt,
        source=path,
        encoding=encoding,
        blocks=tuple(blocks),
        notes=tuple(notes),
    )


def count_note(count: int, singular: str, plural: str, rest: str) -> list[str]:
    """``["2 comments removed"]``-style notes, or nothing when the count is zero."""
    if count == 0:
        return []
    return [f"{count} {singular if count == 1 else plural} {rest}"]
