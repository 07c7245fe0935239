"""People the study already numbered, found again by a word of their full name.

"Sunil" with no cue, or "sheila" in lower-case speech, after "Sunil Mehta" or "Sheila
Fairbairn" was numbered in an earlier transcript of the study: the word is that person. Only
words of full names (two words or more) the engine numbered as people, and only words no
lexicon knows and the gazetteer does not list as a place only: a word that is also an ordinary
word ("mark", "will", "carol") still needs a cue here, so one transcript's finding does not
become a rule that replaces ordinary words in the next. Registered names are the roster's.
In cased text the word must be capitalised.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from anonymizer.detectors.names import NAME_KINDS, PLACE_KINDS
from anonymizer.findings import EntityKind, Finding
from anonymizer.keys.keystore import Identity, IdentityKind
from anonymizer.language.phrases import PhraseIndex, words

if TYPE_CHECKING:
    from anonymizer.detectors import DetectionInput, DetectorKit

DETECTOR = "study_people"
PEOPLE = (IdentityKind.PARTICIPANT, IdentityKind.PERSON)


def study_people(identities: Sequence[Identity]) -> tuple[Identity, ...]:
    """The people the engine numbered with a full name (what ``DetectionInput.study`` holds)."""
    return tuple(i for i in identities if i.kind in PEOPLE and not i.registered and
                 any(len(words(n)) > 1 for n in i.names))


class StudyPeopleDetector:
    def __init__(self, usable: Callable[[str], bool]) -> None:
        self.usable = usable  # a word that can only be a name
        self._cache: tuple[tuple[Identity, ...], PhraseIndex[bool]] | None = None

    def index(self, study: Sequence[Identity]) -> PhraseIndex[bool]:
        key = tuple(study)
        if self._cache is None or self._cache[0] != key:
            index: PhraseIndex[bool] = PhraseIndex()
            for identity in study:
                for name in identity.names:
                    parts = words(name)
                    for part in parts if len(parts) > 1 else ():
                        if len(part) > 2 and self.usable(part):
                            index.add(part, True)
            self._cache = (key, index)
        return self._cache[1]

    def find(self, source: DetectionInput) -> list[Finding]:
        if not source.study:
            return []
        return [Finding(m.start, m.end, EntityKind.PERSON, DETECTOR, 0.85)
                for m in self.index(source.study).find(
                    source.text, capitalised_only=not source.lower_case)]


def build(kit: DetectorKit) -> StudyPeopleDetector:
    lexicon, gazetteer, skip = kit.words, kit.gazetteer, kit.stop_words | kit.titles

    def usable(word: str) -> bool:
        if word in skip or lexicon.zipf(word) > 0:
            return False
        if gazetteer is None:
            return True
        kinds = gazetteer.kinds_of(word)
        return not (kinds & PLACE_KINDS and not kinds & NAME_KINDS)

    return StudyPeopleDetector(usable)
