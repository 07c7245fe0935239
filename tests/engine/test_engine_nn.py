"""Nynorsk and spoken dialect at engine level: rules/nn with the real (bokmål-trained) NER
model, the nynorsk pronouns and their slash forms, dialect pronouns and pronominal articles in
both written standards, and the lower-case speech rules.

All names and sentences are invented for these tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from anonymizer.engine.engine import Engine
from anonymizer.errors import RulesError
from anonymizer.findings import EntityKind
from anonymizer.keys.keystore import InMemoryKeyStore
from anonymizer.rulebook import default_rules_dir, load_rulebook
from anonymizer.settings import RewriteSettings, Settings

pytestmark = pytest.mark.integration


def _engine(language: str) -> Engine:
    settings = Settings.model_validate({"project": {"language": language}})
    return Engine.from_settings(settings, keystore=InMemoryKeyStore())


@pytest.fixture(scope="module")
def nn_engine(_shared_gazetteers) -> Engine:
    return _engine("nn")


@pytest.fixture(scope="module")
def nb_engine(_shared_gazetteers) -> Engine:
    return _engine("nb")


def fresh(engine: Engine, **rewrite: object) -> Engine:
    settings, rulebook = engine.settings, engine.rulebook
    if rewrite:
        settings = settings.model_copy(update={"rewrite": RewriteSettings(**rewrite)})
        rulebook = rulebook.with_pronoun_style(settings.rewrite.pronoun_style)
    return Engine(settings, rulebook, engine.pipeline, InMemoryKeyStore())


def clean(engine: Engine, text: str) -> str:
    return fresh(engine).anonymize(text).clean_text


def test_nynorsk_is_its_own_language_with_the_nynorsk_model(nn_engine: Engine) -> None:
    assert nn_engine.language == "nn"
    assert nn_engine.pipeline.model_name == "nn_transcript_ner"
    # names and places are shared with bokmål
    assert nn_engine.rulebook.gazetteer_language == "nb"


@pytest.mark.parametrize(("text", "expected"), [
    ("Ho sa det.", "Han/ho sa det."),
    ("Eg såg ho i går.", "Eg såg han/ho i går."),
    ("Eg ringde henne.", "Eg ringde han/henne."),
    ("Det er boka hennar.", "Det er boka hans/hennar."),
    ("Han tok bilen hans.", "Han/ho tok bilen hans/hennar."),
    ("Eg møtte honom.", "Eg møtte han/henne."),
    ("Mannen min kjem.", "Ektefellen min kjem."),
])
def test_nynorsk_pronouns_get_nynorsk_slash_forms(nn_engine: Engine, text: str,
                                                  expected: str) -> None:
    assert clean(nn_engine, text) == expected


def test_no_gendered_pronoun_is_left_in_a_nynorsk_text(nn_engine: Engine) -> None:
    text = "Ho sa at han hadde lånt bilen hennar, men ho ville ikkje ha han med seg.\n"
    out = clean(nn_engine, text)
    words = out.replace(".", " ").replace(",", " ").split()
    assert not {"ho", "Ho", "hennar", "han", "henne"} & set(words)


def test_the_neutral_style_is_hen(nn_engine: Engine) -> None:
    out = fresh(nn_engine, pronoun_style="neutral").anonymize(
        "Ho sa at boka var hennar.").clean_text
    assert out == "Hen sa at boka var hens."


@pytest.mark.parametrize("language", ["nn", "nb"])
def test_dialect_pronouns_are_concealed_in_both_standards(language: str, nn_engine: Engine,
                                                          nb_engine: Engine) -> None:
    engine = nn_engine if language == "nn" else nb_engine
    out = clean(engine, "hu kom seint, og a sa at n var sjuk. eg ringde honom.\n")
    assert set(out.replace(".", " ").replace(",", " ").split()).isdisjoint(
        {"hu", "a", "n", "honom"})
    assert "/" in out


@pytest.mark.parametrize("language", ["nn", "nb"])
def test_a_capital_a_is_a_letter_not_a_pronoun(language: str, nn_engine: Engine,
                                               nb_engine: Engine) -> None:
    engine = nn_engine if language == "nn" else nb_engine
    scan = fresh(engine).scan("Vi valde plan A den gongen.\n")
    assert not [r for r in scan.replacements if r.entity is EntityKind.PRONOUN]
    # and verification, which looks for bare pronouns, does not refuse the letter either
    assert "plan A" in clean(engine, "Vi valde plan A den gongen.\n")


@pytest.mark.parametrize("language", ["nn", "nb"])
def test_a_pronominal_article_goes_with_the_name(language: str, nn_engine: Engine,
                                                 nb_engine: Engine) -> None:
    engine = nn_engine if language == "nn" else nb_engine
    text = "Eg snakka med a Ingrid Solbakken i går, og n Torbjørn Vikhammer var der òg.\n"
    scan = fresh(engine).scan(text)
    people = [text[r.start:r.end] for r in scan.replacements if r.entity is EntityKind.PERSON]
    assert "a Ingrid Solbakken" in people and "n Torbjørn Vikhammer" in people
    assert not [r for r in scan.replacements if r.entity is EntityKind.PRONOUN]
    out = clean(engine, text)
    assert " a " not in out and " n " not in out


def test_the_article_does_not_make_another_person(nn_engine: Engine) -> None:
    text = "Ingrid Solbakken kom. Seinare sa a Ingrid Solbakken at det gjekk bra.\n"
    scan = fresh(nn_engine).scan(text)
    numbers = {r.identity for r in scan.replacements if r.entity is EntityKind.PERSON}
    assert len(numbers) == 1


def test_ordinary_dialect_words_are_not_names_in_lower_case_speech(nn_engine: Engine) -> None:
    text = ("eg hugsar at vi køyrde mykje ifrå garden # og dei høyrde noko om hestane . "
            "ja korleis var det då ? nei det var ein annan tid med plassar og karane "
            "som arbeidde der .\n")
    scan = fresh(nn_engine).scan(text)
    assert not [text[r.start:r.end] for r in scan.replacements
                if r.entity.is_name_like], "ordinary words taken for names"


def test_a_capitalised_name_in_lower_case_speech_is_still_a_name(nn_engine: Engine) -> None:
    text = ("eg budde lenge i Vikhammerbygda . ja og så kom eg hit att då eg var tjue år "
            "gammal og byrja å arbeide\n")
    scan = fresh(nn_engine).scan(text)
    assert any(text[r.start:r.end] == "Vikhammerbygda" for r in scan.replacements)


@pytest.mark.parametrize("text", [
    "eg heiter tromsø_intervju_0102 og bur der framleis .\n",
    "Samtale med tromsø_intervju_0102 og ein kollega. Vi snakka om vêret.\n",
])
def test_a_place_inside_a_speaker_code_is_replaced_whole(nn_engine: Engine, text: str) -> None:
    out = clean(nn_engine, text)
    assert "tromsø" not in out and "0102" not in out


def test_a_name_broken_off_in_speech_is_replaced_with_it(nn_engine: Engine) -> None:
    text = "Vi reiste til Trondheim i fjor. Tr- ja, Trondheim var fint.\n"
    out = clean(nn_engine, text)
    assert "Tr-" not in out and "Trondheim" not in out


def test_lower_case_only_must_name_words_of_the_table(tmp_path: Path) -> None:
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules, ignore=shutil.ignore_patterns("gazetteer",
                                                                                "lexicon.tsv"))
    pronouns = rules / "nn" / "pronouns.toml"
    pronouns.write_text(pronouns.read_text(encoding="utf-8").replace(
        'lower_case_only = ["a", "n"]', 'lower_case_only = ["a", "x"]'), encoding="utf-8")
    with pytest.raises(RulesError, match="pronouns.toml.*lower_case_only"):
        load_rulebook(rules, "nn")


@pytest.mark.parametrize(("setting", "flag", "expected"), [
    ("nn", None, "Han/ho"),     # the study's standard: project.language
    ("nb", None, "Han/hun"),
    ("nb", "nn", "Han/ho"),     # one run (one file) in the other standard: --lang
    ("nn", "nb", "Han/hun"),
])
def test_the_written_standard_is_the_study_setting_or_the_run_flag(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], _shared_gazetteers,
        setting: str, flag: str | None, expected: str) -> None:
    from anonymizer.cli import main
    from anonymizer.errors import ExitCode

    config = tmp_path / "study.toml"
    config.write_text(f'[project]\nlanguage = "{setting}"\n', encoding="utf-8")
    transcript = tmp_path / "intervju.txt"
    transcript.write_text("Ho sa det til meg.\n", encoding="utf-8")
    args = ["-c", str(config), "run", str(transcript)] + (["--lang", flag] if flag else [])
    assert main(args) == ExitCode.OK
    assert capsys.readouterr().out.startswith(f"{expected} sa det til meg.")


@pytest.mark.parametrize(("text", "is_id"), [
    ("Sjå kap. 3.5.2.4 nedanfor.\n", False),     # a section number
    ("Ruteren har adressa 192.168.1.54 heime.\n", True),
    ("Ruteren har adressa 10.0.0.1 heime.\n", True),
])
def test_a_section_number_is_no_ip_address(nn_engine: Engine, text: str, is_id: bool) -> None:
    scan = fresh(nn_engine).scan(text)
    assert any(r.entity is EntityKind.ID_NUMBER for r in scan.replacements) is is_id


@pytest.mark.parametrize("text", [
    "Eg trur ikkje det går. Vi får sjå.\n",
    "Ein pakke kom i posten.\n",
    "- Fotografiet var nytt den gongen.\n",
])
def test_ordinary_words_opening_a_sentence_are_not_names(nn_engine: Engine, text: str) -> None:
    scan = fresh(nn_engine).scan(text)
    assert not [text[r.start:r.end] for r in scan.replacements if r.entity.is_name_like]
