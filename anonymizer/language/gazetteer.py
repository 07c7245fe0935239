"""Gazetteer: first names, surnames, places and street words shipped as data, matched fast.

Data: ``rules/common/gazetteer/`` and ``rules/<lang>/gazetteer/``, each with a ``gazetteer.toml``
mapping its TSV files to a `Kind` (columns and sources: README.md there). Loading validates all
of it; a missing or malformed file raises `RulesError` naming file and line, never empties.

Matching (this module finds candidates; the detector decides what they mean):
- case-insensitive (NFC + casefold) but letter-exact: "Tromsø" is not "Tromso", "Ås" not "as";
  loose punctuation inside multi-word entries: "St. Petersburg" = "st petersburg";
- whole words only: "Eve" never inside "Evening", nor "Oslo" inside the compound "Osloflyet"
  (compounds would flood Norwegian text); across a hyphen it matches: "Oslo-området";
- leftmost-longest, non-overlapping: "New York City" is one hit, not three;
- possessives give the base span plus a `Suffix`: "Oslo's", "James'", and (on by default for
  Norwegian only, where it is the genitive; in English it is mostly a plural) "Karis", "Oslos";
- Norwegian street endings (`Kind.STREET_SUFFIX`: "-veien", "-gata") match at the end of a
  longer word: "Kirkeveien".
One regex pass over the words plus dict look-ups: the cost grows with the text, not the data.
"""

from __future__ import annotations

import gc
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import NamedTuple

from anonymizer.errors import RulesError

MANIFEST = "gazetteer.toml"
HEADER = ("entry", "rank", "population", "country", "word_en", "word_nb")
_LINE = re.compile(r"[^\t\n]++\t[0-9]*+\t[0-9]*+\t(?:[A-Z]{2})?+"
                   r"\t(?:0|[0-9]\.[0-9])\t(?:0|[0-9]\.[0-9])")
_ENTRY = re.compile(r"^[^\t\n]+", re.MULTILINE)
_FILE = re.compile(f"(?:{_LINE.pattern}\n)+")
# Words: letters and digits (not "_"), keeping combining accents of NFD text inside the word.
_WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+")
# What may stand between two words of one multi-word entry: a space, hyphen, dot, apostrophe.
_GAP = re.compile(r"[ \t\-.'’]{1,3}")
_APOSTROPHES = "'’"


class Kind(Enum):
    FIRST_NAME = "FIRST_NAME"
    SURNAME = "SURNAME"
    PLACE = "PLACE"  # city, town, postal place, city district
    REGION = "REGION"  # state, county, fylke, municipality, traditional region
    COUNTRY = "COUNTRY"
    SUPRANATIONAL = "SUPRANATIONAL"  # continent, union, "Scandinavia", "the Balkans"
    STREET_WORD = "STREET_WORD"  # a word of its own: "Street", "Road", "gate", "allé"
    STREET_SUFFIX = "STREET_SUFFIX"  # bound ending: "Kirke|veien", "Munke|gata"


class Suffix(Enum):
    NONE = "NONE"
    APOSTROPHE_S = "APOSTROPHE_S"  # Oslo's, Kari’s
    APOSTROPHE = "APOSTROPHE"  # James', Hans'
    GENITIVE_S = "GENITIVE_S"  # Karis, Oslos (Norwegian genitive; in English usually a plural)


class GazetteerEntry(NamedTuple):
    """One row of one data file (a NamedTuple: cheap to build, parsed on first match)."""

    kind: Kind
    rank: int | None  # 1 = most common name (or strongest street suffix); None = unknown
    population: int | None
    country: str | None  # ISO 3166-1 alpha-2
    word_score: float  # 0.0 = not an ordinary word; else its Zipf frequency in the language


_NAMES = (Kind.FIRST_NAME, Kind.SURNAME)


@dataclass(frozen=True, slots=True)
class GazetteerHit:
    start: int
    end: int  # end of the base form; a possessive suffix (see `suffix`) may follow
    kinds: frozenset[Kind]
    entries: tuple[GazetteerEntry, ...]
    suffix: Suffix = Suffix.NONE

    @property
    def rank(self) -> int | None:
        """Best (lowest) rank among the name entries."""
        return min((e.rank for e in self.entries if e.rank and e.kind in _NAMES), default=None)

    @property
    def population(self) -> int | None:
        return max((e.population for e in self.entries if e.population), default=None)

    @property
    def word_score(self) -> float:
        return max(e.word_score for e in self.entries)


def normalize(word: str) -> str:
    """The lookup key of one word: NFC, then casefold (handles æøå, ß, accents)."""
    if not word.isascii():
        word = unicodedata.normalize("NFC", word)
    return word.casefold()


def phrase_key(phrase: str) -> str:
    """The lookup key of a phrase: its words' keys joined by one space ("st petersburg")."""
    return " ".join(normalize(m.group()) for m in _WORD.finditer(phrase))


_Entries = tuple[tuple[GazetteerEntry, ...], frozenset[Kind]]
_NO_KINDS: frozenset[Kind] = frozenset()
_Rows = int | tuple[int, ...]


class Gazetteer:
    """Immutable after `load` (apart from a parse cache); share one per process."""

    def __init__(self, language: str, bare_genitive: bool) -> None:
        self._score_column = HEADER.index(f"word_{language}")
        self._bare_genitive = bare_genitive
        # Rows stay unparsed strings until first matched: parsing ~200,000 rows up front
        # would triple the load time for entries most texts never contain.
        self._rows: list[str] = []
        self._row_kinds: list[Kind] = []
        self._table: dict[str, _Rows] = {}  # key -> index(es) into _rows
        self._parsed: dict[str, _Entries] = {}
        self._width: dict[str, int] = {}  # first word of a multi-word key -> most words
        self._suffix_entries: dict[str, GazetteerEntry] = {}
        self._suffixes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self._table)

    # ---- loading -----------------------------------------------------------------------------
    @classmethod
    def load(cls, *directories: Path, language: str,
             bare_genitive: bool | None = None) -> Gazetteer:
        """Load and merge the gazetteers in `directories`; word scores are `language`'s.

        `bare_genitive` (default: on for "nb") also matches "Karis" as "Kari" + GENITIVE_S."""
        if f"word_{language}" not in HEADER:
            raise RulesError(f"gazetteer: no word scores for language {language!r}")
        if not directories:
            raise RulesError("gazetteer: no directory given")
        self = cls(language, language == "nb" if bare_genitive is None else bare_genitive)
        collecting = gc.isenabled()
        gc.disable()  # the tables hold no cycles; collector passes while building them are waste
        try:
            for directory in directories:
                for path, kind in _manifest(Path(directory)):
                    self._add_file(path, kind)
        finally:
            if collecting:
                gc.enable()
        for key in self._table:
            if " " in key:
                first, n = key.split(" ", 1)[0], key.count(" ") + 1
                if n > self._width.get(first, 1):
                    self._width[first] = n
        self._suffixes = tuple(sorted(self._suffix_entries, key=len, reverse=True))
        return self

    def _add_file(self, path: Path, kind: Kind) -> None:
        lines, body = _read(path)
        # Entry keys straight from the casefolded text by one C-level findall; only entries
        # with punctuation ("St. Petersburg", "O'Brien") take the slower tokenising path.
        keys = [k if k.isalnum() or (k.replace(" ", "").isalnum() and k.split(" ") == k.split())
                else phrase_key(k) for k in _ENTRY.findall(body.casefold())]
        if "" in keys:
            raise RulesError(f"{path}:{keys.index('') + 2}: entry has no word")
        if kind is Kind.STREET_SUFFIX:
            for key, line in zip(keys, lines, strict=False):
                self._suffix_entries.setdefault(key, self._parse(line, kind))
            return
        base = len(self._rows)
        self._rows.extend(lines)
        self._row_kinds.extend([kind] * len(lines))
        # dict(zip()) and set intersection run in C; only shared keys need Python-level work.
        added: dict[str, _Rows] = dict(zip(keys, range(base, base + len(lines)), strict=False))
        if len(added) < len(keys):  # the same key twice in one file ("The X" and "the X")
            added = {}
            for key, row in zip(keys, range(base, base + len(lines)), strict=False):
                added[key] = _join(added.get(key), row)
        shared = {key: self._table[key] for key in self._table.keys() & added.keys()}
        self._table.update(added)
        for key, old in shared.items():
            self._table[key] = _join(old, added[key])

    def _parse(self, row: str, kind: Kind) -> GazetteerEntry:
        fields = row.split("\t")
        rank, pop = fields[1], fields[2]
        return GazetteerEntry(kind, int(rank) if rank else None, int(pop) if pop else None,
                              fields[3] or None, float(fields[self._score_column]))

    def _entries(self, key: str) -> _Entries | None:
        done = self._parsed.get(key)
        if done is None:
            ref = self._table.get(key)
            if ref is None:
                return None
            rows = (ref,) if isinstance(ref, int) else ref
            entries = tuple(self._parse(self._rows[r], self._row_kinds[r]) for r in rows)
            done = self._parsed[key] = (entries, frozenset(e.kind for e in entries))
        return done

    # ---- matching ----------------------------------------------------------------------------
    def lookup(self, word: str) -> tuple[GazetteerEntry, ...]:
        """Every entry for one word or phrase, exactly (no possessive stripping)."""
        key = phrase_key(word)
        found, street = self._entries(key), self._street_suffix(key)
        return (found[0] if found else ()) + ((street,) if street else ())

    def kinds_of(self, word: str) -> frozenset[Kind]:
        """The kinds of one token (e.g. a spaCy token's text); empty if unknown."""
        key = normalize(word) if word.isalpha() else phrase_key(word)
        found = self._entries(key)
        kinds = found[1] if found else _NO_KINDS
        return kinds | {Kind.STREET_SUFFIX} if self._street_suffix(key) else kinds

    def find(self, text: str, max_word_score: float | None = None) -> list[GazetteerHit]:
        """Every gazetteer entry in `text`, leftmost-longest, offsets into `text` itself.

        `max_word_score` drops hits that are more common as ordinary words than that
        (e.g. 5.0 drops "will" and "may" but keeps "Grace" 4.6); None keeps everything."""
        words = [(m.start(), m.end(), normalize(m.group())) for m in _WORD.finditer(text)]
        width, hits = self._width, []
        i, n = 0, len(words)
        while i < n:
            start, end, key = words[i]
            used, found, suffix = 1, None, Suffix.NONE
            longest = width.get(key, 1)
            if longest > 1:  # try the longest multi-word entry first
                run = 1
                while run < longest and i + run < n and _GAP.fullmatch(
                        text, words[i + run - 1][1], words[i + run][0]):
                    run += 1
                for w in range(run, 1, -1):
                    found, suffix = self._get(" ".join(word[2] for word in words[i:i + w]))
                    if found:
                        used, end = w, words[i + w - 1][1]
                        break
            if used == 1:
                street = self._street_suffix(key)
                if street:  # the whole word is a street name; no genitive stripping
                    known = self._entries(key)
                    entries = (known[0] if known else ()) + (street,)
                    found, suffix = (entries, frozenset(e.kind for e in entries)), Suffix.NONE
                else:
                    found, suffix = self._get(key)
            if not found:
                i += 1
                continue
            entries, kinds = found
            if suffix is Suffix.GENITIVE_S:
                end -= 1
            else:
                suffix, skip = _possessive(text, end, words, i + used)
                used += skip
            if max_word_score is None or max(e.word_score for e in entries) <= max_word_score:
                hits.append(GazetteerHit(start, end, kinds, entries, suffix))
            i += used
        return hits

    def _get(self, key: str) -> tuple[_Entries | None, Suffix]:
        found = self._entries(key)
        if found is None and self._bare_genitive and len(key) > 3 and key[-1] == "s":
            found = self._entries(key[:-1])  # Norwegian genitive: Karis, Oslos
            if found is not None:
                return found, Suffix.GENITIVE_S
        return found, Suffix.NONE

    def _street_suffix(self, key: str) -> GazetteerEntry | None:
        if self._suffixes and key.endswith(self._suffixes):  # one C call for all suffixes
            for s in self._suffixes:
                if key.endswith(s) and len(key) > len(s) + 1:
                    return self._suffix_entries[s]
        return None


def _join(old: _Rows | None, new: _Rows) -> _Rows:
    """Row references of one key: an int for the common single row, else a tuple."""
    if old is None:
        return new
    return (old if isinstance(old, tuple) else (old,)) + (new if isinstance(new, tuple) else (new,))


def _possessive(text: str, end: int, words: list[tuple[int, int, str]],
                nxt: int) -> tuple[Suffix, int]:
    """What follows a match at `end`: "'s" (consuming the word "s") or a bare apostrophe."""
    if end < len(text) and text[end] in _APOSTROPHES:
        if nxt < len(words) and words[nxt][0] == end + 1 and words[nxt][2] == "s":
            return Suffix.APOSTROPHE_S, 1
        if end + 1 == len(text) or not text[end + 1].isalnum():
            return Suffix.APOSTROPHE, 0
    return Suffix.NONE, 0


def _manifest(directory: Path) -> list[tuple[Path, Kind]]:
    path = directory / MANIFEST
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RulesError(f"{path}: gazetteer manifest is missing") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"{path}: cannot read gazetteer manifest: {exc}") from None
    files = data.get("files")
    if not isinstance(files, dict) or not files:
        raise RulesError(f"{path}: needs a non-empty [files] table of file = KIND")
    listed = []
    for name, kind in files.items():
        if not isinstance(kind, str) or kind not in Kind.__members__:
            raise RulesError(f"{path}: {name}: unknown kind {kind!r}")
        listed.append((directory / name, Kind[kind]))
    stray = sorted({p.name for p in directory.glob("*.tsv")} - set(files))
    if stray:  # a data file nobody loads is a mistake, not something to skip quietly
        raise RulesError(f"{path}: {stray[0]} is not listed in the manifest")
    return listed


def _read(path: Path) -> tuple[list[str], str]:
    """The validated, NFC-normalised data lines of one file (without header), and their text."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulesError(f"{path}: gazetteer file is missing") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: cannot read: {exc}") from None
    header, _, body = text.partition("\n")
    if header != "\t".join(HEADER):
        raise RulesError(f"{path}:1: header must be {' '.join(HEADER)!r} (tab-separated)")
    if not body:
        raise RulesError(f"{path}: gazetteer file has no entries")
    if _FILE.fullmatch(body) is None:  # one C-speed check; find the culprit only on failure
        for number, line in enumerate(body.split("\n"), start=2):
            if _LINE.fullmatch(line) is None:
                raise RulesError(f"{path}:{number}: malformed line (want 6 tab-separated "
                                 "fields: entry, rank, population, country, word_en, word_nb)")
        raise RulesError(f"{path}: must end with a newline")
    if not unicodedata.is_normalized("NFC", body):  # the build writes NFC; hand edits may not
        body = unicodedata.normalize("NFC", body)
    return body[:-1].split("\n"), body
