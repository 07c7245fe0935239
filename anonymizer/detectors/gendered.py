"""Gendered pronouns and gendered words, found on the spaCy parse.

The replacement form follows the grammar, not the word: "her" is a possessive determiner when it
governs a noun ("her book" -> his/her) and an object otherwise ("I told her" -> him/her); "his"
standing alone ("the book is his") is a possessive pronoun (-> his/hers). The tables are data in
rules/<lang>/pronouns.toml and gendered_terms.toml.
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Token

from anonymizer.findings import EntityKind, Finding
from anonymizer.nlp import AnalysedChunk
from anonymizer.rulebook import Rulebook
from anonymizer.verify import pronoun_pattern

DETERMINER = "possessive_determiner"
_POSSESSED = frozenset({"NOUN", "PROPN", "ADJ", "NUM", "ADV"})


def choose_form(token: Token, forms: tuple[str, ...]) -> str:
    if len(forms) == 1 or DETERMINER not in forms:
        return forms[0]
    other = next(f for f in forms if f != DETERMINER)
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
    if following.tag_ == "VBG":  # "his entering the world": a gerund is possessed too
        return True
    return following.pos_ in _POSSESSED if following.pos_ else following.is_alpha


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
                    form=choose_form(token, forms),
                ))
                continue
            term = self.terms.get(lower)
            if term:
                findings.append(Finding(
                    start, start + len(token.text), EntityKind.GENDERED_TERM, "gendered_terms",
                    1.0, form=term[1],
                ))
        return findings
