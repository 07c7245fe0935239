"""Which written standard a transcript is read in, when a study holds more than one.

A Norwegian study may hold bokmål and nynorsk transcripts (``project.standards = ["nb", "nn"]``).
Each one is read with its own standard's rules and labels, chosen in this order:

1. ``--lang`` on the command line: that standard for the whole run (``OPTION``);
2. a word of the file name that names a standard (``file_name_words`` in
   ``rules/<lang>/standard.toml``: "P07 t1 nynorsk.docx") -- a steward's word beats a guess
   (``FILE_NAME``); a name naming two standards says nothing;
3. the text: the marker words of each standard (``markers``: ikke/ikkje, jeg/eg, hun/ho ...)
   are counted, and one standard wins with at least ``min_markers`` of them that are at least
   ``min_share`` of all markers found (``rules/common/standards.toml``) (``DETECTED``);
4. otherwise the study's language, ``project.language`` (``UNDECIDED``): dialect speech mixes
   both standards, and a short text may hold no marker at all.

A study with one standard skips all this (``STUDY``). The choice is recorded as codes and counts
(``StandardChoice.to_json``), never as words of the text.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from anonymizer.errors import RulesError
from anonymizer.rulebook import read_rules_file

STANDARD_FILE = "standard.toml"
DETECTION_FILE = "common/standards.toml"
_WORD = re.compile(r"[^\W\d_]+")


class StandardSource(str, Enum):
    STUDY = "study"  # the study holds one standard: project.language
    OPTION = "option"  # --lang for this run
    FILE_NAME = "file_name"  # a word of the inbox file's name
    DETECTED = "detected"  # the text's marker words
    UNDECIDED = "undecided"  # too few markers, or both standards: project.language


@dataclass(frozen=True)
class StandardChoice:
    code: str
    source: StandardSource
    markers: tuple[tuple[str, int], ...] = ()  # marker words counted per standard, when counted

    def marker_counts(self) -> dict[str, int]:
        return dict(self.markers)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "source": self.source.value, "markers": self.marker_counts()}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _words(values: list[str]) -> list[str]:
    for value in values:
        if words_of(value) != [value.casefold()]:
            raise ValueError(f"{value!r}: one word of letters, in lower case")
    return values


class StandardFile(_Strict):
    version: int
    markers: list[str] = Field(min_length=1)
    file_name_words: list[str] = []

    _check_markers = field_validator("markers")(_words)
    _check_names = field_validator("file_name_words")(_words)


class DetectionFile(_Strict):
    version: int
    min_markers: int = Field(ge=1)
    min_share: float = Field(gt=0.5, le=1.0)


def words_of(text: str) -> list[str]:
    """Letter words, case-folded and NFC-normalised: the unit markers are counted in."""
    return _WORD.findall(unicodedata.normalize("NFC", text).casefold())


def _read(path: Path, model: type[_Strict]) -> tuple[Any, bytes]:
    raw = read_rules_file(path)
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"{path}: not valid TOML ({exc})") from None
    try:
        return model.model_validate(document), raw
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise RulesError(f"{path}: {where}: {err['msg']}") from None


@dataclass(frozen=True)
class Standards:
    """The standards a study accepts and how one is chosen for a transcript."""

    fallback: str  # project.language
    codes: tuple[str, ...]
    marker_of: dict[str, str]  # marker word -> its standard
    name_word_of: dict[str, str]  # file-name word -> its standard
    min_markers: int = 1
    min_share: float = 1.0
    digest: str = ""  # of the rules files read, for the release metadata

    @classmethod
    def single(cls, code: str) -> Standards:
        return cls(code, (code,), {}, {})

    @classmethod
    def load(cls, rules_dir: Path, codes: Sequence[str], fallback: str) -> Standards:
        """``codes`` from ``rules/<code>/standard.toml`` and the thresholds from
        ``rules/common/standards.toml``; a RulesError naming the file when one is missing or
        wrong, or when a word is claimed by two standards."""
        if len(codes) < 2:
            return cls.single(fallback)
        root = Path(rules_dir)
        digest = hashlib.sha256()
        detection, raw = _read(root / DETECTION_FILE, DetectionFile)
        digest.update(DETECTION_FILE.encode() + b"\0" + raw + b"\0")
        marker_of: dict[str, str] = {}
        name_word_of: dict[str, str] = {}
        for code in codes:
            path = root / code / STANDARD_FILE
            rules, raw = _read(path, StandardFile)
            digest.update(f"{code}/{STANDARD_FILE}".encode() + b"\0" + raw + b"\0")
            for table, words, key in ((marker_of, rules.markers, "markers"),
                                      (name_word_of, rules.file_name_words, "file_name_words")):
                for word in words:
                    other = table.setdefault(word.casefold(), code)
                    if other != code:
                        raise RulesError(f"{path}: {key}: {word!r} is also a word of {other!r}")
        return cls(fallback, tuple(codes), marker_of, name_word_of, detection.min_markers,
                   detection.min_share, digest.hexdigest())

    @property
    def several(self) -> bool:
        return len(self.codes) > 1

    def count(self, text: str) -> dict[str, int]:
        counts = dict.fromkeys(self.codes, 0)
        marker_of = self.marker_of
        for word in words_of(text):
            code = marker_of.get(word)
            if code is not None:
                counts[code] += 1
        return counts

    def named(self, file_name: str) -> str | None:
        """The standard a file name names, if it names exactly one."""
        found = {self.name_word_of[w] for w in words_of(file_name) if w in self.name_word_of}
        return next(iter(found)) if len(found) == 1 else None

    def choose(self, text: str, *, named: str | None = None) -> StandardChoice:
        if not self.several:
            return StandardChoice(self.fallback, StandardSource.STUDY)
        if named is not None and named in self.codes:
            return StandardChoice(named, StandardSource.FILE_NAME)
        counts = self.count(text)
        markers = tuple(sorted(counts.items()))
        return StandardChoice(*self.decide(counts), markers)

    def decide(self, counts: dict[str, int]) -> tuple[str, StandardSource]:
        total = sum(counts.values())
        best = max(self.codes, key=lambda c: (counts.get(c, 0), c == self.fallback))
        top = counts.get(best, 0)
        if top >= self.min_markers and top >= self.min_share * total:
            return best, StandardSource.DETECTED
        return self.fallback, StandardSource.UNDECIDED
