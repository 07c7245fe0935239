"""Values passed between detection, resolution and rewriting.

A ``Finding`` says where something was detected and what it is; it never holds the detected
string itself (offsets into the transcript are enough, and keep the surface out of anything that
might be logged). A ``Replacement`` is a finding after resolution: the text it becomes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class EntityKind(str, Enum):
    PERSON = "PERSON"
    LOCATION = "LOCATION"
    ORGANISATION = "ORGANISATION"
    ADDRESS = "ADDRESS"
    EMAIL = "EMAIL"
    URL = "URL"
    FILE_NAME = "FILE_NAME"  # "interview.docx" said in an interview (detectors/file_names.py)
    PHONE = "PHONE"
    ID_NUMBER = "ID_NUMBER"
    DATE = "DATE"
    AGE = "AGE"
    PRONOUN = "PRONOUN"
    GENDERED_TERM = "GENDERED_TERM"

    @property
    def is_name_like(self) -> bool:
        """Kinds whose every occurrence of the same string is replaced the same way."""
        return self in _NAME_LIKE


_NAME_LIKE = frozenset({EntityKind.PERSON, EntityKind.LOCATION, EntityKind.ORGANISATION})

# Kinds whose patterns are re-checked on the clean text (verification), because a leftover
# instance is an identifier on its own.
CONTACT_KINDS = frozenset(
    {EntityKind.EMAIL, EntityKind.URL, EntityKind.PHONE, EntityKind.ID_NUMBER, EntityKind.ADDRESS}
)


class Role(str, Enum):
    """Where in the transcript a finding sits; decides the label style."""

    MENTION = "mention"
    SPEAKER = "speaker"


@dataclass(frozen=True, order=True)
class Finding:
    start: int
    end: int
    entity: EntityKind
    detector: str
    score: float = 1.0
    role: Role = Role.MENTION
    # For pronouns/gendered terms: the grammatical form or group ("object", "partners").
    form: str | None = None

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Replacement:
    start: int
    end: int
    entity: EntityKind
    text: str
    detector: str
    score: float
    identity: int | None = None  # pseudonym number, when the kind is numbered
    participant: bool = False


@dataclass(frozen=True)
class Flag:
    """Something left in the text that might identify someone: for the steward, never blocking."""

    start: int
    end: int
    reason: str
    detail: str = ""
