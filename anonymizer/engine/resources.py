"""The language data an engine reads from its rules: gazetteer and lexicon, loaded once per
process (both immutable) and shared by every engine that reads the same files."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from anonymizer.language.gazetteer import Gazetteer
from anonymizer.language.lexicon import Lexicon
from anonymizer.rulebook import Rulebook


def load_gazetteer(rulebook: Rulebook) -> Gazetteer:
    root, language = rulebook.directory, rulebook.gazetteer_language
    return _cached_gazetteer(root / "common" / "gazetteer", root / language / "gazetteer",
                             language)


def load_lexicon(rulebook: Rulebook) -> Lexicon:
    return _cached_lexicon(rulebook.directory / rulebook.language / "lexicon.tsv")


@lru_cache(maxsize=4)
def _cached_lexicon(path: Path) -> Lexicon:
    return Lexicon.load(path)


@lru_cache(maxsize=4)
def _cached_gazetteer(common: Path, local: Path, language: str) -> Gazetteer:
    """The gazetteer is immutable data (~2 s to load): engines of one process share it."""
    return Gazetteer.load(common, local, language=language)
