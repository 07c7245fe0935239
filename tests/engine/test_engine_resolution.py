"""Resolution: mentions -> people -> numbers from the key store (real model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from anonymizer.findings import EntityKind
from anonymizer.keys.keystore import IdentityKind, InMemoryKeyStore
from anonymizer.rulebook import load_rulebook
from anonymizer.settings import PseudonymSettings, UnknownSpeaker

pytestmark = pytest.mark.integration


def people(scan, text: str) -> dict[str, set[int]]:
    """surface -> the numbers its PERSON replacements got."""
    out: dict[str, set[int]] = {}
    for r in scan.replacements:
        if r.entity is EntityKind.PERSON:
            surface = text[r.start:r.end]
            for suffix in ("'s", "’s"):  # a possessive carried into the label is not the name
                if surface.endswith(suffix) and r.text.endswith(suffix):
                    surface = surface[:-len(suffix)]
            out.setdefault(surface, set()).add(r.identity)
    return out


def test_all_mentions_of_one_person_get_one_number(make_engine) -> None:
    text = ("I met Kari Nordmann at the station. Kari's train was late, so Kari waited. "
            "Nordmann is a patient woman.")
    scan = make_engine().scan(text)
    found = people(scan, text)
    assert set(found) == {"Kari Nordmann", "Kari", "Nordmann"}
    assert len(set().union(*found.values())) == 1
    clean = make_engine().anonymize(text).clean_text
    assert clean == ("I met [Person 1] at the station. [Person 1]'s train was late, so "
                     "[Person 1] waited. [Person 1] is a patient woman.")


def test_two_people_get_two_numbers(make_engine) -> None:
    text = "I met Kari Nordmann and Ola Hansen. Kari liked Ola. Hansen left early."
    clean = make_engine().anonymize(text).clean_text
    assert clean == ("I met [Person 1] and [Person 2]. [Person 1] liked [Person 2]. "
                     "[Person 2] left early.")


def test_named_speaker_is_a_participant_in_labels_and_mentions(make_engine) -> None:
    text = ("Interviewer: Is Kari your full name?\n"
            "Kari Nordmann: Yes. Kari's fine. My friend Ola Hansen calls me Nordmann.\n")
    clean = make_engine().anonymize(text).clean_text
    assert clean == ("Interviewer: Is [Participant 1] your full name?\n"
                     "Participant 1: Yes. [Participant 1]'s fine. My friend [Person 1] calls "
                     "me [Participant 1].\n")


def test_unknown_speakers_can_be_other_people_by_setting(make_engine, session_engine) -> None:
    settings = session_engine.settings.model_copy(
        update={"pseudonyms": PseudonymSettings(unknown_speaker=UnknownSpeaker.PERSON)})
    clean = make_engine(settings=settings).anonymize(
        "Kari Nordmann: Hello.\nInterviewer: Hi Kari.").clean_text
    assert clean == "Person 1: Hello.\nInterviewer: Hi [Person 1]."


def test_numbers_are_stable_across_transcripts_on_one_key_store(make_engine) -> None:
    engine = make_engine()
    first = engine.anonymize("Kari Nordmann: I work with Ola Hansen in Oslo.\n").clean_text
    second = engine.anonymize(
        "Per Olsen: I know Ola Hansen, and Kari Nordmann said hello.\nInterviewer: From Oslo?\n"
    ).clean_text
    assert first == "Participant 1: I work with [Person 1] in [Place 1].\n"
    assert second == ("Participant 2: I know [Person 1], and [Participant 1] said hello.\n"
                      "Interviewer: From [Place 1]?\n")


def test_the_same_text_twice_gets_the_same_numbers(make_engine) -> None:
    engine = make_engine()
    text = "Kari Nordmann: I met Ola Hansen and Jonas Berg in Bergen and Oslo.\n"
    assert engine.anonymize(text).clean_text == engine.anonymize(text).clean_text


def test_registered_participant_keeps_the_fixed_number(make_engine) -> None:
    keystore = InMemoryKeyStore()
    keystore.add(IdentityKind.PARTICIPANT, ["Kari Nordmann"], number=7)
    text = "Kari Nordmann: Hello.\nInterviewer: Thank you, Kari Nordmann.\n"
    outcome = make_engine(keystore=keystore).anonymize(text)
    assert outcome.clean_text == "Participant 7: Hello.\nInterviewer: Thank you, [Participant 7].\n"
    assert outcome.scan.participants == (7,)


def test_registered_person_keeps_the_fixed_number(make_engine) -> None:
    keystore = InMemoryKeyStore()
    keystore.add(IdentityKind.PERSON, ["Ola Hansen"], number=12)
    clean = make_engine(keystore=keystore).anonymize(
        "I met Ola Hansen and Jonas Berg.").clean_text
    assert clean == "I met [Person 12] and [Person 13]."


def _snapshot(keystore: InMemoryKeyStore) -> list:
    return [(i.kind, i.number, i.names, i.registered) for i in keystore.identities()]


def test_scan_is_a_dry_run_that_leaves_the_key_store_alone(make_engine) -> None:
    keystore = InMemoryKeyStore()
    keystore.add(IdentityKind.PERSON, ["Eve"], number=3)
    before = _snapshot(keystore)
    engine = make_engine(keystore=keystore)
    text = "Kari Nordmann: I met Ola Hansen and Eve in Oslo.\n"
    scan = engine.scan(text)
    assert _snapshot(keystore) == before
    # numbers a dry run shows never belong to someone else
    by_surface = {text[r.start:r.end]: r.identity for r in scan.replacements}
    assert by_surface["Eve"] == 3
    assert by_surface["Ola Hansen"] == 4
    # ... and a real run afterwards assigns for real
    engine.anonymize(text)
    assert len(_snapshot(keystore)) > len(before)


def test_scan_many_keeps_each_text_to_itself(make_engine) -> None:
    engine = make_engine()
    scans = dict(engine.scan_many(["I met Ola Hansen.", "Then Jonas Berg came."]))
    assert [r.text for r in scans["I met Ola Hansen."].replacements] == ["[Person 1]"]
    assert [r.text for r in scans["Then Jonas Berg came."].replacements] == ["[Person 1]"]


def test_generic_labels_from_rules_change_the_output(make_engine, rules_copy: Path) -> None:
    labels = rules_copy / "en" / "labels.toml"
    text = labels.read_text(encoding="utf-8")
    assert 'mention = "[Place {n}]"' in text
    labels.write_text(text.replace('mention = "[Place {n}]"', 'mention = "[place]"')
                      .replace('mention = "[phone]"', 'mention = "[telephone number]"'),
                      encoding="utf-8")
    engine = make_engine(rulebook=load_rulebook(rules_copy, "en"))
    clean = engine.anonymize("We drove from Oslo to Trondheim. Call 915 55 123.").clean_text
    assert clean == "We drove from [place] to [place]. Call [telephone number]."
    # the new labels are the engine's own output: a second pass changes nothing
    assert engine.anonymize(clean).clean_text == clean


def test_policy_keep_leaves_a_kind_in_place(make_engine, rules_copy: Path) -> None:
    policy = rules_copy / "policy.toml"
    text = policy.read_text(encoding="utf-8")
    old = '[entities.DATE]\n# Calendar'
    assert old in text
    policy.write_text(text.replace('action = "generalise"', 'action = "keep"', 1),
                      encoding="utf-8")
    engine = make_engine(rulebook=load_rulebook(rules_copy, "en"))
    outcome = engine.anonymize("It started on 12 March 2013 in Oslo.")
    assert outcome.clean_text == "It started on 12 March 2013 in [Place 1]."
    assert [f.entity for f in outcome.scan.kept] == [EntityKind.DATE]


def test_a_first_name_mislabelled_by_the_model_still_joins_its_person(make_engine) -> None:
    clean = make_engine().anonymize("My friend Ingrid Solberg said so. Ingrid agreed.").clean_text
    assert clean == "My friend [Person 1] said so. [Person 1] agreed."


def test_the_first_name_of_a_mislabelled_full_name_does_not_leak(make_engine) -> None:
    text = ("Sigrid Halvorsen: My manager, Astrid Lunde, moved me to the day shift. "
            "Astrid is kind.\n")
    clean = make_engine().anonymize(text).clean_text
    assert "Astrid" not in clean


def test_a_role_label_before_a_tab_is_never_replaced(make_engine) -> None:
    text = "Interviewer\tHow do you feel?\nRespondent\tTired. I slept badly.\n"
    assert make_engine().anonymize(text).clean_text == text


def test_registered_names_with_ordinary_words_do_not_block_later_transcripts(make_engine):
    """A participant registered from a speaker label like "Delivery Person": its ordinary
    words are not matched alone, and our own "[Person 1]" label is never a leftover."""
    from anonymizer.keys.keystore import IdentityKind, InMemoryKeyStore

    keystore = InMemoryKeyStore()
    keystore.add(IdentityKind.PARTICIPANT, ["Delivery Person"])
    keystore.add(IdentityKind.PARTICIPANT, ["Kari Nordmann"])
    engine = make_engine(keystore=keystore)
    clean = engine.anonymize("P: The delivery was late, said Nordmann to Ola Hansen.\n").clean_text
    assert "delivery was late" in clean and "Nordmann" not in clean
    assert "[Participant 2]" in clean and "[Person 1]" in clean
