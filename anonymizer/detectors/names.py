"""Names the NER model misses: gazetteer names judged by context, and context alone.

Signals, from rules/<lang>/names.toml, gazetteer/ and lexicon.tsv: a title before a name ("Mr
Hansen", "Dr. Lie"); an introducer ("a physio called Marte", "my friend Ola"); a greeting before
a name spoken to ("Thanks, Kari"; "thank you, bob" for a registered Robert); a gazetteer first
name and the surname after it; a gazetteer name that is no ordinary word (one that is, "Will",
"Rose", only with the tagger's proper-noun tag inside a sentence or a cue); a nickname of a
person already named ("Mon" for "Monica"). In lower-case (speech-to-text) transcripts capitals
are no evidence: the checks lean on titles, introducers, the gazetteer and the lexicon.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from spacy.tokens import Token

from anonymizer.findings import EntityKind, Finding
from anonymizer.keys.keystore import IdentityKind
from anonymizer.language.compounds import Compounds
from anonymizer.language.diminutives import Diminutives, is_nickname
from anonymizer.language.gazetteer import Gazetteer, GazetteerEntry, Kind
from anonymizer.language.nlp import AnalysedChunk
from anonymizer.language.phrases import CuePhrases
from anonymizer.rulebook import NameRules

if TYPE_CHECKING:
    from anonymizer.detectors import DetectionInput, DetectorKit

DETECTOR = "name_context"
# A word that is no ordinary word and no listed name, capitalised inside a sentence (or, in
# lower-case text, anywhere): a name of some kind, the weakest person evidence.
UNKNOWN_DETECTOR = "unknown_word"
NAME_KINDS = frozenset({Kind.FIRST_NAME, Kind.SURNAME})
PLACE_KINDS = frozenset({Kind.PLACE, Kind.REGION, Kind.COUNTRY, Kind.SUPRANATIONAL})
COMMON = 3.0  # Zipf frequency from which a word is ordinary (about 1 in a million words)
_VERB_TAGS = ("VB", "MD")  # Penn tags of verbs and modals
_FINITE_VERB_TAGS = frozenset({"VBZ", "VBD"})  # "says", "said"

# The place detector's names for its findings (places.py), which names leave alone.
PLACE_DETECTOR = "place_gazetteer"
LOCATIVE_PLACE_DETECTOR = "place_after_preposition"
PLACE_DETECTORS = frozenset({PLACE_DETECTOR, LOCATIVE_PLACE_DETECTOR})


class WordFrequency(Protocol):
    def zipf(self, word: str) -> float: ...


@dataclass(frozen=True)
class _Cues:
    titles: frozenset[str]
    roles: frozenset[str]
    introducers: CuePhrases
    vocatives: CuePhrases
    particles: frozenset[str]
    not_names: frozenset[str]

    @classmethod
    def from_rules(cls, rules: NameRules) -> _Cues:
        return cls(
            frozenset(rules.titles), frozenset(rules.roles),
            CuePhrases(tuple(p.split()) for p in rules.introducers),
            CuePhrases(tuple(p.split()) for p in rules.vocative_before),
            frozenset(rules.particles), frozenset(rules.not_names),
        )


def _sentence_initial(doc: Sequence[Token], i: int) -> bool:
    if i == 0:
        return True
    before = doc[i - 1]
    return before.is_sent_start is True or before.text in {".", "!", "?", ":", "\n", '"', "“"} \
        or "\n" in before.text_with_ws or "\t" in before.text_with_ws


class NameDetector:
    def __init__(self, gazetteer: Gazetteer, rules: NameRules, words: WordFrequency,
                 stop_words: frozenset[str]) -> None:
        self.gazetteer = gazetteer
        self.cues = _Cues.from_rules(rules)
        self.words = words
        self.stop_words = stop_words
        self.capitalised_is_name = rules.capitalised_unknown_is_name
        self.glued_titles = tuple(rules.glued_titles)
        self.short_forms = Diminutives.of(rules.diminutives)
        self.determiners = frozenset(rules.determiners)
        self.compounds = Compounds(words, tuple(rules.compound_linkers), frozenset(
            rules.compound_name_endings)) if rules.closed_compounds else None
        self._seen: dict[str, tuple[GazetteerEntry, ...]] = {}
        self._verdicts: dict[tuple[str, bool], bool | None] = {}

    # -- word tests ---------------------------------------------------------------------------

    def _lookup(self, word: str) -> tuple[GazetteerEntry, ...]:
        """Gazetteer entries of a word, remembered: a transcript repeats its names."""
        found = self._seen.get(word)
        if found is None:
            if len(self._seen) > 50_000:
                self._seen.clear()
            found = self._seen[word] = tuple(self.gazetteer.lookup(word))
        return found

    def _name_score(self, token: Token) -> float | None:
        """How ordinary a word a gazetteer name is (the lexicon's Zipf frequency, which counts
        inflected forms too: "Jobs", "Banks"), or None when it is not a gazetteer name."""
        entries = [e for e in self._lookup(token.text) if e.kind in NAME_KINDS]
        if not entries:
            return None
        return max(self.words.zipf(token.lower_), *(e.word_score for e in entries))

    def _is_first_name(self, token: Token) -> bool:
        return any(e.kind is Kind.FIRST_NAME for e in self._lookup(token.text))

    def _is_place(self, token: Token) -> bool:
        return any(e.kind in PLACE_KINDS for e in self._lookup(token.text))

    def _big_place(self, token: Token) -> bool:
        """A country, region or city of 100,000 people: a place before it is a first name."""
        return any(e.kind in (Kind.COUNTRY, Kind.REGION, Kind.SUPRANATIONAL) or
                   (e.kind is Kind.PLACE and (e.population or 0) >= 100_000)
                   for e in self._lookup(token.text))

    def _common(self, token: Token) -> bool:
        return token.lower_ in self.stop_words or self.words.zipf(token.lower_) >= COMMON

    def _ordinary(self, token: Token, cased: bool) -> bool:
        """Too ordinary for a name after a weak cue ("ja", "takk"): common, or in lower-case
        text in the lexicon at all ("ja korleis") and no listed name."""
        return self._common(token) or not cased and self.words.zipf(token.lower_) > 0 and \
            self._name_score(token) is None

    def _not_a_name(self, token: Token) -> bool:
        """Months, weekdays, languages ... and their plurals ("Sundays")."""
        word = token.lower_
        return word in self.cues.not_names or (word.endswith("s") and
                                               word[:-1] in self.cues.not_names)

    def _namelike(self, token: Token, cased: bool) -> bool:
        """Could this word be part of a name right after a strong cue?"""
        if not token.is_alpha and not re.fullmatch(r"[\w'’-]+", token.text):
            return False
        if self._not_a_name(token):
            return False
        if token.lower_ in self.cues.roles or token.lower_ in self.stop_words:
            return token.lower_ in self.cues.particles
        return token.text[0].isupper() if cased else True

    # -- detection ----------------------------------------------------------------------------

    def find(self, source: DetectionInput) -> list[Finding]:
        """Names beyond the model; speaker labels and registered names are known names, and
        multi-word places found before are left alone."""
        known = [source.text[f.start:f.end] for f in source.earlier
                 if f.detector == "speaker_label"]
        known += [name for identity in (*source.roster, *source.study) for name in identity.names
                  if identity.kind in (IdentityKind.PARTICIPANT, IdentityKind.PERSON)]
        multiword = [(f.start, f.end) for f in source.earlier if f.detector in PLACE_DETECTORS
                     and " " in source.text[f.start:f.end]]
        return self.detect(source.chunks, cased=not source.lower_case, known_names=known,
                           places=multiword)

    def detect(self, chunks: Sequence[AnalysedChunk], *, cased: bool,
               known_names: Iterable[str] = (),
               places: Sequence[tuple[int, int]] = ()) -> list[Finding]:
        """``places``: spans already known as multi-word places ("San Diego"), left alone."""
        known = {w.casefold() for name in known_names for w in name.split() if len(w) > 2}
        # "thank you, bob": a known name's short form, addressed, even if an ordinary word
        addressed = {v for w in known for v in self.short_forms.variants(w)}
        findings: list[Finding] = []
        for chunk in chunks:
            blocked = {(s - chunk.offset, e - chunk.offset) for s, e in places
                       if chunk.offset <= s < chunk.offset + len(chunk.text)}
            spans = self._spans(chunk.tokens, cased, known, blocked, addressed)
            findings.extend(
                Finding(chunk.offset + doc_start, chunk.offset + doc_end, EntityKind.PERSON,
                        detector, score)
                for doc_start, doc_end, score, detector in spans
            )
        return findings

    def _spans(self, doc: Sequence[Token], cased: bool, known: set[str], blocked: set[tuple[
               int, int]], addressed: set[str]) -> list[tuple[int, int, float, str]]:
        taken = [any(s <= t.idx < e for s, e in blocked) for t in doc] if blocked \
            else [False] * len(doc)
        lowers = [t.lower_ for t in doc]
        spans: list[tuple[int, int, float, str]] = []

        def claim(first: int, last: int, score: float, detector: str = DETECTOR) -> None:
            while last > first and doc[last].lower_ in self.cues.particles:
                last -= 1
            for k in range(first, last + 1):
                taken[k] = True
            spans.append((doc[first].idx, doc[last].idx + len(doc[last]), score, detector))

        for i, token in enumerate(doc):
            if taken[i] or token.is_punct or token.is_space:
                continue
            if self._not_a_name(token):  # a month, unless a June the study knows stands bare
                if token.lower_ in known and self._bare(doc, i, cased):
                    claim(i, i, 0.7)
                continue
            after_title = i > 0 and doc[i - 1].lower_ in self.cues.titles or \
                i > 1 and doc[i - 1].text == "." and doc[i - 2].lower_ + "." in self.cues.titles
            vocative = self.cues.vocatives.end_before(lowers, i)
            cue = after_title or self.cues.introducers.end_before(lowers, i) or (
                vocative and not self._ordinary(token, cased))
            if vocative and token.lower_ in addressed and self._namelike(token, cased):
                claim(i, i, 0.85)
            elif cue and self._namelike(token, cased) and (  # "my granddaughter poppy" of
                    token.lower_ in known or not self._common_after_cue(token, cased)):  # a study
                claim(i, self._extend(doc, i, cased), 0.85)
            elif not cased and self._glued_title(token):
                claim(i, self._extend(doc, i, cased), 0.8)
            elif self._gazetteer_name(doc, i, cased) or (
                    cased and self._given_name_before_surname(doc, i)):
                claim(i, self._extend(doc, i, cased), 0.7)
            elif (not cased and self._unknown_word(token)) or (
                    cased and self.capitalised_is_name and self._capitalised_unknown(doc, i)):
                claim(i, self._extend(doc, i, cased), 0.6, UNKNOWN_DETECTOR)
            elif known and (cased and self._nickname(token, known) or
                            token.lower_ in known and self._bare(doc, i, cased)):
                claim(i, i, 0.7)  # "Mon" for Monica; "tom said" of a Tom the study knows
        return spans

    def _bare(self, doc: Sequence[Token], i: int, cased: bool) -> bool:
        """A word with no determiner before it and a possessive or a verb after it ("in
        hazel's car", "tom said", "June was born"): how a name stands, not an ordinary noun."""
        if i + 1 >= len(doc) or i > 0 and doc[i - 1].lower_ in self.determiners or \
                cased and not doc[i].text[:1].isupper():
            return False
        after = doc[i + 1]
        return after.text in ("'s", "’s") or after.tag_ in _FINITE_VERB_TAGS

    def _unknown_word(self, token: Token) -> bool:
        """In lower-case speech-to-text output a word that is in neither the lexicon nor the
        place lists stands where a capitalised word would: most often a name ("mugabe")."""
        word = token.lower_
        if not token.is_alpha or len(word) < 3 or word in self.stop_words:
            return False
        if self.words.zipf(word) > 0 or word in self.cues.not_names or \
                self.compounds and word == token.text and self.compounds.is_ordinary(word):
            return False
        return not self._is_place(token)

    def _capitalised_unknown(self, doc: Sequence[Token], i: int) -> bool:
        """A capitalised word inside a sentence that is no ordinary word (bokmål writes nouns,
        weekdays and months in lower case, so this is nearly always a name)."""
        token = doc[i]
        if not token.is_alpha or not token.text[0].isupper() or token.is_upper and len(token) > 1:
            return False
        return not _sentence_initial(doc, i) and self._unknown_word(token)

    def _glued_title(self, token: Token) -> bool:
        """"mrbarroso": speech-to-text normalisers drop the dot and the space after a title."""
        word = token.lower_
        if not token.is_alpha or self._common(token):
            return False
        return any(word.startswith(t) and len(word) - len(t) >= 3 for t in self.glued_titles)

    def _common_after_cue(self, token: Token, cased: bool) -> bool:
        """After a cue a capitalised word is a name whatever else it means ("Mr Harbour"); in
        lower-case text an ordinary word needs the gazetteer to back it ("mr harbour" is)."""
        if cased:
            return False
        return self._common(token) and self._name_score(token) is None

    def _gazetteer_name(self, doc: Sequence[Token], i: int, cased: bool) -> bool:
        verdict = self._listed_verdict(doc[i], cased)
        if verdict is not None:
            return verdict
        # An ordinary word that is also a first name ("Will", "May"): only with evidence, the
        # tagger's proper-noun tag inside a sentence, or a surname after it.
        next_is_name = i + 1 < len(doc) and doc[i + 1].text[:1].isupper() and \
            self._name_score(doc[i + 1]) is not None
        return (doc[i].tag_ in ("NNP", "NNPS") and not _sentence_initial(doc, i)) or \
            next_is_name

    def _listed_verdict(self, token: Token, cased: bool) -> bool | None:
        """Is this listed word a name? None for a capitalised first name that is also an
        ordinary word: the context decides (``_gazetteer_name``). It depends on the word
        alone, so it is remembered like the gazetteer lookups."""
        text = token.text
        if cased and not text[0].isupper():
            return False  # cheap test first: most words of a cased text are lower-case
        key = (text, cased)
        if key in self._verdicts:
            return self._verdicts[key]
        if len(self._verdicts) > 50_000:
            self._verdicts.clear()
        verdict = self._verdicts[key] = self._word_verdict(token, cased)
        return verdict

    def _word_verdict(self, token: Token, cased: bool) -> bool | None:
        score = self._name_score(token)
        if score is None:
            return False
        if cased and token.is_upper and len(token) > 1 and score >= COMMON:
            return False  # "MY HUSBAND": an all-capitals line says nothing about names
        if self._is_place(token) and (not self._is_first_name(token) or self._big_place(token)):
            return False  # "London": the place detector and context decide
        if score < COMMON:
            return not (cased and token.is_upper and len(token) <= 3)  # "MRI", "TV"
        # A surname that is an ordinary word ("Young", "House", "States") counts only after a
        # first name or a cue, which _extend and the cues handle.
        if not cased or not self._is_first_name(token):
            return False
        return None

    def tags_needed(self, tokens: Sequence[Token]) -> Iterator[int]:
        """The tokens whose tags ``detect`` reads: capitalised first names that are also
        ordinary words, and in lower-case text the words that may extend a name."""
        capitals = 0
        for i, token in enumerate(tokens):
            if token.text[:1].isupper():
                capitals += 1
                if self._listed_verdict(token, True) is None:
                    yield from (i, i + 1) if i + 1 < len(tokens) else (i,)  # and the verb after
        if capitals <= len(tokens) * 0.002:  # lower-case speech
            yield from self._surname_or_verb(tokens)

    def _surname_or_verb(self, tokens: Sequence[Token]) -> Iterator[int]:
        """In lower-case text, the words after a first name: ``_extend`` takes one only when
        it is not a verb ("sheila comes"), and a verb there makes a name stand bare."""
        for j in range(1, len(tokens)):
            if tokens[j].is_alpha and self._is_first_name(tokens[j - 1]):
                yield j

    def _given_name_before_surname(self, doc: Sequence[Token], i: int) -> bool:
        """"I met Per Olsen": inside a sentence, a capitalised word right before a listed
        surname is that person's given name, even one the lists do not hold or one that is
        also a word ("Per", "Bo", "Ole"). At the start of a sentence only a word that is not
        an ordinary one ("Then Olsen said" is not a name)."""
        token = doc[i]
        if i + 1 >= len(doc) or token.whitespace_ != " " or not token.is_alpha or \
                not token.text[0].isupper() or token.is_upper:
            return False
        word = token.lower_
        if word in self.cues.titles or word in self.cues.roles or self._not_a_name(token) or \
                self._is_place(token) or (_sentence_initial(doc, i) and self._common(token)):
            return False
        after = doc[i + 1]
        if not after.is_alpha or not after.text[0].isupper() or after.is_upper or \
                self._common(after) or self._big_place(after):
            return False
        # only a surname: after "Oh God" a first name ("Monica") is someone addressed
        kinds = {e.kind for e in self._lookup(after.text)}
        return Kind.SURNAME in kinds and Kind.FIRST_NAME not in kinds

    def _extend(self, doc: Sequence[Token], i: int, cased: bool) -> int:
        """The last token of the name starting at ``i``: surnames and particles that follow."""
        last = i
        j = i + 1
        while j < len(doc) and j <= i + 3:
            token = doc[j]
            if doc[j - 1].whitespace_ == "" or token.is_punct:
                break
            if cased:
                if not (token.text[:1].isupper() or token.lower_ in self.cues.particles):
                    break
                if token.lower_ in self.cues.roles or token.text == "I":
                    break
                # A capitalised function word right after a first name is a surname
                # ("Theresa May"); after anything else it starts a new sentence part.
                if token.is_stop and token.lower_ not in self.cues.particles and \
                        not (j == i + 1 and self._is_first_name(doc[i]) and
                             self._name_score(token) is not None):
                    break
            elif token.tag_.startswith(_VERB_TAGS) or not self._surname_after(doc, j) and \
                    (self._common(token) or token.lower_ in self.cues.roles):
                break  # "sheila comes", "geoff said": a verb after a name is no surname
            last = j
            j += 1
        return last

    def _surname_after(self, doc: Sequence[Token], j: int) -> bool:
        """"henry plumb", "ted heath": a gazetteer surname right after a first name counts even
        when it is also an ordinary word, unless it is a function word ("kari will")."""
        token = doc[j]
        if token.lower_ in self.stop_words or token.lower_ in self.cues.roles:
            return False
        if not self._is_first_name(doc[j - 1]):
            score = self._name_score(token)
            return score is not None and score < COMMON
        return any(e.kind is Kind.SURNAME for e in self._lookup(token.text))

    def _nickname(self, token: Token, known: set[str]) -> bool:
        """"Mon" for Monica, "Rosss" for Ross: only for people already named in the text."""
        if not token.text[:1].isupper() or len(token) < 3 or self._common(token):
            return False
        return is_nickname(token.lower_, known)


def build(kit: DetectorKit) -> NameDetector | None:
    if kit.gazetteer is None:
        return None
    return NameDetector(kit.gazetteer, kit.rulebook.names, kit.words, kit.stop_words)
