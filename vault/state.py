"""The unlocked vault in memory: entries, the name index, keys, and the rules for changing them.

Pure in-memory logic: no files, no locks. Every mutation validates before it changes anything,
marks the record ids it touched as dirty, and leaves sealing and writing to ``vault.store``.
The name index (normalised name -> number, per kind) exists only here, after unlock: an on-disk
blind index would survive in old backups of the record file and let anyone holding the key-ring
confirm a guessed name of a participant who has since withdrawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from vault.crypto import KEY_BYTES, RandBytes
from vault.entries import (
    Consent,
    ConsentStatus,
    Entry,
    Kind,
    Retired,
    RetiredReason,
    WithdrawalReceipt,
)
from vault.errors import Reason, VaultError
from vault.keyring import RingBody, RingHeader
from vault.names import check_number, clean_names, clean_scope, clean_wave, normalise_name
from vault.records import SealedRecord

Key = tuple[Kind, int]


@dataclass
class VaultState:
    header: RingHeader
    kek: bytes = field(repr=False)
    master: bytes = field(repr=False)
    ring: RingBody
    entries: dict[Key, Entry]
    sealed: dict[Key, SealedRecord]  # what the record file holds (or will, after the next write)
    keys_write_id: bytes
    disk_digest: str | None  # SHA-256 of the record file as last read or written
    needs_records_write: bool = False  # leftovers of an interrupted write or a recovery
    dirty: set[Key] = field(default_factory=set)
    # Numbers merged away whose record may still be in the record file on disk: their data key
    # stays in the key-ring until a record file without them is durable, so that a crash in
    # between can still finish the merge (see ``store.load_state``).
    pending_merged: set[Key] = field(default_factory=set)
    index: dict[Kind, dict[str, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.index:
            self.index = {kind: {} for kind in Kind}
            for entry in sorted(self.entries.values(), key=lambda e: e.number):
                for name in entry.names:  # first holder wins; mutations never make a second
                    self.index[entry.kind].setdefault(normalise_name(name), entry.number)

    def copy(self) -> VaultState:
        return replace(
            self,
            ring=self.ring.copy(),
            entries=dict(self.entries),
            sealed=dict(self.sealed),
            dirty=set(self.dirty),
            pending_merged=set(self.pending_merged),
            index={kind: dict(names) for kind, names in self.index.items()},
        )

    # -- queries -----------------------------------------------------------------------------
    def find(self, kind: Kind, name: str) -> Entry | None:
        number = self.index[kind].get(normalise_name(name))
        return None if number is None else self.entries[(kind, number)]

    def get(self, kind: Kind, number: int) -> Entry:
        entry = self.entries.get((kind, check_number(number)))
        if entry is not None:
            return entry
        retired = self.ring.retired.get((kind, number))
        if retired is None:
            raise VaultError(Reason.NOT_FOUND, f"{kind.value} {number}")
        if retired.reason is RetiredReason.WITHDRAWN:
            raise VaultError(Reason.WITHDRAWN, f"{kind.value} {number}")
        raise VaultError(Reason.MERGED, f"{kind.value} {number} into {retired.into}")

    def key_for(self, kind: Kind, number: int) -> bytes | None:
        if kind is Kind.PARTICIPANT:
            return self.ring.participant_keys.get(number)
        return self.ring.shared_key

    def settled(self, kind: Kind, names: Sequence[str]) -> Entry | None:
        """The entry ``assign`` would return without changing anything, if there is one."""
        cleaned = clean_names(names)
        entry = self.find(kind, cleaned[0])
        if entry is None or any(self.find(kind, name) is None for name in cleaned):
            return None
        return entry

    # -- mutations ---------------------------------------------------------------------------
    def add(
        self,
        kind: Kind,
        names: Sequence[str],
        number: int | None,
        today: date,
        randbytes: RandBytes,
        *,
        registered: bool = True,
    ) -> Entry:
        cleaned = clean_names(names)
        found = (self.index[kind].get(normalise_name(name)) for name in cleaned)
        holders = {held for held in found if held is not None}
        if holders:
            promoted = self._promote(kind, cleaned, holders, number) if registered else None
            if promoted is None:
                raise VaultError(Reason.NAME_TAKEN, f"held by {kind.value} {min(holders)}")
            return promoted
        if number is None:
            number = self.ring.next_number[kind]
        else:
            self._check_free(kind, check_number(number))
        self.ring.next_number[kind] = max(self.ring.next_number[kind], number + 1)
        consent = None
        if kind is Kind.PARTICIPANT:
            self.ring.participant_keys[number] = randbytes(KEY_BYTES)
            consent = Consent(ConsentStatus.PENDING, None, today)
        entry = Entry(kind, number, cleaned, (), consent, registered)
        self._put(entry)
        return entry

    def _promote(self, kind: Kind, names: tuple[str, ...], holders: set[int],
                 number: int | None) -> Entry | None:
        """A steward registers a name the engine numbered on its own: that identity becomes
        registered (a roster entry from now on) and keeps its number. Refused (None) when the
        names belong to a registered identity, to several, or a different number was asked."""
        if len(holders) != 1:
            return None
        holder = next(iter(holders))
        assert holder is not None
        found = self.get(kind, holder)
        if found.registered or (number is not None and number != holder):
            return None
        new = tuple(n for n in names if self.index[kind].get(normalise_name(n)) is None)
        entry = replace(found, names=found.names + new, registered=True)
        self._put(entry)
        return entry

    def assign(self, kind: Kind, names: Sequence[str], today: date, randbytes: RandBytes) -> Entry:
        cleaned = clean_names(names)
        found = next((e for e in map(lambda n: self.find(kind, n), cleaned) if e), None)
        if found is None:
            return self.add(kind, cleaned, None, today, randbytes, registered=False)
        # Names that already belong to another identity stay where they are: a name is never
        # moved between people silently; a steward merges identities on purpose.
        new = tuple(n for n in cleaned if self.index[kind].get(normalise_name(n)) is None)
        if not new:
            return found
        entry = replace(found, names=found.names + new)
        self._put(entry)
        return entry

    def note_wave(self, number: int, wave: str) -> Entry:
        label = clean_wave(wave)
        entry = self.get(Kind.PARTICIPANT, number)
        if label in entry.waves:
            return entry
        updated = replace(entry, waves=entry.waves + (label,))
        self._put(updated)
        return updated

    def set_consent(
        self, number: int, status: ConsentStatus, scope: str | None, today: date
    ) -> Entry:
        scope = clean_scope(scope)
        entry = self.get(Kind.PARTICIPANT, number)
        current = entry.consent
        if current is not None and (current.status, current.scope) == (status, scope):
            return entry
        updated = replace(entry, consent=Consent(status, scope, today))
        self._put(updated)
        return updated

    def merge(self, kind: Kind, keep: int, absorb: int, today: date) -> Entry:
        if check_number(keep) == check_number(absorb):
            raise VaultError(Reason.INVALID, "cannot merge a number into itself")
        kept, absorbed = self.get(kind, keep), self.get(kind, absorb)
        self._drop(absorbed, shred=False)
        self.pending_merged.add((kind, absorb))
        self.ring.retired[(kind, absorb)] = Retired(kind, absorb, RetiredReason.MERGED, today, keep)
        merged = merged_entry(kept, absorbed)
        self._put(merged)
        return merged

    def alias(self, kind: Kind, number: int, names: Sequence[str]) -> Entry:
        """More names for one identity; NAME_TAKEN when another identity holds one (merge
        them instead: a name is never moved between people silently)."""
        cleaned = clean_names(names)
        entry = self.get(kind, number)
        holders = [h for h in (self.index[kind].get(normalise_name(n)) for n in cleaned)
                   if h is not None and h != number]
        if holders:
            raise VaultError(Reason.NAME_TAKEN, f"held by {kind.value} {min(holders)}")
        new = tuple(n for n in cleaned if self.index[kind].get(normalise_name(n)) is None)
        if not new:
            return entry
        updated = replace(entry, names=entry.names + new)
        self._put(updated)
        return updated

    def move(self, kind: Kind, number: int, into_kind: Kind, into: int | None,
             today: date) -> Entry:
        """The identity is of another kind (a hospital is an organisation, not a place; the
        "person" is a participant): it joins ``into``, or the identity of that kind holding one
        of its names, or gets that kind's next number. The old number is retired (MOVED) and
        never reused. A participant never moves, and only joins one given by number."""
        if kind is Kind.PARTICIPANT or kind is into_kind:
            raise VaultError(Reason.INVALID, "only persons, places and organisations change kind")
        if into_kind is Kind.PARTICIPANT and into is None:
            raise VaultError(Reason.INVALID, "name the participant number it joins")
        entry = self.get(kind, number)
        holders = {h for h in (self.index[into_kind].get(normalise_name(n)) for n in entry.names)
                   if h is not None}
        if into is None and len(holders) > 1:
            raise VaultError(Reason.NAME_TAKEN, f"held by several of kind {into_kind.value}")
        target_number = into if into is not None else (holders.pop() if holders else None)
        target = None if target_number is None else self.get(into_kind, target_number)
        self._drop(entry, shred=False)
        if target is not None:
            moved = merged_entry(target, entry)
        else:
            fresh = self.ring.next_number[into_kind]
            self.ring.next_number[into_kind] = fresh + 1
            moved = replace(entry, kind=into_kind, number=fresh)
        self.ring.retired[(kind, number)] = Retired(
            kind, number, RetiredReason.MOVED, today, moved.number, into_kind)
        self._put(moved)
        return moved

    def withdraw(self, number: int, today: date) -> WithdrawalReceipt:
        entry = self.get(Kind.PARTICIPANT, number)
        self._drop(entry, shred=True)
        # A number merged into this one whose key is still kept for crash recovery is the same
        # person: its key goes in the same key-ring write, or an old record file would keep them.
        for key in [k for k in self.pending_merged if k[0] is Kind.PARTICIPANT]:
            if merge_root(self.ring.retired, key) == number:
                self.ring.participant_keys.pop(key[1], None)
                self.pending_merged.discard(key)
        self.ring.retired[(Kind.PARTICIPANT, number)] = Retired(
            Kind.PARTICIPANT, number, RetiredReason.WITHDRAWN, today
        )
        return WithdrawalReceipt(number, entry.waves, today)

    # -- helpers -----------------------------------------------------------------------------
    def _check_free(self, kind: Kind, number: int) -> None:
        if (kind, number) in self.entries:
            raise VaultError(Reason.NUMBER_TAKEN, f"{kind.value} {number}")
        if (kind, number) in self.ring.retired:
            self.get(kind, number)  # raises WITHDRAWN or MERGED

    def _put(self, entry: Entry) -> None:
        index = self.index[entry.kind]
        for name in entry.names:
            index.setdefault(normalise_name(name), entry.number)
        self.entries[(entry.kind, entry.number)] = entry
        self.dirty.add((entry.kind, entry.number))

    def _drop(self, entry: Entry, *, shred: bool) -> None:
        index = self.index[entry.kind]
        for name in entry.names:
            if index.get(normalise_name(name)) == entry.number:
                del index[normalise_name(name)]
        del self.entries[(entry.kind, entry.number)]
        if shred and entry.kind is Kind.PARTICIPANT:
            # The crypto-shredding step: once the key-ring is rewritten without this key, no copy
            # of the record file can give this participant's record back.
            self.ring.participant_keys.pop(entry.number, None)
        self.dirty.add((entry.kind, entry.number))


def merged_entry(kept: Entry, absorbed: Entry) -> Entry:
    """``kept`` with ``absorbed``'s new names and waves; its own consent wins."""
    known = {normalise_name(n) for n in kept.names}
    extra = tuple(n for n in absorbed.names if normalise_name(n) not in known)
    waves = kept.waves + tuple(w for w in absorbed.waves if w not in kept.waves)
    registered = kept.registered or absorbed.registered
    return replace(kept, names=kept.names + extra, waves=waves, registered=registered)


def merge_root(retired: dict[Key, Retired], key: Key) -> int | None:
    """The number a merged-away number ended up in, following later merges; None if none."""
    kind, number = key
    for _ in range(len(retired) + 1):  # bounded: a corrupt cycle cannot loop forever
        step = retired.get((kind, number))
        if step is None or step.reason is not RetiredReason.MERGED or step.into is None:
            return number if (kind, number) != key else None
        number = step.into
    return None
