"""Gaps the study benchmark showed (issue 14; `python -m anonymizer.benchmarks.study --explain`).

Each test is text of its own, on the real model: one way a name variant got a second label,
another kind, or no label at all. Names are invented.
"""

from __future__ import annotations

import pytest

from anonymizer.engine.people import JOIN_SUGGESTED
from anonymizer.keys.keystore import IdentityKind, InMemoryKeyStore

pytestmark = pytest.mark.integration


def registered(make_engine, *names: str):  # noqa: ANN001, ANN201 - fixture factory, Engine
    keystore = InMemoryKeyStore()
    for number, name in enumerate(names, 1):
        keystore.add(IdentityKind.PARTICIPANT, [name], number)
    return make_engine(keystore=keystore)


def labels(engine, text: str, word: str) -> list[str]:  # noqa: ANN001
    """The label of each replacement whose text holds ``word`` ("'s" dropped)."""
    scan = engine.anonymize(text).scan
    return [r.text.removesuffix("'s") for r in scan.replacements
            if word in text[r.start:r.end].casefold()]


@pytest.mark.parametrize("text", [
    "doreen: my wife brenda comes most days.\ndoreen: we went in brenda's car.\n",
    "doreen: d-dorothy said i should rest.\ndoreen: we went in dorothy's car.\n",
])
def test_in_lower_case_a_verb_after_a_first_name_is_not_its_surname(make_engine,
                                                                       text: str) -> None:
    engine = registered(make_engine, "Doreen Oakes")
    word = "brenda" if "brenda" in text else "dorothy"
    found = labels(engine, text, word)
    assert len(found) == 2 and len(set(found)) == 1, found
    clean = engine.anonymize(text).clean_text
    assert " comes most days" in clean or " said i should" in clean


def test_a_word_of_a_full_name_numbered_before_is_a_person_not_a_place(make_engine) -> None:
    """"and Wayne does the shopping": Wayne is a town somewhere and "and" a place cue, but
    Wayne Hebblethwaite was named in full in an earlier transcript."""
    engine = registered(make_engine, "Doreen Oakes")
    (first,) = labels(engine, "Doreen Oakes: My son Wayne Hebblethwaite helps me.\n", "wayne")
    later = "Doreen Oakes: My wife comes most days, and Wayne does the shopping.\n"
    assert labels(engine, later, "wayne") == [first]


def test_a_word_of_a_full_name_numbered_before_is_found_again_without_a_cue(make_engine) -> None:
    engine = registered(make_engine, "Doreen Oakes")
    (first,) = labels(engine, "Doreen Oakes: I saw Dr Okafor and Sunil Mehta there.\n", "sunil")
    later = "Doreen Oakes: I saw Dr Mehta at the clinic. Sunil was very good with me.\n"
    assert labels(engine, later, "sunil") == [first]
    lower = "doreen oakes: the clinic was busy. sunil was very good with me.\n"
    assert labels(engine, lower, "sunil") == [first]


def test_an_ordinary_word_numbered_before_as_a_name_needs_a_cue(make_engine) -> None:
    """"poppy" is a flower too: after "my granddaughter" it is the Poppy the study knows; alone
    it stays a word (the study's findings do not become a rule for ordinary words)."""
    engine = registered(make_engine, "Doreen Oakes")
    (first,) = labels(engine, "Doreen Oakes: My granddaughter Poppy Hebblethwaite visited.\n",
                      "poppy")
    later = "doreen oakes: my granddaughter poppy comes most days.\n"
    assert labels(engine, later, "poppy") == [first]
    assert labels(engine, "doreen oakes: the poppy in the garden is out.\n", "poppy") == []


@pytest.mark.parametrize(("first", "later"), [
    ("doreen oakes: i went to pontefract general infirmary twice.\n",
     "Doreen Oakes: Pontefract General Infirmary was busy.\n"),
    ("Doreen Oakes: Pontefract General Infirmary was busy.\n",
     "doreen oakes: i went to pontefract general infirmary twice.\n"),
])
def test_an_institution_first_met_in_lower_case_is_one_organisation(make_engine, first: str,
                                                                     later: str) -> None:
    engine = registered(make_engine, "Doreen Oakes")
    one = labels(engine, first, "pontefract")
    assert one == labels(engine, later, "pontefract") and len(one) == 1
    assert one[0].startswith("[Organisation")


def test_a_given_name_that_is_a_town_before_a_surname_is_one_person(make_engine) -> None:
    """"Tyler" is a town in the place lists and a given name; before a surname the roster knows
    (the participant's) it is the given name of one more person, and stays that person."""
    engine = registered(make_engine, "Edwin Oakes")
    first = labels(engine, "Edwin Oakes: Mostly Tyler Oakes, my grandson, helps.\n", "tyler")
    assert len(first) == 1 and first[0].startswith("[Person")
    assert labels(engine, "Edwin Oakes: Mostly Tyler, and he drives.\n", "tyler") == first
    lower = "edwin oakes: t-tyler said i should rest.\n"
    assert labels(engine, lower, "tyler") == first
    assert "t-" not in engine.anonymize(lower).clean_text
    # a place before a word no list has as a surname stays a place
    text = "edwin oakes: we watched the london olympics.\n"
    assert {r.entity.value for r in engine.anonymize(text).scan.replacements
            if text[r.start:r.end] == "london"} == {"LOCATION"}


def test_a_stuttered_start_of_a_place_goes_with_the_place(make_engine) -> None:
    engine = registered(make_engine, "Edwin Oakes")
    text = "edwin oakes: we went to l-leeds and then to leeds again.\n"
    assert engine.anonymize(text).clean_text == \
        "[Participant 1]: we went to [Place 1] and then to [Place 1] again.\n"


def test_a_given_name_numbered_before_its_full_name_is_flagged_for_a_merge(make_engine) -> None:
    """"Dr Okafor" and "rajesh" each got a number before "Rajesh Okafor" was ever said: the
    full name joins the surname's, later transcripts use it for "Rajesh" too, and the full
    name asks the steward to merge the given name's number into it."""
    engine = registered(make_engine, "Doreen Oakes")
    labels(engine, "Doreen Oakes: I saw Dr Okafor at the clinic.\n", "okafor")
    (alone,) = labels(engine, "doreen oakes: rajesh was very good with me.\n", "rajesh")
    text = "Doreen Oakes: I saw Rajesh Okafor at the clinic.\n"
    scan = engine.anonymize(text).scan
    (full,) = {r.text for r in scan.replacements if "Rajesh" in text[r.start:r.end]}
    assert full != alone
    flags = [f for f in scan.flags if f.reason == JOIN_SUGGESTED]
    number = lambda label: label.strip("[]").split()[1]  # noqa: E731
    assert [f.detail for f in flags] == [f"person {number(alone)} into person {number(full)}"]
    assert "Rajesh" not in flags[0].detail
    assert labels(engine, "Doreen Oakes: Rajesh phoned.\n", "rajesh") == [full]


@pytest.mark.parametrize(("text", "named"), [
    ("doreen oakes: and hazel does the shopping.\n", True),
    ("doreen oakes: we went in hazel's car.\n", True),
    ("doreen oakes: h-hazel said i should rest.\n", True),
    ("doreen oakes: the hazel is in flower.\n", False),
    ("doreen oakes: her eyes are hazel.\n", False),
])
def test_in_lower_case_a_known_name_that_is_a_word_stands_bare(make_engine, text: str,
                                                               named: bool) -> None:
    """"hazel" is a tree and a colour: only as a name the study knows (Hazel Oldfield), with
    no determiner before it and a possessive or a verb after it, is it her."""
    engine = registered(make_engine, "Doreen Oakes")
    (first,) = labels(engine, "Doreen Oakes: My wife Hazel Oldfield helps.\n", "hazel")
    assert labels(engine, text, "hazel") == ([first] if named else [])


def test_in_lower_case_an_ordinary_word_the_study_does_not_know_as_a_name_stays(
        make_engine) -> None:
    engine = registered(make_engine, "Doreen Oakes")
    assert labels(engine, "doreen oakes: and hazel does the shopping.\n", "hazel") == []


def test_a_model_span_over_a_place_and_a_person_is_cut_in_two(make_engine) -> None:
    """The model reads "Otley with Ruby" as one organisation; the place and the person in it
    keep the kinds they have elsewhere, and "Bank of England" keeps its joiner."""
    engine = registered(make_engine, "Doreen Oakes")
    text = "Doreen Oakes: Last month we had a week near Otley with Ruby. Clive's dog came too.\n"
    kinds = {text[r.start:r.end]: r.entity.value for r in engine.anonymize(text).scan.replacements
             if r.text.startswith("[")}
    assert kinds == {"Otley": "LOCATION", "Ruby": "PERSON", "Clive's": "PERSON"}
    text = "Doreen Oakes: We banked at the Bank of England.\n"
    assert "[Organisation" in engine.anonymize(text).clean_text and "England" not in \
        engine.anonymize(text).clean_text


def test_in_lower_case_a_model_span_does_not_end_in_a_verb(make_engine) -> None:
    engine = registered(make_engine, "Doreen Oakes")
    (first,) = labels(engine, "Doreen Oakes: My neighbour Eric Booth helps.\n", "eric")
    text = "doreen oakes: eric lives next door to us.\n"
    assert labels(engine, text, "eric") == [first]
    assert " lives next door" in engine.anonymize(text).clean_text


def test_a_hospital_the_model_reads_as_a_person_is_an_organisation(make_engine) -> None:
    engine = registered(make_engine, "Doreen Oakes")
    labels(engine, "Doreen Oakes: We went to Pontefract Royal Infirmary.\n", "pontefract")
    # the model reads it as a person after this speaker label (an unregistered speaker)
    text = "Wilfred Ibbotson: Pontefract Royal Infirmary, to see Dr Calverley. Ruth's lovely.\n"
    kinds = {r.entity.value for r in engine.anonymize(text).scan.replacements
             if "Pontefract" in text[r.start:r.end]}
    assert kinds == {"ORGANISATION"}


def test_the_studys_kind_of_a_known_name_beats_another_kind_on_the_same_span() -> None:
    """Item 2 of issue 14: the kind the study gave a name wins over a detector's guess."""
    from anonymizer.engine.study_names import study_names
    from anonymizer.findings import EntityKind, Finding
    from anonymizer.keys.keystore import Identity

    text = "We went to Harlow Ashdene again."
    start = text.index("Harlow")
    model = Finding(start, start + len("Harlow Ashdene"), EntityKind.PERSON, "spacy_ner", 0.85)
    known = [Identity(IdentityKind.ORGANISATION, 3, ("Harlow Ashdene",), registered=False)]
    claimed = study_names(text, [model], known, capitalised_only=True)
    assert [(f.start, f.end, f.entity) for f in claimed] == \
        [(model.start, model.end, EntityKind.ORGANISATION)]
    same = Finding(model.start, model.end, EntityKind.ORGANISATION, "spacy_ner", 0.85)
    assert study_names(text, [same], known, capitalised_only=True) == []


def test_a_known_name_that_is_a_month_stands_bare_in_cased_text(make_engine) -> None:
    """June Hardcastle is registered; "June" is a month too, so the roster does not match it
    alone: bare before a verb it is her, after a determiner or a preposition the month."""
    engine = registered(make_engine, "Doreen Oakes", "June Hardcastle")
    text = "Doreen Oakes: Or June does if Glen is at work.\n"
    assert labels(engine, text, "june") == ["[Participant 2]"]
    text = "Doreen Oakes: The June weather was bad.\n"
    assert labels(engine, text, "june") == []


def test_in_lower_case_a_relative_with_the_participants_surname_is_not_the_participant(
        make_engine) -> None:
    engine = registered(make_engine, "Deborah Oakes")
    text = "deborah oakes: or lily oakes does it if i cannot.\n"
    found = labels(engine, text, "oakes")
    assert len(found) == 2 and found[0] == "[Participant 1]"
    assert found[1].startswith("[Person") and "lily" not in engine.anonymize(text).clean_text


def test_in_lower_case_a_kin_word_before_a_known_name_is_not_its_given_name(make_engine) -> None:
    """"Son" is a listed given name too; after "my" it introduces Craig, it is not his name."""
    engine = registered(make_engine, "Deborah Oakes")
    (first,) = labels(engine, "Deborah Oakes: My son Craig Hebden helps.\n", "craig")
    text = "deborah oakes: mostly gillian, and my son craig pops round.\n"
    assert labels(engine, text, "craig") == [first]
    assert " my son [Person" in engine.anonymize(text).clean_text
