"""Plain-text transcripts (.txt).

Accepted encodings: UTF-8 with or without BOM, UTF-16 LE/BE and UTF-32 with a BOM. Legacy 8-bit
encodings are not guessed: text that is not valid UTF-8 is refused, because a wrong guess turns
"Ødegård" into "Ã˜degÃ¥rd" and the roster no longer matches it. A site with old Windows files
can opt in to cp1252 (and only cp1252) with ``legacy_encoding="cp1252"``; that is recorded in
``Transcript.notes`` and ``Transcript.encoding``.

Lines end at LF, CRLF or CR (mixed is fine); each line is one paragraph block. A final line
break does not make an extra empty line. Other separators (VT, FF, NEL, U+2028, U+2029) are
inside-line soft breaks and become a space, so the engine's lines are exactly the file's lines.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Literal

from anonymizer.formats._lines import PARAGRAPH, assemble
from anonymizer.formats._source import given_bytes, read_source_bytes, sniff_foreign
from anonymizer.formats.failures import refuse
from anonymizer.formats.limits import DEFAULT_LIMITS, ReadLimits
from anonymizer.formats.transcript import Transcript, TranscriptFormat
from anonymizer.refusals import Reason

LegacyEncoding = Literal["cp1252"]

# UTF-32 first: its LE BOM starts with the UTF-16 LE BOM.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_LINE_END = re.compile(r"\r\n|\r|\n")
# Controls that never occur in real text; many of them mean a binary file that happened to decode.
_BINARY_CONTROLS = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")


def read_text(
    path: Path,
    limits: ReadLimits = DEFAULT_LIMITS,
    *,
    legacy_encoding: LegacyEncoding | None = None,
    data: bytes | None = None,
) -> Transcript:
    data = read_source_bytes(path, limits) if data is None else given_bytes(path, data, limits)
    text, encoding = decode_text(path, data, legacy_encoding=legacy_encoding)
    lines = _LINE_END.split(text)
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    notes = [f"decoded as {encoding} (legacy encoding setting)"] if encoding == "cp1252" else []
    return assemble(
        path,
        TranscriptFormat.TEXT,
        (((line,), PARAGRAPH) for line in lines),
        encoding=encoding,
        notes=notes,
    )


def decode_text(
    path: Path, data: bytes, *, legacy_encoding: LegacyEncoding | None = None
) -> tuple[str, str]:
    """``data`` decoded without BOM, and the encoding used; refuses binary or undecodable data."""
    if legacy_encoding not in (None, "cp1252"):
        raise ValueError("legacy_encoding may only be 'cp1252'")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            label = encoding.removesuffix("-le").removesuffix("-be")
            try:
                return _checked(path, body.decode(encoding)), label
            except UnicodeDecodeError:
                refuse(path, Reason.UNDECODABLE, f"is not valid {encoding.upper()} text")
    foreign = sniff_foreign(data)
    if foreign:
        refuse(path, Reason.BINARY, f"is not plain text (it looks like {foreign})")
    if b"\x00" in data:
        refuse(path, Reason.BINARY, _nul_reason(data))
    try:
        return _checked(path, data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    if legacy_encoding is None:
        refuse(
            path,
            Reason.UNDECODABLE,
            f"is not valid UTF-8 text (first bad byte at offset {first_bad}); save it as UTF-8",
        )
    try:
        return _checked(path, data.decode(legacy_encoding)), legacy_encoding
    except UnicodeDecodeError as exc:
        refuse(
            path,
            Reason.UNDECODABLE,
            f"is neither UTF-8 nor {legacy_encoding} text (bad byte at offset {exc.start})",
        )


def _checked(path: Path, text: str) -> str:
    controls = len(_BINARY_CONTROLS.findall(text))
    # A stray control character in a hand-edited file is tolerated (the line cleaner drops it);
    # more than 1 in 1000 characters is a binary file that happened to decode.
    if "\x00" in text or controls > max(1, len(text) // 1000):
        refuse(path, Reason.BINARY, "is not plain text (it contains binary control bytes)")
    return text


def _nul_reason(data: bytes) -> str:
    sample = data[:4096]
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    if half and max(even_nuls, odd_nuls) > 0.6 * half and min(even_nuls, odd_nuls) < 0.1 * half:
        return "looks like UTF-16 text without a byte-order mark; save it as UTF-8"
    return "is not plain text (it contains NUL bytes)"
