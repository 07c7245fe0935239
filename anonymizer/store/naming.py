"""Participant and wave from an inbox file's name, and the name a released file gets.

An inbox name ("Kari Nordmann - intervju 2.docx") is read ONCE, when the file is claimed, and
reduced to ``NameClues``: a participant number, a wave label and a problem code. The name itself
goes no further (not into the journal, a log line, a report or the store).

* Wave: the token table in ``rules/<lang>/waves.toml`` (data, validated when loaded like every
  rules file: a missing or invalid file is a ``RulesError`` naming the file and the key).
* Participant: the name's words matched against every live participant's names and aliases in
  the vault (case-insensitive, whole words, a longer match wins over a match inside it: "Kari
  Hansen" over the alias "Kari"), plus codes such as ``P07`` (``[participant] patterns``).
  Two different participants -> ``participant_ambiguous``.

A withdrawn participant's names are gone from the vault, so a file named after them is not
recognised (stewards must not re-drop a withdrawn participant's files; see the README).
"""

from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from anonymizer.errors import RulesError
from anonymizer.rulebook import read_rules_file

WAVES_FILE = "waves.toml"
_LABEL = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
_WORD = re.compile(r"[^\W_]+")


class NamingProblem(str, Enum):
    PARTICIPANT_AMBIGUOUS = "participant_ambiguous"
    WAVE_AMBIGUOUS = "wave_ambiguous"


def is_wave_label(label: str) -> bool:
    return bool(_LABEL.fullmatch(label)) and any(c.isdigit() for c in label)


def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(rf"(?<!\w)(?:{pattern})(?!\w)")
    except re.error as exc:
        raise ValueError(f"bad regex ({exc})") from None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WaveRule(_Strict):
    pattern: str
    label: str

    @field_validator("label")
    @classmethod
    def _label_shape(cls, label: str, info: object) -> str:
        pattern = getattr(info, "data", {}).get("pattern")
        if pattern is None:
            return label
        regex = _compile(pattern)
        if "{n}" in label and "n" not in regex.groupindex:
            raise ValueError("label uses {n} but the pattern has no group named n")
        if not is_wave_label(label.replace("{n}", "1")):
            raise ValueError("label must be lower-case letters, digits and '-', with a digit")
        return label


class ParticipantRules(_Strict):
    patterns: list[str]

    @field_validator("patterns")
    @classmethod
    def _group_n(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            if "n" not in _compile(pattern).groupindex:
                raise ValueError("each participant pattern needs a group named n")
        return patterns


class WavesFile(_Strict):
    version: int
    wave: list[WaveRule]
    participant: ParticipantRules


_RUNS = re.compile(r"[^\W\d_]+|\d+")


def phrase_pattern(phrase: str) -> str:
    """A study's wave word as a pattern over ``words_of`` text: whole words; letters and
    digits may be joined or apart ("t3" matches "t3" and "t 3"); a number matches without
    leading zeros too ("t03")."""
    parts = []
    for word in words_of(phrase):
        runs = [re.escape(r) if not r.isdigit() else f"0*{int(r)}" for r in _RUNS.findall(word)]
        parts.append(r"\s?".join(runs))
    return r"(?<!\S)" + r"\s".join(parts) + r"(?!\S)"


def words_of(text: str) -> list[str]:
    """Letters-and-digits words, case-folded: the unit names are matched in."""
    return _WORD.findall(unicodedata.normalize("NFC", text).casefold())


@dataclass(frozen=True)
class NameClues:
    """What a file name says, with the name itself left behind."""

    participant: int | None = None
    wave: str | None = None
    problem: NamingProblem | None = None
    standard: str | None = None  # the written standard the name names ("nynorsk": nn)

    def to_json(self) -> dict[str, object]:
        return {"participant": self.participant, "wave": self.wave,
                "problem": None if self.problem is None else self.problem.value,
                "standard": self.standard}

    @classmethod
    def from_json(cls, value: dict[str, object]) -> NameClues:
        participant, wave, problem = value.get("participant"), value.get("wave"), value.get(
            "problem")
        standard = value.get("standard")
        return cls(
            participant if isinstance(participant, int) else None,
            wave if isinstance(wave, str) and is_wave_label(wave) else None,
            NamingProblem(problem) if isinstance(problem, str) else None,
            standard if isinstance(standard, str) and re.fullmatch(r"[a-z]{2,3}", standard)
            else None,
        )


@dataclass(frozen=True)
class FileNaming:
    waves: tuple[tuple[re.Pattern[str], str], ...]
    participant_codes: tuple[re.Pattern[str], ...]
    digest_source: bytes

    @classmethod
    def load(cls, rules_dir: Path, language: str,
             study_waves: Sequence[tuple[str, Sequence[str]]] = ()) -> FileNaming:
        """The language's rules; ``study_waves`` (label, words), when given, replace its wave
        patterns (the participant codes stay)."""
        naming = cls._load_rules(rules_dir, language)
        if not study_waves:
            return naming
        waves = tuple((_compile(phrase_pattern(word)), label)
                      for label, words in study_waves for word in words)
        listed = json.dumps([[label, list(words)] for label, words in study_waves])
        return cls(waves, naming.participant_codes,
                   naming.digest_source + b"\n# study.waves\n" + listed.encode("utf-8"))

    @classmethod
    def _load_rules(cls, rules_dir: Path, language: str) -> FileNaming:
        path = Path(rules_dir) / language / WAVES_FILE
        raw = read_rules_file(path)
        try:
            document = tomllib.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise RulesError(f"{path}: not valid TOML ({exc})") from None
        try:
            parsed = WavesFile.model_validate(document)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            raise RulesError(f"{path}: {where}: {err['msg']}") from None
        waves = tuple((_compile(rule.pattern), rule.label) for rule in parsed.wave)
        codes = tuple(_compile(p) for p in parsed.participant.patterns)
        return cls(waves, codes, raw)

    def wave_labels(self, stem: str) -> set[str]:
        text = " ".join(words_of(stem))
        labels = set()
        for regex, label in self.waves:
            for match in regex.finditer(text):
                n = match.groupdict().get("n")
                labels.add(label.replace("{n}", str(int(n))) if n is not None else label)
        return labels

    def participant_codes_in(self, stem: str) -> set[int]:
        text = " ".join(words_of(stem))
        found = set()
        for regex in self.participant_codes:
            for match in regex.finditer(text):
                number = int(match.group("n"))
                if number > 0:
                    found.add(number)
        return found

    def clues(self, file_name: str, participants: Iterable[tuple[int, Sequence[str]]]) -> NameClues:
        """Read ``file_name`` (extension dropped) against ``participants`` (number, names)."""
        stem = file_name.rsplit(".", 1)[0] if "." in file_name.lstrip(".") else file_name
        numbers = self.participant_codes_in(stem) | participants_named(stem, participants)
        labels = self.wave_labels(stem)
        problem = None
        if len(numbers) > 1:
            problem = NamingProblem.PARTICIPANT_AMBIGUOUS
        elif len(labels) > 1:
            problem = NamingProblem.WAVE_AMBIGUOUS
        return NameClues(
            next(iter(numbers)) if len(numbers) == 1 else None,
            next(iter(labels)) if len(labels) == 1 else None,
            problem,
        )


def participants_named(stem: str, participants: Iterable[tuple[int, Sequence[str]]]) -> set[int]:
    """Numbers whose name or alias occurs in ``stem`` as whole words; a match inside a longer
    match (of anyone) does not count."""
    words = words_of(stem)
    spans: list[tuple[int, int, int]] = []
    for number, names in participants:
        for name in names:
            target = words_of(name)
            if not target:
                continue
            width = len(target)
            for i in range(len(words) - width + 1):
                if words[i:i + width] == target:
                    spans.append((i, i + width, number))
    kept = {
        number for start, end, number in spans
        if not any(s <= start and end <= e and (e - s) > (end - start) for s, e, _ in spans)
    }
    return kept


def participant_folder(number: int) -> str:
    return f"P{number:02d}"


def released_stem(number: int, wave: str, part: int = 1) -> str:
    """``P07_wave2``; a second, different transcript of the same participant and wave is
    ``P07_wave2_part2`` (never overwritten)."""
    stem = f"{participant_folder(number)}_{wave}"
    return stem if part == 1 else f"{stem}_part{part}"


# P07_wave2_r2, P07_wave2_part2_r3; a wave label has no "_", so "P07_r2" (wave "r2") is not one
_REVISION = re.compile(r"(?P<base>P\d+_[^_]+(?:_part\d+)?)_r(?P<n>\d+)")


def revision_of(stem: str) -> tuple[str, int]:
    """``P07_wave2_r3`` -> (``P07_wave2``, 3); a stem never re-run is revision 1."""
    match = _REVISION.fullmatch(stem)
    return (match["base"], int(match["n"])) if match else (stem, 1)


def revision_stem(base: str, revision: int) -> str:
    """The name of a re-run transcript: ``P07_wave2`` re-run is ``P07_wave2_r2``, then ``_r3``:
    a new name each time, so a rerun never writes over the release it replaces."""
    return base if revision <= 1 else f"{base}_r{revision}"
