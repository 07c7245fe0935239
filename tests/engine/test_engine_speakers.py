"""Speaker turns (anonymizer/detectors/speakers.py): which line starts are labels, which
labels are roles (kept) and which are people (replaced)."""

from __future__ import annotations

import pytest

from anonymizer.detectors.speakers import parse_turns, speaker_findings
from anonymizer.findings import EntityKind, Role
from anonymizer.rulebook import Rulebook, default_rules_dir, load_rulebook


@pytest.fixture(scope="module")
def rulebook() -> Rulebook:
    return load_rulebook(default_rules_dir(), "en")


def labels(text: str, rulebook: Rulebook, *, lower_case: bool = False) -> list[tuple[str, bool]]:
    turns = parse_turns(text, rulebook.speaker_roles, rulebook.max_label_words,
                        lower_case=lower_case, particles=frozenset(rulebook.names.particles))
    return [(text[t.label_start:t.label_end], t.is_role) for t in turns]


PERSON, ROLE = False, True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kari Nordmann: I was tired.", [("Kari Nordmann", PERSON)]),
        ("Kari: I was tired.", [("Kari", PERSON)]),
        ("I: Tell me more.", [("I", ROLE)]),
        ("P: Well, yes.", [("P", ROLE)]),
        ("Interviewer: Tell me more.", [("Interviewer", ROLE)]),
        ("INTERVIEWER: Tell me more.", [("INTERVIEWER", ROLE)]),
        ("Interviewer 2: And then?", [("Interviewer 2", ROLE)]),
        ("P3: Yes.", [("P3", ROLE)]),
        ("Participant 12: Yes.", [("Participant 12", ROLE)]),
        ("[00:01:02] Kari: Hello.", [("Kari", PERSON)]),
        ("00:01:02 Kari: Hello.", [("Kari", PERSON)]),
        ("[01:02] I: Hello.", [("I", ROLE)]),
        ("Kari (00:01:02): Hello.", [("Kari", PERSON)]),
        ("Kari\tHello there.", [("Kari", PERSON)]),
        ("Interviewer\tHello there.", [("Interviewer", ROLE)]),
        ("  Kari: indented.", [("Kari", PERSON)]),
        ("Kari:", [("Kari", PERSON)]),  # an empty turn
        ("Mary-Jane O'Neill: Hi.", [("Mary-Jane O'Neill", PERSON)]),
        ("Anne van der Berg: Hi.", [("Anne van der Berg", PERSON)]),
        ("Kari Anne Nordmann Berg: Hi.", [("Kari Anne Nordmann Berg", PERSON)]),
        # header lines are kept, not taken for speakers
        ("Project: Living with back pain", [("Project", ROLE)]),
        ("Date: 12 March 2013", [("Date", ROLE)]),
        ("Transcribed by: the project team", [("Transcribed by", ROLE)]),
        ("Location: a meeting room", [("Location", ROLE)]),
        # not labels
        ("I said this: it was fine.", []),
        ("So the point: none.", []),
        ("It was 10:30: late.", []),
        ("Kari:no space after the colon", []),
        ("Kari Anne Nordmann Berg Olsen: five words is more than a label", []),
        ("He said Kari: come here.", []),
    ],
)
def test_turn_labels(text: str, expected: list[tuple[str, bool]], rulebook: Rulebook) -> None:
    assert labels(text, rulebook) == expected


def test_question_and_answer_labels_are_roles(rulebook: Rulebook) -> None:
    assert labels("Question: How are you?\nAnswer: Fine.", rulebook) == [
        ("Question", ROLE), ("Answer", ROLE)]


def test_offsets_in_a_transcript(rulebook: Rulebook) -> None:
    text = "Interviewer: Hi.\n[00:00:05] Kari Nordmann: Hello.\nKari Nordmann: Again."
    turns = parse_turns(text, rulebook.speaker_roles, rulebook.max_label_words)
    assert [(t.line_start, t.label_start, t.label_end) for t in turns] == [
        (0, 0, 11), (17, 28, 41), (50, 50, 63)]
    assert text[turns[1].body_start:].startswith("Hello.")


def test_only_person_labels_become_speaker_findings(rulebook: Rulebook) -> None:
    text = "Interviewer: Hi.\nKari: Hello.\nP: Yes."
    findings = speaker_findings(parse_turns(text, rulebook.speaker_roles,
                                            rulebook.max_label_words))
    assert [(text[f.start:f.end], f.entity, f.role) for f in findings] == [
        ("Kari", EntityKind.PERSON, Role.SPEAKER)]


def test_lower_case_transcript_needs_a_repeated_label(rulebook: Rulebook) -> None:
    once = "interviewer: so?\nkari: yes\ninterviewer: ok"
    assert labels(once, rulebook, lower_case=True) == [("interviewer", ROLE), ("interviewer", ROLE)]
    twice = once + "\nkari: no"
    assert labels(twice, rulebook, lower_case=True) == [
        ("interviewer", ROLE), ("kari", PERSON), ("interviewer", ROLE), ("kari", PERSON)]


def test_lower_case_sentence_with_a_colon_is_not_a_label(rulebook: Rulebook) -> None:
    text = "well: it was fine\ni: ok\nwell anyway"
    assert labels(text, rulebook, lower_case=True) == [("i", ROLE)]


def test_lower_case_names_are_not_labels_in_a_cased_transcript(rulebook: Rulebook) -> None:
    assert labels("kari: yes\nkari: no", rulebook) == []
