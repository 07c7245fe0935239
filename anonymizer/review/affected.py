"""Which released transcripts a correction concerns: the ones whose original holds the name.

A steward's correction (``rules add-deny``, ``rules add-allow``, ``people merge``/``alias``,
``participants merge``) changes how every transcript that mentions the name comes out, not only
the one under review. ``find_affected`` answers "which releases?" from the sealed originals::

    for each release sidecar (store listing order):
        original not kept (store.originals = delete)      -> counted as not_kept
        sealed blob opened with the vault, IN MEMORY      -> VaultError (withdrawn: key gone,
                                                             tampered) counted as unreadable
        read by the transcript readers from those bytes   -> read failures counted too
        the text normalised (NFC, casefold, whitespace runs as one space) and searched for
        each normalised needle as a whole word            -> listed if any is there

Nothing decrypted is written anywhere (no temp file, no page): ``read_transcript_bytes`` reads
from memory. The needles come from ``corrections_since`` (the audit log's correction records
from a number on, resolved to names through the vault, or to the allow-list word whose keyed
hash the record holds) or from the steward's stdin; they are never printed, logged or audited:
the result names stems, participant numbers, waves and job ids only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from anonymizer.errors import AnonymizerError, InputError
from anonymizer.formats import ReadLimits, read_transcript_bytes
from anonymizer.formats.limits import MIB
from anonymizer.settings import Settings
from anonymizer.store.layout import META_SUFFIX, Store
from anonymizer.store.originals import BlobKeys, Originals

# the correction records: event value -> (kind field, number field)
CORRECTION_EVENTS: dict[str, tuple[str, str]] = {
    "review_decision": ("kind", "number"),  # add_deny (an accept is no correction)
    "identity_aliased": ("kind", "number"),
    "identities_merged": ("kind", "keep"),
    "participants_merged": ("kind", "keep"),
    "identity_moved": ("into_kind", "into"),
}
ALLOW_EVENT = "rules_changed"
_SPACES = re.compile(r"\s+")


class NameSource(Protocol):
    """The part of the vault that resolves a correction to its names."""

    def get(self, kind: Any, number: int) -> Any: ...


@dataclass(frozen=True)
class Correction:
    seq: int  # the audit record's number: the correction id a steward is shown
    event: str
    needles: tuple[str, ...] = field(repr=False)  # names; never printed


@dataclass(frozen=True)
class AffectedRelease:
    stem: str
    folder: str  # "P07/wave2"
    participant: int
    wave: str
    job: str


@dataclass(frozen=True)
class AffectedReport:
    releases: tuple[AffectedRelease, ...]
    searched: int  # sidecars looked at
    not_kept: int  # originals deleted by policy: cannot be searched
    unreadable: int  # withdrawn (key gone), tampered or unreadable originals


def normalise(text: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text).casefold()).strip()


def matcher(needles: Iterable[str]) -> re.Pattern[str]:
    """One pattern for all needles, whole words only (``Eve`` never inside ``Evening``)."""
    words = sorted({normalise(n) for n in needles if normalise(n)}, key=len, reverse=True)
    if not words:
        raise InputError("no name to look for")
    body = "|".join(re.escape(w).replace(r"\ ", " ") for w in words)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)")


def find_affected(settings: Settings, keys: BlobKeys, needles: Iterable[str]
                  ) -> AffectedReport:
    pattern = matcher(needles)
    store = Store(Path(settings.paths.folder("store")), settings.project.id)
    originals = Originals(Path(settings.paths.folder("originals")), settings.project.id)
    limits = ReadLimits(max_file_bytes=settings.watch.max_file_mb * MIB)
    found: list[AffectedRelease] = []
    searched = not_kept = unreadable = 0
    for path, meta in store.all_meta():
        searched += 1
        original = meta.get("original") or {}
        participant, job = meta.get("participant"), str(meta.get("job_id", ""))
        if original.get("policy") != "seal" or not isinstance(participant, int):
            not_kept += 1
            continue
        text = _text_of(originals, keys, str(original.get("file", "")), participant, job,
                        str(meta.get("input", {}).get("format", "")), limits)
        if text is None:
            unreadable += 1
            continue
        if pattern.search(normalise(text)):
            found.append(AffectedRelease(path.name[: -len(META_SUFFIX)],
                                         store.relative(path.parent), participant,
                                         str(meta.get("wave", "")), job))
        del text
    return AffectedReport(tuple(found), searched, not_kept, unreadable)


def _text_of(originals: Originals, keys: BlobKeys, relative: str, participant: int, job: str,
             fmt: str, limits: ReadLimits) -> str | None:
    from vault import VaultError

    if not relative or relative.startswith("/") or ".." in Path(relative).parts:
        return None
    try:
        data = originals.read(keys, relative, participant, job)
        return read_transcript_bytes(data, f".{fmt.lower()}", limits).text
    except (OSError, VaultError, AnonymizerError):
        return None


def corrections_since(settings: Settings, records: Iterable[Any], names: NameSource,
                      audit_key: bytes, since: int) -> list[Correction]:
    """The corrections recorded at audit record ``since`` or later, each with its names.
    InputError if record ``since`` is not a correction (a typo must not search nothing)."""
    from anonymizer.review.decisions import allow_list_path, allowed_words, word_mac

    corrections: list[Correction] = []
    first_seen = False
    allow_words: list[str] | None = None
    for record in records:
        if record.seq < since:
            continue
        event = str(getattr(record.event, "value", record.event))
        fields = record.fields
        needles: tuple[str, ...] = ()
        if event == ALLOW_EVENT and isinstance(fields.get("word_mac"), str):
            if allow_words is None:
                allow_words = sorted(allowed_words(allow_list_path(settings)))
            needles = tuple(w for w in allow_words if word_mac(audit_key, w) ==
                            fields["word_mac"])
        elif event in CORRECTION_EVENTS and not (
                event == "review_decision" and fields.get("decision") != "add_deny"):
            kind_field, number_field = CORRECTION_EVENTS[event]
            needles = _names_of(names, fields.get(kind_field), fields.get(number_field))
        else:
            if record.seq == since:
                raise InputError(f"audit record {since} is not a correction (add-deny, "
                                 "add-allow, people merge or alias)")
            continue
        first_seen = first_seen or record.seq == since
        if needles:
            corrections.append(Correction(record.seq, event, needles))
    if not first_seen:
        raise InputError(f"the audit log has no correction numbered {since}")
    return corrections


def _names_of(names: NameSource, kind: object, number: object) -> tuple[str, ...]:
    from vault import VaultError

    if not isinstance(kind, str) or not isinstance(number, int):
        return ()
    try:
        return tuple(names.get(kind, number).names)
    except VaultError:  # withdrawn, or merged away since: nothing of theirs to look for
        return ()
