"""A worker's copy of the study's key, and the driver's check that what the worker numbered is
what ``anonymizer run`` would have numbered at that transcript's turn.

The vault stays on the driver, the only writer. A worker gets a ``KeySnapshot`` (every identity
as the driver's key store lists it, in its order) and runs the whole engine on one transcript
against a ``SnapshotKeyStore`` made from it: detection, resolution, rewriting and verification,
with every ``lookup`` and ``assign`` recorded as a ``KeyCall``. A name it has to number is given a
placeholder (``PLACEHOLDER_BASE`` and up), never a real number.

When the transcript's turn comes (input order), the driver's store may have moved on: earlier
transcripts, finished meanwhile, numbered people of their own. The worker's result is taken only
if it cannot have depended on that (``relevant_change``: no word of an identity added or changed
since the snapshot, nor a short or long form of it, occurs in the transcript or its clean text;
``replay``: every recorded call, made again on the driver's store, gives the same identity, a
placeholder always mapping to one number the store has just created). Then the placeholders are
replaced with the store's numbers (``renumber``) and the driver rewrites and verifies the text
again. Anything else, and the driver runs the transcript itself, exactly as ``run`` does: the
check can only send work back, never let a different result through.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from anonymizer.engine.people import Diminutives
from anonymizer.findings import Flag, Replacement
from anonymizer.keys.keystore import Identity, IdentityKind, KeyStore, normalise_name
from anonymizer.language.phrases import words

PLACEHOLDER_BASE = 1_000_000_000  # above any real number; ten digits, found again by renumber
_PLACEHOLDER = re.compile(r"(?<!\d)1\d{9}(?!\d)")


class Conflict(Exception):
    """The worker's result may differ from the driver's: the driver runs the transcript."""


@dataclass(frozen=True)
class KeySnapshot:
    version: int
    identities: tuple[Identity, ...]  # keystore.identities(), in the store's order
    by_kind: tuple[tuple[IdentityKind, tuple[Identity, ...]], ...]

    @classmethod
    def of(cls, keystore: KeyStore, version: int) -> KeySnapshot:
        return cls(version, tuple(keystore.identities()),
                   tuple((k, tuple(keystore.identities(k))) for k in IdentityKind))


@dataclass(frozen=True)
class KeyCall:
    op: str  # "lookup" | "assign" | "note_wave"
    kind: IdentityKind
    names: tuple[str, ...]
    result: Identity | None = None


@dataclass
class _Record:
    kind: IdentityKind
    number: int
    names: list[str]
    registered: bool

    def identity(self) -> Identity:
        return Identity(self.kind, self.number, tuple(self.names), self.registered)


@dataclass
class SnapshotKeyStore:
    """A ``KeyStore`` over a snapshot, for one transcript: assigns like the in-memory store (a
    name stays with whoever had it first), numbers new identities with placeholders and records
    every call that reads or changes a name's identity."""

    snapshot: KeySnapshot
    calls: list[KeyCall] = field(default_factory=list)
    _all: list[_Record] = field(default_factory=list)
    _kinds: dict[IdentityKind, list[_Record]] = field(default_factory=dict)
    _by_name: dict[tuple[IdentityKind, str], _Record] = field(default_factory=dict)
    _next: int = PLACEHOLDER_BASE

    def __post_init__(self) -> None:
        records = {(i.kind, i.number): _Record(i.kind, i.number, list(i.names), i.registered)
                   for i in self.snapshot.identities}
        self._all = list(records.values())
        for kind, listed in self.snapshot.by_kind:
            self._kinds[kind] = [records[(i.kind, i.number)] for i in listed]
        for record in self._all:
            for name in record.names:
                self._by_name.setdefault((record.kind, normalise_name(name)), record)

    def identities(self, kind: IdentityKind | None = None) -> Sequence[Identity]:
        listed = self._all if kind is None else self._kinds.get(kind, [])
        return [r.identity() for r in listed]

    def lookup(self, kind: IdentityKind, name: str) -> Identity | None:
        record = self._by_name.get((kind, normalise_name(name)))
        found = record.identity() if record else None
        self.calls.append(KeyCall("lookup", kind, (name,), found))
        return found

    def assign(self, kind: IdentityKind, names: Sequence[str]) -> Identity:
        if not names:
            raise ValueError("assign needs at least one name")
        record = next((self._by_name[(kind, normalise_name(n))] for n in names
                       if (kind, normalise_name(n)) in self._by_name), None)
        if record is None:
            record = _Record(kind, self._next, [], kind is IdentityKind.PARTICIPANT)
            self._next += 1
            self._all.append(record)
            self._kinds.setdefault(kind, []).append(record)
        for name in names:
            key = (kind, normalise_name(name))
            if key not in self._by_name:
                self._by_name[key] = record
                record.names.append(name)
        found = record.identity()
        self.calls.append(KeyCall("assign", kind, tuple(names), found))
        return found

    def note_wave(self, number: int, wave: str) -> None:
        raise Conflict("note_wave is the daemon's, not the engine's")

    def next_number(self, kind: IdentityKind) -> int:
        raise Conflict("next_number belongs to dry runs")

    @contextmanager
    def batch(self) -> Iterator[None]:
        yield  # the driver commits, when it replays the calls


def _variants(word: str, diminutives: Diminutives) -> set[str]:
    """A word with its short and long forms, two steps either way (people.py looks one up)."""
    found = {word}
    for _ in range(2):
        found |= {v for w in found for v in diminutives.variants(w)}
    return found


def relevant_change(snapshot: KeySnapshot, now: Sequence[Identity], text: str, clean: str,
                    diminutives: Diminutives) -> bool:
    """Whether an identity the driver's store gained or changed since ``snapshot`` could have
    changed this transcript's detection or resolution. Whole-store reads (the roster, the
    study's names, the people index) only ever act on whole words that occur in the text, so a
    change whose every word (and each short or long form of it), or any part of a word joined
    by an apostrophe or hyphen, is absent from the transcript and its clean text is no change
    for it."""
    before = snapshot.identities
    if tuple(now) == before:
        return False
    old, new = set(before), set(now)
    if [i for i in now if i in old] != [i for i in before if i in new]:
        return True  # the store's order changed, not only its end: no claim to make
    present = _words_in(text) | _words_in(clean)
    for identity in old ^ new:
        for name in identity.names:
            for word in words(name):
                forms = _variants(word, diminutives)
                if any(form in present or not _PIECE.findall(form) or
                       any(piece in present for piece in _PIECE.findall(form))
                       for form in forms):
                    return True
    return False


_PIECE = re.compile(r"[^\W_]+")


def _words_in(text: str) -> set[str]:
    """Every word of ``text`` as the matchers see it ("kari's"), and every piece of one."""
    folded = text.casefold()
    return set(words(folded)) | set(_PIECE.findall(folded))


def replay(calls: Sequence[KeyCall], keystore: KeyStore) -> dict[int, int]:
    """Make the worker's calls again on ``keystore``; placeholder -> the number it stands for.
    Raises ``Conflict`` as soon as an answer differs."""
    existing = {(i.kind, i.number) for i in keystore.identities()}
    mapping: dict[int, int] = {}  # placeholders are unique across kinds; numbers per kind
    taken: set[tuple[IdentityKind, int]] = set()
    for call in calls:
        if call.op == "lookup":
            got = keystore.lookup(call.kind, call.names[0])
        elif call.op == "assign":
            got = keystore.assign(call.kind, call.names)
        else:
            raise Conflict(f"unexpected key call {call.op}")
        _same(call.result, got, existing, mapping, taken)
    return mapping


def _same(worker: Identity | None, driver: Identity | None, existing: set[tuple[IdentityKind, int]],
          mapping: dict[int, int], taken: set[tuple[IdentityKind, int]]) -> None:
    if worker is None or driver is None:
        if worker is not driver:
            raise Conflict("a lookup found someone on one side only")
        return
    if (worker.kind, worker.registered, worker.names) != \
            (driver.kind, driver.registered, driver.names):
        raise Conflict("an identity differs")
    if worker.number < PLACEHOLDER_BASE:
        if worker.number != driver.number:
            raise Conflict("a known number differs")
        return
    if worker.number in mapping:
        if mapping[worker.number] != driver.number:
            raise Conflict("one placeholder, two numbers")
        return
    if (driver.kind, driver.number) in existing | taken:
        raise Conflict("a new identity here is an old one there")
    mapping[worker.number] = driver.number
    taken.add((driver.kind, driver.number))


def renumber(replacements: Sequence[Replacement], flags: Sequence[Flag], mapping: dict[int, int]
             ) -> tuple[tuple[Replacement, ...], tuple[Flag, ...]]:
    """The worker's replacements and flags with the driver's numbers for its placeholders."""
    def swap(match: re.Match[str]) -> str:
        number = int(match.group())
        if number not in mapping:
            raise Conflict("a placeholder was never assigned")
        return str(mapping[number])

    out = []
    for r in replacements:
        if r.identity is not None and r.identity >= PLACEHOLDER_BASE:
            if r.identity not in mapping or r.text.count(str(r.identity)) != 1:
                raise Conflict("a label does not carry its placeholder once")
            r = replace(r, identity=mapping[r.identity], text=_PLACEHOLDER.sub(swap, r.text))
        elif _PLACEHOLDER.search(r.text):
            raise Conflict("a placeholder outside a numbered label")
        out.append(r)
    return tuple(out), tuple(replace(f, detail=_PLACEHOLDER.sub(swap, f.detail)) for f in flags)
