"""Clean subtitles in the input's own format: WebVTT for .vtt, SubRip for .srt (issue 17.8).

One cue per input cue, with its original timing; the cue's clean lines (one per voice, speaker
labels already the clean labels, e.g. ``Participant 1: ...``) are its text lines; in WebVTT a
cue of several voices gets a voice tag per line (``<v Participant 1>...``). Cue settings,
styling, NOTE/STYLE blocks and cue identifiers of the input are not carried over (an identifier
can hold a name); SRT cues are numbered from 1. Text is escaped so it cannot end a cue or be read
as markup: ``&`` and ``<`` become entities in WebVTT, and ``-->`` never appears in cue text.
"""

from __future__ import annotations

from pathlib import Path

from anonymizer.formats.transcript import BlockKind, Transcript, TranscriptFormat
from anonymizer.formats.writers import atomic_write, clean_lines


def build_clean_subtitles(clean_text: str, transcript: Transcript) -> bytes:
    """The clean .vtt or .srt file for a subtitle ``transcript``, as UTF-8 bytes."""
    fmt = transcript.format
    if fmt not in (TranscriptFormat.VTT, TranscriptFormat.SRT):
        raise ValueError("clean subtitles need a .vtt or .srt transcript")
    lines = iter(clean_lines(clean_text, transcript))
    cues: list[str] = []
    for block in transcript.blocks:
        texts = [next(lines) for _ in range(block.line_count)]
        if block.kind is not BlockKind.CUE or not block.timing:
            continue
        voiced = fmt is TranscriptFormat.VTT and block.line_count > 1
        body = [_voiced(t) if voiced else _escape(t, fmt) for t in texts if t.strip()]
        if not body:
            continue
        if fmt is TranscriptFormat.SRT:
            timing = block.timing.replace(".", ",")
            cues.append("\n".join([str(len(cues) + 1), timing, *body]))
        else:
            cues.append("\n".join([block.timing, *body]))
    head = ["WEBVTT"] if fmt is TranscriptFormat.VTT else []
    return ("\n\n".join(head + cues) + "\n").encode("utf-8")


def write_clean_subtitles(clean_text: str, transcript: Transcript, path: Path) -> None:
    atomic_write(Path(path), build_clean_subtitles(clean_text, transcript))


def _voiced(line: str) -> str:
    """A line of a several-voice cue as ``<v Participant 1>text`` (the reader made it
    ``label: text`` from a voice tag), so the cue reads back as one line per voice."""
    label, sep, text = line.partition(": ")
    if not sep or not label.strip() or ">" in label:
        return _escape(line, TranscriptFormat.VTT)
    return f"<v {_escape(label, TranscriptFormat.VTT)}>{_escape(text, TranscriptFormat.VTT)}"


def _escape(text: str, fmt: TranscriptFormat) -> str:
    text = text.replace("-->", "->")
    if fmt is TranscriptFormat.VTT:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.strip()
