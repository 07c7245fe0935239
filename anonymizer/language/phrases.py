"""Whole-word, case-insensitive matching of known phrases (names, aliases) in text.

A token trie keyed on case-folded words: "Eve" never matches inside "Evening", "Kari Nordmann"
matches across any whitespace, and the longest phrase wins. A possessive after the last word
("Kari's", "Kari’s") or a genitive/plural -s ("Karis", "the Hansens") still matches the base
phrase; the match then covers the base only, so the label keeps the suffix ("[Person 1]'s").
Lookup cost is one dict step per word, whatever the number of phrases.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, TypeVar

V = TypeVar("V")

WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_POSSESSIVE = ("'s", "’s")


@dataclass(frozen=True)
class PhraseMatch(Generic[V]):
    start: int
    end: int
    value: V


@lru_cache(maxsize=8)
def _tokens(text: str) -> tuple[tuple[int, int, str], ...]:
    """The words of a text with their offsets, case-folded: several indexes scan the same
    transcript (roster, consistency, risk terms, verification), so it is split once."""
    return tuple((m.start(), m.end(), m.group().casefold()) for m in WORD.finditer(text))


def words(phrase: str) -> list[str]:
    return [w.casefold() for w in WORD.findall(phrase)]


class PhraseIndex(Generic[V]):
    def __init__(self, phrases: Iterable[tuple[str, V]] = (), *, genitive_s: bool = True) -> None:
        self._root: dict[str, Any] = {}
        self.genitive_s = genitive_s
        self.size = 0
        for phrase, value in phrases:
            self.add(phrase, value)

    def add(self, phrase: str, value: V) -> None:
        key = words(phrase)
        if not key:
            return
        node = self._root
        for word in key:
            node = node.setdefault(word, {})
        if "" not in node:
            self.size += 1
        node[""] = value  # "" can never be a word, so it marks the end of a phrase

    def __len__(self) -> int:
        return self.size

    def get(self, phrase: str) -> V | None:
        """The value stored for exactly this phrase, if any."""
        node: dict | None = self._root
        for word in words(phrase):
            node = node.get(word) if node is not None else None
        return node.get("") if node else None

    def _step(self, node: dict, word: str, last_ok: bool) -> Iterator[tuple[dict, int]]:
        """Children of ``node`` for ``word``: exact, or base form with the chars it drops."""
        child = node.get(word)
        if child is not None:
            yield child, 0
        if not last_ok:
            return
        for suffix in _POSSESSIVE:
            if word.endswith(suffix) and len(word) > len(suffix):
                child = node.get(word[: -len(suffix)])
                if child is not None and "" in child:
                    yield child, len(suffix)
        if self.genitive_s and word.endswith("s") and len(word) > 3:
            child = node.get(word[:-1])
            if child is not None and "" in child:
                yield child, 1

    def _may_start(self, root: dict, word: str) -> bool:
        if word in root:
            return True
        if word[-2:] in ("'s", "’s") and word[:-2] in root:
            return True
        return self.genitive_s and word.endswith("s") and word[:-1] in root

    def find(self, text: str, *, capitalised_only: bool = False) -> list[PhraseMatch[V]]:
        """Non-overlapping matches, longest first, left to right.

        ``capitalised_only``: in cased text a known name counts only where it is written with a
        capital letter ("Will" the name, not "will" the verb).
        """
        if not self._root:
            return []
        tokens = _tokens(text)
        root = self._root
        matches: list[PhraseMatch[V]] = []
        i = 0
        while i < len(tokens):
            if not self._may_start(root, tokens[i][2]):  # most words start no phrase
                i += 1
                continue
            best: tuple[int, int, V] | None = None
            frontier = [(self._root, 0)]
            j = i
            while frontier and j < len(tokens):
                start, end, word = tokens[j]
                if j > i and text[tokens[j - 1][1]:start].strip():
                    break  # phrases only span whitespace between their words
                advanced = []
                for node, _ in frontier:
                    for child, dropped in self._step(node, word, True):
                        if "" in child:
                            best = (j, end - dropped, child[""])
                        if dropped == 0:
                            advanced.append((child, 0))
                frontier = advanced
                j += 1
            if best is not None and not (capitalised_only and not text[tokens[i][0]].isupper()):
                matches.append(PhraseMatch(tokens[i][0], best[1], best[2]))
                i = best[0] + 1
            else:
                i += 1
        return matches


class CuePhrases:
    """Cue phrases by length, for an O(1) "do the words before token i end with one?" test."""

    def __init__(self, phrases: Iterable[tuple[str, ...]]) -> None:
        self.by_length: dict[int, frozenset[tuple[str, ...]]] = {}
        for phrase in phrases:
            self.by_length.setdefault(len(phrase), frozenset())
            self.by_length[len(phrase)] |= {phrase}
        self.last_words = frozenset(p[-1] for ps in self.by_length.values() for p in ps)

    def end_before(self, lowers: list[str], i: int) -> bool:
        j = i - 1
        while j >= 0 and lowers[j] in {",", "-"}:
            j -= 1
        if j < 0 or lowers[j] not in self.last_words:  # the usual case, answered at once
            return False
        return any(j - n + 1 >= 0 and tuple(lowers[j - n + 1:j + 1]) in phrases
                   for n, phrases in self.by_length.items())
