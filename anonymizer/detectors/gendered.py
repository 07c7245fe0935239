"""Gendered pronouns and gendered words, found on the spaCy parse.

The replacement form follows the grammar, not the word: "her" is a possessive determiner when it
governs a noun ("her book" -> his/her) and an object otherwise ("I told her" -> him/her); "his"
standing alone ("the book is his") is a possessive pronoun (-> his/hers). The tables are data in
rules/<lang>/pronouns.toml and gendered_terms.toml.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from spacy.tokens import Token

from anonymizer.engine.verify import pronoun_pattern
from anonymizer.findings import EntityKind, Finding
from anonymizer.language.nlp import AnalysedChunk
from anonymizer.language.phrases import PhraseIndex
from anonymizer.rulebook import Rulebook

if TYPE_CHECKING:
    from anonymizer.detectors import DetectionInput, DetectorKit

DETERMINER = "possessive_determiner"
OBJECT = "object"
# Penn tags of words a possessive determiner stands before: nouns, adjectives, numbers and
# gerunds ("his entering the world").
_POSSESSED = ("NN", "JJ", "CD", "VBG")


def _next_word(token: Token) -> Token | None:
    """The word after ``token``, looking past opening quotes (his "autobiography")."""
    doc = token.doc
    i = token.i + 1
    while i < len(doc) and doc[i].is_quote and i + 1 < len(doc) and not doc[i + 1].is_punct:
        i += 1
    return doc[i] if i < len(doc) else None


def _ends_phrase(following: Token | None) -> bool:
    """Nothing possessed can follow: end of text or punctuation."""
    return following is None or following.is_punct


def _is_possessed(following: Token | None) -> bool:
    if following is None:
        return False
    if following.tag_:
        return following.tag_.startswith(_POSSESSED)
    return following.is_alpha  # no tagger: any word may be the thing possessed


@dataclass(frozen=True)
class ObjectCues:
    """Word cues for ambiguous pronouns, from rules data: when "her" is an object although a
    tagger would call it possessive, and when "his" stands alone."""

    next_words: frozenset[str] = frozenset()
    verbs: frozenset[str] = frozenset()
    after_verb_next: frozenset[str] = frozenset()
    independent_next: frozenset[str] = frozenset()

    @classmethod
    def from_rules(cls, rulebook: Rulebook) -> ObjectCues:
        g = rulebook.pronoun_grammar
        return cls(frozenset(g.object_if_next), frozenset(g.two_object_verbs),
                   frozenset(g.object_after_verb_if_next), frozenset(g.independent_if_next))

    def says_object(self, token: Token, following: Token | None) -> bool:
        if _ends_phrase(following):
            return True
        assert following is not None
        if following.lower_ in self.next_words:
            return True
        previous = token.doc[token.i - 1].lower_ if token.i > 0 else ""
        return previous in self.verbs and (
            following.tag_ in ("NNS", "NNPS", "CD", "DT", "PDT")
            or following.lower_ in self.after_verb_next
        )


def choose_form(token: Token, forms: tuple[str, ...], cues: ObjectCues = ObjectCues()) -> str:
    """The grammatical form of an ambiguous pronoun, from the tagger (and parser if present).

    "her": object or possessive determiner — the tagger's PRP/PRP$ decides, corrected by the
    cues in rules (two-object verbs, words that cannot follow a determiner). "his": determiner
    or possessive pronoun — it is a determiner only when something possessed follows.
    """
    if len(forms) == 1 or DETERMINER not in forms:
        return forms[0]
    other = next(f for f in forms if f != DETERMINER)
    following = _next_word(token)
    if other == OBJECT:
        if cues.says_object(token, following):
            return OBJECT
        if token.dep_ == "poss" or token.tag_ == "PRP$":
            return DETERMINER
        if token.tag_ or token.dep_:
            return OBJECT
        return DETERMINER if _is_possessed(following) else OBJECT
    if _ends_phrase(following):
        return other
    assert following is not None
    return other if following.lower_ in cues.independent_next else DETERMINER


def _alternation_key(phrase: str) -> frozenset[str]:
    return frozenset(re.split(r"\s*/\s*|\s+or\s+", phrase.casefold()))


def _neutral_pattern(rulebook: Rulebook) -> tuple[re.Pattern[str] | None, dict]:
    """"he/she", "he or she", "she or he" ... for every slash form in the pronoun table."""
    forms: dict[frozenset[str], str] = {}
    alternatives = []
    for name, form in rulebook.pronoun_forms.items():
        parts = [p.strip() for p in form.split("/")]
        if len(parts) != 2:
            continue
        a, b = (re.escape(p) for p in parts)
        alternatives.append(rf"{a}\s*/\s*{b}|{a}\s+or\s+{b}|{b}\s+or\s+{a}")
        forms[frozenset(p.casefold() for p in parts)] = name
    if not alternatives:
        return None, {}
    pattern = re.compile(rf"(?<![\w/])(?:{'|'.join(alternatives)})(?![\w/])", re.IGNORECASE)
    return pattern, forms


def active_terms(rulebook: Rulebook, groups: list[str] | None) -> dict[str, tuple[str, str]]:
    """word -> (replacement, group) for the switched-on groups of gendered terms."""
    chosen = groups if groups is not None else [
        name for name, group in rulebook.term_groups.items() if group.default
    ]
    terms: dict[str, tuple[str, str]] = {}
    for name in chosen:
        group = rulebook.term_groups[name]
        for word, replacement in group.terms.items():
            terms[word.casefold()] = (replacement, name)
    return terms


class GenderedDetector:
    def __init__(self, rulebook: Rulebook, *, pronouns: bool, groups: list[str] | None) -> None:
        self.words = rulebook.pronoun_words if pronouns else {}
        self.lower_case_only = rulebook.pronoun_lower_case_only if pronouns else frozenset()
        self.terms = active_terms(rulebook, groups)
        # "min mann": terms of several words are matched as phrases, the rest word by word
        self.phrases: PhraseIndex[str] = PhraseIndex(
            ((term, group) for term, (_, group) in self.terms.items() if " " in term),
            genitive_s=False,
        )
        self.pattern = pronoun_pattern(self.words, self.lower_case_only)
        self.cues = ObjectCues.from_rules(rulebook)
        self.neutral, self.neutral_forms = _neutral_pattern(rulebook) if pronouns else (None, {})

    def tags_needed(self, tokens: Sequence[Token]) -> Iterator[int]:
        """The tokens whose tags ``detect`` reads: an ambiguous pronoun ("her") and the word
        after it, and a title that may be a verb ("miss")."""
        for token in tokens:
            lower = token.lower_
            forms = self.words.get(lower)
            if forms:
                if DETERMINER in forms and OBJECT in forms:
                    yield token.i
                    following = _next_word(token)
                    if following is not None:
                        yield following.i
                continue
            term = self.terms.get(lower) or self.terms.get(lower[:-1] if lower.endswith(".")
                                                           else lower)
            if term and term[1] == "titles":
                yield token.i

    def detect_neutral(self, text: str) -> list[Finding]:
        """Gender-neutral forms already in the text ("he/she", "his or her"): findings whose
        replacement is the study's slash form, so they are counted and written consistently."""
        if self.neutral is None:
            return []
        return [
            Finding(m.start(), m.end(), EntityKind.PRONOUN, "already_neutral", 1.0,
                    form=self.neutral_forms[_alternation_key(m.group())])
            for m in self.neutral.finditer(text)
        ]

    def find(self, source: DetectionInput) -> list[Finding]:
        return self.detect(source.chunks)

    def detect(self, chunks: Iterable[AnalysedChunk]) -> list[Finding]:
        findings: list[Finding] = []
        for chunk in chunks:
            findings += self._detect_tokens(chunk)
            findings += [
                Finding(chunk.offset + m.start, chunk.offset + m.end, EntityKind.GENDERED_TERM,
                        "gendered_terms", 1.0, form=m.value)
                for m in self.phrases.find(chunk.text)
            ]
        return findings

    def _glued(self, token: Token, start: int) -> list[Finding]:
        """Pronouns the tokenizer kept inside a larger token ("she`s"): only a token that is
        not one plain word can hide one. The same regex as verification's, so verification
        never meets a pronoun we skipped."""
        if self.pattern is None:
            return []
        return [
            Finding(start + m.start(), start + m.end(), EntityKind.PRONOUN, "pronoun_pattern",
                    0.9, form=self.words[m.group().casefold()][0])
            for m in self.pattern.finditer(token.text)
        ]

    def _detect_tokens(self, chunk: AnalysedChunk) -> list[Finding]:
        findings: list[Finding] = []
        for token in chunk.tokens:
            lower = token.lower_
            start = chunk.offset + token.idx
            if not (token.is_alpha or token.is_space or token.is_punct) and \
                    lower not in self.words and lower.rstrip(".") not in self.terms:
                findings += self._glued(token, start)
                continue
            forms = self.words.get(lower)
            if forms and lower in self.lower_case_only and token.text != lower:
                forms = None  # "A" is a letter; only "a" is the dialect pronoun
            if forms:
                findings.append(Finding(
                    start, start + len(token.text), EntityKind.PRONOUN, "pronoun_table", 1.0,
                    form=choose_form(token, forms, self.cues),
                ))
                continue
            length = len(token.text)
            term = self.terms.get(lower)
            if term is None and lower.endswith(".") and lower[:-1] in self.terms:
                term, length = self.terms[lower[:-1]], length - 1  # "Miss." ends a sentence
            if term and term[1] == "titles" and token.tag_.startswith("VB"):
                continue  # "I miss her": the verb, not the title
            if term:
                findings.append(Finding(
                    start, start + length, EntityKind.GENDERED_TERM, "gendered_terms",
                    1.0, form=term[1],
                ))
        return findings


def build(kit: DetectorKit) -> GenderedDetector:
    rewrite = kit.settings.rewrite
    return GenderedDetector(kit.rulebook, pronouns=rewrite.pronouns, groups=rewrite.gendered_groups)
