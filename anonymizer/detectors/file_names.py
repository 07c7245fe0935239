"""File names said in an interview ("I saved it as interview.docx", "the photo.jpg").

Presidio's URL recognizer takes "interview.docx" for a domain. A file name is not an address,
but it may still carry a name ("margaret_cv.docx"), so it is its own kind, FILE_NAME, which the
policy (rules/policy.toml) replaces or keeps -- and scan shows either way. This module is the
one rule for what a file name is: detection re-kinds such URL matches with it, and
verification, which re-runs the URL recognizer on the clean text, therefore sees a kept file
name as FILE_NAME, not as a leftover address.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from anonymizer.findings import EntityKind, Finding

if TYPE_CHECKING:
    from anonymizer.detectors import DetectionInput, DetectorKit

DETECTOR = "file_name"

EXTENSIONS = (
    "docx?", "odt", "rtf", "txt", "pdf", "xlsx?", "csv", "pptx?", "jpe?g", "png", "gif", "heic",
    "mp3", "mp4", "mov", "wav", "m4a", "zip", "vtt", "srt", "html?", "py", "json", "xml",
)
_FILE_NAME = re.compile(
    rf"^(?!https?://|www\.)[^/\\\s@]+\.(?:{'|'.join(EXTENSIONS)})$", re.IGNORECASE)
# a file name in running text: a word with one of the extensions, not part of a path, an
# address or an e-mail (those are their own findings)
_IN_TEXT = re.compile(
    rf"(?<![\w/\\@.:])[^\s/\\@:<>\"'‘’“”()\[\]]+\.(?:{'|'.join(EXTENSIONS)})(?![\w/\\@-])",
    re.IGNORECASE)
# what a URL match may carry after the name itself ("interview.docx," at the end of a clause)
_TRAILING = re.compile(r"[.,;:!?)\]'\"’]+$")


def is_file_name(surface: str) -> bool:
    """True for "report.docx" or "photo.JPG."; False for "nav.no" or "https://x.org/a.pdf"."""
    return _FILE_NAME.match(_TRAILING.sub("", surface.strip())) is not None


def file_name_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The whole file name a URL match at start:end is part of, or None when it is none.

    The URL recognizer reads "interview.docx" as the domain "interview.do" plus "cx", so the
    match is widened to whole words first (as resolution does with every span)."""
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
        end += 1
    return (start, end) if is_file_name(text[start:end]) else None


class FileNameDetector:
    """Every file name in the text, whether or not the URL recognizer took it for a domain
    ("margaret_notes.txt" it does not)."""

    def find(self, source: DetectionInput) -> list[Finding]:
        return [Finding(m.start(), m.end(), EntityKind.FILE_NAME, DETECTOR)
                for m in _IN_TEXT.finditer(source.text)
                if not (m.start() >= 4 and source.text[m.start() - 4:m.start()] == "www.")]


def build(kit: DetectorKit) -> FileNameDetector:
    del kit  # the extensions are the same in every language
    return FileNameDetector()
