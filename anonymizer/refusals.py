"""Why an input was refused, and at which stage: one vocabulary from the format readers to the
daemon's journal, the quarantine report, the audit log and the ethics report.

``Reason`` says what is wrong with one input (the readers' codes and the daemon's own);
``Stage`` says which step found it; ``Refusal`` is the two with a one-line ``detail``, the
record a journal entry, a rerun and a quarantine report keep. What a steward can do about each
reason is ``anonymizer.store.reasons.HINTS``. None of them ever holds text from the file or its
name: only kinds, sizes, limits, offsets and fixed text.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any


class Stage(str, Enum):
    CLAIM = "claim"  # taken from the inbox (name checks)
    INSPECT = "inspect"  # what kind of file, how large
    CHECKSUM = "checksum"
    DEDUPE = "dedupe"
    READ = "read"  # the format reader
    NAME = "name"  # participant and wave
    ANONYMIZE = "anonymize"  # the engine, its verification and the vault
    RENDER = "render"  # the clean files written in memory (text, .docx, subtitles)
    RELEASE = "release"  # clean files, metadata, catalog
    RECOVER = "recover"  # resuming after a crash


class Reason(str, Enum):
    # the file itself: what the format readers refuse
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
    # the daemon's own
    BAD_NAME = "bad_name"
    DUPLICATE = "duplicate"
    WITHDRAWN_INPUT = "withdrawn_input"
    PARTICIPANT_UNKNOWN = "participant_unknown"
    PARTICIPANT_AMBIGUOUS = "participant_ambiguous"
    PARTICIPANT_MISMATCH = "participant_mismatch"
    PARTICIPANT_WITHDRAWN = "participant_withdrawn"
    WAVE_UNKNOWN = "wave_unknown"
    WAVE_AMBIGUOUS = "wave_ambiguous"
    VERIFICATION_REFUSED = "verification_refused"
    VAULT_REFUSED = "vault_refused"
    STUDY_UNKNOWN = "study_unknown"  # a batch manifest row names settings that cannot be loaded
    ENGINE_ERROR = "engine_error"
    STORE_ERROR = "store_error"
    CRASHED_REPEATEDLY = "crashed_repeatedly"
    WORKER_CRASHED = "worker_crashed"  # a batch worker (or its driver) died holding it, twice
    SUPERSEDED_GONE = "superseded_gone"  # a rerun whose old release left the store meanwhile


# What a format reader may refuse with (the file itself, before anything is known about it).
READER_REASONS = frozenset(Reason.__members__[name] for name in (
    "MISSING", "DIRECTORY", "SYMLINK", "NOT_REGULAR", "UNREADABLE", "EMPTY", "TOO_LARGE",
    "BINARY", "UNDECODABLE", "UNSUPPORTED", "LEGACY_FORMAT", "ENCRYPTED", "CORRUPT", "ZIP_BOMB",
    "UNSAFE_XML", "UNSUPPORTED_CONTENT"))


@dataclass(frozen=True)
class Refusal:
    reason: Reason
    stage: Stage
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"reason": self.reason.value, "stage": self.stage.value, "detail": self.detail}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Refusal:
        return cls(Reason(value["reason"]), Stage(value["stage"]), str(value.get("detail", "")))
