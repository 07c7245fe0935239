"""Speech-to-text subtitles: WebVTT (.vtt) and SubRip (.srt).

Each cue becomes one line: cue numbers/identifiers, timings, cue settings, the WEBVTT header and
NOTE/STYLE/REGION blocks are not text. The cue's text lines are joined with a space; markup is
removed (<i>, <b>, <c.x>, <lang>, inline timestamps, SRT <font> and {\\an8}); HTML entities are
decoded. A voice tag ``<v Kari Nordmann>text`` becomes ``Kari Nordmann: text`` so the engine sees a
speaker turn; a cue holding several voices gives one line per voice (``Block.line_count`` > 1), so
every speaker keeps a turn of their own. Cues with no text left are skipped.

The timing goes to ``Block.timing`` in WebVTT form ("00:01:02.000 --> 00:01:05.500"); the text
never holds it, so timestamps are not mistaken for dates. The clean output is text with one
``[hh:mm:ss] line`` per line (``writers.render_clean_text``): the audio itself is not anonymized,
so a re-timed clean subtitle file would be of little use. Encodings as for .txt (``text.py``);
the WEBVTT header is optional because several transcription tools leave it out.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from anonymizer.formats._lines import assemble, count_note
from anonymizer.formats._source import given_bytes, read_source_bytes
from anonymizer.formats.failures import refuse
from anonymizer.formats.limits import DEFAULT_LIMITS, ReadLimits
from anonymizer.formats.text import LegacyEncoding, decode_text
from anonymizer.formats.transcript import Block, BlockKind, Transcript, TranscriptFormat
from anonymizer.refusals import Reason

_TIME = r"(?:(\d{1,3}):)?(\d{1,2}):(\d{2})[.,](\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}")
# Only an empty line ends a cue (WebVTT spec); a line holding a space is cue text, and a
# separator like that between two cues is still handled by the several-timings-per-chunk case.
_BLANK_LINES = re.compile(r"\n\n+")
_NON_CUE_BLOCK = re.compile(r"^(?:NOTE|STYLE|REGION|WEBVTT)(?:[ \t]|$)")
# Tags as WebVTT/SRT write them; a bare "<" in speech ("I <3 this") is left alone.
_TAG = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9]*)((?:\.[^\s>]*)?)(?:[ \t]+([^>]*))?>"
    r"|<\d{1,3}(?::\d{2}){1,2}[.,]\d{3}>"
    r"|\{\\[^}]*\}"
)
_SPACES = re.compile(r"[ \t]+")


def read_vtt(
    path: Path,
    limits: ReadLimits = DEFAULT_LIMITS,
    *,
    legacy_encoding: LegacyEncoding | None = None,
    data: bytes | None = None,
) -> Transcript:
    return _read(path, limits, TranscriptFormat.VTT, legacy_encoding, data)


def read_srt(
    path: Path,
    limits: ReadLimits = DEFAULT_LIMITS,
    *,
    legacy_encoding: LegacyEncoding | None = None,
    data: bytes | None = None,
) -> Transcript:
    return _read(path, limits, TranscriptFormat.SRT, legacy_encoding, data)


def _read(
    path: Path, limits: ReadLimits, fmt: TranscriptFormat, legacy_encoding: LegacyEncoding | None,
    given: bytes | None = None,
) -> Transcript:
    data = read_source_bytes(path, limits) if given is None else given_bytes(path, given, limits)
    # Subtitle files from older Windows tools are often cp1252. That is read when it is
    # unambiguous: not valid UTF-8, and every byte defined in cp1252 (else the file is refused).
    text, encoding = decode_text(path, data, legacy_encoding=legacy_encoding or "cp1252")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    pieces: list[tuple[list[str], Block]] = []
    cues = ignored = empty = 0
    for chunk in _BLANK_LINES.split(text):
        lines = chunk.strip("\n").split("\n")
        starts = [i for i, line in enumerate(lines) if _TIMING.match(line)]
        # Before the first timing line: at most a cue id; anything more is text outside a cue,
        # which no player shows. It is counted, and not part of the output either.
        outside = lines[: max(starts[0] - 1, 0)] if starts else lines
        if any(line.strip() for line in outside) and not _NON_CUE_BLOCK.match(lines[0]):
            ignored += 1
        for n, start in enumerate(starts):
            cues += 1
            end = starts[n + 1] if n + 1 < len(starts) else len(lines)
            if n + 1 < len(starts) and end - 1 > start and lines[end - 1].strip().isdigit():
                end -= 1  # an SRT cue number, when the blank line before the next cue was lost
            turns = _turns(lines[start + 1 : end])
            if not turns:
                empty += 1
                continue
            timing = _normalised_timing(lines[start])
            pieces.append((turns, Block(BlockKind.CUE, line_count=len(turns), timing=timing)))
    if not cues:
        detail = f"is not a valid .{fmt.value} file (no subtitle cues found)"
        refuse(path, Reason.CORRUPT, detail)
    notes = [f"decoded as {encoding} (not valid UTF-8)"] if encoding == "cp1252" else []
    notes += count_note(ignored, "text block outside cues", "text blocks outside cues", "ignored")
    notes += count_note(empty, "cue without text", "cues without text", "skipped")
    return assemble(
        path, fmt, pieces, encoding=encoding, notes=notes, dropped={"outside_cue": ignored}
    )


def _turns(text_lines: list[str]) -> list[str]:
    """The cue's text as one line per voice, markup removed."""
    turns: list[tuple[str, list[str]]] = [("", [])]
    for line in text_lines:
        pos = 0
        for tag in _TAG.finditer(line):
            turns[-1][1].append(html.unescape(line[pos : tag.start()]))
            pos = tag.end()
            closing, name, _classes, annotation = tag.groups()
            if name == "v" and not closing:
                speaker = _SPACES.sub(" ", html.unescape(annotation or "")).strip()
                if "".join(turns[-1][1]).strip():
                    turns.append((speaker, []))
                else:  # a voice before any text of the current turn replaces its speaker
                    turns[-1] = (speaker, turns[-1][1])
        turns[-1][1].append(html.unescape(line[pos:]) + " ")
    lines = []
    for speaker, parts in turns:
        text = _SPACES.sub(" ", "".join(parts)).strip()
        if text:
            lines.append(f"{speaker}: {text}" if speaker else text)
    return lines


def _normalised_timing(line: str) -> str:
    m = _TIMING.match(line)
    assert m is not None
    g = m.groups()
    return f"{_stamp(g[:4])} --> {_stamp(g[4:])}"


def _stamp(parts: tuple[str | None, ...]) -> str:
    hours, minutes, seconds, fraction = parts
    millis = (fraction or "0").ljust(3, "0")
    return f"{int(hours or 0):02d}:{int(minutes or 0):02d}:{int(seconds or 0):02d}.{millis}"
