"""Which written standard a transcript is read in (``project.standards``): the shipped marker
rules on short transcripts of our own (tests/fixtures/standards), the fallback, file-name words,
and rules or settings that are wrong. No model is loaded here."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from anonymizer.errors import RulesError, SettingsError
from anonymizer.language.standard import Standards, StandardSource
from anonymizer.rulebook import default_rules_dir
from anonymizer.settings import load_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "standards"


def text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def standards() -> Standards:
    return Standards.load(default_rules_dir(), ("nb", "nn"), "nb")


@pytest.mark.parametrize(("fixture", "code"), [
    ("bokmal_intervju.txt", "nb"),
    ("nynorsk_intervju.txt", "nn"),
])
def test_the_text_decides_a_transcript_with_enough_markers(standards, fixture, code) -> None:
    choice = standards.choose(text(fixture))
    assert (choice.code, choice.source) == (code, StandardSource.DETECTED)
    counts = choice.marker_counts()
    other = "nn" if code == "nb" else "nb"
    assert counts[code] >= standards.min_markers and counts[other] == 0


def test_a_text_without_enough_markers_is_read_in_the_study_language(standards) -> None:
    choice = standards.choose(text("kort_intervju.txt"))
    assert (choice.code, choice.source) == ("nb", StandardSource.UNDECIDED)
    nynorsk_study = Standards.load(default_rules_dir(), ("nb", "nn"), "nn")
    assert nynorsk_study.choose(text("kort_intervju.txt")).code == "nn"


def test_a_text_mixing_both_standards_is_undecided(standards) -> None:
    # dialect speech written down: as many bokmål as nynorsk markers
    mixed = text("bokmal_intervju.txt") + text("nynorsk_intervju.txt")
    choice = standards.choose(mixed)
    assert choice.source is StandardSource.UNDECIDED and choice.code == "nb"
    assert choice.marker_counts()["nb"] > 0 and choice.marker_counts()["nn"] > 0


def test_markers_are_whole_words_in_any_case(standards) -> None:
    assert standards.count("IKKJE Ikkje ikkjeee Eg EGG frå") == {"nb": 0, "nn": 4}


def test_a_file_name_word_beats_the_text(standards) -> None:
    named = standards.named("P07 T1 Nynorsk.docx")
    assert named == "nn"
    choice = standards.choose(text("bokmal_intervju.txt"), named=named)
    assert (choice.code, choice.source, choice.markers) == ("nn", StandardSource.FILE_NAME, ())
    assert standards.named("P07 bokmål.txt") == "nb"
    assert standards.named("P07 bokmal nynorsk.txt") is None  # names both: the text decides
    assert standards.named("P07 t1.txt") is None


def test_a_study_with_one_standard_does_not_look() -> None:
    one = Standards.load(default_rules_dir(), ("nn",), "nn")
    choice = one.choose(text("bokmal_intervju.txt"), named="nb")
    assert (choice.code, choice.source) == ("nn", StandardSource.STUDY)


def test_the_choice_is_recorded_as_codes_and_counts_only(standards) -> None:
    recorded = standards.choose(text("nynorsk_intervju.txt")).to_json()
    assert set(recorded) == {"code", "source", "markers"}
    assert recorded["code"] == "nn" and recorded["source"] == "detected"
    assert set(recorded["markers"]) == {"nb", "nn"}
    assert all(isinstance(n, int) for n in recorded["markers"].values())


def test_a_marker_claimed_by_both_standards_is_a_rules_error(tmp_path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules, ignore=shutil.ignore_patterns("gazetteer"))
    path = rules / "nn" / "standard.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('"ikkje",', '"ikkje", "ikke",'),
                    encoding="utf-8")
    with pytest.raises(RulesError, match=r"nn/standard.toml: markers: 'ikke' is also a word"):
        Standards.load(rules, ("nb", "nn"), "nb")


def test_a_missing_standard_file_names_the_file(tmp_path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules, ignore=shutil.ignore_patterns("gazetteer"))
    (rules / "nn" / "standard.toml").unlink()
    with pytest.raises(RulesError, match=r"rules file missing: .*nn/standard.toml"):
        Standards.load(rules, ("nb", "nn"), "nb")


def test_thresholds_are_checked(tmp_path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules, ignore=shutil.ignore_patterns("gazetteer"))
    path = rules / "common" / "standards.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("min_share = 0.8", "min_share = 0.4"),
                    encoding="utf-8")
    with pytest.raises(RulesError, match=r"common/standards.toml: min_share"):
        Standards.load(rules, ("nb", "nn"), "nb")


@pytest.mark.parametrize(("body", "message"), [
    ('[project]\nlanguage = "nb"\nstandards = ["nn", "en"]\n', "must include project.language"),
    ('[project]\nlanguage = "nb"\nstandards = ["nb", "nb"]\n', "each standard once"),
    ('[project]\nlanguage = "nb"\nstandards = ["nb", "Nynorsk"]\n', "not a language code"),
])
def test_bad_standards_settings_name_the_key(tmp_path, body, message) -> None:
    path = tmp_path / "anonymizer.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(SettingsError, match=message) as caught:
        load_settings(path)
    assert str(caught.value).startswith(f"{path}: project")
