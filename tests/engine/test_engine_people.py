"""One person, one number, in every transcript of a study (issue 14, items 1-3; real model).

A small three-wave study on one key store: the registered participant Margaret Ellison, people
around her named in full in one transcript and by a short form in the next, a hospital found
whole in one transcript and in pieces in another. Names are invented.
"""

from __future__ import annotations

import pytest

from anonymizer.engine.people import AMBIGUOUS_NAME
from anonymizer.findings import EntityKind
from anonymizer.keys.keystore import IdentityKind, InMemoryKeyStore

pytestmark = pytest.mark.integration

WAVE1 = ("Interviewer: Thank you for coming in, Margaret. How is the back?\n"
         "Margaret Ellison: Better. Tom Whitaker, my physio, says so. Mark Bentley drove me "
         "to Leeds General Infirmary. Joan Ellison came too.\n")


def study_engine(make_engine):  # noqa: ANN001, ANN201 - fixture factory, Engine
    keystore = InMemoryKeyStore()
    keystore.add(IdentityKind.PARTICIPANT, ["Margaret Ellison"], 1)
    engine = make_engine(keystore=keystore)
    engine.anonymize(WAVE1)
    return engine


def labels_of(engine, text: str, surface: str) -> set[str]:  # noqa: ANN001
    """The labels every occurrence of ``surface`` in ``text`` got (possessive 's dropped)."""
    scan = engine.anonymize(text).scan
    out = set()
    for r in scan.replacements:
        found = text[r.start:r.end]
        if found == surface or found.removesuffix("'s") == surface:
            out.add(r.text.removesuffix("'s"))
    return out


@pytest.mark.parametrize(("later", "surface", "label"), [
    ("Margaret Ellison: Tom said I should rest.\n", "Tom", "[Person 1]"),
    ("Margaret Ellison: Mr Whitaker's advice helped.\n", "Mr Whitaker", "[Person 1]"),
    ("Margaret Ellison: Whitaker is kind.\n", "Whitaker", "[Person 1]"),
    ("Margaret Ellison: Mark came again.\n", "Mark", "[Person 2]"),
    ("Margaret Ellison: I saw Dr Bentley there.\n", "Bentley", "[Person 2]"),
    ("Margaret Ellison: Joan phoned.\n", "Joan", "[Person 3]"),
    ("Interviewer: Thanks for coming in, Margaret.\n", "Margaret", "[Participant 1]"),
    ("Interviewer: Hello Maggie, welcome back.\n", "Maggie", "[Participant 1]"),
    ("Interviewer: So, Margaret's husband drove?\n", "Margaret", "[Participant 1]"),
])
def test_a_later_transcript_reuses_the_number_of_every_name_form(
        make_engine, later: str, surface: str, label: str) -> None:
    engine = study_engine(make_engine)
    assert labels_of(engine, later, surface) == {label}


def test_the_first_name_after_in_is_the_participant_not_a_place(make_engine) -> None:
    keystore = InMemoryKeyStore()
    keystore.add(IdentityKind.PARTICIPANT, ["Margaret Ellison"], 1)
    clean = make_engine(keystore=keystore).anonymize(WAVE1).clean_text
    assert clean.startswith("Interviewer: Thank you for coming in, [Participant 1]. ")
    assert "Participant 1: Better." in clean  # the speaker label stays a label


@pytest.mark.parametrize("text", [
    "Margaret Ellison: Em-Emily Carter helped me, and Em-Emily is kind.\n",
    "Margaret Ellison: K-Kari Nordmann came. K-K-Kari stayed.\n",
])
def test_a_stuttered_start_goes_with_the_name(make_engine, text: str) -> None:
    clean = study_engine(make_engine).anonymize(text).clean_text
    assert "Em" not in clean.replace("Ellison", "") and "K-" not in clean
    assert clean.count("[Person 4]") == 2


def test_a_place_split_in_pieces_keeps_its_whole_name_and_its_kind(make_engine) -> None:
    engine = study_engine(make_engine)
    text = "Margaret Ellison: Leeds General Infirmary was busy that day.\n"
    clean = engine.anonymize(text).clean_text
    assert clean == "Participant 1: [Organisation 1] was busy that day.\n"


def test_a_string_numbered_as_an_organisation_stays_one_where_found_as_a_place(
        make_engine) -> None:
    keystore = InMemoryKeyStore()
    keystore.assign(IdentityKind.ORGANISATION, ["Leeds"])
    engine = make_engine(keystore=keystore)
    scan = engine.anonymize("Margaret Ellison: We moved to Leeds in May.\n").scan
    kinds = {r.entity for r in scan.replacements if r.text.startswith("[")}
    assert kinds == {EntityKind.ORGANISATION}


def test_an_ambiguous_short_form_gets_its_own_label_and_a_flag(make_engine) -> None:
    engine = study_engine(make_engine)
    engine.anonymize("Margaret Ellison: My neighbour Tom Baker helped.\n")
    text = "Margaret Ellison: Tom phoned yesterday. Then Tom came round.\n"
    scan = engine.anonymize(text).scan
    toms = {r.text for r in scan.replacements if text[r.start:r.end] == "Tom"}
    assert len(toms) == 1 and toms.isdisjoint({"[Person 1]", "[Person 4]"})
    flags = [f for f in scan.flags if f.reason == AMBIGUOUS_NAME]
    assert [text[f.start:f.end] for f in flags] == ["Tom", "Tom"]
    assert "Tom" not in " ".join(f.detail for f in flags)  # a number, never the name
    again = engine.anonymize("Margaret Ellison: Tom again.\n").scan
    assert {r.text for r in again.replacements if r.text.startswith("[Person")} == toms


def test_a_second_tom_is_not_captured_by_the_first_toms_short_form(make_engine) -> None:
    engine = study_engine(make_engine)
    engine.anonymize("Margaret Ellison: Tom Whitaker and Tom came.\n")
    clean = engine.anonymize("Margaret Ellison: My neighbour Tom Baker helped.\n").clean_text
    assert clean == "Participant 1: My neighbour [Person 4] helped.\n"


@pytest.mark.parametrize(("language", "text", "name"), [
    ("en", "Margaret Ellison: my granddaughter Poppy visited on Sunday.\n", "Poppy"),
    ("en", "Margaret Ellison: The physio called Birdie was great.\n", "Birdie"),
    ("en", "Margaret Ellison: My carer Ashworth comes at nine.\n", "Ashworth"),
    ("en", "Margaret Ellison: My stepdaughter Saffie drives me.\n", "Saffie"),
])
def test_names_after_kin_and_role_words_are_replaced(make_engine, language: str, text: str,
                                                       name: str) -> None:
    keystore = InMemoryKeyStore()
    keystore.add(IdentityKind.PARTICIPANT, ["Margaret Ellison"], 1)
    clean = make_engine(keystore=keystore).anonymize(text).clean_text
    assert name not in clean and "[Person 1]" in clean


# -- found by the study benchmark (make bench: study) -----------------------------------------

def two_participants(make_engine):  # noqa: ANN001, ANN201
    keystore = InMemoryKeyStore()
    keystore.add(IdentityKind.PARTICIPANT, ["Margaret Ellison"], 1)
    keystore.add(IdentityKind.PARTICIPANT, ["Thomas Ackroyd"], 2)
    return make_engine(keystore=keystore)


def test_a_name_as_written_beats_a_diminutive_of_another_participant(make_engine) -> None:
    """"Tom" in Margaret's transcripts is her husband Tom Whitaker, named so before, not the
    participant Thomas (Tom is only a diminutive of Thomas)."""
    engine = two_participants(make_engine)
    engine.anonymize("Margaret Ellison: My husband Tom Whitaker drove.\n")
    assert labels_of(engine, "Margaret Ellison: Tom drove again.\n", "Tom") == {"[Person 1]"}


def test_the_participant_speaking_is_addressed_by_a_short_form(make_engine) -> None:
    engine = two_participants(make_engine)
    engine.anonymize("Margaret Ellison: My husband Tom Whitaker drove.\n")
    later = "Interviewer: Thank you for coming in, Tom.\nThomas: It was fine.\n"
    assert labels_of(engine, later, "Tom") == {"[Participant 2]"}


def test_a_full_name_joins_the_number_its_surname_got_alone(make_engine) -> None:
    engine = study_engine(make_engine)
    engine.anonymize("Margaret Ellison: I saw Dr Kapoor there.\n")
    (alone,) = labels_of(engine, "Margaret Ellison: Dr Kapoor again.\n", "Kapoor")
    assert labels_of(engine, "Margaret Ellison: Rajesh Kapoor was kind.\n",
                     "Rajesh Kapoor") == {alone}


def test_a_title_is_not_part_of_the_name_a_mention_is_tied_by(make_engine) -> None:
    engine = study_engine(make_engine)
    engine.anonymize("Margaret Ellison: I saw Sunil Mehta there.\n")
    text = "Margaret Ellison: I saw Dr Mehta at the clinic.\n"
    labels = {r.text for r in engine.anonymize(text).scan.replacements
              if "Mehta" in text[r.start:r.end]}
    assert labels == {"[Person 4]"}


def test_a_persons_name_tagged_a_place_is_that_person(make_engine) -> None:
    engine = study_engine(make_engine)
    text = ("Margaret Ellison: my wife sheila comes most days.\n"
            "Margaret Ellison: we drove over in sheila's car.\n")
    scan = engine.anonymize(text.lower()).scan
    kinds = {r.entity for r in scan.replacements if "sheila" in text[r.start:r.end]}
    assert kinds == {EntityKind.PERSON}


def test_a_registered_participant_is_addressed_by_a_short_form_in_lower_case(make_engine) -> None:
    keystore = InMemoryKeyStore()
    keystore.add(IdentityKind.PARTICIPANT, ["Robert Fairbairn"], 1)
    engine = make_engine(keystore=keystore)
    clean = engine.anonymize("interviewer: thank you for coming in, bob.\nrobert: fine.\n"
                             "interviewer: thank you, bob.\n").clean_text
    lines = clean.splitlines()
    assert lines[0] == "interviewer: thank you for coming in, [Participant 1]."
    assert lines[2] == "interviewer: thank you, [Participant 1]."
