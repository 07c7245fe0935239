"""Lexicon: the shipped English and Norwegian word lists, the look-up rules, and bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from anonymizer.errors import RulesError
from anonymizer.language.lexicon import COMMON_ZIPF, HEADER, Lexicon

RULES = Path(__file__).resolve().parents[2] / "rules"


@pytest.fixture(scope="module")
def en() -> Lexicon:
    return Lexicon.load(RULES / "en" / "lexicon.tsv")


@pytest.fixture(scope="module")
def nb() -> Lexicon:
    return Lexicon.load(RULES / "nb" / "lexicon.tsv")


def write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "lexicon.tsv"
    path.write_text(header + "\n" + body, encoding="utf-8")
    return path


# ---- shipped data ----------------------------------------------------------------------------
@pytest.mark.parametrize(("word", "at_least"), [
    ("the", 7.0), ("and", 7.0), ("you", 6.5), ("house", 4.5), ("nurse", 4.0),
    ("physiotherapy", 0.1), ("interview", 4.0), ("colour", 3.5), ("color", 3.5),
    ("don't", 5.5), ("i'm", 5.5), ("gonna", 4.0), ("wanna", 3.0), ("yeah", 5.0), ("okay", 5.0),
    ("hmm", 3.0), ("uh", 3.0), ("um", 3.0), ("oh", 5.0), ("wow", 4.0), ("hey", 4.5),
    ("dont", 3.0), ("monday", 4.0), ("i", 7.0),
])
def test_english_ordinary_words_are_present(en: Lexicon, word: str, at_least: float) -> None:
    assert word in en
    assert en.zipf(word) >= at_least


@pytest.mark.parametrize("word", ["will", "may", "grace", "mark", "bath", "rose", "frank",
                                  "bill", "hope", "reading"])
def test_english_names_that_are_everyday_words_are_present(en: Lexicon, word: str) -> None:
    assert en.is_common(word)


@pytest.mark.parametrize("word", ["london", "barroso", "oslo", "john", "john's", "johns",
                                  "oliver", "jimmy", "david", "london's", "trondheim",
                                  "microsoft", "schulz"])
def test_english_proper_names_are_absent(en: Lexicon, word: str) -> None:
    assert word not in en
    assert en.zipf(word) == 0.0


@pytest.mark.parametrize(("word", "at_least"), [
    ("og", 7.0), ("ikke", 6.5), ("sykehus", 3.5), ("hei", 4.0), ("noe", 6.0), ("noen", 6.0),
    ("poeng", 4.0), ("naboen", 3.0), ("sykepleier", 3.0), ("barnehagen", 3.5), ("jeg", 7.0),
    ("okei", 2.5), ("hmm", 2.0), ("ikkje", 3.0), ("f.eks", 3.0), ("sykehusseng", 1.0),
    ("barnehagelærer", 2.0), ("partnervold", 2.0), ("kirkegård", 3.0), ("hovedstad", 3.0),
])
def test_norwegian_ordinary_words_are_present(nb: Lexicon, word: str, at_least: float) -> None:
    assert nb.zipf(word) >= at_least


@pytest.mark.parametrize("word", ["per", "dag", "liv", "hans", "stein", "berg", "bakken"])
def test_norwegian_names_that_are_everyday_words_are_present(nb: Lexicon, word: str) -> None:
    assert word in nb


@pytest.mark.parametrize("word", ["trondheim", "kari", "oslo", "bergen", "norge", "hansen",
                                  "lillehammer", "haugesund", "drammen", "geir", "london",
                                  "bjørnstad", "lundberg", "kirkegata", "sykehusveien"])
def test_norwegian_proper_names_are_absent(nb: Lexicon, word: str) -> None:
    assert word not in nb


def test_shipped_files_are_large_and_distinct(en: Lexicon, nb: Lexicon) -> None:
    assert len(en) > 80_000 and len(nb) > 100_000
    assert "the" not in nb and "og" not in en


# ---- look-up rules ----------------------------------------------------------------------------
@pytest.fixture()
def small(tmp_path: Path) -> Lexicon:
    return Lexicon.load(write(tmp_path, "don't\t5.9\ne.g\t4.5\nhouse\t5.1\nmr\t5.0\n"
                                        "nurse\t4.3\nnurses\t3.6\nsykehus\t4.8\nwill\t6.5\n"
                                        "æble\t1.0\n"))


@pytest.mark.parametrize(("word", "zipf"), [
    ("house", 5.1), ("House", 5.1), ("HOUSE", 5.1), ("Will", 6.5),
    ("nurse's", 4.3), ("Nurse’s", 4.3), ("nurses'", 3.6), ("don’t", 5.9), ("DON'T", 5.9),
    ("Mr.", 5.0), ("e.g.", 4.5), ("Sykehus", 4.8), ("Æble", 1.0), ("Ae\u0308ble", 0.0),
    ("houses", 0.0), ("john", 0.0), ("john's", 0.0), ("", 0.0), ("'s", 0.0),
])
def test_zipf_lookup(small: Lexicon, word: str, zipf: float) -> None:
    assert small.zipf(word) == zipf
    assert (word in small) is (zipf > 0)


def test_decomposed_letters_match_their_composed_form(tmp_path: Path) -> None:
    lex = Lexicon.load(write(tmp_path, "blåbær\t3.1\n"))
    assert lex.zipf("bla\u030abær") == 3.1


def test_is_common_threshold(small: Lexicon) -> None:
    assert small.is_common("nurse") and COMMON_ZIPF <= 4.3
    assert not small.is_common("æble")
    assert small.is_common("æble", min_zipf=1.0)
    assert not small.is_common("nurse", min_zipf=5.0)
    assert not small.is_common("unknownword")


def test_membership_of_non_strings(small: Lexicon) -> None:
    assert 42 not in small
    assert None not in small
    assert len(small) == 9


# ---- malformed files ---------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "line", "what"), [
    ("house\t5.1\nnurse 4.3\n", 3, "malformed line"),
    ("house\t5.1\nnurse\t\n", 3, "malformed line"),
    ("house\t5.1\nnurse\t4\n", 3, "malformed line"),
    ("house\t5.1\nnurse\t0.5\n", 3, "malformed line"),
    ("house\t5.1\nnurse\t10.2\n", 3, "malformed line"),
    ("house\t5.1\nnurse\t4.3\textra\n", 3, "malformed line"),
    ("house\t5.1\n\nnurse\t4.3\n", 3, "malformed line"),
    ("house\t5.1\nnurse2\t4.3\n", 3, "malformed line"),
    ("house\t5.1\nnew york\t4.3\n", 3, "malformed line"),
    ("house\t5.1\n-nurse\t4.3\n", 3, "malformed line"),
    ("house\t5.1\nnurse\t4.3", 3, "must end with a newline"),
    ("house\t5.1\nNurse\t4.3\n", 3, "not lower-case"),
    ("house\t5.1\nnurse\t4.3\nstra\u00dfe\t2.0\n", 4, "not lower-case"),
    ("bla\u030ab\u00e6r\t3.1\nhouse\t5.1\n", 2, "not lower-case NFC"),
    ("house\t5.1\nhouse\t5.1\n", 3, "repeats the word before it"),
    ("nurse\t4.3\nhouse\t5.1\n", 3, "out of order"),
])
def test_malformed_file_names_file_and_line(tmp_path: Path, body: str, line: int,
                                            what: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(RulesError, match=what) as caught:
        Lexicon.load(path)
    assert f"{path}:{line}:" in str(caught.value)


@pytest.mark.parametrize(("header", "line"), [("word zipf", 1), ("entry\tzipf", 1), ("", 1)])
def test_bad_header(tmp_path: Path, header: str, line: int) -> None:
    path = write(tmp_path, "house\t5.1\n", header=header)
    with pytest.raises(RulesError, match="header") as caught:
        Lexicon.load(path)
    assert f"{path}:{line}:" in str(caught.value)


def test_missing_empty_and_undecodable_files(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="missing") as caught:
        Lexicon.load(tmp_path / "nope.tsv")
    assert "nope.tsv" in str(caught.value)
    with pytest.raises(RulesError, match="no words"):
        Lexicon.load(write(tmp_path, ""))
    bad = tmp_path / "latin1.tsv"
    bad.write_bytes(b"word\tzipf\nbl\xe5\t3.1\n")
    with pytest.raises(RulesError, match="latin1.tsv"):
        Lexicon.load(bad)
