"""Verification fails closed: anything identifying left in the clean text stops the release,
and the error names the kind of leftover and its offset, never the leftover itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from engine_helpers import d_number, fnr

from anonymizer.engine.verify import LeakKind
from anonymizer.errors import VerificationError
from anonymizer.findings import EntityKind
from anonymizer.keys.keystore import IdentityKind, InMemoryKeyStore
from anonymizer.rulebook import load_rulebook
from anonymizer.settings import RewriteSettings, RulesSettings

pytestmark = pytest.mark.integration

TEXT = ("Kari Nordmann: I met Ola Hansen in Oslo. Mail kn@example.no or call 915 55 123.\n"
        f"Interviewer: And the number?\nKari Nordmann: My D-number is {d_number()} and she "
        "knows it.\n")

# kind dropped -> (surface that stays, what the message must call it)
DROPS = {
    "speaker label": (EntityKind.PERSON, "Kari Nordmann", LeakKind.DETECTED_STRING),
    "person": (EntityKind.PERSON, "Ola Hansen", LeakKind.DETECTED_STRING),
    "place": (EntityKind.LOCATION, "Oslo", LeakKind.DETECTED_STRING),
    "e-mail": (EntityKind.EMAIL, "kn@example.no", LeakKind.CONTACT_OR_ID),
    "phone": (EntityKind.PHONE, "915 55 123", LeakKind.CONTACT_OR_ID),
    "D-number": (EntityKind.ID_NUMBER, d_number(), LeakKind.CONTACT_OR_ID),
    "pronoun": (EntityKind.PRONOUN, "she", LeakKind.PRONOUN),
}


@pytest.mark.parametrize(("kind", "surface", "leak"), DROPS.values(), ids=DROPS.keys())
def test_a_dropped_replacement_is_refused_naming_kind_and_offset_only(
    make_engine, kind: EntityKind, surface: str, leak: LeakKind
) -> None:
    engine = make_engine()
    scan = engine.scan(TEXT)
    assert engine.rewriter.apply(TEXT, scan.replacements).text  # complete: no error
    engine.verify(TEXT, scan, engine.rewriter.apply(TEXT, scan.replacements).text)

    index = next(i for i, r in enumerate(scan.replacements)
                 if r.entity is kind and TEXT[r.start:r.end] == surface)
    kept = [r for i, r in enumerate(scan.replacements) if i != index]
    clean = engine.rewriter.apply(TEXT, kept).text
    assert surface in clean

    with pytest.raises(VerificationError) as caught:
        engine.verify(TEXT, scan, clean, where="interview-17")
    message = str(caught.value)
    assert message.startswith("interview-17: ")
    assert leak.value in message
    assert f"first at offset {clean.index(surface)}" in message
    for word in re.findall(r"\w+", surface):
        if len(word) > 2:
            assert word.casefold() not in message.casefold(), message


def test_anonymize_refuses_a_roster_name_that_the_project_allows(
    make_engine, session_engine, tmp_path: Path
) -> None:
    allow = tmp_path / "project_allow.txt"
    allow.write_text("# generic words of this project\nHope\n", encoding="utf-8")
    rulebook = load_rulebook(session_engine.rulebook.directory, "en", allow)
    settings = session_engine.settings.model_copy(
        update={"rules": RulesSettings(project_allow=allow)})
    keystore = InMemoryKeyStore()
    keystore.add(IdentityKind.PARTICIPANT, ["Hope"])
    engine = make_engine(keystore=keystore, settings=settings, rulebook=rulebook)
    with pytest.raises(VerificationError) as caught:
        engine.anonymize("Interviewer: Did Hope come today?\nP: Yes.\n")
    message = str(caught.value)
    assert LeakKind.REGISTERED_NAME.value in message
    assert "offset 17" in message
    assert "hope" not in message.casefold()


# leftover contact data or ID numbers in a clean text
LEFTOVERS = {
    "e-mail": "write to kari.n@example.com please",
    "URL": "see https://example.org/kari please",
    "Norwegian phone": "call 915 55 123 please",
    "Norwegian phone +47": "call +47 91555123 please",
    "UK phone": "call +44 20 7946 0958 please",
    "fødselsnummer": f"id {fnr()} please",
    "D-number": f"id {d_number()} please",
    "street address": "at 12 Baker Street please",
}


@pytest.mark.parametrize("clean", LEFTOVERS.values(), ids=LEFTOVERS.keys())
def test_leftover_contact_data_in_clean_text_is_caught(make_engine, clean: str) -> None:
    engine = make_engine()
    scan = engine.scan("Hello.")
    with pytest.raises(VerificationError, match=LeakKind.CONTACT_OR_ID.value):
        engine.verify("Hello.", scan, clean)


@pytest.mark.parametrize("clean", ["write to kari.n@example.com please", "call 915 55 123 please"])
def test_one_leftover_is_counted_once(make_engine, clean: str) -> None:
    engine = make_engine()
    with pytest.raises(VerificationError, match=r": 1 contact data or ID number remain"):
        engine.verify("Hello.", engine.scan("Hello."), clean)


@pytest.mark.parametrize(
    "clean",
    ["she said so", "I told her", "His book", "the car is hers", "HE LEFT", "he'll come",
     "she’s here", "He hurt himself"],
)
def test_a_bare_pronoun_is_caught(make_engine, clean: str) -> None:
    engine = make_engine()
    with pytest.raises(VerificationError, match=LeakKind.PRONOUN.value):
        engine.verify("Hello.", engine.scan("Hello."), clean)


@pytest.mark.parametrize(
    "clean",
    ["he/she said so", "I told him/her", "His/her book", "the car is his/hers",
     "HE/SHE LEFT", "he/she'll come", "He/she hurt himself/herself",
     "There, the shelter, the theme, hershey, Chester",  # pronouns inside words are words
     "Participant 3: [Person 1] met [Place 2] at [address]; [phone], [e-mail], 40–49"],
)
def test_slash_forms_and_labels_pass(make_engine, clean: str) -> None:
    engine = make_engine()
    engine.verify("Hello.", engine.scan("Hello."), clean)


def test_with_pronouns_switched_off_a_pronoun_is_no_leak(make_engine, session_engine) -> None:
    settings = session_engine.settings.model_copy(
        update={"rewrite": RewriteSettings(pronouns=False)})
    engine = make_engine(settings=settings)
    engine.verify("Hello.", engine.scan("Hello."), "she said so")


def test_a_detected_name_in_another_case_is_caught_in_a_lower_case_transcript(make_engine) -> None:
    text = "interviewer: so\nkari: yes\ninterviewer: ok\nkari: i met ola hansen there\n"
    engine = make_engine()
    scan = engine.scan(text)
    clean = engine.rewriter.apply(text, scan.replacements).text
    engine.verify(text, scan, clean)
    with pytest.raises(VerificationError, match=LeakKind.DETECTED_STRING.value):
        engine.verify(text, scan, clean + "and Kari too\n")


# A speaker label this transcript numbers as a new participant ("Treatment:" in a report that
# is not an interview, or a speaker nobody registered) is checked as what detection replaced;
# the roster it was never matched against does not refuse its ordinary word in the text.
NEW_LABEL = ("Treatment: none of the patients stopped early.\n"
             "Interviewer: And how did the treatment go?\n"
             "Treatment: the treatment was given twice a week.\n")


def test_a_label_numbered_in_this_transcript_does_not_refuse_its_word(make_engine) -> None:
    engine = make_engine()
    outcome = engine.anonymize(NEW_LABEL)
    assert outcome.clean_text.count("Participant 1:") == 2
    assert "the treatment go" in outcome.clean_text  # an ordinary word, not the participant


def test_the_next_transcript_still_refuses_a_registered_name_left_in(make_engine) -> None:
    engine = make_engine()
    engine.anonymize(NEW_LABEL)  # "Treatment" is now a participant of the study
    scan = engine.scan("Interviewer: Hello.\nP: Treatment came by.\n", dry_run=True)
    clean = engine.rewriter.apply("Interviewer: Hello.\nP: Treatment came by.\n", ()).text
    with pytest.raises(VerificationError, match=LeakKind.REGISTERED_NAME.value):
        engine.verify("Interviewer: Hello.\nP: Treatment came by.\n", scan, clean)
