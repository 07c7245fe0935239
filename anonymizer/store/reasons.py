"""Reason codes and stages: shared by quarantine reports, log lines, the audit log and the CLI.

A reason says what is wrong with one input; ``HINTS`` says what a data steward can do about it.
Neither ever holds text from the file or its name.
"""

from __future__ import annotations

from enum import Enum

from anonymizer.formats import ReadFailure


class Stage(str, Enum):
    CLAIM = "claim"  # taken from the inbox (name checks)
    INSPECT = "inspect"  # what kind of file, how large
    CHECKSUM = "checksum"
    DEDUPE = "dedupe"
    READ = "read"  # the format reader
    NAME = "name"  # participant and wave
    ANONYMIZE = "anonymize"  # the engine, its verification and the vault
    RELEASE = "release"  # clean files, metadata, catalog
    RECOVER = "recover"  # resuming after a crash


class QuarantineReason(str, Enum):
    # the file itself (the reader's codes, same values as ``ReadFailure``)
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
    ENGINE_ERROR = "engine_error"
    STORE_ERROR = "store_error"
    CRASHED_REPEATEDLY = "crashed_repeatedly"
    SUPERSEDED_GONE = "superseded_gone"  # a rerun whose old release left the store meanwhile

    @classmethod
    def from_read_failure(cls, failure: ReadFailure) -> QuarantineReason:
        return cls(failure.value)


HINTS: dict[QuarantineReason, str] = {
    QuarantineReason.MISSING: "the file vanished while it was being taken; drop it again",
    QuarantineReason.DIRECTORY: "folders are not transcripts",
    QuarantineReason.SYMLINK: "drop the file itself, not a link to it",
    QuarantineReason.NOT_REGULAR: "not a regular file (pipe, device or socket)",
    QuarantineReason.UNREADABLE: "the file could not be read; check it opens, then drop it again",
    QuarantineReason.EMPTY: "the file is empty",
    QuarantineReason.TOO_LARGE: "larger than watch.max_file_mb; split it, or raise the limit",
    QuarantineReason.BINARY: "not text; save the transcript as .txt or .docx",
    QuarantineReason.UNDECODABLE: "save the text file as UTF-8",
    QuarantineReason.UNSUPPORTED: "supported: .txt .docx .odt .vtt .srt",
    QuarantineReason.LEGACY_FORMAT: "save it as .docx (or .odt)",
    QuarantineReason.ENCRYPTED: "remove the password, then drop it again",
    QuarantineReason.CORRUPT: "the document is damaged; open and save it again",
    QuarantineReason.ZIP_BOMB: "the document's package is implausibly compressed; refused",
    QuarantineReason.UNSAFE_XML: "the document's XML is unsafe (too deep, entities); refused",
    QuarantineReason.UNSUPPORTED_CONTENT: (
        "accept or reject tracked changes (or remove what the detail names), then drop it again"),
    QuarantineReason.BAD_NAME: "rename the file (no '..' and no control characters)",
    QuarantineReason.DUPLICATE: "these exact bytes were released or quarantined before",
    QuarantineReason.WITHDRAWN_INPUT: (
        "these exact bytes belonged to a participant who withdrew; delete this file"),
    QuarantineReason.PARTICIPANT_UNKNOWN: (
        "register the participant (anonymizer participants add), or name the file after them "
        "or with their number (P07_...), then move it back into the inbox"),
    QuarantineReason.PARTICIPANT_AMBIGUOUS: (
        "the name or the speaker labels point at several participants; name the file after "
        "the one it belongs to (P07_...) and move it back into the inbox"),
    QuarantineReason.PARTICIPANT_MISMATCH: (
        "the file name names one participant, the speaker labels another; check and rename"),
    QuarantineReason.PARTICIPANT_WITHDRAWN: (
        "the participant withdrew; the transcript must not be processed. Delete it"),
    QuarantineReason.WAVE_UNKNOWN: "put the wave in the file name (e.g. _wave2, _t2, _6mnd)",
    QuarantineReason.WAVE_AMBIGUOUS: "the file name names two waves; keep one",
    QuarantineReason.VERIFICATION_REFUSED: (
        "the clean text still held something identifying; check with anonymizer scan, add "
        "rules or register names, then drop it again"),
    QuarantineReason.VAULT_REFUSED: "the key vault refused (locked, damaged); see the log",
    QuarantineReason.ENGINE_ERROR: "the engine failed on this file; see the log, report it",
    QuarantineReason.STORE_ERROR: "the store could not be written (disk full?); drop it again",
    QuarantineReason.CRASHED_REPEATEDLY: (
        "the daemon died several times while processing this file; report it"),
    QuarantineReason.SUPERSEDED_GONE: (
        "the release this rerun was to replace is no longer in the store (purged or removed); "
        "nothing was re-run"),
}
