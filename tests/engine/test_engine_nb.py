"""The Norwegian (bokmål) path end to end at engine level: our own NER model, the rules in
rules/nb, han/hun forms, Norwegian identifiers, and golden transcripts.

All names are invented. The daemon's end-to-end test of a Norwegian project is in
tests/daemon."""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_helpers import d_number, fnr, national_id

from anonymizer.engine.engine import Engine
from anonymizer.findings import EntityKind
from anonymizer.keys.keystore import InMemoryKeyStore
from anonymizer.settings import RewriteSettings, Settings

pytestmark = pytest.mark.integration

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "nb"
INPUTS = sorted(p for p in GOLDEN.glob("*.txt") if not p.name.endswith(".clean.txt"))


@pytest.fixture(scope="module")
def nb_engine(_shared_gazetteers) -> Engine:
    settings = Settings.model_validate({"project": {"language": "nb"}})
    return Engine.from_settings(settings, keystore=InMemoryKeyStore())


def fresh(engine: Engine, **rewrite: object) -> Engine:
    settings = engine.settings
    if rewrite:
        settings = settings.model_copy(update={"rewrite": RewriteSettings(**rewrite)})
        rulebook = engine.rulebook.with_pronoun_style(settings.rewrite.pronoun_style)
    else:
        rulebook = engine.rulebook
    return Engine(settings, rulebook, engine.pipeline, InMemoryKeyStore())


def test_the_norwegian_model_is_loaded_by_name(nb_engine: Engine) -> None:
    assert nb_engine.pipeline.model_name == "nb_transcript_ner"
    assert nb_engine.language == "nb"


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.stem)
def test_golden_transcript(nb_engine: Engine, path: Path) -> None:
    expected = path.with_name(path.stem + ".clean.txt").read_text(encoding="utf-8")
    outcome = fresh(nb_engine).anonymize(path.read_text(encoding="utf-8"))
    assert outcome.clean_text.rstrip("\n") == expected.rstrip("\n")


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.stem)
def test_golden_output_is_a_fixed_point(nb_engine: Engine, path: Path) -> None:
    clean = path.with_name(path.stem + ".clean.txt").read_text(encoding="utf-8")
    assert fresh(nb_engine).anonymize(clean).clean_text == clean


@pytest.mark.parametrize(("text", "expected"), [
    ("Han sa det.", "Han/hun sa det."),
    ("Jeg så henne i går.", "Jeg så ham/henne i går."),
    ("Hun ringte ham.", "Han/hun ringte ham/henne."),
    ("Det var hans bil, ikke hennes.", "Det var hans/hennes bil, ikke hans/hennes."),
    ("HUN KOM.", "HAN/HUN KOM."),
    ("Min mann kjørte.", "Min ektefelle kjørte."),
    ("Kona mi var syk.", "Ektefellen min var syk."),
    ("Vi så en mann i parken.", "Vi så en mann i parken."),
])
def test_pronouns_and_partner_words(nb_engine: Engine, text: str, expected: str) -> None:
    assert fresh(nb_engine).anonymize(text).clean_text == expected


def test_the_neutral_hen_style(nb_engine: Engine) -> None:
    engine = fresh(nb_engine, pronoun_style="neutral")
    assert engine.anonymize("Hun sa at hennes sønn likte ham.").clean_text == \
        "Hen sa at hens sønn likte hen."


@pytest.mark.parametrize(("fragment", "kind"), [
    (fnr(), EntityKind.ID_NUMBER),
    (d_number(), EntityKind.ID_NUMBER),
    (national_id(15, 3 + 40, 85), EntityKind.ID_NUMBER),  # H-number
    ("915 55 123", EntityKind.PHONE),
    ("91 55 51 23", EntityKind.PHONE),
    ("+47 91555123", EntityKind.PHONE),
    ("Munkegata 12", EntityKind.ADDRESS),
    ("Innherredsveien 7, 7014 Trondheim", EntityKind.ADDRESS),
    ("ola.normann@eksempel.no", EntityKind.EMAIL),
    ("www.eksempel.no/side", EntityKind.URL),
])
def test_norwegian_identifiers(nb_engine: Engine, fragment: str, kind: EntityKind) -> None:
    text = f"Informant: Det står her: {fragment}. Greit?"
    scan = fresh(nb_engine).scan(text)
    start = text.index(fragment)
    hits = [r for r in scan.replacements if r.start <= start and r.end >= start + len(fragment)]
    assert hits and hits[0].entity is kind, [(r.entity, text[r.start:r.end]) for r in
                                              scan.replacements]


def test_an_account_number_is_replaced_as_an_account(nb_engine: Engine) -> None:
    """Issue 16: kontonummer was never replaced; now whole, by its own check digit (not as a
    fødselsnummer)."""
    text = "Informant: Kontonummeret er 1234.56.78903, sa hun."
    scan = fresh(nb_engine).scan(text)
    ids = [r for r in scan.replacements if r.entity is EntityKind.ID_NUMBER]
    assert [(text[r.start:r.end], r.detector) for r in ids] == [
        ("1234.56.78903", "pattern:kontonummer")]


def test_a_capitalised_unknown_word_inside_a_sentence_is_a_name(nb_engine: Engine) -> None:
    text = "Informant: Jeg snakket med Torbjørg Kvalsvik om det i går."
    clean = fresh(nb_engine).anonymize(text).clean_text
    assert "Torbjørg" not in clean and "Kvalsvik" not in clean
    assert "[Person 1]" in clean


def test_places_get_sted_labels(nb_engine: Engine) -> None:
    clean = fresh(nb_engine).anonymize("Informant: Jeg bodde i Steinkjer og på Byåsen.").clean_text
    assert clean == "Informant: Jeg bodde i [Sted 1] og på [Sted 2]."
