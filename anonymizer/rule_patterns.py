"""Pattern rules: regex recognizers with validators and Presidio's predefined recognizers.

The models of ``rules/common/patterns.toml`` and ``rules/<lang>/patterns.toml`` and their
compilation; a bad regex or a missing named group is a ``RulesError`` naming the file and the
pattern. Loaded by ``anonymizer.rulebook``, which re-exports these names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from anonymizer.errors import RulesError
from anonymizer.findings import EntityKind
from anonymizer.validators import VALIDATORS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PatternDef(_Strict):
    name: str
    regex: str


class PatternRecognizerDef(_Strict):
    name: str
    entity: EntityKind
    patterns: list[PatternDef]
    score: float = Field(0.6, ge=0.0, le=1.0)
    validator: str | None = None
    # With a validator: the score of a match the validator refuses (a typo in a number whose
    # shape alone identifies it), reported as ``<name>/unchecked``. Absent: such matches drop.
    invalid_score: float | None = Field(None, ge=0.0, le=1.0)
    context: list[str] = []
    group: str | None = None
    ignore_case: bool = True

    @field_validator("validator")
    @classmethod
    def _known_validator(cls, name: str | None) -> str | None:
        if name is not None and name not in VALIDATORS:
            raise ValueError(f"unknown validator {name!r} (known: {', '.join(sorted(VALIDATORS))})")
        return name


# Presidio's predefined recognizers a rules file may name, and the entity each reports.
PRESIDIO_RECOGNIZERS = {
    "EmailRecognizer": "EMAIL_ADDRESS",
    "UrlRecognizer": "URL",
    "CreditCardRecognizer": "CREDIT_CARD",
    "IbanRecognizer": "IBAN_CODE",
    "PhoneRecognizer": "PHONE_NUMBER",
    "IpRecognizer": "IP_ADDRESS",
}


class PresidioDef(_Strict):
    class_: str = Field(alias="class")
    entity: EntityKind
    regions: list[str] = []

    @field_validator("class_")
    @classmethod
    def _supported(cls, name: str) -> str:
        if name not in PRESIDIO_RECOGNIZERS:
            raise ValueError(f"Presidio recognizer {name!r} is not supported "
                             f"(supported: {', '.join(sorted(PRESIDIO_RECOGNIZERS))})")
        return name


class PatternFile(_Strict):
    version: int
    presidio: list[PresidioDef] = []
    pattern: list[PatternRecognizerDef] = []


@dataclass(frozen=True)
class CompiledPattern:
    recognizer: PatternRecognizerDef
    name: str
    regex: re.Pattern[str]


def compile_patterns(files: list[tuple[Path, PatternFile]]) -> tuple[CompiledPattern, ...]:
    compiled = []
    for path, file in files:
        for rec in file.pattern:
            flags = re.IGNORECASE if rec.ignore_case else 0
            for pat in rec.patterns:
                try:
                    regex = re.compile(pat.regex, flags | re.MULTILINE)
                except re.error as exc:
                    raise RulesError(
                        f"{path}: pattern {rec.name}.{pat.name}: bad regex ({exc})") from None
                if rec.group and rec.group not in regex.groupindex:
                    raise RulesError(
                        f"{path}: pattern {rec.name}.{pat.name}: no group named {rec.group!r}"
                    )
                compiled.append(CompiledPattern(rec, pat.name, regex))
    return tuple(compiled)
