"""The study's correction set: every steward's change that can change what a transcript gives.

A correction is an audit record of one of ``CORRECTION_EVENTS`` (a name registered or denied, a
word allowed, two identities merged, a name aliased, a kind changed). Its number is the
record's number. The set is summed up without a single name: how many corrections there are,
the number of the last one, and a digest chained over their record MACs (which only the audit
key can make). Every release records the set it was made under, so a release says which
corrections decided it; ``rules history`` lists them.

The log is the truth; ``corrections.json`` beside it is a summary the audit log counts again
from itself whenever it appends a correction, so the daemon reads a few bytes per release
instead of the whole log.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anonymizer.audit.records import AuditEvent, AuditRecord

FILE = "corrections.json"
START = "0" * 64

# event -> what the correction is, for people reading the history
CORRECTION_EVENTS: dict[str, str] = {
    AuditEvent.PARTICIPANT_ADDED.value: "a name registered (participant, person, place, ...)",
    AuditEvent.REVIEW_DECISION.value: "a missed name denied (rules add-deny)",
    AuditEvent.RULES_CHANGED.value: "a word allowed (rules add-allow)",
    AuditEvent.IDENTITIES_MERGED.value: "two labels are one identity (people merge)",
    AuditEvent.PARTICIPANTS_MERGED.value: "two participant numbers are one person",
    AuditEvent.IDENTITY_ALIASED.value: "another name of one identity (people alias)",
    AuditEvent.IDENTITY_MOVED.value: "an identity of another kind (people kind)",
}


def is_correction(event: AuditEvent | str, fields: Mapping[str, Any]) -> bool:
    name = str(getattr(event, "value", event))
    if name == AuditEvent.REVIEW_DECISION.value:
        return fields.get("decision") == "add_deny"  # an accept changes nothing
    return name in CORRECTION_EVENTS


@dataclass(frozen=True)
class CorrectionSet:
    count: int = 0
    last: int = 0  # the audit record number of the newest correction (0: none)
    digest: str = START

    def after(self, record: AuditRecord) -> CorrectionSet:
        chained = hashlib.sha256((self.digest + record.mac).encode("ascii")).hexdigest()
        return CorrectionSet(self.count + 1, record.seq, chained)

    def to_json(self) -> dict[str, Any]:
        return {"count": self.count, "last": self.last, "digest": self.digest}


def from_records(records: Iterable[AuditRecord]) -> CorrectionSet:
    found = CorrectionSet()
    for record in records:
        if is_correction(record.event, record.fields):
            found = found.after(record)
    return found


def read_set(folder: Path) -> CorrectionSet:
    """The summary beside the log; an empty set when there is none yet (no correction)."""
    try:
        value = json.loads((Path(folder) / FILE).read_text(encoding="utf-8"))
        return CorrectionSet(int(value["count"]), int(value["last"]), str(value["digest"]))
    except FileNotFoundError:
        return CorrectionSet()
    except (OSError, ValueError, KeyError, TypeError):
        return CorrectionSet(-1, -1, "unreadable")  # said so in the release, never guessed


def note(folder: Path, history: Callable[[], Iterable[AuditRecord]]) -> None:
    """Rewrite the summary from the log (``history``: its records, read after the log's own
    lock is released), under a lock of its own: corrections are rare, and a summary counted
    again from the log is right whatever order two writers reach this in."""
    import fcntl

    with open(Path(folder) / ".corrections.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        updated = from_records(history())
        fd, temp = tempfile.mkstemp(prefix=".corrections-", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(updated.to_json(), handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, Path(folder) / FILE)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise


def after_append(folder: Path, event: AuditEvent | str, fields: Mapping[str, Any],
                 history: Callable[[], Iterable[AuditRecord]]) -> None:
    """Called by the log after each durable append: a correction recounts the summary. A
    recount that fails (disk full) is left to the next correction; the record stands."""
    if is_correction(event, fields):
        with contextlib.suppress(OSError):
            note(folder, history)
