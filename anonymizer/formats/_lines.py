"""Turning the pieces a reader found into one ``Transcript`` whose lines match its blocks.

The engine and the writers rely on ``text.split("\\n")`` giving exactly one entry per block line,
so every character that some tool or ``str.splitlines`` treats as a line end, and every character
XML cannot carry, is removed from the pieces here, in one place for all formats.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from anonymizer.formats.failures import refuse
from anonymizer.formats.transcript import Block, BlockKind, Transcript, TranscriptFormat
from anonymizer.refusals import Reason

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
    dropped: Mapping[str, int] | None = None,
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
        refuse(path, Reason.EMPTY, "contains no text")
    return Transcript(
        text="\n".join(lines),
        format=fmt,
        source=path,
        encoding=encoding,
        blocks=tuple(blocks),
        notes=tuple(notes),
        dropped=tuple((k, int(v)) for k, v in sorted((dropped or {}).items()) if v),
    )


def count_note(count: int, singular: str, plural: str, rest: str) -> list[str]:
    """``["2 comments removed"]``-style notes, or nothing when the count is zero."""
    if count == 0:
        return []
    return [f"{count} {singular if count == 1 else plural} {rest}"]


# Which reader counts are content left out of the text (the rest is kept or joined).
_DROPPED_KEYS = {"comments": "comment", "deleted": "deletion", "embedded": "image",
                 "ruby": "ruby"}


def dropped_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """``{"comment": 2, "image": 1}`` from a document reader's counts; zero counts left out."""
    return {kind: counts[key] for key, kind in _DROPPED_KEYS.items() if counts.get(key)}


def handling_notes(counts: Mapping[str, int]) -> list[str]:
    """What a document reader did with content that is not plain body text, as counts only.

    Keys: comments, inserted, deleted, furniture (header/footer lines), note_lines, text_boxes,
    nested, breaks, embedded, ruby. Missing keys count as zero.
    """
    c = {key: counts.get(key, 0) for key in _NOTE_KEYS}
    notes = count_note(c["comments"], "comment", "comments", "removed (not transcript content)")
    if c["inserted"] or c["deleted"]:
        notes.append(
            f"tracked changes accepted: {c['inserted']} insertion(s) kept, "
            f"{c['deleted']} deletion(s) dropped"
        )
    for key, singular, plural, rest in _COUNT_NOTES:
        notes += count_note(c[key], singular, plural, rest)
    return notes


_COUNT_NOTES = (
    ("furniture", "header/footer line", "header/footer lines", "included"),
    ("note_lines", "footnote/endnote line", "footnote/endnote lines", "included"),
    ("text_boxes", "text box", "text boxes", "included as lines after their anchor"),
    ("nested", "nested table", "nested tables", "flattened into their cells"),
    ("breaks", "soft line break", "soft line breaks", "joined with a space"),
    ("embedded", "embedded image/object", "embedded images/objects", "not carried over"),
    # a reading aid over the base text ("Kari" with its reading above it): read as text it
    # would be glued to the name it annotates and hide it from detection, so it is dropped
    ("ruby", "ruby annotation", "ruby annotations", "dropped (the base text is kept)"),
)
_NOTE_KEYS = ("comments", "inserted", "deleted", *(entry[0] for entry in _COUNT_NOTES))
