"""Presidio's AnalyzerEngine over our spaCy parse: NER plus the recognizers named in rules/.

Rules pick Presidio's predefined recognizers by class name and add regex recognizers with
validators (``RulePatternRecognizer``). Presidio's entity names are mapped to ours here and
nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerResult
from presidio_analyzer import predefined_recognizers as predefined
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.recognizer_registry import RecognizerRegistry

from anonymizer.detectors import file_names
from anonymizer.detectors.file_names import file_name_span
from anonymizer.detectors.number_runs import (
    PHONE_MAX_DIGITS,
    digit_count,
    digit_run,
    number_shaped,
)
from anonymizer.errors import RulesError
from anonymizer.findings import EntityKind, Finding
from anonymizer.language.nlp import AnalysedChunk, NlpPipeline
from anonymizer.rulebook import PRESIDIO_RECOGNIZERS, CompiledPattern, Rulebook
from anonymizer.validators import VALIDATORS, looks_like_date

if TYPE_CHECKING:
    from anonymizer.detectors import DetectionInput, DetectorKit

_NER_KINDS = {
    "PERSON": EntityKind.PERSON,
    "LOCATION": EntityKind.LOCATION,
    "ORGANIZATION": EntityKind.ORGANISATION,
}
_PREDEFINED_ENTITY = PRESIDIO_RECOGNIZERS
_NUMBER_KINDS = frozenset({EntityKind.PHONE, EntityKind.ID_NUMBER})


class _NoContextWords(ContextAwareEnhancer):
    """Presidio's lemma-based context boost needs a lemmatizer we do not run; our patterns
    carry their own scores. Skipping it saves a third of the analyzer's time."""

    def __init__(self) -> None:
        super().__init__(context_similarity_factor=0, min_score_with_context_similarity=0,
                         context_prefix_count=0, context_suffix_count=0)

    def enhance_using_context(self, text: str, raw_results: list[RecognizerResult],
                              nlp_artifacts: NlpArtifacts, recognizers: list[EntityRecognizer],
                              context: list[str] | None = None) -> list[RecognizerResult]:
        return raw_results


# Where a phone number can be at all: a run of digits with separators, six digits or more.
_DIGIT_RUN = re.compile(r"[+(]?\d[\d \t().\-/]{4,}\d")


# Pattern recognizers never read the NLP artifacts; Presidio itself passes None for them, though
# its signatures ask for NlpArtifacts.
NO_NLP = cast(NlpArtifacts, None)


class DigitRunPhoneRecognizer(predefined.PhoneRecognizer):
    """Presidio's phonenumbers-based recognizer, asked only about runs of digits.

    The phonenumbers matcher tries every candidate substring of the whole text; giving it only
    the runs that could hold a number finds the same numbers in a fraction of the time."""

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        results = []
        for run in _DIGIT_RUN.finditer(text):
            start = max(0, run.start() - 4)  # "+47 " or "tlf " may sit just before the run
            window = text[start:run.end() + 1]
            for result in super().analyze(window, entities, NO_NLP):
                result.start += start
                result.end += start
                results.append(result)
        return results


class _NerRecognizer(predefined.SpacyRecognizer):
    """Presidio's spaCy recognizer without the per-entity explanation object: the analyzer
    drops it again (we never ask for the decision process), and building it cost as much as
    everything else the recognizer does."""

    def build_explanation(self, original_score: float, explanation: str) -> None:  # type: ignore[override]
        return None


class RulePatternRecognizer(EntityRecognizer):
    """Regexes from a rules file; a match counts only when its validator accepts it."""

    def __init__(self, name: str, entity: EntityKind, patterns: list[CompiledPattern],
                 language: str) -> None:
        self.patterns = patterns
        self.rule_name = f"pattern:{name}"
        first = patterns[0].recognizer
        self.score = first.score
        self.group = first.group
        self.validator = VALIDATORS[first.validator] if first.validator else None
        self.invalid_score = first.invalid_score
        super().__init__([entity.value], name=self.rule_name, supported_language=language,
                         context=list(first.context))

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        results = []
        lines = _line_spans(text)
        for pattern in self.patterns:
            # One line at a time: a pattern never spans a line or turn break ("... in 1998" /
            # "Green Lane ..." is not one street address). ``\b`` and look-behinds still see
            # the character before the line.
            for match in (m for start, end in lines
                          for m in pattern.regex.finditer(text, start, end)):
                score, name = self.score, self.rule_name
                checked = match.group(self.group) if self.group else match.group(0)
                if self.validator and not self.validator(checked or ""):
                    if self.invalid_score is None:
                        continue
                    score, name = self.invalid_score, f"{self.rule_name}/unchecked"
                start, end = match.span(self.group) if self.group else match.span()
                if start < 0 or end <= start:
                    continue
                results.append(RecognizerResult(
                    self.supported_entities[0], start, end, score,
                    recognition_metadata={
                        RecognizerResult.RECOGNIZER_NAME_KEY: name,
                        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    },
                ))
        return results


def _line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line of ``text``, without its line break."""
    spans, start = [], 0
    end = text.find("\n")
    while end >= 0:
        spans.append((start, end))
        start, end = end + 1, text.find("\n", end + 1)
    spans.append((start, len(text)))
    return spans


# A cheap test a text must pass before a predefined recognizer's regexes are worth running.
_LONG_NUMBER = re.compile(r"\d[\d \t-]{10,}\d")
_DOMAIN_LIKE = re.compile(r"[\w-]\.[^\W\d_]{2,}|://|www\.", re.IGNORECASE)
_GATES = {
    "CreditCardRecognizer": lambda text: _LONG_NUMBER.search(text) is not None,
    "IbanRecognizer": lambda text: _LONG_NUMBER.search(text) is not None,
}
# Addresses hold no whitespace, so these recognizers only need to read the unbroken run of
# characters around a cheap hint. Presidio's URL regex takes ~0.1 s on a page of dialogue
# that merely contains "r.Salty"; on the run around the hint it takes microseconds.
_WINDOW_HINTS = {
    "EmailRecognizer": re.compile("@"),
    "UrlRecognizer": _DOMAIN_LIKE,
}
_UNBROKEN = re.compile(r"\S+")
_WARM_UP = "post@example.no www.example.no 4111 1111 1111 1111 NO93 8601 1117 947"


def unbroken_runs(text: str, hint: re.Pattern[str]) -> list[tuple[int, int]]:
    """The whitespace-free stretches of ``text`` that contain a match of ``hint``."""
    runs: list[tuple[int, int]] = []
    for m in hint.finditer(text):
        if runs and m.start() < runs[-1][1]:
            continue
        start = m.start()
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        run = _UNBROKEN.match(text, start)
        runs.append((start, max(run.end() if run else start, m.end())))
    return runs


def _gated(cls: type[EntityRecognizer], gate: Callable[[str], bool]) -> type[EntityRecognizer]:
    """``cls`` that answers at once, with nothing, for a text that fails ``gate``."""

    class Gated(cls):  # type: ignore[valid-type, misc]
        def analyze(self, text: str, entities: list[str],
                    nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
            return super().analyze(text, entities, nlp_artifacts) if gate(text) else []

    Gated.__name__ = cls.__name__
    return Gated


def _windowed(cls: type[EntityRecognizer], hint: re.Pattern[str]) -> type[EntityRecognizer]:
    """``cls`` run only on the unbroken runs around ``hint``, its offsets mapped back."""

    class Windowed(cls):  # type: ignore[valid-type, misc]
        def analyze(self, text: str, entities: list[str],
                    nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
            results = []
            for start, end in unbroken_runs(text, hint):
                for result in super().analyze(text[start:end], entities, None):
                    result.start += start
                    result.end += start
                    results.append(result)
            return results

    Windowed.__name__ = cls.__name__
    return Windowed


def build_recognizers(rulebook: Rulebook) -> tuple[list[EntityRecognizer], dict[str, EntityKind]]:
    """The recognizers the rules ask for, and how their entity names map to our kinds."""
    language = rulebook.language
    recognizers: list[EntityRecognizer] = []
    kinds: dict[str, EntityKind] = {}
    for definition in rulebook.presidio:
        cls = DigitRunPhoneRecognizer if definition.class_ == "PhoneRecognizer" else \
            getattr(predefined, definition.class_, None)
        if cls is not None and definition.class_ in _GATES:
            cls = _gated(cls, _GATES[definition.class_])
        if cls is not None and definition.class_ in _WINDOW_HINTS:
            cls = _windowed(cls, _WINDOW_HINTS[definition.class_])
        if cls is None or definition.class_ not in _PREDEFINED_ENTITY:
            raise RulesError(
                f"patterns: Presidio recognizer {definition.class_!r} is not supported "
                f"(supported: {', '.join(sorted(_PREDEFINED_ENTITY))})"
            )
        kwargs: dict[str, Any] = {"supported_language": language}
        if definition.regions:
            kwargs["supported_regions"] = definition.regions
        recognizers.append(cls(**kwargs))
        kinds[_PREDEFINED_ENTITY[definition.class_]] = definition.entity
    by_name: dict[str, list[CompiledPattern]] = {}
    for compiled in rulebook.patterns:
        by_name.setdefault(compiled.recognizer.name, []).append(compiled)
    for name, compiled_list in by_name.items():
        entity = compiled_list[0].recognizer.entity
        recognizers.append(RulePatternRecognizer(name, entity, compiled_list, language))
        kinds[entity.value] = entity
    return recognizers, kinds


class PresidioDetector:
    """NER and pattern findings for one transcript, from the shared spaCy parse."""

    def __init__(self, rulebook: Rulebook, pipeline: NlpPipeline) -> None:
        pattern_recognizers, kinds = build_recognizers(rulebook)
        self.pattern_recognizers = pattern_recognizers
        self.kinds = {**kinds, **_NER_KINDS}
        ner = _NerRecognizer(
            supported_language=rulebook.language, supported_entities=list(_NER_KINDS),
            name="spacy_ner",
        )
        registry = RecognizerRegistry(
            recognizers=[ner, *pattern_recognizers], supported_languages=[rulebook.language]
        )
        self.language = rulebook.language
        self.analyzer = AnalyzerEngine(
            registry=registry, nlp_engine=pipeline.engine,
            supported_languages=[rulebook.language], context_aware_enhancer=_NoContextWords(),
        )
        self.entities = sorted(self.kinds)
        # Presidio compiles a recognizer's regexes on first use; its URL regex alone takes
        # 0.1 s. Do it at load time, not inside the first transcript a steward waits for.
        for recognizer in pattern_recognizers:
            recognizer.analyze(_WARM_UP, recognizer.supported_entities, NO_NLP)

    def find(self, source: DetectionInput) -> list[Finding]:
        return self.detect(source.chunks)

    def detect(self, chunks: Iterable[AnalysedChunk]) -> list[Finding]:
        findings = []
        for chunk in chunks:
            results = self.analyzer.analyze(
                chunk.text, self.language, entities=self.entities,
                nlp_artifacts=chunk.artifacts,
            )
            findings.extend(self._to_findings(results, chunk.offset, chunk.text))
        return findings

    def detect_patterns(self, text: str, kinds: frozenset[EntityKind]) -> list[Finding]:
        """Pattern recognizers only, without NLP: used to re-check clean text."""
        found: list[Finding] = []
        for recognizer in self.pattern_recognizers:
            wanted = [e for e in recognizer.supported_entities if self.kinds.get(e) in kinds]
            if wanted:
                found.extend(self._to_findings(recognizer.analyze(text, wanted, NO_NLP), 0, text))
        # a file name answers the URL recognizer but is its own kind (kept where policy says)
        return [f for f in found if f.entity in kinds]

    def _to_findings(self, results: list[RecognizerResult], offset: int, text: str
                     ) -> list[Finding]:
        out = []
        for result in results:
            kind = self.kinds.get(result.entity_type)
            if kind is None:
                continue
            detector = (result.recognition_metadata or {}).get(
                RecognizerResult.RECOGNIZER_NAME_KEY, "presidio"
            )
            start, end = result.start, result.end
            if kind is EntityKind.PHONE and looks_like_date(text[start:end]):
                continue  # "2013-06-15" is a valid number in some numbering plan, and a date
            if kind in _NUMBER_KINDS and number_shaped(text[start:end]):
                start, end = digit_run(text, start, end)  # a number whole, never in parts
                if kind is EntityKind.PHONE and digit_count(text[start:end]) > PHONE_MAX_DIGITS:
                    kind = EntityKind.ID_NUMBER
            if kind is EntityKind.URL and (named := file_name_span(text, start, end)):
                (start, end), kind, detector = named, EntityKind.FILE_NAME, file_names.DETECTOR
            out.append(Finding(start + offset, end + offset, kind, str(detector),
                               round(float(result.score), 3)))
        return out


def build(kit: DetectorKit) -> PresidioDetector:
    return PresidioDetector(kit.rulebook, kit.pipeline)
