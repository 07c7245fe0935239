"""A steward's decisions after a review, each recorded in the audit log without a word of text.

``add_deny``    a missed name: registered in the VAULT as a person, place or organisation (the
                vault is where a list of names may live; a rules file is not), so it is replaced
                in every later transcript. Record: ``review_decision`` (decision, kind, number).
``add_allow``   a false positive: appended to the project's allow-list file
                (``rules.project_allow``, created if needed). Generic words only: a name the
                vault holds as a participant or as registered by a steward is refused, so is
                what reads as a full name (unless forced), and a word the name/place gazetteer
                lists is warned about, as is one the engine numbered on its own (that is the
                false positive being corrected; it keeps its number in the vault). Record:
                ``rules_changed`` with an HMAC of the word under the audit key (a plain SHA-256
                of a short word is reversed by trying a dictionary; the HMAC lets a key holder
                check "was X added?" and nobody else), the list's new size and SHA-256.
``accept``      the released transcript is fine as it is. Record: ``review_decision``
                (accepted, participant, wave, job id, clean file SHA-256, counts).

A change and its record go together, as in the vault commands: the record is appended inside the
vault transaction (add-deny), or before the new allow list is renamed into place (add-allow), so
a log that refuses leaves nothing changed and unrecorded.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from anonymizer.audit.log import AuditEvent, open_audit_log
from anonymizer.errors import InputError, SettingsError
from anonymizer.fsutil import fsync_dir
from anonymizer.settings import Settings
from anonymizer.store.released import Released

DENY_KINDS = ("person", "place", "organisation")
MAX_ALLOW_CHARS = 64
NEW_ALLOW_HEADER = (
    "# Project allow list: generic words that are never replaced (one per line, compared\n"
    "# case-insensitively). Added with `anonymizer rules add-allow`. Never a name: names of\n"
    "# people, places and organisations belong in the key vault (`anonymizer rules add-deny`).\n"
)
_WORD_DOMAIN = b"qr-audit/v1/allow-word\x00"
# Zipf frequency from which a word the gazetteer lists as a name counts as an ordinary word too
ORDINARY_WORD_ZIPF = 3.0


class Decision(str, Enum):
    ADD_DENY = "add_deny"
    ADD_ALLOW = "add_allow"
    ACCEPTED = "accepted"


@dataclass(frozen=True)
class DenyResult:
    label: str  # "Person 3"
    created: bool
    correction: int | None = None  # its audit record's number: store affected --since-correction


@dataclass(frozen=True)
class AllowResult:
    path: Path
    added: bool
    words: int  # entries in the list afterwards
    warnings: tuple[str, ...] = field(default=())
    correction: int | None = None  # its audit record's number: store affected --since-correction


def _vault(settings: Settings) -> Any:
    from anonymizer.keys.vault_adapter import open_vault

    return open_vault(settings)


def _known_as(vault: Any, name: str, *, registered_only: bool = False) -> str | None:
    """The label of whoever holds ``name`` in the vault (any kind), or None. With
    ``registered_only``, only a participant or an identity a steward registered counts, not one
    the engine numbered on its own (a false positive is numbered like that)."""
    from vault import Kind

    for kind in Kind:
        entry = vault.lookup(kind, name)
        if entry is not None and (not registered_only or entry.registered
                                  or kind is Kind.PARTICIPANT):
            return entry.label
    return None


def _one_line(text: str, what: str, limit: int) -> str:
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        raise InputError(f"{what}: empty")
    if any(unicodedata.category(c)[0] == "C" for c in text):
        raise InputError(f"{what}: one line of text, without control characters")
    if len(text) > limit:
        raise InputError(f"{what}: at most {limit} characters")
    return text


def add_deny(settings: Settings, name: str, kind: str = "person", *,
             open_vault: Callable[[Settings], Any] = _vault,
             actor: str | None = None) -> DenyResult:
    if kind not in DENY_KINDS:
        raise InputError(f"--kind: one of {', '.join(DENY_KINDS)}")
    name = _one_line(name, "the name", 200)
    with open_vault(settings) as vault:
        # A name the engine only numbered on its own is registered now (the vault promotes it,
        # keeping its number): from now on it is a roster entry, replaced in every transcript.
        holder = _known_as(vault, name, registered_only=True)
        if holder is not None:
            return DenyResult(holder, created=False)
        with vault.transaction():
            log = open_audit_log(settings, vault.audit_key(), vault_commit=vault.commit_count,
                                 actor=actor)
            entry = vault.add(kind, [name])
            record = log.append(AuditEvent.REVIEW_DECISION, decision=Decision.ADD_DENY,
                                kind=kind, number=entry.number, name_count=1)
    return DenyResult(entry.label, created=True, correction=record.seq)


def allow_list_path(settings: Settings) -> Path:
    if settings.rules.project_allow is None:
        raise SettingsError('rules.project_allow: not set; name the project\'s allow-list file '
                            '(e.g. [rules] project_allow = "project-allow.txt")')
    return Path(settings.rules.project_allow)


def allowed_words(path: Path) -> set[str]:
    """The entries of an allow-list file as the rulebook reads them (casefolded)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return set()
    return {line.strip().casefold() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")}


def name_like(settings: Settings, word: str) -> tuple[list[str], list[str]]:
    """(reasons to refuse, warnings) from the name and place gazetteers of the project's
    language. Refused: what reads as a person's full name (a capitalised first name the
    gazetteer knows, not as an ordinary word, then another capitalised word). Warned about:
    every word the gazetteer lists as a name or place -- only warned, because its word scores
    miss ordinary words ("foreman" is listed as a surname and nothing else). Messages quote no
    word, only its position."""
    from anonymizer.engine.engine import load_gazetteer
    from anonymizer.language.gazetteer import Kind
    from anonymizer.rulebook import default_rules_dir, load_rulebook

    rulebook = load_rulebook(Path(settings.rules.dir or default_rules_dir()),
                             settings.project.language)
    gazetteer = load_gazetteer(rulebook)
    name_kinds = {Kind.FIRST_NAME, Kind.SURNAME, Kind.PLACE, Kind.REGION}
    refuse, warn = [], []
    tokens = [t.strip(".,;:!?\"'()") for t in word.split()]
    for i, token in enumerate(tokens, 1):
        entries = [e for e in gazetteer.lookup(token) if e.kind in name_kinds]
        if not entries:
            continue
        kinds = sorted({e.kind.value.lower().replace("_", " ") for e in entries})
        ordinary = max(e.word_score for e in entries) >= ORDINARY_WORD_ZIPF
        where = f"word {i} of {len(tokens)}" if len(tokens) > 1 else "it"
        warn.append(f"{where} is listed as a {' and '.join(kinds)}"
                    + ("" if ordinary else ", not as an ordinary word")
                    + "; allowing it keeps that name or place wherever a detector finds it")
        first_name = any(e.kind is Kind.FIRST_NAME for e in entries) and not ordinary
        if i == 1 and first_name and len(tokens) > 1 and token[:1].isupper() \
                and tokens[1][:1].isupper():
            refuse.append("it reads as a first name and a surname")
    return refuse, warn


def word_mac(key: bytes, word: str) -> str:
    return hmac.new(key, _WORD_DOMAIN + word.casefold().encode("utf-8"),
                    hashlib.sha256).hexdigest()


def add_allow(settings: Settings, word: str, *, force: bool = False,
              open_vault: Callable[[Settings], Any] = _vault,
              actor: str | None = None) -> AllowResult:
    path = allow_list_path(settings)
    word = _one_line(word, "the word", MAX_ALLOW_CHARS)
    if word.startswith("#"):
        raise InputError("the word: may not start with '#' (a comment in the allow list)")
    present = allowed_words(path)
    if word.casefold() in present:
        return AllowResult(path, added=False, words=len(present))
    with open_vault(settings) as vault:
        numbered = []
        for candidate in (word, *word.split()):
            holder = _known_as(vault, candidate, registered_only=True)
            if holder is not None:
                raise InputError(f"refused: that is a name the vault holds ({holder}); a "
                                 "registered name is never allowed")
            found = _known_as(vault, candidate)
            if found is not None and found not in numbered:
                numbered.append(found)
        refuse, warnings = name_like(settings, word)
        # The engine numbered it when it took it for a name (the false positive being
        # corrected): allowed, and said so, since it stays in the vault under that number.
        warnings += [f"the engine had numbered it as {label} (not registered by a steward); "
                     "from now on it is kept" for label in numbered]
        if refuse and not force:
            raise InputError("refused: it looks like a name (" + "; ".join(refuse) + "); the "
                             "allow list is for generic words. --force if it really is one")
        key = vault.audit_key()
    log = open_audit_log(settings, key, actor=actor)
    old = path.read_bytes() if path.exists() else NEW_ALLOW_HEADER.encode("utf-8")
    if old and not old.endswith(b"\n"):
        old += b"\n"
    new = old + word.encode("utf-8") + b"\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = _staged(path, new)
    try:
        record = log.append(AuditEvent.RULES_CHANGED, decision=Decision.ADD_ALLOW,
                            word_mac=word_mac(key, word), allow_words=len(present) + 1,
                            allow_sha256=hashlib.sha256(new).hexdigest())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent, strict=True)
    return AllowResult(path, added=True, words=len(present) + 1, warnings=tuple(warnings),
                       correction=record.seq)


def _staged(path: Path, data: bytes) -> Path:
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, name = tempfile.mkstemp(prefix=".allow-", suffix=".part", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def accept(settings: Settings, released: Released, *,
           open_vault: Callable[[Settings], Any] = _vault, actor: str | None = None) -> None:
    """Record that the steward reviewed this version of the transcript and accepts it."""
    if released.participant is None:
        raise InputError(f"{released.meta_path.name}: no participant number")
    if released.problems:
        raise InputError(f"{released.stem} cannot be accepted as it is: {released.problems[0]}")
    review = released.review
    with open_vault(settings) as vault:
        key = vault.audit_key()
    open_audit_log(settings, key, actor=actor).append(
        AuditEvent.REVIEW_DECISION, decision=Decision.ACCEPTED,
        participant=released.participant, wave=released.wave,
        job_id=str(released.meta.get("job_id", "")) or None,
        clean_sha256=released.clean_sha256,
        replacement_count=len(review.replacements) if review else None,
        flag_count=len(review.flags) if review else None)
