"""Lexicon: the ordinary words of a language and how frequent each is, to tell words from names.

Data: ``rules/<lang>/lexicon.tsv`` (``word<TAB>zipf``; sources, derivation and counts in
``rules/<lang>/lexicon.README.md``), built by ``tools/build_lexicon.py`` from wordfreq and
Hunspell word lists with proper names left out: "london", "john", "oslo" are absent, while
names that are everyday words ("will", "may", "grace", "bath") are present and need context.

The Zipf value is log10 of a word's frequency per billion words: 3 = once per million words,
6 = once per thousand, "the" 7.7. It counts every use of the lower-case string, so a word that
is also a name carries the name's uses too ("will" 6.5). 0.0 means "not an ordinary word".

Look-ups are case-insensitive (NFC + casefold, like the gazetteer), accept both apostrophes
("don’t" = "don't") and fall back to the base of a possessive ("nurse's" -> "nurse",
"nurses'" -> "nurses") and of an abbreviation's final dot ("Mr." -> "mr"). A malformed file
raises `RulesError` naming the file and line; it never loads empty.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from anonymizer.errors import RulesError

HEADER = "word\tzipf"
# Default threshold of `is_common`: once per million words or more.
COMMON_ZIPF = 3.0

# A word: letters (no digits, no "_") joined by single apostrophes, hyphens or dots.
_WORD = r"[^\W\d_]++(?:['.\-][^\W\d_]++)*+"
_ZIPF = r"[1-9]\.[0-9]"
_LINE = re.compile(f"{_WORD}\t{_ZIPF}")
_FILE = re.compile(f"(?:{_WORD}\t{_ZIPF}\n)++")
# Every Zipf text a valid file can hold, mapped once to its float: parsing is a dict look-up.
_ZIPF_VALUES = {f"{i // 10}.{i % 10}": i / 10 for i in range(10, 100)}
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'"})


def normalize(word: str) -> str:
    """The look-up key of one word: straight apostrophe, NFC, casefold."""
    word = word.translate(_APOSTROPHES)
    if not word.isascii():
        word = unicodedata.normalize("NFC", word)
    return word.casefold()


@dataclass(frozen=True, slots=True, eq=False)
class Lexicon:
    """Immutable; load once per language and share."""

    path: Path
    _zipf: dict[str, float] = field(repr=False)

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        """Read and validate one lexicon file; `RulesError` names the file and line."""
        path = Path(path)
        words, zipfs = _read(path)
        table = dict(zip(words, map(_ZIPF_VALUES.__getitem__, zipfs), strict=True))
        if len(table) != len(words) or words != sorted(words):
            for number, (before, word) in enumerate(pairwise(words), start=3):
                if word <= before:
                    problem = "repeats the word before it" if word == before else "is out of order"
                    raise RulesError(f"{path}:{number}: word {problem} (the file must be "
                                     "sorted, one line per word)")
        return cls(path, table)

    def __len__(self) -> int:
        return len(self._zipf)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self.zipf(word) > 0.0

    def zipf(self, word: str) -> float:
        """Zipf frequency of `word` as an ordinary word; 0.0 when it is not one."""
        key = normalize(word)
        found = self._zipf.get(key)
        if found is not None:
            return found
        if key.endswith("'s"):  # possessive: "nurse's", "Oslo's" (absent, as "oslo" is)
            return self._zipf.get(key[:-2], 0.0)
        if key.endswith(("'", ".")):  # "nurses'", "Mr.", "e.g."
            return self._zipf.get(key.rstrip("'."), 0.0)
        return 0.0

    def is_common(self, word: str, min_zipf: float = COMMON_ZIPF) -> bool:
        """Whether `word` is an ordinary word at least as frequent as `min_zipf`."""
        return self.zipf(word) >= min_zipf


def _read(path: Path) -> tuple[list[str], list[str]]:
    """The words and Zipf texts of a validated lexicon file, in file order."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulesError(f"{path}: lexicon file is missing") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: cannot read lexicon: {exc}") from None
    header, _, body = text.partition("\n")
    if header != HEADER:
        raise RulesError(f"{path}:1: header must be 'word<TAB>zipf'")
    if not body:
        raise RulesError(f"{path}: lexicon file has no words")
    if body != body.casefold() or not unicodedata.is_normalized("NFC", body):
        for number, line in enumerate(body.split("\n"), start=2):
            if line != unicodedata.normalize("NFC", line).casefold():
                raise RulesError(f"{path}:{number}: word is not lower-case NFC (casefolded)")
    if _FILE.fullmatch(body) is None:  # one C-speed pass; find the culprit only on failure
        lines = body.split("\n")
        for number, line in enumerate(lines, start=2):
            last = number == len(lines) + 1  # the empty string after the final newline
            if _LINE.fullmatch(line) is None and not (last and not line):
                raise RulesError(f"{path}:{number}: malformed line (want a word of letters, "
                                 "a tab and a Zipf value from 1.0 to 9.9: 'house<TAB>4.9')")
        raise RulesError(f"{path}:{len(lines) + 1}: must end with a newline")
    tokens = body.split()
    return tokens[0::2], tokens[1::2]
