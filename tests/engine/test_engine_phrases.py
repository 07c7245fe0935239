"""Whole-word, case-insensitive phrase matching (anonymizer/language/phrases.py): the roster's and the
consistency pass's matcher, and verification's."""

from __future__ import annotations

import pytest

from anonymizer.language.phrases import PhraseIndex, words


def spans(index: PhraseIndex, text: str, **kw) -> list[str]:
    return [text[m.start:m.end] for m in index.find(text, **kw)]


NAMES = PhraseIndex([("Eve", "eve"), ("Kari Nordmann", "kari"), ("Åse Ødegård", "aase"),
                     ("Anne-Lise", "annelise")])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Evening came.", []),
        ("In the evening Eve came.", ["Eve"]),
        ("Steve and Eve.", ["Eve"]),
        ("Eventually, eve.", ["eve"]),
        ("EVE shouted.", ["EVE"]),
        ("Eve's bag", ["Eve"]),
        ("Eve’s bag", ["Eve"]),  # typographic apostrophe
        ("eve's bag", ["eve"]),
        ("Kari Nordmann's car", ["Kari Nordmann"]),
        ("kari nordmann", ["kari nordmann"]),
        ("ÅSE ØDEGÅRD", ["ÅSE ØDEGÅRD"]),
        ("Anne-Lise came", ["Anne-Lise"]),
        ("Eve-Marie came", []),  # a hyphenated name is another name
        ("Eve2 is a username", []),
    ],
)
def test_whole_words_case_insensitive_with_possessives(text: str, expected: list[str]) -> None:
    assert spans(NAMES, text) == expected


def test_norwegian_genitive_s_matches_the_base_name() -> None:
    index = PhraseIndex([("Kari", 1)])
    assert spans(index, "Karis bil") == ["Kari"]
    match = index.find("Karis bil")[0]
    assert (match.start, match.end) == (0, 4)  # the label keeps the suffix: "[Person 1]s"


def test_genitive_s_can_be_switched_off() -> None:
    index = PhraseIndex([("Kari", 1)], genitive_s=False)
    assert spans(index, "Karis bil") == []
    assert spans(index, "Kari's bil") == ["Kari"]  # the apostrophe form always counts


def test_genitive_s_needs_a_base_longer_than_two_letters() -> None:
    # "Os" + s is not taken for a genitive: too short to be sure.
    assert spans(PhraseIndex([("Os", 1)]), "Oss") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kari Nordmann", ["Kari Nordmann"]),
        ("Kari   Nordmann", ["Kari   Nordmann"]),
        ("Kari\tNordmann", ["Kari\tNordmann"]),
        ("Kari\nNordmann", ["Kari\nNordmann"]),
        ("Kari, Nordmann", []),
        ("Kari. Nordmann", []),
        ("Kari-Nordmann", []),
        ("Kari (Nordmann)", []),
    ],
)
def test_multi_word_phrases_span_whitespace_but_not_punctuation(text: str,
                                                                 expected: list[str]) -> None:
    assert spans(PhraseIndex([("Kari Nordmann", 1)]), text) == expected


def test_longest_match_wins_and_carries_its_value() -> None:
    index = PhraseIndex([("Kari", "first"), ("Kari Nordmann", "full"), ("Nordmann", "last")])
    found = index.find("Then Kari Nordmann met Kari and Nordmann.")
    text = "Then Kari Nordmann met Kari and Nordmann."
    assert [(text[m.start:m.end], m.value) for m in found] == [
        ("Kari Nordmann", "full"), ("Kari", "first"), ("Nordmann", "last"),
    ]


def test_a_longer_phrase_that_does_not_complete_falls_back_to_the_shorter() -> None:
    index = PhraseIndex([("Kari", 1), ("Kari Nordmann Olsen", 2)])
    assert spans(index, "Kari Nordmann came") == ["Kari"]


def test_capitalised_only_skips_lower_case_occurrences() -> None:
    index = PhraseIndex([("Will", 1)])
    text = "Will said he will come. WILL?"
    assert spans(index, text, capitalised_only=True) == ["Will", "WILL"]
    assert spans(index, text) == ["Will", "will", "WILL"]


def test_offsets_are_exact_and_matches_do_not_overlap() -> None:
    text = "«Eve», Eve's, and eve"
    found = NAMES.find(text)
    assert [(m.start, m.end) for m in found] == [(1, 4), (7, 10), (18, 21)]


def test_size_counts_distinct_phrases_ignoring_case() -> None:
    index = PhraseIndex([("Eve", 1), ("EVE", 2), ("Kari Nordmann", 3), ("", 4), ("...", 5)])
    assert len(index) == 2
    assert spans(index, "eve") == ["eve"]
    assert index.find("eve")[0].value == 2  # the later registration of the same phrase wins


def test_empty_index_finds_nothing() -> None:
    assert PhraseIndex().find("Eve and Kari") == []


def test_words_are_casefolded_and_keep_inner_apostrophes_and_hyphens() -> None:
    assert words("Kari O'Neill-Berg, STRASSE") == ["kari", "o'neill-berg", "strasse"]
