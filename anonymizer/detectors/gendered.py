"""Gendered pronouns and gendered words, found on the spaCy parse.

The replacement form follows the grammar, not the word: "her" is a possessive determiner when it
governs a noun ("her book" -> his/her) and an object otherwise ("I told her" -> him/her); "his"
standing alone ("the book is his") is a possessive pronoun (-> his/hers). The tables are data in
rules/<lang>/pronouns.toml and gendered_terms.toml.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from spacy.tokens import Token

from anonymizer.findings import EntityKind, Finding
from anonymizer.nlp import AnalysedChunk
from anonymizer.rulebook import Rulebook
from anonymizer.verify import pronoun_pattern

DETERMINER = "possessive_determiner"
# Penn tags of words a possessive determiner stands before: nouns, adjectives, numbers,
# adverbs ("her very own") and gerunds ("his entering the world").
_POSSESSED = ("NN", "JJ", "CD", "RB", "VBG")


@dataclass(frozen=True)
class ObjectCues:
    """When "her" is an object although a tagger would call it possessive (rules data)."""

    next_words: frozenset[str] = frozenset()
    verbs: frozenset[str] = frozenset()
    after_verb_next: frozenset[str] = frozenset()

    @classmethod
    def from_rules(cls, rulebook: Rulebook) -> ObjectCues:
        g = rulebook.pronoun_grammar
        return cls(frozenset(g.object_if_next), frozenset(g.two_object_verbs),
                   frozenset(g.object_after_verb_if_next))

    def says_object(self, token: Token) -> bool:
        doc = token.doc
        following = doc[token.i + 1] if token.i + 1 < len(doc) else None
        if _ends_phrase(following):
            return True
        assert following is not None
        if following.lower_ in self.next_words:
            return True
        previous = doc[token.i - 1].lower_ if token.i > 0 else ""
        return previous in self.verbs and (
            following.tag_ in ("NNS", "NNPS", "CD", "DT", "PDT")
            or following.lower_ in self.after_verb_next
        )


def _ends_phrase(following: Token | None) -> bool:
    """Nothing possessed can follow: end of text or punctuation (a quote may open a name)."""
    return following is None or (following.is_punct and not following.is_quote)


def choose_form(token: Token, forms: tuple[str, ...], cues: ObjectCues = ObjectCues()) -> str:
    if len(forms) == 1 or DETERMINER not in forms:
        return forms[0]
    other = next(f for f in forms if f != DETERMINER)
    following = token.doc[token.i + 1] if token.i + 1 < len(token.doc) else None
    if _ends_phrase(following) or (other == "object" and cues.says_object(token)):
        return other
    if token.dep_ == "poss":
        return DETERMINER
    if token.dep_:  # parsed, and not a possessor: the other form ("told her", "is his")
        if token.tag_ == "PRP$" and _next_is_possessed(token):
            return DETERMINER
        return other
    # No parser (e.g. a language whose model only has NER): look at the next word.
    return DETERMINER if _next_is_possessed(token) else other


def _next_is_possessed(token: Token) -> bool:
    if token.i + 1 >= len(token.doc):
        return False
    following = token.doc[token.i + 1]
    if following.tag_:
        return following.tag_.startswith(_POSSESSED)
    return following.is_alpha


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
        self.terms = active_terms(rulebook, groups)
        self.pattern = pronoun_pattern(self.words)
        self.cues = ObjectCues.from_rules(rulebook)

    def detect(self, chunks: Iterable[AnalysedChunk]) -> list[Finding]:
        findings: list[Finding] = []
        for chunk in chunks:
            findings += self._detect_tokens(chunk)
            findings += self._detect_glued(chunk, findings)
        return findings

    def _detect_glued(self, chunk: AnalysedChunk, found: list[Finding]) -> list[Finding]:
        """Pronouns the tokenizer kept inside a larger token ("she`s"): the same regex that
        verification uses finds them, so verification never meets a pronoun we skipped."""
        if self.pattern is None:
            return []
        covered = {f.start for f in found}
        extra = []
        for match in self.pattern.finditer(chunk.doc.text):
            start = chunk.offset + match.start()
            if start in covered:
                continue
            forms = self.words[match.group().casefold()]
            extra.append(Finding(start, chunk.offset + match.end(), EntityKind.PRONOUN,
                                 "pronoun_pattern", 0.9, form=forms[0]))
        return extra

    def _detect_tokens(self, chunk: AnalysedChunk) -> list[Finding]:
        findings: list[Finding] = []
        for token in chunk.doc:
            lower = token.lower_
            start = chunk.offset + token.idx
            forms = self.words.get(lower)
            if forms:
                findings.append(Finding(
                    start, start + len(token.text), EntityKind.PRONOUN, "pronoun_table", 1.0,
                    form=choose_form(token, forms, self.cues),
                ))
                continue
            term = self.terms.get(lower)
            if term:
                findings.append(Finding(
                    start, start + len(token.text), EntityKind.GENDERED_TERM, "gendered_terms",
                    1.0, form=term[1],
                ))
        return findings
