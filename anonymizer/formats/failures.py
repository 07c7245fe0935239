"""Why a user's file could not be read, as a reason code (``anonymizer.refusals.Reason``, one of
``READER_REASONS``) plus a one-line message.

``UnreadableTranscript`` is an ``InputError`` (exit code 2), so callers that only know the
application's error tree handle it unchanged. The extra fields let the daemon file a quarantine
report by reason code, and build a message without the file name when the name itself may carry a
participant's name. ``detail`` never contains text from inside the file: only kinds, sizes, limits
and offsets.
"""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

from anonymizer.errors import InputError
from anonymizer.refusals import READER_REASONS, Reason


class UnreadableTranscript(InputError):
    def __init__(self, path: Path, reason: Reason, detail: str) -> None:
        assert reason in READER_REASONS, reason
        super().__init__(f"{path}: {detail}")
        self.path = path
        self.reason = reason
        self.detail = detail


def refuse(path: Path, reason: Reason, detail: str) -> NoReturn:
    raise UnreadableTranscript(path, reason, detail)
