"""Rules as data: load and validate everything under ``rules/`` for one language.

Every file is parsed strictly (unknown keys, wrong types, bad regexes and unknown validators are
errors naming the file and the key). A missing file is an error too: there is no silent fallback
to built-in defaults. The digest of every file read goes into release metadata, so a store entry
says exactly which rules produced it.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from anonymizer.errors import RulesError
from anonymizer.findings import EntityKind
from anonymizer.rule_patterns import (
    PRESIDIO_RECOGNIZERS,
    CompiledPattern,
    PatternDef,
    PatternFile,
    PatternRecognizerDef,
    PresidioDef,
    compile_patterns,
)

__all__ = ["PRESIDIO_RECOGNIZERS", "CompiledPattern", "PatternDef", "PatternFile",
           "PatternRecognizerDef", "PresidioDef", "Rulebook", "load_rulebook"]


class Action(str, Enum):
    PSEUDONYM = "pseudonym"
    LABEL = "label"
    GENERALISE = "generalise"
    KEEP = "keep"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EntityPolicy(_Strict):
    action: Action
    min_score: float = Field(0.5, ge=0.0, le=1.0)


class PolicyFile(_Strict):
    version: int
    entities: dict[EntityKind, EntityPolicy]


class LabelSet(_Strict):
    mention: str
    speaker: str | None = None
    generalised: str | None = None


class PronounGrammar(_Strict):
    object_if_next: list[str] = []
    two_object_verbs: list[str] = []
    object_after_verb_if_next: list[str] = []
    independent_if_next: list[str] = []


class PronounFile(_Strict):
    version: int
    forms: dict[str, str]
    words: dict[str, list[str]]
    grammar: PronounGrammar = PronounGrammar()
    # other ways a project may write the forms, e.g. bokmål's neutral "hen"
    styles: dict[str, dict[str, str]] = {}
    # words of the table that are pronouns only in lower case: dialect "a" (she) and "n" (he),
    # while "A" is a letter ("plan A")
    lower_case_only: list[str] = []

    @field_validator("lower_case_only")
    @classmethod
    def _lower_case_listed(cls, listed: list[str], info: Any) -> list[str]:
        for word in listed:
            if word != word.casefold() or word not in info.data.get("words", {}):
                raise ValueError(f"{word!r} must be a lower-case word of [words]")
        return listed

    @field_validator("styles")
    @classmethod
    def _styles_complete(cls, styles: dict[str, dict[str, str]], info: Any
                         ) -> dict[str, dict[str, str]]:
        forms = set(info.data.get("forms", {}))
        for name, table in styles.items():
            if set(table) != forms:
                raise ValueError(f"style {name!r} must give exactly the forms {sorted(forms)}")
        return styles

    @field_validator("words")
    @classmethod
    def _forms_known(cls, words: dict[str, list[str]], info: Any) -> dict[str, list[str]]:
        forms = info.data.get("forms", {})
        for word, word_forms in words.items():
            for form in word_forms:
                if form not in forms:
                    raise ValueError(f"word {word!r} names unknown form {form!r}")
        return words


class TermGroup(_Strict):
    description: str
    default: bool
    terms: dict[str, str]
    drop_before_name: bool = False


class SpeakerFile(_Strict):
    version: int
    max_label_words: int = Field(ge=1, le=8)
    roles: list[str]
    headers: list[str] = []


class NameRules(_Strict):
    version: int
    titles: list[str]
    roles: list[str]
    introducers: list[str]
    vocative_before: list[str]
    particles: list[str]
    not_names: list[str] = []
    # In languages that write common nouns in lower case (bokmål), a capitalised word inside a
    # sentence that is not an ordinary word is taken for a name; elsewhere it is only flagged.
    capitalised_unknown_is_name: bool = False
    # Kinship words that are used like names ("Mommy is so proud"): never dropped as a mere
    # capitalised ordinary word at the start of a sentence.
    kinship_names: list[str] = []
    # Titles that speech-to-text normalisers glue to the name after them ("mrbarroso").
    glued_titles: list[str] = []
    # A place follows these ("moved to Reading", "bor på Lade"): the place reading wins.
    place_before: list[str] = []
    # An organisation follows these ("works at Telenor", "jobber på Rema"), maybe after an
    # article; joiners may stand inside its name ("Bank of Norway").
    workplace_before: list[str] = []
    workplace_articles: list[str] = []
    workplace_joiners: list[str] = []
    # The last words of an institution's name ("royal hospital", "infirmary"): after a place
    # or name found in the text they make it one organisation (detectors/institutions.py).
    # A word before a noun, never before a name ("the", "my"): in lower-case text a word of a
    # name the study knows is that name when it stands bare ("hazel's car", "tom said").
    determiners: list[str] = []
    institution_modifiers: list[str] = []
    institution_heads: list[str] = []
    # Given names and their short forms ("margaret" = ["maggie", "meg"]): one person in the study.
    diminutives: dict[str, list[str]] = {}
    # In lower-case text, drop a model's name made only of ordinary words ("ifrå", "ein annan"):
    # for a model trained on cased text only (the Norwegian one), such names are guesses.
    lower_case_model_needs_unknown_word: bool = False
    # Closed compounds of ordinary words ("voggestokk") are ordinary words in lower-case text
    # (anonymizer/language/compounds.py): the letters that may join the parts, and the last
    # parts of farm, place and street names that keep a compound a name candidate.
    closed_compounds: bool = False
    compound_linkers: list[str] = []
    compound_name_endings: list[str] = []
    # Pronouns spoken as an article before a name ("a Kari", "n Per"): one mention with it.
    pronominal_articles: list[str] = []
    # Another language's name and place lists (rules/<it>/gazetteer) and word scores: nynorsk
    # shares bokmål's. None: this language's own folder.
    gazetteer: str | None = Field(None, pattern=r"^[a-z]{2,3}$")

    @field_validator("diminutives")
    @classmethod
    def _diminutives_lower_case(cls, table: dict[str, list[str]]) -> dict[str, list[str]]:
        for full, shorts in table.items():
            for word in (full, *shorts):
                if word != word.casefold() or not word.replace("-", "").isalpha():
                    raise ValueError(f"diminutive {word!r}: one lower-case word")
            if full in shorts:
                raise ValueError(f"diminutive {full!r} lists itself")
        return table


class RiskTerms(_Strict):
    version: int
    occupations: list[str] = []
    diagnoses: list[str] = []


@dataclass(frozen=True)
class Rulebook:
    language: str
    policy: dict[EntityKind, EntityPolicy]
    labels: dict[str, LabelSet]  # EntityKind value, or PARTICIPANT
    pronoun_forms: dict[str, str]
    pronoun_words: dict[str, tuple[str, ...]]
    pronoun_grammar: PronounGrammar
    pronoun_styles: dict[str, dict[str, str]]
    pronoun_lower_case_only: frozenset[str]
    term_groups: dict[str, TermGroup]
    speaker_roles: frozenset[str]
    names: NameRules
    risk_occupations: tuple[str, ...]
    risk_diagnoses: tuple[str, ...]
    max_label_words: int
    presidio: tuple[PresidioDef, ...]
    patterns: tuple[CompiledPattern, ...]
    allow: frozenset[str]
    directory: Path
    digest: str

    def with_pronoun_style(self, style: str) -> Rulebook:
        """The same rules with the pronoun forms of ``style`` ("slash", or e.g. "neutral")."""
        if style not in self.pronoun_styles:
            raise RulesError(
                f"rewrite.pronoun_style: {style!r} is not offered for {self.language!r} "
                f"(offered: {', '.join(sorted(self.pronoun_styles))})"
            )
        return replace(self, pronoun_forms=dict(self.pronoun_styles[style]))

    @property
    def gazetteer_language(self) -> str:
        """The language whose rules/<lang>/gazetteer and word scores this one uses."""
        return self.names.gazetteer or self.language

    def action(self, kind: EntityKind) -> Action:
        policy = self.policy.get(kind)
        return policy.action if policy else Action.KEEP

    def min_score(self, kind: EntityKind) -> float:
        policy = self.policy.get(kind)
        return policy.min_score if policy else 0.5


M = TypeVar("M", bound=BaseModel)

PARTICIPANT = "PARTICIPANT"  # label key: a person who is an interviewee


def read_rules_file(path: Path) -> bytes:
    """The bytes of one rules file; a missing or unreadable file is a ``RulesError`` naming it."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise RulesError(f"rules file missing: {path}") from None
    except OSError as exc:
        raise RulesError(f"rules file unreadable: {path} ({exc.strerror})") from None


class _Reader:
    """Reads rule files, remembering their bytes for the digest."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.hash = hashlib.sha256()

    def raw(self, relative: str) -> bytes:
        data = read_rules_file(self.root / relative)
        self.hash.update(relative.encode() + b"\0" + data + b"\0")
        return data

    def toml(self, relative: str, model: type[M]) -> M:
        path = self.root / relative
        try:
            document = tomllib.loads(self.raw(relative).decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise RulesError(f"{path}: not valid TOML ({exc})") from None
        try:
            return model.model_validate(document)
        except ValidationError as exc:
            raise RulesError(f"{path}: {_first_error(exc)}") from None

    def words(self, relative: str) -> frozenset[str]:
        text = self.raw(relative).decode("utf-8", errors="strict")
        return frozenset(
            line.strip().casefold()
            for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        )


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "(top level)"
    return f"{where}: {err['msg']} ({len(exc.errors())} error(s))"


def load_rulebook(
    rules_dir: Path, language: str, project_allow: Path | None = None
) -> Rulebook:
    """Load and validate the rules for ``language``; raise RulesError naming what is wrong."""
    if not (rules_dir / language).is_dir():
        raise RulesError(f"no rules for language {language!r} in {rules_dir}")
    reader = _Reader(rules_dir)
    policy = reader.toml("policy.toml", PolicyFile)
    labels: dict[str, LabelSet] = {}
    label_keys = {k.value for k in EntityKind} | {PARTICIPANT}
    for key, value in tomllib.loads(reader.raw(f"{language}/labels.toml").decode()).items():
        if key == "version":
            continue
        if key not in label_keys:
            raise RulesError(f"{rules_dir / language / 'labels.toml'}: unknown kind {key!r}")
        try:
            labels[key] = LabelSet.model_validate(value)
        except ValidationError as exc:
            raise RulesError(
                f"{rules_dir / language / 'labels.toml'}: {key}.{_first_error(exc)}"
            ) from None
    needed = [k.value for k, p in policy.entities.items()
              if p.action in (Action.PSEUDONYM, Action.LABEL)] + [PARTICIPANT]
    missing = [k for k in needed if k not in labels]
    if missing:
        raise RulesError(f"{rules_dir / language / 'labels.toml'}: no label for {missing}")
    pronouns = reader.toml(f"{language}/pronouns.toml", PronounFile)
    terms_doc = tomllib.loads(reader.raw(f"{language}/gendered_terms.toml").decode())
    term_groups: dict[str, TermGroup] = {}
    for key, value in terms_doc.items():
        if key == "version":
            continue
        try:
            term_groups[key] = TermGroup.model_validate(value)
        except ValidationError as exc:
            raise RulesError(
                f"{rules_dir / language / 'gendered_terms.toml'}: {key}.{_first_error(exc)}"
            ) from None
    speakers = reader.toml(f"{language}/speakers.toml", SpeakerFile)
    names = reader.toml(f"{language}/names.toml", NameRules)
    risk = reader.toml(f"{language}/risk_terms.toml", RiskTerms)
    common = reader.toml("common/patterns.toml", PatternFile)
    local = reader.toml(f"{language}/patterns.toml", PatternFile)
    allow = reader.words(f"{language}/allow.txt")
    if project_allow is not None:
        allow |= _Reader(project_allow.parent).words(project_allow.name)
    return Rulebook(
        language=language,
        policy=dict(policy.entities),
        labels=labels,
        pronoun_forms=dict(pronouns.forms),
        pronoun_words={w.casefold(): tuple(f) for w, f in pronouns.words.items()},
        pronoun_grammar=pronouns.grammar,
        pronoun_styles={"slash": dict(pronouns.forms), **pronouns.styles},
        pronoun_lower_case_only=frozenset(pronouns.lower_case_only),
        term_groups=term_groups,
        speaker_roles=frozenset(r.casefold() for r in speakers.roles + speakers.headers),
        names=names,
        risk_occupations=tuple(risk.occupations),
        risk_diagnoses=tuple(risk.diagnoses),
        max_label_words=speakers.max_label_words,
        presidio=tuple(common.presidio + local.presidio),
        patterns=compile_patterns([(rules_dir / "common" / "patterns.toml", common),
                           (rules_dir / language / "patterns.toml", local)]),
        allow=allow,
        directory=rules_dir,
        digest=reader.hash.hexdigest(),
    )


def default_rules_dir() -> Path:
    """The rules shipped next to the package (a checkout or an editable install)."""
    return Path(__file__).resolve().parent.parent / "rules"
