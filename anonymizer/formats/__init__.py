"""Transcript formats: readers that turn a user's file into a ``Transcript``, and clean writers.

Readers (all refuse bad input with ``UnreadableTranscript``, an ``InputError`` whose one-line
message names the file and the reason, never text from inside it):

    read_transcript(path, limits)   dispatch on the suffix: .txt .docx .odt .vtt .srt
    read_transcript_bytes(data, ext, limits)   the same from bytes in memory (a decrypted
                                    original: no plaintext is written anywhere)

Writers (atomic: temp file in the target folder, fsync, rename):

    write_clean_text(clean_text, path, transcript=None)   UTF-8, LF; cues as "[hh:mm:ss] text"
    write_clean_docx(clean_text, transcript, path)        a new document, neutral properties
    write_clean_subtitles(clean_text, transcript, path)   .vtt/.srt as the input, same timings

Each format's decisions (tracked changes, comments, headers, cues) are in its module docstring.
"""

from __future__ import annotations

from pathlib import Path

from anonymizer.formats._source import check_regular_file
from anonymizer.formats.docx import read_docx
from anonymizer.formats.docx_writer import build_clean_docx, write_clean_docx
from anonymizer.formats.failures import UnreadableTranscript
from anonymizer.formats.limits import DEFAULT_LIMITS, ReadLimits
from anonymizer.formats.odt import read_odt
from anonymizer.formats.subtitle_writer import build_clean_subtitles, write_clean_subtitles
from anonymizer.formats.subtitles import read_srt, read_vtt
from anonymizer.formats.text import LegacyEncoding, read_text
from anonymizer.formats.transcript import Transcript
from anonymizer.formats.writers import render_clean_text, write_clean_text
from anonymizer.refusals import Reason

__all__ = [
    "DEFAULT_LIMITS",
    "LegacyEncoding",
    "SUPPORTED_SUFFIXES",
    "ReadLimits",
    "UnreadableTranscript",
    "build_clean_docx",
    "build_clean_subtitles",
    "read_transcript",
    "read_transcript_bytes",
    "render_clean_text",
    "write_clean_docx",
    "write_clean_subtitles",
    "write_clean_text",
]

SUPPORTED_SUFFIXES = (".txt", ".docx", ".odt", ".vtt", ".srt")
_SAVE_AS = {".doc": ".docx", ".rtf": ".docx", ".wpd": ".docx", ".pages": ".docx", ".sxw": ".odt"}


def read_transcript(
    path: Path,
    limits: ReadLimits = DEFAULT_LIMITS,
    *,
    legacy_encoding: LegacyEncoding | None = None,
) -> Transcript:
    """Read one transcript; ``legacy_encoding="cp1252"`` lets .txt/.vtt/.srt fall back to cp1252."""
    path = Path(path)
    try:
        return _read(path, limits, legacy_encoding)
    except RecursionError:
        # max_xml_depth keeps the tree walkers well inside Python's limit; this is the backstop
        # for a caller that is itself deep in the stack.
        raise UnreadableTranscript(
            path, Reason.UNSAFE_XML, "refused: its XML is nested too deeply"
        ) from None


def read_transcript_bytes(data: bytes, ext: str, limits: ReadLimits = DEFAULT_LIMITS, *,
                          label: str = "original") -> Transcript:
    """Read a transcript held in memory; ``ext`` (".docx") picks the reader, messages name it
    ``<label><ext>`` (never a path, never a name)."""
    ext = ext.lower()
    path = Path(f"{label}{ext}")
    if ext == ".docx":
        return read_docx(path, limits, data=data)
    if ext == ".odt":
        return read_odt(path, limits, data=data)
    if ext == ".txt":
        return read_text(path, limits, data=data)
    if ext == ".vtt":
        return read_vtt(path, limits, data=data)
    if ext == ".srt":
        return read_srt(path, limits, data=data)
    raise UnreadableTranscript(path, Reason.UNSUPPORTED, f"unsupported file type {ext}")


def _read(path: Path, limits: ReadLimits, legacy_encoding: LegacyEncoding | None) -> Transcript:
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return read_docx(path, limits)
    if suffix == ".odt":
        return read_odt(path, limits)
    text_readers = {".txt": read_text, ".vtt": read_vtt, ".srt": read_srt}
    if suffix in text_readers:
        return text_readers[suffix](path, limits, legacy_encoding=legacy_encoding)
    # A missing path or a directory is reported as such, whatever its name looks like.
    check_regular_file(path, limits)
    supported = ", ".join(SUPPORTED_SUFFIXES)
    if suffix in _SAVE_AS:
        detail = f"{suffix} files are not supported; save it as {_SAVE_AS[suffix]}"
    elif suffix:
        detail = f"unsupported file type {suffix} (supported: {supported})"
    else:
        detail = f"has no file extension (supported: {supported})"
    raise UnreadableTranscript(path, Reason.UNSUPPORTED, detail)
