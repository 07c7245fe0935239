"""Closed compounds: Norwegian writes new words by gluing known ones ("voggestokk",
"tømmerkøyringa"), so no lexicon holds them all. In lower-case speech such a word would look
like a name candidate; one that splits into ordinary words is an ordinary word.

A compound whose last part is a typical element of farm, place or street names ("-stad",
"-berg", "-vika", "-vegen": rules/<lang>/names.toml, ``compound_name_endings``) is not
judged: those are names as often as words, and a name kept is the worse mistake.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class WordFrequency(Protocol):
    def zipf(self, word: str) -> float: ...


MIN_PART = 3  # letters in each part: "is|en" is no compound


@dataclass(frozen=True)
class Compounds:
    words: WordFrequency
    linkers: tuple[str, ...]  # letters between the parts ("dag|s|tur", "vogg|e|stokk")
    name_endings: frozenset[str]
    _seen: dict[str, bool] = field(default_factory=dict, repr=False, compare=False)

    def is_ordinary(self, word: str) -> bool:
        """``word`` (lower case) is ordinary words glued together, ending in no name part."""
        known = self._seen.get(word)
        if known is None:
            if len(self._seen) > 50_000:
                self._seen.clear()
            known = self._seen[word] = self._split(word, depth=2)
        return known

    def _split(self, word: str, depth: int) -> bool:
        for cut in range(len(word) - MIN_PART, MIN_PART - 1, -1):
            tail = word[cut:]
            if tail in self.name_endings or self.words.zipf(tail) == 0:
                continue
            if self._head(word[:cut], depth):
                return True
        return False

    def _head(self, head: str, depth: int) -> bool:
        for part in (head, *(head[:-len(k)] for k in self.linkers if head.endswith(k))):
            if len(part) >= MIN_PART and (self.words.zipf(part) > 0 or
                                          depth > 1 and self._split(part, depth - 1)):
                return True
        return False
