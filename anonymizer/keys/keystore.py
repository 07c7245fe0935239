"""The key mapping between real names and pseudonym numbers, behind one small interface.

The engine only ever talks to a ``KeyStore``: numbers for names, in batches. The daemon needs
more of the study's key (is a participant live, seal an original, the audit key): that is a
``StudyKeyStore``. ``InMemoryKeyStore`` serves tests and one-off runs; the encrypted, persistent
implementation adapts ``vault.Vault`` (``anonymizer.keys.vault_adapter.VaultKeyStore``) and is
both. Numbers are never reused, also after a participant withdraws.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from vault import Entry


class IdentityKind(str, Enum):
    PARTICIPANT = "participant"
    PERSON = "person"
    PLACE = "place"
    ORGANISATION = "organisation"


@dataclass(frozen=True)
class Identity:
    kind: IdentityKind
    number: int
    names: tuple[str, ...]  # canonical name first, then aliases, in registration order
    # Registered by a steward (or a participant): matched as a roster in every transcript.
    # Names the engine only discovered are kept for numbering but are not a roster, so one
    # transcript's false positive never becomes a detection rule for the next.
    registered: bool = True


def normalise_name(name: str) -> str:
    """Key for comparing names: NFC, case-folded, inner whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


class KeyStore(Protocol):
    def identities(self, kind: IdentityKind | None = None) -> Sequence[Identity]:
        """Every known identity (of one kind), for roster matching."""
        ...

    def lookup(self, kind: IdentityKind, name: str) -> Identity | None:
        """The identity of that kind with this name or alias (case-insensitive), if any."""
        ...

    def assign(self, kind: IdentityKind, names: Sequence[str]) -> Identity:
        """Find the identity holding any of ``names``, or create one with the next free number.

        New names are added as aliases of the identity found.
        """
        ...

    def note_wave(self, number: int, wave: str) -> None:
        """Record that participant ``number`` was seen in interview ``wave``."""
        ...

    def next_number(self, kind: IdentityKind) -> int:
        """Past every number of that kind ever handed out (live or retired): what a dry run may
        show for someone new without showing a number that belonged to someone else."""
        ...

    def batch(self) -> AbstractContextManager[None]:
        """Every assignment made inside is committed at once, or not at all if it raises."""
        ...


class StudyKeyStore(KeyStore, Protocol):
    """What the daemon's stages ask of a study's key, beyond numbering."""

    def participant(self, number: int) -> Entry:
        """That participant's entry (consent, waves); ``vault.VaultError`` with reason
        ``withdrawn``, ``not_found`` or ``merged`` when they are not live."""
        ...

    def seal_blob(self, number: int, data: bytes, file_id: str) -> bytes:
        """``data`` encrypted under that participant's key (gone when they withdraw)."""
        ...

    def open_blob(self, number: int, blob: bytes, file_id: str) -> bytes:
        ...

    def audit_key(self) -> bytes:
        ...

    def commit_count(self) -> int:
        ...

    def refresh(self) -> None:
        ...

    def close(self) -> None:
        ...


@dataclass
class _Entry:
    number: int
    names: list[str]
    registered: bool = False


@dataclass
class InMemoryKeyStore:
    """A KeyStore held in memory only: the default for a single run without a vault.

    Names are indexed (normalised name -> entry) and the identity list is cached until the
    next change, so a long run with thousands of people stays fast."""

    _entries: dict[IdentityKind, list[_Entry]] = field(default_factory=dict)
    _next: dict[IdentityKind, int] = field(default_factory=dict)
    waves: dict[int, set[str]] = field(default_factory=dict)
    _by_name: dict[tuple[IdentityKind, str], _Entry] = field(default_factory=dict)
    _cached: dict[IdentityKind | None, list[Identity]] = field(default_factory=dict)

    def identities(self, kind: IdentityKind | None = None) -> Sequence[Identity]:
        cached = self._cached.get(kind)
        if cached is None:
            kinds: Iterable[IdentityKind] = [kind] if kind else list(IdentityKind)
            cached = self._cached[kind] = [
                self._identity(k, e) for k in kinds for e in self._entries.get(k, [])]
        return cached

    @staticmethod
    def _identity(kind: IdentityKind, entry: _Entry) -> Identity:
        registered = entry.registered or kind is IdentityKind.PARTICIPANT
        return Identity(kind, entry.number, tuple(entry.names), registered)

    def lookup(self, kind: IdentityKind, name: str) -> Identity | None:
        entry = self._by_name.get((kind, normalise_name(name)))
        return self._identity(kind, entry) if entry is not None else None

    def _name(self, kind: IdentityKind, entry: _Entry, name: str) -> None:
        key = (kind, normalise_name(name))
        if key not in self._by_name:  # a name stays with whoever had it first
            self._by_name[key] = entry
            entry.names.append(name)

    def assign(self, kind: IdentityKind, names: Sequence[str]) -> Identity:
        if not names:
            raise ValueError("assign needs at least one name")
        entry = next((self._by_name[(kind, normalise_name(n))] for n in names
                      if (kind, normalise_name(n)) in self._by_name), None)
        if entry is None:
            number = self._next.get(kind, 1)
            self._next[kind] = number + 1
            entry = _Entry(number, [])
            self._entries.setdefault(kind, []).append(entry)
        for name in names:
            if normalise_name(name) not in {normalise_name(n) for n in entry.names}:
                self._name(kind, entry, name)
        self._cached.clear()
        return self._identity(kind, entry)

    def add(self, kind: IdentityKind, names: Sequence[str], number: int | None = None) -> Identity:
        """Register an identity, optionally with a fixed number (steward's roster)."""
        if number is None:
            number = self._next.get(kind, 1)
        if any(e.number == number for e in self._entries.get(kind, [])):
            raise ValueError(f"{kind.value} number {number} is already taken")
        entry = _Entry(number, [], registered=True)
        for name in dict.fromkeys(names):
            self._name(kind, entry, name)
        self._entries.setdefault(kind, []).append(entry)
        self._next[kind] = max(self._next.get(kind, 1), number + 1)
        self._cached.clear()
        return self._identity(kind, entry)

    def note_wave(self, number: int, wave: str) -> None:
        self.waves.setdefault(number, set()).add(wave)

    def next_number(self, kind: IdentityKind) -> int:
        return max((i.number for i in self.identities(kind)), default=0) + 1

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Nothing is written, so there is nothing to commit at once. Numbers given inside a
        refused transcript stay taken (never shown, and never given to anyone else)."""
        yield


class OverlayKeyStore:
    """Reads a real key store, writes nowhere: what a dry run (``scan``) assigns is forgotten.

    New numbers start after every number the base store has ever given (a store that knows
    retired numbers, like the vault, says so through ``next_number``), so a dry run never shows
    a number that belongs, or belonged, to someone else.
    """

    def __init__(self, base: KeyStore) -> None:
        self.base = base
        self.scratch = InMemoryKeyStore()
        for kind in IdentityKind:
            self.scratch._next[kind] = base.next_number(kind)

    def identities(self, kind: IdentityKind | None = None) -> Sequence[Identity]:
        return [*self.base.identities(kind), *self.scratch.identities(kind)]

    def lookup(self, kind: IdentityKind, name: str) -> Identity | None:
        return self.base.lookup(kind, name) or self.scratch.lookup(kind, name)

    def assign(self, kind: IdentityKind, names: Sequence[str]) -> Identity:
        for name in names:
            found = self.base.lookup(kind, name)
            if found:
                return found
        return self.scratch.assign(kind, names)

    def note_wave(self, number: int, wave: str) -> None:
        pass

    def next_number(self, kind: IdentityKind) -> int:
        return max(self.base.next_number(kind), self.scratch.next_number(kind))

    @contextmanager
    def batch(self) -> Iterator[None]:
        yield  # writes nowhere
