"""A transcript as the engine sees it: one normalised text plus where it came from.

Every reader in ``anonymizer.formats`` returns a ``Transcript``. The text uses LF line ends and
has no BOM; one line of text is one paragraph, table row or subtitle cue of the source, so a writer
can map the clean text back onto the source's structure line by line (replacements never add or
remove line breaks).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path


class TranscriptFormat(str, Enum):
    TEXT = "txt"
    DOCX = "docx"
    ODT = "odt"
    VTT = "vtt"
    SRT = "srt"


class BlockKind(str, Enum):
    PARAGRAPH = "paragraph"
    TABLE_ROW = "table_row"
    CUE = "cue"


@dataclass(frozen=True)
class Block:
    """One structural unit of the source, covering ``line_count`` lines of ``Transcript.text``."""

    kind: BlockKind
    line_count: int = 1
    style: str | None = None  # e.g. a paragraph style name; never user text
    timing: str | None = None  # e.g. "00:01:02.000 --> 00:01:05.500" for subtitle cues


@dataclass(frozen=True)
class Transcript:
    text: str
    format: TranscriptFormat
    source: Path | None = None
    encoding: str = "utf-8"
    blocks: tuple[Block, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())  # what the reader handled, e.g. "2 comments removed"
    # Content left out on purpose, as counts by kind ("comment", "deletion", "image",
    # "outside_cue"); never the text itself.
    dropped: tuple[tuple[str, int], ...] = field(default=())

    def table_lines(self) -> frozenset[int]:
        """0-based numbers of the text lines that are table rows: never speaker turns."""
        lines: set[int] = set()
        at = 0
        for block in self.blocks:
            if block.kind is BlockKind.TABLE_ROW:
                lines.update(range(at, at + block.line_count))
            at += block.line_count
        return frozenset(lines)

    def dropped_counts(self) -> dict[str, int]:
        return dict(self.dropped)

    def dropped_summary(self) -> str:
        """``"dropped: 2 comments, 1 image"``, or "" when nothing was left out. Counts only."""
        listed = dropped_list(dict(self.dropped))
        return "dropped: " + listed if listed else ""


def dropped_list(dropped: dict[str, int]) -> str:
    """``"2 comments, 1 image/object"`` from counts by kind (a release's ``dropped``)."""
    parts = []
    for kind, count in dropped.items():
        singular, plural = _DROPPED_WORDS.get(kind, (kind, kind))
        parts.append(f"{count} {singular if count == 1 else plural}")
    return ", ".join(parts)


_DROPPED_WORDS = {
    "comment": ("comment", "comments"),
    "deletion": ("tracked deletion", "tracked deletions"),
    "image": ("image/object", "images/objects"),
    "outside_cue": ("text block outside cues", "text blocks outside cues"),
    "ruby": ("ruby annotation", "ruby annotations"),
}
