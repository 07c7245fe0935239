"""Gazetteer loader and matcher: small fixtures of our own, plus one check of the shipped data."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from anonymizer.errors import RulesError
from anonymizer.language.gazetteer import HEADER, Gazetteer, Kind, Suffix

RULES = Path(__file__).resolve().parents[2] / "rules"
K = Kind

FIXTURE = {
    "first_names.tsv": ("FIRST_NAME", [
        "Eve\t1300\t\t\t4.3\t0", "James\t1\t\t\t0\t0", "Kari\t3\t\t\t0\t0",
        "Will\t1130\t\t\t6.5\t0", "Grace\t217\t\t\t4.6\t3.8", "Anne-Marie\t\t\t\t0\t0",
    ]),
    "surnames.tsv": ("SURNAME", ["Smith\t1\t\t\t0\t0", "O'Brien\t400\t\t\t0\t0",
                                 "Hansen\t\t\t\t0\t0"]),
    "places.tsv": ("PLACE", [
        "Oslo\t\t1082575\tNO\t0\t0", "New York\t\t8000000\tUS\t0\t0",
        "New York City\t\t8804190\tUS\t0\t0", "York\t\t150000\tGB\t0\t0",
        "St. Petersburg\t\t5000000\tRU\t0\t0", "Tromsø\t\t41915\tNO\t0\t0",
        "Ås\t\t7961\tNO\t0\t0", "Bø\t\t2522\tNO\t0\t4.1", "Bath\t\t101557\tGB\t4.4\t0",
        "Grünerløkka\t\t\tNO\t0\t0", "Kiel\t\t246000\tDE\t0\t0", "Kari\t\t18812\tNG\t0\t0",
    ]),
    "countries.tsv": ("COUNTRY", ["United States\t\t\tUS\t0\t0", "the Netherlands\t\t\tNL\t0\t0"]),
    "street_suffixes.tsv": ("STREET_SUFFIX", ["veien\t1\t\t\t0\t0", "gata\t1\t\t\t0\t0",
                                              "åsen\t2\t\t\t0\t0"]),
    "street_words.tsv": ("STREET_WORD", ["Street\t\t\t\t5.0\t0", "veien\t\t\t\t0\t4.6"]),
}


def write_gazetteer(folder: Path, files: dict[str, tuple[str, list[str]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    manifest = "[files]\n" + "".join(f'"{name}" = "{kind}"\n' for name, (kind, _) in files.items())
    (folder / "gazetteer.toml").write_text(manifest, encoding="utf-8")
    for name, (_, rows) in files.items():
        (folder / name).write_text("\t".join(HEADER) + "\n" + "".join(r + "\n" for r in rows),
                                   encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def fixture_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_gazetteer(tmp_path_factory.mktemp("gaz") / "g", FIXTURE)


@pytest.fixture(scope="module")
def en(fixture_dir: Path) -> Gazetteer:
    return Gazetteer.load(fixture_dir, language="en")


@pytest.fixture(scope="module")
def nb(fixture_dir: Path) -> Gazetteer:
    return Gazetteer.load(fixture_dir, language="nb")


def spans(g: Gazetteer, text: str) -> list[tuple[str, Suffix]]:
    return [(text[h.start:h.end], h.suffix) for h in g.find(text)]


N = Suffix.NONE


@pytest.mark.parametrize("text, expected", [
    ("Eve left.", [("Eve", N)]),
    ("eve left", [("eve", N)]),  # lower-case speech-to-text
    ("EVE LEFT", [("EVE", N)]),
    ("Evening came.", []),  # never inside a word
    ("Steve and Eve", [("Eve", N)]),
    ("I live in new york city now", [("new york city", N)]),  # longest first
    ("New York, then York", [("New York", N), ("York", N)]),
    ("New, York", [("York", N)]),  # a comma breaks a multi-word name
    ("from New\nYork", [("York", N)]),  # so does a line break (a new turn)
    ("to St. Petersburg", [("St. Petersburg", N)]),
    ("to st petersburg", [("st petersburg", N)]),
    ("in the United States", [("United States", N)]),
    ("the netherlands", [("the netherlands", N)]),
    ("Oslo's harbour", [("Oslo", Suffix.APOSTROPHE_S)]),
    ("Kari’s car", [("Kari", Suffix.APOSTROPHE_S)]),
    ("James' car", [("James", Suffix.APOSTROPHE)]),
    ("James's car", [("James", Suffix.APOSTROPHE_S)]),
    ("'Oslo'", [("Oslo", Suffix.APOSTROPHE)]),  # a closing quote looks the same: caller decides
    ("Karis bil", []),  # bare genitive is off for English
    ("Tromsø og Ås", [("Tromsø", N), ("Ås", N)]),
    ("tromsø", [("tromsø", N)]),
    ("Tromso", []),  # letters are exact: ø is not o
    ("as I said", []),  # and å is not a
    ("ÅS", [("ÅS", N)]),
    ("grünerløkka", [("grünerløkka", N)]),
    ("Osloflyet", []),  # compounds are not split
    ("Oslo-området", [("Oslo", N)]),  # hyphenated ones are
    ("Mr O'Brien and mr o’brien", [("O'Brien", N), ("o’brien", N)]),
    ("Anne-Marie", [("Anne-Marie", N)]),
    ("Baker Street", [("Street", N)]),
])
def test_find_english(en: Gazetteer, text: str, expected: list[tuple[str, Suffix]]) -> None:
    assert spans(en, text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Karis mor", [("Kari", Suffix.GENITIVE_S)]),  # Norwegian genitive: base span
    ("Oslos beste bydel", [("Oslo", Suffix.GENITIVE_S)]),
    ("Hansens hus", [("Hansen", Suffix.GENITIVE_S)]),
    ("Kari", [("Kari", N)]),
    ("bus", []),  # too short to strip
    ("Kirkeveien 12", [("Kirkeveien", N)]),
    ("munkegata", [("munkegata", N)]),
    ("veien hjem", [("veien", N)]),  # the word itself is a STREET_WORD, not a suffix hit
    ("Byåsen", [("Byåsen", N)]),
])
def test_find_norwegian(nb: Gazetteer, text: str, expected: list[tuple[str, Suffix]]) -> None:
    assert spans(nb, text) == expected


def test_offsets_are_exact_when_casefold_or_normalisation_changes_lengths(en: Gazetteer) -> None:
    text = "Weißwurst, STRASSE, ﬁne İİ: Kiel and Tromsø"  # casefold changes ß, ﬁ, İ lengths
    hits = en.find(text)
    assert [(h.start, h.end) for h in hits] == [
        (text.index("Kiel"), text.index("Kiel") + 4), (text.index("Tromsø"), len(text))]
    nfd = unicodedata.normalize("NFD", "Grünerløkka og Ås")  # combining marks in the words
    found = [nfd[h.start:h.end] for h in en.find(nfd)]
    assert found == [unicodedata.normalize("NFD", w) for w in ("Grünerløkka", "Ås")]


def test_hit_carries_kinds_and_entry_info(en: Gazetteer, nb: Gazetteer) -> None:
    (kari,) = en.find("Kari")
    assert kari.kinds == {K.FIRST_NAME, K.PLACE}
    assert kari.rank == 3 and kari.population == 18812
    (new_york,) = en.find("New York City")
    assert new_york.kinds == {K.PLACE} and new_york.population == 8804190
    assert new_york.rank is None
    (will,) = en.find("will")
    assert will.word_score == 6.5
    (bo,) = nb.find("bø")
    assert bo.word_score == 4.1 and en.find("bø")[0].word_score == 0.0  # per language
    (street,) = nb.find("Kirkeveien")
    assert street.kinds == {K.STREET_SUFFIX} and street.entries[0].rank == 1
    (byasen,) = nb.find("Byåsen")
    assert byasen.entries[0].rank == 2  # weak suffix tier


def test_max_word_score_drops_common_words(en: Gazetteer) -> None:
    text = "Grace will take a Bath"
    assert [text[h.start:h.end] for h in en.find(text, max_word_score=5.0)] == ["Grace", "Bath"]
    assert [text[h.start:h.end] for h in en.find(text, max_word_score=0.0)] == []
    assert len(en.find(text)) == 3


@pytest.mark.parametrize("word, kinds", [
    ("Kari", {K.FIRST_NAME, K.PLACE}),
    ("kari", {K.FIRST_NAME, K.PLACE}),
    ("OSLO", {K.PLACE}),
    ("Storgata", {K.STREET_SUFFIX}),
    ("veien", {K.STREET_WORD}),
    ("Evening", set()),
    ("Karis", set()),  # kinds_of is exact; spaCy splits "Oslo's" itself
    ("New York", {K.PLACE}),
    ("", set()),
])
def test_kinds_of(en: Gazetteer, word: str, kinds: set[Kind]) -> None:
    assert en.kinds_of(word) == kinds


def test_directories_merge_and_bare_genitive_can_be_switched(fixture_dir: Path,
                                                             tmp_path: Path) -> None:
    extra = write_gazetteer(tmp_path / "extra", {"s.tsv": ("SURNAME", ["Oslo\t9\t\t\t0\t0"])})
    g = Gazetteer.load(fixture_dir, extra, language="en", bare_genitive=True)
    assert g.kinds_of("Oslo") == {K.PLACE, K.SURNAME}
    assert spans(g, "Oslos") == [("Oslo", Suffix.GENITIVE_S)]


def rows(files: dict[str, tuple[str, list[str]]], name: str, *lines: str
         ) -> dict[str, tuple[str, list[str]]]:
    changed = dict(files)
    changed[name] = (files[name][0], list(lines))
    return changed


SMALL = {"a.tsv": ("PLACE", ["Oslo\t\t1\tNO\t0\t0", "Bergen\t\t2\tNO\t0\t0"])}


@pytest.mark.parametrize("broken, where", [
    (rows(SMALL, "a.tsv", "Oslo\t\t1\tNO\t0\t0", "Bergen\t\t2\tNO\t0"), "a.tsv:3"),
    (rows(SMALL, "a.tsv", "Oslo\tfirst\t1\tNO\t0\t0"), "a.tsv:2"),
    (rows(SMALL, "a.tsv", "Oslo\t\t1\tNorway\t0\t0"), "a.tsv:2"),
    (rows(SMALL, "a.tsv", "Oslo\t\t1\tNO\t0\thigh"), "a.tsv:2"),
    (rows(SMALL, "a.tsv", "Oslo\t\t-5\tNO\t0\t0"), "a.tsv:2"),
    (rows(SMALL, "a.tsv", "\t\t1\tNO\t0\t0"), "a.tsv:2"),
    (rows(SMALL, "a.tsv", "Oslo\t\t1\tNO\t0\t0", ""), "a.tsv:3"),  # blank line
    (rows(SMALL, "a.tsv", "...\t\t1\tNO\t0\t0"), "a.tsv:2"),  # no word in the entry
    (rows(SMALL, "a.tsv"), "a.tsv"),  # header only
    ({"a.tsv": ("NOT_A_KIND", ["Oslo\t\t1\tNO\t0\t0"])}, "unknown kind"),
])
def test_malformed_file_names_file_and_line(tmp_path: Path, broken: dict, where: str) -> None:
    folder = write_gazetteer(tmp_path / "g", broken)
    with pytest.raises(RulesError, match=where.replace(".", r"\.")):
        Gazetteer.load(folder, language="en")


@pytest.mark.parametrize("damage, message", [
    (lambda d: (d / "a.tsv").unlink(), "a.tsv: gazetteer file is missing"),
    (lambda d: (d / "gazetteer.toml").unlink(), "manifest is missing"),
    (lambda d: (d / "b.tsv").write_text("x"), "b.tsv is not listed"),
    (lambda d: (d / "gazetteer.toml").write_text("[files"), "cannot read gazetteer manifest"),
    (lambda d: (d / "gazetteer.toml").write_text("[other]\n"), "non-empty"),
    (lambda d: (d / "a.tsv").write_text("entry rank\nOslo\n"), "a.tsv:1: header"),
    (lambda d: (d / "a.tsv").write_text("\t".join(HEADER) + "\nOslo\t\t1\tNO\t0\t0"),
     "newline"),
    (lambda d: (d / "a.tsv").write_bytes(b"\xff\xfe"), "cannot read"),
])
def test_damaged_gazetteer_is_refused(tmp_path: Path, damage, message: str) -> None:
    folder = write_gazetteer(tmp_path / "g", SMALL)
    damage(folder)
    with pytest.raises(RulesError, match=message):
        Gazetteer.load(folder, language="en")


def test_unknown_language_or_no_directory_is_refused(fixture_dir: Path) -> None:
    with pytest.raises(RulesError, match="language"):
        Gazetteer.load(fixture_dir, language="de")
    with pytest.raises(RulesError, match="no directory"):
        Gazetteer.load(language="en")


# ---- the shipped data ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def shipped_en() -> Gazetteer:
    return Gazetteer.load(RULES / "common/gazetteer", RULES / "en/gazetteer", language="en")


@pytest.fixture(scope="module")
def shipped_nb() -> Gazetteer:
    return Gazetteer.load(RULES / "common/gazetteer", RULES / "nb/gazetteer", language="nb")


def test_shipped_data_loads_with_plausible_sizes(shipped_en: Gazetteer,
                                                 shipped_nb: Gazetteer) -> None:
    assert len(shipped_en) > 150_000  # ~88,000 census surnames + ~90,000 places
    assert len(shipped_nb) > 90_000
    for folder in ("common", "en", "nb"):
        assert (RULES / folder / "gazetteer" / "README.md").is_file()


@pytest.mark.parametrize("lang, word, kind", [
    ("en", "Smith", K.SURNAME), ("en", "James", K.FIRST_NAME), ("en", "Chandler", K.FIRST_NAME),
    ("en", "Reading", K.PLACE), ("en", "Norway", K.COUNTRY), ("en", "Scandinavia",
                                                              K.SUPRANATIONAL),
    ("en", "Avenue", K.STREET_WORD), ("en", "Yorkshire", K.REGION),
    ("nb", "Kari", K.FIRST_NAME), ("nb", "Hansen", K.SURNAME), ("nb", "Grünerløkka", K.PLACE),
    ("nb", "Tøyen", K.PLACE), ("nb", "Byåsen", K.PLACE), ("nb", "Trøndelag", K.REGION),
    ("nb", "Bærum", K.REGION), ("nb", "Storbritannia", K.COUNTRY), ("nb", "Norden",
                                                                  K.SUPRANATIONAL),
    ("nb", "Kirkeveien", K.STREET_SUFFIX), ("nb", "gate", K.STREET_WORD),
    ("nb", "Bø", K.PLACE), ("nb", "København", K.PLACE),
])
def test_shipped_data_knows(shipped_en: Gazetteer, shipped_nb: Gazetteer, lang: str, word: str,
                            kind: Kind) -> None:
    g = shipped_en if lang == "en" else shipped_nb
    assert kind in g.kinds_of(word)


def test_shipped_word_scores_separate_words_from_names(shipped_en: Gazetteer,
                                                       shipped_nb: Gazetteer) -> None:
    def score(g: Gazetteer, word: str) -> float:
        return max(e.word_score for e in g.lookup(word))

    for word in ("Will", "May", "Bill", "Bath", "Reading", "Nice", "Mobile", "Of"):
        assert score(shipped_en, word) >= 4.0, word
    for word in ("Oslo", "Geller", "Monica", "Trondheim"):
        assert score(shipped_en, word) == 0.0, word
    assert score(shipped_nb, "Bø") > 3.0 and score(shipped_nb, "Hell") > 3.0
    assert score(shipped_nb, "Moss") == 0.0 and score(shipped_nb, "Oslo") == 0.0
    (smith,) = shipped_en.find("Smith")
    assert smith.rank == 1
