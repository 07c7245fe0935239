"""Ordinary words a statistical model took for names: dropped before anything acts on them.

Two cases, both judged by the lexicon (``rules/<lang>/lexicon.tsv``, which leaves proper names
out) and the gazetteer:

- a model's one-word "name" that opens a sentence and is an ordinary word ("Ring meg",
  "Datteren vår"): capitalised only because it comes first;
- in a lower-case transcript (speech written verbatim, speech-to-text output) a model's "name"
  made only of ordinary words ("ifrå", "ein annan"): without capitals the model guesses from
  the words alone, and in dialect speech it guesses wrong on every few lines. A word the
  gazetteer lists as a first name or surname ("stein", "haugen") keeps the finding: such names
  are words too, and the model's reading is the evidence.

Names from the roster, speaker labels and context detectors are not judged here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from anonymizer.detectors.names import NAME_KINDS, WordFrequency
from anonymizer.findings import Finding
from anonymizer.language.gazetteer import Gazetteer

_WORD = re.compile(r"[^\W\d_]+")
MODEL = "spacy_ner"


@dataclass(frozen=True)
class OrdinaryWords:
    words: WordFrequency
    stop_words: frozenset[str]
    gazetteer: Gazetteer | None
    kinship_names: frozenset[str]

    def _listed(self, word: str) -> bool:
        return self.gazetteer is not None and bool(self.gazetteer.kinds_of(word))

    def _listed_name(self, word: str) -> bool:
        return self.gazetteer is not None and bool(self.gazetteer.kinds_of(word) & NAME_KINDS)

    def at_sentence_start(self, text: str, finding: Finding) -> bool:
        """A model's one-word name at a sentence start that is an ordinary, unlisted word."""
        if finding.detector != MODEL or not finding.entity.is_name_like:
            return False
        surface = text[finding.start:finding.end]
        if surface.isupper() and len(surface) > 3:  # "HUN KOM.": a line in capitals
            return all(w in self.stop_words or self.words.zipf(w) >= 3.5
                       for w in surface.casefold().split())
        before = text[max(0, finding.start - 4):finding.start].rstrip(" \t\"'“(«–—-")
        if before and before[-1] not in ".!?:\n":
            return False
        if " " in surface:
            return self._ordinary_phrase(surface)
        if not surface.isalpha():
            return False
        # Kinship words used as names ("Mommy is so proud") do name a person.
        kin = surface.casefold() in self.kinship_names
        # in the lexicon at all: the lexicon leaves proper names out, so it is a common word
        return not self._listed(surface) and not kin and self.words.zipf(surface) > 0

    def _ordinary_phrase(self, surface: str) -> bool:
        """"Eg trur ikkje", "Det nye systemet" at a sentence start: every word ordinary and
        unlisted, only the first capitalised, and that one no genitive ("Statens vegvesen",
        "Norges bank" are names of that shape)."""
        parts = surface.split()
        if not all(p.isalpha() for p in parts) or parts[0].casefold().endswith("s") or \
                any(not p.islower() for p in parts[1:]):
            return False
        return not self._listed(surface) and all(
            (p.casefold() in self.stop_words or self.words.zipf(p) > 0) and not self._listed(p)
            and p.casefold() not in self.kinship_names for p in parts)

    def in_lower_case(self, text: str, finding: Finding) -> bool:
        """In lower-case text, a model's name made only of ordinary words, none of them a
        listed first name or surname or a kinship word used as a name, and not as a whole a
        listed place or name."""
        if finding.detector != MODEL or not finding.entity.is_name_like:
            return False
        surface = text[finding.start:finding.end]
        if any(c.isupper() for c in surface):
            return False  # a capital in a lower-case text is the strongest evidence there is
        found = _WORD.findall(surface.casefold())
        if not found or self._listed(surface):  # "united states": the phrase is a place
            return False
        for word in found:
            if word in self.kinship_names or self._listed_name(word):
                return False
            if word not in self.stop_words and self.words.zipf(word) == 0:
                return False
        return True
