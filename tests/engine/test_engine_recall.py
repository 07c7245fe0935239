"""Detection beyond the NER model (issue 3): gazetteer names judged by context, places, the
lower-case path, consistency inside a transcript, residual-risk flags and allow lists.

Each detector has positive and negative cases; the context cases are the point: a common word
that is also a name ("Will", "May", "Nice", "Reading") must be judged by its context, never
replaced blindly. Invented names only."""

from __future__ import annotations

from pathlib import Path

import pytest

from anonymizer.engine.engine import Engine
from anonymizer.keys.keystore import InMemoryKeyStore
from anonymizer.settings import Settings

pytestmark = pytest.mark.integration

LOWER = Path(__file__).resolve().parent.parent / "golden" / "en_lower"


def clean(engine: Engine, text: str) -> str:
    return engine.anonymize(text).clean_text


@pytest.fixture
def engine(make_engine) -> Engine:
    return make_engine()


@pytest.mark.parametrize(("text", "gone"), [
    # a title, role or introducer before a name
    ("P: Then Mr Brekkestø called me.", "Brekkestø"),
    ("P: Professor Ulvik said so.", "Ulvik"),
    ("P: I saw a physio called Ingeborg twice.", "Ingeborg"),
    ("P: My friend Torstein came along.", "Torstein"),
    ("P: Her name is Hjørdis, I think.", "Hjørdis"),
    # a greeting or thanks before a name spoken to
    ("P: Thanks, Ragnhild.", "Ragnhild"),
    ("P: Hi Sigvart, come in.", "Sigvart"),
    # a first name from the gazetteer, and the surname after it
    ("P: I went with Emily Strand to the shop.", "Strand"),
    ("P: We met Sidney Marks there.", "Marks"),
    # a name that is an ordinary word, with evidence: tagger's proper noun mid-sentence,
    # a surname after it
    ("P: I told Grace about it.", "Grace"),
    ("P: Theresa May came late.", "May"),
    # inside a sentence, a capitalised word before a listed surname is the given name, even
    # one no list holds or one that is also a word
    ("P: I met Per Olsen yesterday.", "met Per"),
    ("P: We phoned Tormod Haugen twice.", "Tormod"),
])
def test_names_found_by_context(engine: Engine, text: str, gone: str) -> None:
    assert gone not in clean(engine, text)


@pytest.mark.parametrize(("text", "kept"), [
    ("P: Will you come tomorrow?", "Will"),
    ("P: May I ask something?", "May"),
    ("P: Grace under pressure, that is what it takes.", "Grace"),
    ("P: The Member States agreed.", "Member States"),
    # no given name: a sentence opener, a word before a first name, a country after
    ("P: Then Olsen said no.", "Then"),
    ("P: Oh God Monica, hi!", "God"),
    ("P: In a number of Member States Portugal will struggle.", "Member States"),
    ("P: I will see you in March.", "March"),
    ("P: It was on a Sunday, I think.", "Sunday"),
    ("P: She speaks Spanish at home.", "Spanish"),
    ("P: I miss the bus every day.", "miss"),
])
def test_ordinary_words_are_not_taken_for_names(engine: Engine, text: str, kept: str) -> None:
    assert kept in clean(engine, text)


@pytest.mark.parametrize(("text", "gone"), [
    ("P: We drove to Trondheim.", "Trondheim"),
    ("P: She moved to Reading last year.", "Reading"),
    ("P: We went to Nice in the summer.", "Nice"),
    ("P: My cousin lives in Byåsen now.", "Byåsen"),
    ("P: It happened in Zimbabwe.", "Zimbabwe"),
])
def test_places(engine: Engine, text: str, gone: str) -> None:
    assert gone not in clean(engine, text)


@pytest.mark.parametrize(("text", "kept"), [
    ("P: Nice to meet you.", "Nice"),
    ("P: Reading is hard for me now.", "Reading"),
    ("P: We went to the bath house.", "bath"),
])
def test_place_names_that_are_ordinary_words_need_context(engine: Engine, text: str,
                                                         kept: str) -> None:
    assert kept in clean(engine, text)


def test_a_name_found_once_is_replaced_everywhere(engine: Engine) -> None:
    text = "I: Who is Ingvild Storaas?\nP: Ingvild is my neighbour. Storaas is her maiden name."
    out = clean(engine, text)
    assert "Ingvild" not in out and "Storaas" not in out
    assert out.count("[Person 1]") == 3


def test_nickname_of_a_speaker(engine: Engine) -> None:
    text = "Monica Bergvik: Hello.\nPer: Mon, are you there?\n"
    assert "Mon," not in clean(engine, text)


def test_drawn_out_name_of_a_speaker(engine: Engine) -> None:
    text = "Ross Aune: Hello.\nPer: Rosss, come back!\n"
    assert "Rosss" not in clean(engine, text)


@pytest.mark.parametrize("path", sorted(p for p in LOWER.glob("*.txt")
                                        if not p.name.endswith(".clean.txt")), ids=lambda p: p.stem)
def test_lower_case_golden_transcript(engine: Engine, path: Path) -> None:
    expected = path.with_name(path.stem + ".clean.txt").read_text(encoding="utf-8")
    assert clean(engine, path.read_text(encoding="utf-8")).rstrip("\n") == expected.rstrip("\n")


@pytest.mark.parametrize(("text", "gone"), [
    ("interviewer: hello\nparticipant: i met mr brekkestø at the office\n", "brekkestø"),
    ("interviewer: hello\nparticipant: then mrbrekkestø said no\n", "mrbrekkestø"),
    ("interviewer: hello\nparticipant: the report by gualtieri was good\n", "gualtieri"),
    ("interviewer: hello\nparticipant: we flew to greece and then to tromsø\n", "greece"),
])
def test_lower_case_names_without_capitals(engine: Engine, text: str, gone: str) -> None:
    assert gone not in clean(engine, text)


def test_lower_case_keeps_ordinary_words(engine: Engine) -> None:
    text = "interviewer: hello\nparticipant: i will take the bus to work and may walk home\n"
    assert clean(engine, text) == text


def test_residual_risk_flags(engine: Engine) -> None:
    text = ("P: I work as a lighthouse keeper, I have ALS, and in 2011 we moved "
            "to the Pemberwick area near the bridge.")
    scan = engine.scan(text)
    reasons = {(text[f.start:f.end], f.reason) for f in scan.flags}
    replaced = {text[r.start:r.end] for r in scan.replacements}
    flagged = {text[f.start:f.end] for f in scan.flags}
    assert ("lighthouse keeper", "occupation") in reasons
    assert ("ALS", "diagnosis") in reasons or "ALS" in replaced
    assert ("2011", "number") in reasons
    assert "Pemberwick" in replaced | flagged  # replaced, or at least flagged for review
    assert not replaced & flagged  # a flag is never also a replacement


def test_project_allow_list(make_engine, session_engine, tmp_path: Path) -> None:
    allow = tmp_path / "allow.txt"
    allow.write_text("# clinic words\nRyggskolen\n", encoding="utf-8")
    settings = Settings.model_validate({"rules": {"project_allow": str(allow)}})
    from anonymizer.rulebook import load_rulebook

    rulebook = load_rulebook(session_engine.rulebook.directory, "en", allow)
    engine = Engine(settings, rulebook, session_engine.pipeline, InMemoryKeyStore())
    text = "P: I went to Ryggskolen with Ingvild Storaas."
    out = clean(engine, text)
    assert "Ryggskolen" in out and "Storaas" not in out
    assert clean(make_engine(), text).count("Ryggskolen") == 0
