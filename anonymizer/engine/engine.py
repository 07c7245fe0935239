"""The anonymization engine: one transcript's text in, findings or clean text out.

Stages, each small and passing one ``Analysis`` record along:

    parse (spaCy, once) -> detect -> accept -> propagate -> settle -> resolve -> rewrite -> verify

``scan`` stops before the text changes (findings only, the steward's dry run and the measuring
contract); ``anonymize`` goes on to rewrite and verify. Both share everything up to that point, so
``scan`` reports exactly the decisions ``anonymize`` applies.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from spacy.tokens import Token

from anonymizer.detectors import DetectionInput, DetectorKit
from anonymizer.detectors import registry as detector_registry
from anonymizer.detectors.gendered import GenderedDetector, active_terms
from anonymizer.detectors.names import NameDetector, WordFrequency
from anonymizer.detectors.number_runs import names_around_numbers
from anonymizer.detectors.presidio import PresidioDetector
from anonymizer.detectors.roster import RosterMatcher
from anonymizer.detectors.speakers import parse_turns
from anonymizer.detectors.study_people import study_people
from anonymizer.engine.articles import absorb_articles, without_articles
from anonymizer.engine.consistency import name_index, propagate
from anonymizer.engine.labels import outside, own_output_pattern
from anonymizer.engine.model_spans import split_at_inner_words, without_trailing_verbs
from anonymizer.engine.ordinary import OrdinaryWords
from anonymizer.engine.people import first_name_before_name, given_name_before_surname
from anonymizer.engine.resolve import (
    Resolver,
    accept,
    attach_titles,
    settle_overlaps,
    split_at_line_breaks,
    with_stutters,
)
from anonymizer.engine.resources import load_gazetteer, load_lexicon
from anonymizer.engine.rewrite import Rewriter, Rewritten
from anonymizer.engine.risk import RiskScanner, Spans
from anonymizer.engine.study_names import study_names
from anonymizer.engine.verify import find_leaks, pronoun_pattern, raise_if_leaks
from anonymizer.errors import AnonymizerError, InternalError
from anonymizer.findings import CONTACT_KINDS, EntityKind, Finding, Flag, Replacement
from anonymizer.keys.keystore import (
    Identity,
    InMemoryKeyStore,
    KeyStore,
    OverlayKeyStore,
)
from anonymizer.language.diminutives import Diminutives
from anonymizer.language.gazetteer import Kind
from anonymizer.language.nlp import AnalysedChunk, NlpPipeline
from anonymizer.rulebook import Rulebook, default_rules_dir, load_rulebook
from anonymizer.settings import Settings


@dataclass
class Analysis:
    """One transcript on its way through the stages."""

    text: str
    chunks: list[AnalysedChunk]
    keystore: KeyStore
    lower_case: bool = False
    table_lines: frozenset[int] = frozenset()  # lines that are table rows: never turns
    findings: list[Finding] = field(default_factory=list)
    accepted: list[Finding] = field(default_factory=list)
    kept: list[Finding] = field(default_factory=list)
    replacements: list[Replacement] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    people_flags: list[Flag] = field(default_factory=list)


@dataclass(frozen=True)
class Scan:
    replacements: tuple[Replacement, ...]
    kept: tuple[Finding, ...]
    flags: tuple[Flag, ...]

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(r.entity.value for r in self.replacements))

    @property
    def participants(self) -> tuple[int, ...]:
        return tuple(sorted({r.identity for r in self.replacements
                             if r.participant and r.identity is not None}))


@dataclass(frozen=True)
class Outcome:
    clean_text: str
    scan: Scan
    rewritten: Rewritten


D = TypeVar("D")


def _one(detectors: Iterable[object], kind: type[D]) -> D:
    return next(d for d in detectors if isinstance(d, kind))


def is_lower_case(text: str) -> bool:
    """Speech-to-text style: (almost) no capital letters at all."""
    letters = sum(map(str.isalpha, text))
    return letters > 0 and sum(map(str.isupper, text)) <= letters * 0.002


class Engine:
    def __init__(self, settings: Settings, rulebook: Rulebook, pipeline: NlpPipeline,
                 keystore: KeyStore) -> None:
        self.settings = settings
        self.rulebook = rulebook
        self.pipeline = pipeline
        self.keystore = keystore
        self.terms = active_terms(rulebook, settings.rewrite.gendered_groups)
        self.term_words = frozenset(w.rstrip(".") for w in self.terms)
        self.kinship_names = frozenset(rulebook.names.kinship_names)
        self.particles = frozenset(rulebook.names.particles)
        # function words no name has inside ("Ilkley with Ruby" is two): not the joiners of
        # "Bank of England", the particles of "van Gogh" or an article
        names = rulebook.names
        self.breaks = frozenset(w.casefold() for w in pipeline.nlp.Defaults.stop_words) - {
            *names.workplace_joiners, *names.particles, *names.workplace_articles}
        self.articles = frozenset(rulebook.names.pronominal_articles)
        titles = rulebook.term_groups.get("titles")
        self.titles = frozenset(t.casefold() for t in titles.terms) if titles else frozenset()
        self.stop_words = frozenset(w.casefold() for w in pipeline.nlp.Defaults.stop_words)
        # never a given name before a surname: function words, and the words that introduce a
        # name ("my son Craig", "Dr Craig")
        self.not_given = self.stop_words | {p.split()[-1] for p in names.introducers} | {
            w.casefold() for w in (*names.roles, *names.titles)}
        self.words: WordFrequency = load_lexicon(rulebook)
        self.gazetteer = load_gazetteer(rulebook) if settings.detection.gazetteers else None
        self.detectors = detector_registry.build_detectors(DetectorKit(
            rulebook, settings, pipeline, self.words, self.stop_words, self.titles,
            self.gazetteer))
        # the detectors with a second role: verification patterns, the pronoun list, tagging
        self.presidio = _one(self.detectors, PresidioDetector)
        self.gendered = _one(self.detectors, GenderedDetector)
        self.roster_matcher = _one(self.detectors, RosterMatcher)
        self.names = next((d for d in self.detectors if isinstance(d, NameDetector)), None)
        # "Dr Mehta" is Mehta: every title of names.toml, not only the gendered ones, is left
        # out of the words a mention is tied to a person by
        person_titles = self.titles | {t.casefold() for t in rulebook.names.titles}
        self.resolver = Resolver(rulebook, keystore, settings.pseudonyms.unknown_speaker,
                                 self.terms, frozenset(person_titles),
                                 Diminutives.of(rulebook.names.diminutives), self.first_name)
        self.rewriter = Rewriter()
        self.pronouns = pronoun_pattern(self.gendered.words, self.gendered.lower_case_only)
        self.own_output = own_output_pattern(rulebook, (r for r, _ in self.terms.values()))
        self.risk = RiskScanner(rulebook, self.words, self.stop_words)
        self.ordinary = OrdinaryWords(self.words, self.stop_words, self.gazetteer,
                                      self.kinship_names)

    @classmethod
    def from_settings(cls, settings: Settings, *, language: str | None = None,
                      keystore: KeyStore | None = None,
                      pipelines: dict[tuple[object, ...], NlpPipeline] | None = None) -> Engine:
        """``pipelines``: loaded pipelines to share, by ``pipeline_key`` (a batch's studies on
        one model load it once); the one this engine loads is added to it."""
        language = language or settings.project.language
        rules_dir = settings.rules.dir or default_rules_dir()
        rulebook = load_rulebook(rules_dir, language, settings.rules.project_allow)
        rulebook = rulebook.with_pronoun_style(settings.rewrite.pronoun_style)
        key = pipeline_key(settings, language)
        pipeline = pipelines.get(key) if pipelines is not None else None
        if pipeline is None:
            pipeline = NlpPipeline(
                settings.model_name(language), language,
                max_chunk_chars=settings.nlp.max_chunk_chars,
                batch_size=settings.nlp.batch_size, batch_chars=settings.nlp.batch_chars,
                workers=settings.nlp.workers)
        if pipelines is not None:
            pipelines[key] = pipeline
        return cls(settings, rulebook, pipeline, keystore or InMemoryKeyStore())

    def using(self, keystore: KeyStore) -> Engine:
        """This engine (model, rules and detectors shared) numbering through another key store:
        what a batch worker runs each transcript with (a copy of the study's key)."""
        twin = copy.copy(self)
        twin.keystore = keystore
        return twin

    def first_name(self, word: str) -> bool:
        """Whether the gazetteer lists ``word`` as a given name."""
        return self.gazetteer is not None and Kind.FIRST_NAME in self.gazetteer.kinds_of(word)

    def ordinary_word(self, word: str) -> bool:
        return self.words.zipf(word) > 0

    def surname(self, word: str) -> bool:
        return self.gazetteer is not None and Kind.SURNAME in self.gazetteer.kinds_of(word)

    def _tags_needed(self, tokens: Sequence[Token]) -> set[int]:
        """The tokens of a chunk whose part-of-speech tags some detector reads."""
        needed = set(self.gendered.tags_needed(tokens))
        if self.names is not None:
            needed.update(self.names.tags_needed(tokens))
        return needed

    def roster(self) -> list[Identity]:
        return [i for i in self.keystore.identities() if i.registered]

    # -- stages ---------------------------------------------------------------------------

    def _detect(self, doc: Analysis) -> None:
        turns = parse_turns(doc.text, self.rulebook.speaker_roles, self.rulebook.max_label_words,
                            lower_case=doc.lower_case, particles=self.particles,
                            skip_lines=doc.table_lines)
        source = DetectionInput(doc.text, doc.chunks, turns, self.roster(), doc.lower_case,
                                study=study_people(doc.keystore.identities()))
        found: list[Finding] = []
        for detector in self.detectors:
            found += detector.find(replace(source, earlier=tuple(found)))
        found = [f for f in found if not self.ordinary.at_sentence_start(doc.text, f)]
        if doc.lower_case and self.rulebook.names.lower_case_model_needs_unknown_word:
            found = [f for f in found if not self.ordinary.in_lower_case(doc.text, f)]
        found = names_around_numbers(doc.text, found)  # a number is its own finding
        # Role and header labels ("Interviewer:", "Setting:") are kept as they are: nothing
        # may claim them.
        roles = Spans((t.label_start, t.label_end) for t in turns if t.is_role)
        found = [f for f in found if not roles.overlaps(f.start, f.end)]
        doc.findings = outside(self.own_output, doc.text, found)
        doc.findings += self.gendered.detect_neutral(doc.text)

    def _accept(self, doc: Analysis) -> None:
        doc.accepted, doc.kept = accept(doc.text, doc.findings, self.rulebook,
                                        cased=not doc.lower_case, terms=self.term_words,
                                        stop_words=self.stop_words)
        # the names in the model's spans, before each is looked for again in the transcript
        doc.accepted = given_name_before_surname(
            doc.text, without_trailing_verbs(doc.text, doc.accepted, doc.chunks,
                                             self.ordinary_word),
            self.first_name, self.surname, self.not_given) \
            if doc.lower_case else split_at_inner_words(doc.text, doc.accepted, self.breaks)
        doc.accepted += propagate(
            doc.text, doc.accepted, capitalised_only=not doc.lower_case,
            stop_words=self.stop_words | self.titles, allow=self.rulebook.allow,
        )
        doc.accepted += study_names(doc.text, doc.accepted, doc.keystore.identities(),
                                    capitalised_only=not doc.lower_case)

    def _settle(self, doc: Analysis) -> None:
        settled = first_name_before_name(
            doc.text, settle_overlaps(with_stutters(doc.text, f) for f in doc.accepted),
            self.first_name, self.surname)
        doc.accepted = split_at_line_breaks(doc.text, attach_titles(doc.text, settled,
                                                                    self.titles))

    def _resolve(self, doc: Analysis) -> None:
        resolver = replace(self.resolver, keystore=doc.keystore)
        named = without_articles(doc.text, doc.accepted, self.articles)
        resolution = resolver.resolve(doc.text, named)
        doc.replacements = absorb_articles(doc.text, resolution.replacements, self.articles)
        doc.people_flags = resolution.flags

    def _flag(self, doc: Analysis) -> None:
        flags = self.risk.flags(doc.text, doc.chunks, doc.replacements, doc.kept)
        doc.flags = sorted([*flags, *doc.people_flags], key=lambda f: (f.start, f.end))

    def _run_stages(self, doc: Analysis) -> Scan:
        for stage in (self._detect, self._accept, self._settle, self._resolve, self._flag):
            stage(doc)
        return Scan(tuple(doc.replacements), tuple(doc.kept), tuple(doc.flags))

    # -- public ---------------------------------------------------------------------------

    def scan_many(self, texts: Iterable[str], *, dry_run: bool = True,
                  table_lines: Sequence[frozenset[int]] | None = None,
                  ) -> Iterator[tuple[str, Scan]]:
        """Findings for each text. A dry run assigns numbers in a scratch overlay, per text:
        the key store is not changed, and no text's findings leak into the next one's."""
        pending = list(texts)
        tables = table_lines or [frozenset()] * len(pending)
        parsed = self.pipeline.analyse_many(pending, tags_for=self._tags_needed)
        for text, chunks, table in zip(pending, parsed, tables, strict=True):
            keystore = OverlayKeyStore(self.keystore) if dry_run else self.keystore
            doc = Analysis(text, chunks, keystore, is_lower_case(text), table)
            yield text, self._run_stages(doc)

    def scan(self, text: str, *, dry_run: bool = True,
             table_lines: frozenset[int] = frozenset()) -> Scan:
        return next(self.scan_many([text], dry_run=dry_run, table_lines=[table_lines]))[1]

    def anonymize(self, text: str, *, where: str = "transcript",
                  table_lines: frozenset[int] = frozenset()) -> Outcome:
        """Clean text, verified; raises VerificationError (fail closed) when anything remains.

        A key store that can batch (the vault) gets one write per transcript, committed only
        when the transcript verified: a refused transcript burns no numbers."""
        outcome = next(self.anonymize_many([text], wheres=[where], table_lines=[table_lines]))
        if isinstance(outcome, AnonymizerError):
            raise outcome
        return outcome

    def anonymize_many(self, texts: Sequence[str], *, wheres: Sequence[str] | None = None,
                       table_lines: Sequence[frozenset[int]] | None = None,
                       ) -> Iterator[Outcome | AnonymizerError]:
        """``anonymize`` for several transcripts, parsed in one spaCy stream (faster than one
        call each); yields, in order, each one's Outcome or the error that refused it. Each
        transcript is still resolved, verified and committed to the key store on its own."""
        wheres = wheres or ["transcript"] * len(texts)
        tables = table_lines or [frozenset()] * len(texts)
        parsed = self.parse(texts)
        for text, where, chunks, table in zip(texts, wheres, parsed, tables, strict=True):
            yield self.anonymize_parsed(text, chunks, where=where, table_lines=table)

    def parse(self, texts: Sequence[str]) -> Iterator[list[AnalysedChunk]]:
        """The spaCy pass, each text's chunks in order: what does not depend on the key store
        (a batch worker keeps it, to finish the transcript again with a newer key)."""
        return self.pipeline.analyse_many(texts, tags_for=self._tags_needed)

    def anonymize_parsed(self, text: str, chunks: list[AnalysedChunk], *,
                         where: str = "transcript", table_lines: frozenset[int] = frozenset(),
                         ) -> Outcome | AnonymizerError:
        """Every stage after the parse, for one transcript: its Outcome or what refused it."""
        try:
            with self.keystore.batch():
                # the roster detection saw: a name this transcript registers (a speaker label
                # numbered as a participant) is checked as what it replaced, like every
                # detected string, not as a roster name it was never matched against
                roster = self.roster()
                doc = Analysis(text, chunks, self.keystore, is_lower_case(text), table_lines)
                scan = self._run_stages(doc)
                rewritten = self.rewriter.apply(text, scan.replacements)
                self.verify(text, scan, rewritten.text, where=where, roster=roster)
        except AnonymizerError as refused:
            return refused
        except Exception as error:  # noqa: BLE001 - one transcript's bug fails it alone
            return InternalError.of(where, error)
        return Outcome(rewritten.text, scan, rewritten)

    def verify(self, text: str, scan: Scan, clean: str, *, where: str = "transcript",
               roster: Sequence[Identity] | None = None) -> None:
        detected = name_index(
            ((text[r.start:r.end], r.entity) for r in scan.replacements),
            stop_words=self.stop_words | self.titles, allow=self.rulebook.allow,
        )
        known = self.roster_matcher.detector(
            list(roster) if roster is not None else self.roster()).index
        min_score = self.rulebook.min_score
        leaks = find_leaks(
            clean, roster=known, detected=detected,
            capitalised_only=not is_lower_case(text),
            patterns=lambda t: [f for f in self.presidio.detect_patterns(t, CONTACT_KINDS)
                                if f.score >= min_score(f.entity)],
            pronouns=self.pronouns, own_output=self.own_output,
        )
        raise_if_leaks(leaks, where)

    @property
    def model_description(self) -> str:
        return f"{self.pipeline.model_name} {self.pipeline.model_version}"

    @property
    def rules_digest(self) -> str:
        return self.rulebook.digest

    @property
    def language(self) -> str:
        return self.rulebook.language

    def rules_dir(self) -> Path:
        return self.rulebook.directory


__all__ = ["Engine", "Scan", "Outcome", "EntityKind"]


def pipeline_key(settings: Settings, language: str) -> tuple[object, ...]:
    """What an ``NlpPipeline`` is built from: engines with the same key can share one (it is
    read-only once loaded)."""
    nlp = settings.nlp
    return (settings.model_name(language), language, nlp.max_chunk_chars, nlp.batch_size,
            nlp.batch_chars, nlp.workers)
