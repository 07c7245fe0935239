"""What a data steward can do about each refusal reason (``anonymizer.refusals.Reason``).

Shown in quarantine reports, the CLI and the ethics report; never text from the file or its name.
"""

from __future__ import annotations

from anonymizer.refusals import Reason

HINTS: dict[Reason, str] = {
    Reason.MISSING: "the file vanished while it was being taken; drop it again",
    Reason.DIRECTORY: "folders are not transcripts",
    Reason.SYMLINK: "drop the file itself, not a link to it",
    Reason.NOT_REGULAR: "not a regular file (pipe, device or socket)",
    Reason.UNREADABLE: "the file could not be read; check it opens, then drop it again",
    Reason.EMPTY: "the file is empty",
    Reason.TOO_LARGE: "larger than watch.max_file_mb; split it, or raise the limit",
    Reason.BINARY: "not text; save the transcript as .txt or .docx",
    Reason.UNDECODABLE: "save the text file as UTF-8",
    Reason.UNSUPPORTED: "supported: .txt .docx .odt .vtt .srt",
    Reason.LEGACY_FORMAT: "save it as .docx (or .odt)",
    Reason.ENCRYPTED: "remove the password, then drop it again",
    Reason.CORRUPT: "the document is damaged; open and save it again",
    Reason.ZIP_BOMB: "the document's package is implausibly compressed; refused",
    Reason.UNSAFE_XML: "the document's XML is unsafe (too deep, entities); refused",
    Reason.UNSUPPORTED_CONTENT: (
        "accept or reject tracked changes (or remove what the detail names), then drop it again"),
    Reason.BAD_NAME: "rename the file (no '..' and no control characters)",
    Reason.DUPLICATE: "these exact bytes were released or quarantined before",
    Reason.WITHDRAWN_INPUT: (
        "these exact bytes belonged to a participant who withdrew; delete this file"),
    Reason.PARTICIPANT_UNKNOWN: (
        "register the participant (anonymizer participants add), or name the file after them "
        "or with their number (P07_...), then move it back into the inbox"),
    Reason.PARTICIPANT_AMBIGUOUS: (
        "the name or the speaker labels point at several participants; name the file after "
        "the one it belongs to (P07_...) and move it back into the inbox"),
    Reason.PARTICIPANT_MISMATCH: (
        "the file name names one participant, the speaker labels another; check and rename"),
    Reason.PARTICIPANT_WITHDRAWN: (
        "the participant withdrew; the transcript must not be processed. Delete it"),
    Reason.WAVE_UNKNOWN: "put the wave in the file name (e.g. _wave2, _t2, _6mnd)",
    Reason.WAVE_AMBIGUOUS: "the file name names two waves; keep one",
    Reason.VERIFICATION_REFUSED: (
        "the clean text still held something identifying; check with anonymizer scan, add "
        "rules or register names, then drop it again"),
    Reason.VAULT_REFUSED: "the key vault refused (locked, damaged); see the log",
    Reason.STUDY_UNKNOWN: "the manifest row names a study settings file that is missing or "
                          "invalid; fix the config column, then run the batch again",
    Reason.ENGINE_ERROR: "the engine failed on this file; see the log, report it",
    Reason.STORE_ERROR: "the store could not be written (disk full?); drop it again",
    Reason.CRASHED_REPEATEDLY: (
        "the daemon died several times while processing this file; report it"),
    Reason.WORKER_CRASHED: (
        "a batch worker died (crash, out of memory) each time it held this file; its original "
        "is untouched in the source: check it opens, report it"),
    Reason.SUPERSEDED_GONE: (
        "the release this rerun was to replace is no longer in the store (purged or removed); "
        "nothing was re-run"),
}
