"""Places from the gazetteer: countries, regions, cities and towns, districts, supranational.

A place name that is not an ordinary word is taken wherever it stands (in lower-case text too).
One that is ("Nice", "Bath", "Reading", "Of", "Moss") needs evidence: in cased text a capital
letter away from the start of a sentence, or a preposition of place before it ("in", "to",
"from"); in lower-case text the preposition, and then only for larger places and countries.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from anonymizer.detectors.names import (
    COMMON,
    LOCATIVE_PLACE_DETECTOR,
    NAME_KINDS,
    PLACE_DETECTOR,
    PLACE_KINDS,
    WordFrequency,
)
from anonymizer.findings import EntityKind, Finding
from anonymizer.language.gazetteer import Gazetteer, GazetteerHit, Kind

if TYPE_CHECKING:
    from anonymizer.detectors import DetectionInput, DetectorKit

DETECTOR = PLACE_DETECTOR
LOCATIVE_DETECTOR = LOCATIVE_PLACE_DETECTOR
CODE_DETECTOR = "place_in_code"  # written in lower case as codes are: no capital to ask for
_MAJOR = frozenset({Kind.COUNTRY, Kind.SUPRANATIONAL, Kind.REGION})
_BIG_PLACE = 100_000
# A code or handle of parts joined by underscores ("giske_uib_0201", "oslo_2019"): one token
# to the tokenizer and the gazetteer, though a part may be a place that identifies.
_JOINED = re.compile(r"(?<![\w-])[^\W_]+(?:_[^\W_]+)+(?![\w-])")


def _previous_word(text: str, start: int) -> str:
    before = text[max(0, start - 40):start].split()
    return before[-1].casefold().strip(",.;:!?\"'()") if before else ""


def _sentence_initial(text: str, start: int) -> bool:
    before = text[max(0, start - 3):start].rstrip(" \t\"'“(")
    return not before or before[-1] in ".!?:\n"


class PlaceDetector:
    def __init__(self, gazetteer: Gazetteer, words: WordFrequency, *,
                 not_names: frozenset[str], place_before: frozenset[str]) -> None:
        self.gazetteer = gazetteer
        self.words = words  # how ordinary a word the place name is
        self.not_names = not_names  # "March" is a town in England, and a month
        self.place_before = place_before  # "in", "på": a place follows (rules/<lang>/names.toml)

    def _place_score(self, text: str, hit: GazetteerHit) -> float:
        listed = max((e.word_score for e in hit.entries if e.kind in PLACE_KINDS), default=0.0)
        surface = text[hit.start:hit.end]
        return max(listed, self.words.zipf(surface)) if " " not in surface else listed

    def find(self, source: DetectionInput) -> list[Finding]:
        return self.detect(source.text, cased=not source.lower_case)

    def detect(self, text: str, *, cased: bool) -> list[Finding]:
        findings = []
        for hit in self.gazetteer.find(text):
            if not hit.kinds & PLACE_KINDS or not self._accept(text, hit, cased):
                continue
            if text[hit.start:hit.end].casefold() in self.not_names:
                continue
            # "på Lade", "moved to Reading": after a preposition of place the place reading
            # is the strong one, also against a model that took the word for a person.
            locative = _previous_word(text, hit.start) in self.place_before
            findings.append(Finding(hit.start, hit.end, EntityKind.LOCATION,
                                    LOCATIVE_DETECTOR if locative else DETECTOR, 0.75))
        return findings + self._in_codes(text)

    def _in_codes(self, text: str) -> list[Finding]:
        """A code with a place name for a part is replaced whole: the place says where the
        person is from, whatever the rest of the code means."""
        return [Finding(m.start(), m.end(), EntityKind.LOCATION, CODE_DETECTOR, 0.75)
                for m in _JOINED.finditer(text)
                if any(len(part) > 2 and part.isalpha() and self._unambiguous(part)
                       for part in m.group().split("_"))]

    def _unambiguous(self, word: str) -> bool:
        """Listed as a place and no ordinary word or name: nothing else it could be."""
        kinds = self.gazetteer.kinds_of(word)
        return bool(kinds & PLACE_KINDS) and not kinds & NAME_KINDS and \
            self.words.zipf(word) == 0 and word.casefold() not in self.not_names

    def _accept(self, text: str, hit: GazetteerHit, cased: bool) -> bool:
        surface = text[hit.start:hit.end]
        capitalised = surface[:1].isupper()
        if cased and not capitalised:
            return False
        if cased and surface.isupper() and len(surface) <= 3 and not hit.kinds & _MAJOR:
            return False  # "TV", "MRI": abbreviations that happen to be towns somewhere
        locative = _previous_word(text, hit.start) in self.place_before
        major = bool(hit.kinds & _MAJOR) or (hit.population or 0) >= _BIG_PLACE
        if hit.kinds & NAME_KINDS and not major and not locative:
            return False  # "Gunn" is a hamlet somewhere and a first name: the name wins
        if self._place_score(text, hit) < COMMON:
            # In lower-case text a place that is a word of the lexicon at all, however rare
            # ("annan", "silda" in nynorsk), needs the preposition: no capital can tell.
            return cased or locative or " " in surface or self.words.zipf(surface) == 0
        if cased:
            return locative or (major and not _sentence_initial(text, hit.start))
        return locative and major


def build(kit: DetectorKit) -> PlaceDetector | None:
    if kit.gazetteer is None:
        return None
    names = kit.rulebook.names
    return PlaceDetector(kit.gazetteer, kit.words, not_names=frozenset(names.not_names),
                         place_before=frozenset(names.place_before))
