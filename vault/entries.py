"""The values the vault hands out: kinds, entries, consent, retired numbers, receipts, reports.

All frozen. ``Entry`` hides its names from ``repr`` so that logging an entry by accident does not
write a name to a log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from vault.errors import Reason, VaultError


class Kind(str, Enum):
    PARTICIPANT = "participant"
    PERSON = "person"
    PLACE = "place"
    ORGANISATION = "organisation"

    @classmethod
    def of(cls, value: Kind | str) -> Kind:
        try:
            return cls(value)
        except ValueError:
            raise VaultError(Reason.INVALID, "unknown kind") from None


class ConsentStatus(str, Enum):
    PENDING = "pending"
    GIVEN = "given"
    RESTRICTED = "restricted"  # given for part of the use only; ``scope`` says which part

    @classmethod
    def of(cls, value: ConsentStatus | str) -> ConsentStatus:
        try:
            return cls(value)
        except ValueError:
            raise VaultError(Reason.INVALID, "unknown consent status") from None


@dataclass(frozen=True)
class Consent:
    status: ConsentStatus
    scope: str | None
    since: date


@dataclass(frozen=True)
class Entry:
    """One identity: its number, its names (canonical first, then aliases in order found).

    ``registered`` says a steward registered it (``add``) rather than the engine finding it
    (``assign``). ``waves`` and ``consent`` are kept for participants only.
    """

    kind: Kind
    number: int
    names: tuple[str, ...] = field(repr=False)
    waves: tuple[str, ...] = ()
    consent: Consent | None = None
    registered: bool = False

    @property
    def label(self) -> str:
        """The pseudonym, e.g. ``Participant 7``."""
        return f"{self.kind.value.capitalize()} {self.number}"


class RetiredReason(str, Enum):
    WITHDRAWN = "withdrawn"
    MERGED = "merged"
    MOVED = "moved"  # a steward said it is another kind (a hospital is an organisation)


@dataclass(frozen=True)
class Retired:
    """A number that is never handed out again (the tombstone of a withdrawal, a merge or a
    move to another kind)."""

    kind: Kind
    number: int
    reason: RetiredReason
    on: date
    into: int | None = None  # for merges and moves: the number that absorbed this one
    into_kind: Kind | None = None  # for moves: the kind of ``into``


@dataclass(frozen=True)
class WithdrawalReceipt:
    """What the analysis store must purge once the vault has forgotten a participant."""

    number: int
    waves: tuple[str, ...]
    withdrawn_on: date


@dataclass(frozen=True)
class Problem:
    where: str  # "keyring", "records" or a record id such as "participant:7"
    reason: Reason


@dataclass(frozen=True)
class VerifyReport:
    records_checked: int
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems
