"""Why a user's file could not be read, as a reason code plus a one-line message.

``UnreadableTranscript`` is an ``InputError`` (exit code 2), so callers that only know the
application's error tree handle it unchanged. The extra fields let the daemon file a quarantine
report by reason code, and build a message without the file name when the name itself may carry a
participant's name. ``detail`` never contains text from inside the file: only kinds, sizes, limits
and offsets.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import NoReturn

from anonymizer.errors import InputError


class ReadFailure(str, Enum):
    MISSING = "missing"
    DIRECTORY = "directory"
    SYMLINK = "symlink"
    NOT_REGULAR = "not_regular_file"
    UNREADABLE = "unreadable"
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    BINARY = "binary"
    UNDECODABLE = "undecodable"
    UNSUPPORTED = "unsupported_format"
    LEGACY_FORMAT = "legacy_format"
    ENCRYPTED = "encrypted"
    CORRUPT = "corrupt"
    ZIP_BOMB = "zip_bomb"
    UNSAFE_XML = "unsafe_xml"
    UNSUPPORTED_CONTENT = "unsupported_content"


class UnreadableTranscript(InputError):
    def __init__(self, path: Path, reason: ReadFailure, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.path = path
        self.reason = reason
        self.detail = detail


def refuse(path: Path, reason: ReadFailure, detail: str) -> NoReturn:
    raise UnreadableTranscript(path, reason, detail)
