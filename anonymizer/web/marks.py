"""A transcript cut into lines of segments for the templates: plain text or a mark.

The templates escape every segment (no HTML is built here). Marks that overlap become one
segment over their union (the first mark names it); a mark across a line break is cut at it.

``aligned_rows`` puts the original beside the clean text line by line: each clean line's start
is carried into the original by the length changes of the replacements before it (outside a
replacement the two texts are the same), so row N holds clean line N and the part of the
original it came from, also when a replacement took a line break with it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from anonymizer.store.review_marks import ReviewMark


@dataclass(frozen=True)
class Mark:
    start: int
    end: int
    cls: str  # rep, flag, orig, oflag
    index: int  # 1-based, in its list
    kind: str
    title: str = ""
    # marks merged into this one (they overlapped it): (cls, index), for their anchors
    others: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Segment:
    text: str
    mark: Mark | None = None


@dataclass(frozen=True)
class Line:
    number: int
    start: int
    segments: tuple[Segment, ...] = field(default=())


def _groups(marks: Sequence[Mark], length: int) -> list[Mark]:
    """Overlapping marks merged into the first (replacements before flags)."""
    merged: list[Mark] = []
    for mark in sorted(marks, key=lambda m: (m.start, m.cls not in ("rep", "orig"), -m.end)):
        start, end = max(0, min(mark.start, length)), max(0, min(mark.end, length))
        if end <= start:
            continue
        if merged and start < merged[-1].end:
            last = merged[-1]
            merged[-1] = Mark(last.start, max(last.end, end), last.cls, last.index, last.kind,
                              f"{last.title} | {mark.title}" if mark.title else last.title,
                              (*last.others, (mark.cls, mark.index)))
        else:
            merged.append(Mark(start, end, mark.cls, mark.index, mark.kind, mark.title))
    return merged


def lines(text: str, marks: Sequence[Mark]) -> list[Line]:
    groups = _groups(marks, len(text))
    out: list[Line] = []
    position, number, g = 0, 1, 0
    for raw in text.split("\n"):
        start, end = position, position + len(raw)
        segments: list[Segment] = []
        cursor = start
        while g < len(groups) and groups[g].start < end:
            mark = groups[g]
            s, e = max(mark.start, cursor), min(mark.end, end)
            if s > cursor:
                segments.append(Segment(text[cursor:s]))
            if e > s:
                segments.append(Segment(text[s:e], mark))
            cursor = max(cursor, e)
            if mark.end <= end:
                g += 1
            else:
                break
        if cursor < end:
            segments.append(Segment(text[cursor:end]))
        out.append(Line(number, start, tuple(segments)))
        position = end + 1
        number += 1
    return out


def clean_marks(replacements: Sequence[ReviewMark], flags: Sequence[ReviewMark],
                describe: dict[str, str]) -> list[Mark]:
    marks = [Mark(m.start, m.end, "rep", i, m.kind,
                  f"{m.kind} · detector {m.detector or '-'} · score "
                  f"{'-' if m.score is None else f'{m.score:.2f}'}")
             for i, m in enumerate(replacements, 1)]
    marks += [Mark(m.start, m.end, "flag", i, m.kind,
                   f"residual risk: {m.kind} · {describe.get(m.kind, '')}")
              for i, m in enumerate(flags, 1)]
    return marks


def original_marks(replacements: Sequence[ReviewMark], flags: Sequence[ReviewMark]
                   ) -> list[Mark]:
    marks = [Mark(m.original_start, m.original_end, "orig", i, m.kind)
             for i, m in enumerate(replacements, 1)
             if m.original_start is not None and m.original_end is not None]
    marks += [Mark(m.original_start, m.original_end, "oflag", i, m.kind)
              for i, m in enumerate(flags, 1)
              if m.original_start is not None and m.original_end is not None]
    return marks


@dataclass(frozen=True)
class Row:
    number: int
    clean: Line
    original: tuple[Segment, ...]


def to_original(offset: int, replacements: Sequence[ReviewMark]) -> int:
    """Where a clean-text offset outside every replacement is in the original."""
    pairs = sorted((m for m in replacements if m.original_start is not None
                    and m.original_end is not None), key=lambda m: m.start)
    ends = [m.end for m in pairs]
    shift = 0
    for m in pairs[: bisect_right(ends, offset)]:
        assert m.original_start is not None and m.original_end is not None
        shift += (m.original_end - m.original_start) - (m.end - m.start)
    return offset + shift


def aligned_rows(clean: str, original: str, replacements: Sequence[ReviewMark],
                 flags: Sequence[ReviewMark], describe: dict[str, str]) -> list[Row]:
    clean_lines = lines(clean, clean_marks(replacements, flags, describe))
    starts = [to_original(line.start, replacements) for line in clean_lines]
    # +1: the line after the original's last one starts past its end (a reader may have left
    # out the final line break the released file has)
    starts = [max(0, min(s, len(original) + 1)) for s in starts] + [len(original) + 1]
    o_marks = original_marks(replacements, flags)
    rows = []
    for i, line in enumerate(clean_lines):
        begin, end = starts[i], max(starts[i], starts[i + 1] - 1)
        piece = original[begin:end]
        shifted = [Mark(m.start - begin, m.end - begin, m.cls, m.index, m.kind)
                   for m in o_marks if m.end > begin and m.start < end]
        segments = tuple(s for part in lines(piece, shifted) for s in
                         (*part.segments, Segment("\n")))[:-1] if piece else ()
        rows.append(Row(line.number, line, segments))
    if rows and not rows[-1].clean.segments and not rows[-1].original:
        rows.pop()  # the released file's final line break, not a line
    return rows
