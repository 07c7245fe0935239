"""``Vault``: the public face -- unlock, look up, change under a lock, verify, re-key.

Reads (``lookup``, ``get``, ``entries``) answer from the state decrypted at unlock; ``refresh()``
picks up what other processes committed since. Every change takes the exclusive file lock, first
catches up with the files on disk, applies the change in memory and commits it (key-ring, then
records) before the lock is released; ``transaction()`` groups many changes into one commit.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from threading import RLock
from types import TracebackType
from typing import TypeVar

from vault import blobs, store
from vault.crypto import KEY_BYTES, KdfSpec, RandBytes, ScryptParams, check_new_secret, derive_kek
from vault.entries import ConsentStatus, Entry, Kind, Retired, VerifyReport, WithdrawalReceipt
from vault.errors import Reason, VaultError
from vault.keyring import RingHeader
from vault.names import check_project_id
from vault.secret import Secret
from vault.state import VaultState
from vault.storage import FileLock, make_private_dir

T = TypeVar("T")
Clock = Callable[[], datetime]
DEFAULT_LOCK_TIMEOUT = 30.0


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Vault:
    """An unlocked vault. Make one with ``Vault.create`` or ``Vault.open``; close it after use.

    ``clock`` gives the dates of consent changes, withdrawals and merges. ``randbytes`` exists
    only so that the fixed test vectors can be reproduced; leave it alone otherwise.
    """

    def __init__(
        self,
        directory: Path,
        state: VaultState,
        lock: FileLock,
        *,
        clock: Clock,
        randbytes: RandBytes,
    ) -> None:
        self._dir = directory
        self._state: VaultState | None = state
        self._lock = lock
        self._clock = clock
        self._rand = randbytes
        self._mutex = RLock()
        self._in_transaction = False
        self._snapshot: VaultState | None = None
        self._stale = False

    # -- life cycle --------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        project_id: str,
        secret: Secret,
        *,
        kdf: ScryptParams | None = None,
        clock: Clock = _utc_now,
        randbytes: RandBytes = os.urandom,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ) -> Vault:
        """A new, empty vault in folder ``path`` (created with mode 0700 if missing)."""
        project = check_project_id(project_id)
        check_new_secret(secret, kdf)
        directory = Path(path)
        make_private_dir(directory)
        lock = FileLock(directory / store.LOCK_FILE, lock_timeout)
        try:
            with lock.exclusive():
                if (directory / store.KEYS_FILE).exists():
                    raise VaultError(Reason.EXISTS, str(directory))
                store.clean_temps(directory)
                vault_id = randbytes(16).hex()
                spec = KdfSpec.new(secret, kdf, randbytes)
                header = RingHeader(vault_id, project, spec)
                master = randbytes(KEY_BYTES)
                state = store.new_state(header, derive_kek(spec, secret), master, randbytes)
                store.write_state(directory, state, randbytes, records_first=True)
        except BaseException:
            lock.close()
            raise
        return cls(directory, state, lock, clock=clock, randbytes=randbytes)

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        project_id: str,
        secret: Secret,
        *,
        recover: bool = False,
        clock: Clock = _utc_now,
        randbytes: RandBytes = os.urandom,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ) -> Vault:
        """Unlock an existing vault. ``recover=True`` accepts a record file the key-ring does not
        expect (restored from a backup, or lost: then it starts empty), keeping the key-ring's
        counters, retired numbers and deleted keys; the next change rewrites the record file."""
        project = check_project_id(project_id)
        directory = Path(path)
        if not (directory / store.KEYS_FILE).is_file():
            raise VaultError(Reason.NOT_A_VAULT, f"{store.KEYS_FILE} missing")
        # Refuse what is not a vault before creating a lock file in someone else's folder.
        store.check_permissions(directory)
        store.check_keyring_frame(directory)
        lock = FileLock(directory / store.LOCK_FILE, lock_timeout)
        try:
            with lock.shared():
                pair = store.read_pair(directory)
            state = store.load_state(
                pair,
                project=project,
                kek_for=lambda spec: derive_kek(spec, secret),
                recover=recover,
            )
        except BaseException:
            lock.close()
            raise
        return cls(directory, state, lock, clock=clock, randbytes=randbytes)

    def close(self) -> None:
        with self._mutex:
            self._state = self._snapshot = None
            self._lock.close()

    def __enter__(self) -> Vault:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def path(self) -> Path:
        return self._dir

    @property
    def project_id(self) -> str:
        return self._live().header.project

    # -- reading -----------------------------------------------------------------------------
    def lookup(self, kind: Kind | str, name: str) -> Entry | None:
        """The entry of that kind holding this name or alias (case-insensitive), or None."""
        with self._mutex:
            return self._live().find(Kind.of(kind), name)

    def get(self, kind: Kind | str, number: int) -> Entry:
        """The live entry; NOT_FOUND, WITHDRAWN or MERGED otherwise."""
        with self._mutex:
            return self._live().get(Kind.of(kind), number)

    def entries(self, kind: Kind | str | None = None) -> tuple[Entry, ...]:
        with self._mutex:
            state = self._live()
            kinds = list(Kind) if kind is None else [Kind.of(kind)]
            return tuple(
                state.entries[k] for k in sorted(state.entries, key=_order) if k[0] in kinds
            )

    def retired(self, kind: Kind | str | None = None) -> tuple[Retired, ...]:
        """Numbers that are never handed out again: withdrawals and merges, with dates."""
        with self._mutex:
            state = self._live()
            kinds = list(Kind) if kind is None else [Kind.of(kind)]
            keys = sorted(state.ring.retired, key=_order)
            return tuple(state.ring.retired[k] for k in keys if k[0] in kinds)

    def seal_blob(self, number: int, data: bytes, file_id: str) -> bytes:
        """``data`` sealed under participant ``number``'s data key (see ``vault.blobs``), bound
        to this vault, project, participant and ``file_id``. Withdrawing the participant shreds
        it. Catches up with other processes first, so a withdrawal committed elsewhere is seen:
        WITHDRAWN, MERGED or NOT_FOUND for a number that is not a live participant."""
        fid = blobs.check_file_id(file_id)
        with self._mutex:
            if not self._in_transaction:  # inside one the state is current, and the lock held
                self.refresh()
            key, ad = self._blob_key_ad(number, fid)
            return blobs.seal_blob(key, ad, data, self._rand)

    def open_blob(self, number: int, blob: bytes, file_id: str) -> bytes:
        """The bytes sealed by ``seal_blob`` for this participant and file id; TAMPERED if the
        blob was altered, cut short or belongs to another file id, participant or vault."""
        fid = blobs.check_file_id(file_id)
        with self._mutex:
            key, ad = self._blob_key_ad(number, fid)
            return blobs.open_blob(key, ad, blob)

    def audit_key(self) -> bytes:
        """The random 256-bit HMAC key for the audit log; kept across rotations."""
        with self._mutex:
            return self._live().ring.audit_key

    def commit_count(self) -> int:
        """How many times this vault has been written, counting up with every commit; inside a
        transaction that has changed something, the count its commit will have. A copy of the
        vault folder restored from a backup has a lower count than the vault it replaced, so
        whoever remembers the count (the audit log's anchor) can notice the rollback."""
        with self._mutex:
            pending = self._in_transaction and self._snapshot is not None
            return self._live().ring.commit + (1 if pending else 0)

    def refresh(self) -> None:
        """Catch up with changes committed by other processes."""
        with self._mutex, self._lock.shared():
            self._catch_up()

    # -- changing ----------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock and commit all changes made inside at once (or none, on an exception)."""
        with self._mutex:
            self._live()
            if self._in_transaction:
                yield
                return
            with self._lock.exclusive():
                self._catch_up()
                store.clean_temps(self._dir)
                self._in_transaction = True
                try:
                    yield
                    state = self._live()
                    if self._snapshot is not None and (state.dirty or state.needs_records_write):
                        self._commit(state)
                except BaseException:
                    if self._snapshot is not None:
                        self._state = self._snapshot
                    raise
                finally:
                    self._in_transaction = False
                    self._snapshot = None

    def add(self, kind: Kind | str, names: Sequence[str], number: int | None = None) -> Entry:
        """Register an identity (steward's roster). A name the engine numbered on its own is
        promoted to registered and keeps its number; NAME_TAKEN if a registered identity (or
        several) already holds one of the names."""
        k = Kind.of(kind)
        return self._change(lambda s: s.add(k, names, number, self._today(), self._rand))

    def assign(self, kind: Kind | str, names: Sequence[str]) -> Entry:
        """The identity holding any of ``names`` (new names become its aliases), or a new one
        with the next free number. Names held by another identity are left with it."""
        k = Kind.of(kind)
        with self.transaction():
            settled = self._live().settled(k, names)
            if settled is not None:
                return settled
            return self._change(lambda s: s.assign(k, names, self._today(), self._rand))

    def note_wave(self, number: int, wave: str) -> Entry:
        return self._change(lambda s: s.note_wave(number, wave))

    def set_consent(
        self, number: int, status: ConsentStatus | str, scope: str | None = None
    ) -> Entry:
        st = ConsentStatus.of(status)
        return self._change(lambda s: s.set_consent(number, st, scope, self._today()))

    def merge(self, kind: Kind | str, keep: int, absorb: int) -> Entry:
        """One identity found twice: ``absorb``'s names and waves join ``keep``; ``absorb`` is
        retired (MERGED) and never reused."""
        k = Kind.of(kind)
        return self._change(lambda s: s.merge(k, keep, absorb, self._today()))

    def alias(self, kind: Kind | str, number: int, names: Sequence[str]) -> Entry:
        """More names for one identity; NAME_TAKEN when another identity holds one."""
        k = Kind.of(kind)
        return self._change(lambda s: s.alias(k, number, names))

    def move(self, kind: Kind | str, number: int, into_kind: Kind | str,
             into: int | None = None) -> Entry:
        """The identity is of another kind: it joins ``into``, or the identity of that kind
        holding one of its names, or that kind's next number; the old number is retired
        (MOVED), never reused. Participants never move; one given by number may absorb."""
        k, ik = Kind.of(kind), Kind.of(into_kind)
        return self._change(lambda s: s.move(k, number, ik, into, self._today()))

    def withdraw(self, number: int) -> WithdrawalReceipt:
        """Forget a participant: delete their data key and record, keep a dated tombstone."""
        return self._change(lambda s: s.withdraw(number, self._today()))

    def change_secret(self, new_secret: Secret, *, kdf: ScryptParams | None = None) -> None:
        """Re-wrap the master key under a new passphrase or key file (new salt); records and data
        keys are untouched. ``kdf`` raises the scrypt parameters; by default they are kept."""
        check_new_secret(new_secret, kdf)
        with self._rekey() as state:
            # Keeping the parameters the vault already has is no weakening, so they are not
            # re-checked (vaults made for tests keep their cheap ones).
            params = kdf or state.header.kdf.scrypt
            spec = KdfSpec.new(new_secret, params, self._rand)
            state.kek = derive_kek(spec, new_secret)
            state.header = RingHeader(state.header.vault_id, state.header.project, spec)

    def rotate(self) -> None:
        """A new random master key; every data key is re-wrapped under it, no record changes."""
        with self._rekey() as state:
            state.master = self._rand(KEY_BYTES)

    def verify(self) -> VerifyReport:
        """Read both files again and check every record; problems name record ids only."""
        with self._mutex:
            state = self._live()
            with self._lock.shared():
                pair = store.read_pair(self._dir)
            return store.verify_pair(pair, project=state.header.project, kek_for=self._known_kek)

    # -- internals ---------------------------------------------------------------------------
    def _live(self) -> VaultState:
        if self._state is None:
            raise VaultError(Reason.CLOSED)
        return self._state

    def _blob_key_ad(self, number: int, file_id: str) -> tuple[bytes, bytes]:
        state = self._live()
        state.get(Kind.PARTICIPANT, number)  # refuses withdrawn, merged and unknown numbers
        key = state.key_for(Kind.PARTICIPANT, number)
        if key is None:  # a live participant always has a key; never seal under nothing
            raise VaultError(Reason.NOT_FOUND, f"participant {number}")
        return key, blobs.blob_ad(state.header.vault_id, state.header.project, number, file_id)

    def _today(self) -> date:
        return self._clock().date()

    def _change(self, apply: Callable[[VaultState], T]) -> T:
        with self.transaction():
            if self._snapshot is None:
                self._snapshot = self._live().copy()
            return apply(self._live())

    @contextmanager
    def _rekey(self) -> Iterator[VaultState]:
        with self._mutex:
            if self._in_transaction:
                raise VaultError(Reason.INVALID, "re-keying is not allowed inside a transaction")
            with self._lock.exclusive():
                self._catch_up()
                store.clean_temps(self._dir)
                working = self._live().copy()
                yield working
                self._stale = True  # if the write fails half-way, reload before the next use
                store.write_state(self._dir, working, self._rand, keys_only=True)
                self._state, self._stale = working, False

    def _commit(self, state: VaultState) -> None:
        self._stale = True
        store.write_state(self._dir, state, self._rand)
        self._stale = False

    def _catch_up(self) -> None:
        """Reload if another process committed (or our last write failed half-way)."""
        state = self._live()
        if not self._stale and store.keys_write_id(self._dir) == state.keys_write_id:
            return
        pair = store.read_pair(self._dir)
        self._state = store.load_state(
            pair, project=state.header.project, kek_for=self._known_kek, cache=state
        )
        self._stale = False

    def _known_kek(self, spec: KdfSpec) -> bytes:
        state = self._live()
        if spec != state.header.kdf:
            raise VaultError(Reason.WRONG_SECRET, "the secret was changed by another process")
        return state.kek


def _order(key: tuple[Kind, int]) -> tuple[int, int]:
    return list(Kind).index(key[0]), key[1]
