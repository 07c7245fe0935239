"""Fast tests without the model: settings and the example config, file-name rules, who a
transcript belongs to, the journal format, the catalog."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from anonymizer.daemon import check_settings
from anonymizer.daemon.identify import choose_participant
from anonymizer.daemon.intake import extension_of, is_bad_name
from anonymizer.daemon.job import Refused
from anonymizer.daemon.journal import (
    JobState,
    Journal,
    JournalEntry,
    QuarantinePlan,
    ReleasePlan,
)
from anonymizer.errors import RulesError, SettingsError
from anonymizer.refusals import Reason, Refusal, Stage
from anonymizer.rulebook import default_rules_dir
from anonymizer.settings import Settings, UnknownParticipant, load_settings
from anonymizer.store.catalog import COLUMNS, Catalog, render
from anonymizer.store.naming import FileNaming, NameClues, NamingProblem, released_stem

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "deploy" / "anonymizer.example.toml"


# -- settings ---------------------------------------------------------------------------------

def test_the_example_config_loads_and_would_start_the_daemon() -> None:
    settings = load_settings(EXAMPLE)
    check_settings(settings)
    assert settings.ethics.committee == "REK midt" and settings.ethics.reference == "2013/2244"


def _fields(model: type, prefix: str = "") -> list[tuple[str, str]]:
    found = []
    for name, field in model.model_fields.items():
        if name == "source":
            continue
        annotation = field.annotation
        if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
            found += [(name, sub) for sub in annotation.model_fields]
    return found


def test_the_example_config_shows_every_setting_with_a_comment() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    sections = dict(re.findall(r"^\[(\w+)\]\n(.*?)(?=^\[|\Z)", text, re.M | re.S))
    missing = []
    for section, key in _fields(Settings):
        body = sections.get(section, "")
        line = re.search(rf"^(#\s*)?{key}\s*=.*$", body, re.M)
        if line is None:
            missing.append(f"{section}.{key}")
            continue
        before = body[: line.start()].rstrip("\n").splitlines()
        assert before and before[-1].startswith("#") and not re.match(
            r"#\s*\w+\s*=", before[-1]), f"{section}.{key} has no comment of its own above it"
    assert missing == [], f"settings missing from {EXAMPLE.name}: {missing}"
    tomllib.loads(text)


@pytest.mark.parametrize("changes, expected", [
    ({"ethics": {"committee": "", "reference": "2013/2244"}, "project": {"id": "x"}},
     "set ethics.committee in the settings file"),
    ({"ethics": {"committee": "REK midt", "reference": " "}, "project": {"id": "x"}},
     "set ethics.reference in the settings file"),
    ({"ethics": {"committee": "REK midt", "reference": "1"}}, "set project.id in the settings"),
    ({"ethics": {"committee": "REK midt", "reference": "1"}, "project": {"id": "x"}},
     'vault.backend = "vault"'),
])
def test_the_daemon_refuses_incomplete_settings(changes, expected) -> None:
    settings = Settings.model_validate(changes)
    with pytest.raises(SettingsError) as refused:
        check_settings(settings)
    assert expected in str(refused.value) and "\n" not in str(refused.value)


@pytest.mark.parametrize("wave, ok", [("wave1", True), ("month-6", True), ("", True),
                                      ("baseline", False), ("Wave1", False), ("w_1", False)])
def test_default_wave_must_be_a_label(tmp_path: Path, wave: str, ok: bool) -> None:
    config = tmp_path / "a.toml"
    config.write_text(f'[store]\ndefault_wave = "{wave}"\n')
    if ok:
        assert load_settings(config).store.default_wave == wave
    else:
        with pytest.raises(SettingsError, match="store.default_wave"):
            load_settings(config)


# -- file names -------------------------------------------------------------------------------

ROSTER = [(7, ("Kari Nordmann", "Kari")), (9, ("Kari Hansen",)), (12, ("Anne-Lise Berg",))]


@pytest.fixture(scope="module")
def naming() -> FileNaming:
    return FileNaming.load(default_rules_dir(), "en")


@pytest.mark.parametrize("name, participant, wave, problem", [
    ("Kari_Nordmann_interview2.docx", 7, "wave2", None),
    ("kari int2.txt", 7, "wave2", None),
    ("KARI NORDMANN - T3 (final).docx", 7, "wave3", None),
    ("Kari Hansen wave-2.txt", 9, "wave2", None),  # the longer name wins over the alias
    ("anne-lise_berg_w1.txt", 12, "wave1", None),
    ("Anne Lise Berg 6mnd.txt", 12, "month6", None),
    ("P07_wave2.txt", 7, "wave2", None),
    ("participant 12 - 6 months.txt", 12, "month6", None),
    ("Kari Nordmann baseline.txt", 7, "wave1", None),
    ("Kari follow-up.txt", 7, "wave2", None),
    ("Karin t2.txt", None, "wave2", None),  # whole words only
    ("Evening interview.txt", None, None, None),
    ("2024-03-01 recording.txt", None, None, None),
    ("Kari and Kari Hansen t1.txt", None, "wave1", NamingProblem.PARTICIPANT_AMBIGUOUS),
    ("P07 Kari Hansen.txt", None, None, NamingProblem.PARTICIPANT_AMBIGUOUS),
    ("Kari t1 6mnd.txt", 7, None, NamingProblem.WAVE_AMBIGUOUS),
    ("Kari interview 2 t2.txt", 7, "wave2", None),  # the same wave twice is one wave
])
def test_file_name_clues(naming, name, participant, wave, problem) -> None:
    assert naming.clues(name, ROSTER) == NameClues(participant, wave, problem)


def test_norwegian_wave_words() -> None:
    naming = FileNaming.load(default_rules_dir(), "nb")
    assert naming.clues("Kari oppfølging.docx", ROSTER) == NameClues(7, "wave2")
    assert naming.clues("Kari intervju 3.docx", ROSTER) == NameClues(7, "wave3")
    assert naming.clues("deltaker 12 6 mnd.txt", ROSTER) == NameClues(12, "month6")


@pytest.mark.parametrize("content, message", [
    (None, "rules file missing"),
    ("version = 1\n[[wave]]\npattern = '('\nlabel = 'wave{n}'\n[participant]\npatterns = []\n",
     "bad regex"),
    ("version = 1\n[[wave]]\npattern = 'x(?P<n>\\d)'\nlabel = 'wave'\n"
     "[participant]\npatterns = []\n", "with a digit"),
    ("version = 1\n[[wave]]\npattern = 'x\\d'\nlabel = 'wave{n}'\n"
     "[participant]\npatterns = []\n", "no group named n"),
    ("version = 1\n[[wave]]\npattern = 'x'\nlabel = 'w1'\ncolour = 'red'\n"
     "[participant]\npatterns = []\n", "Extra inputs"),
    ("version = 1\nwave = []\n[participant]\npatterns = ['p\\d+']\n", "group named n"),
    ("version = 1\nwave = [\n", "not valid TOML"),
])
def test_bad_waves_rules_stop_the_program(tmp_path: Path, content, message) -> None:
    (tmp_path / "en").mkdir()
    if content is not None:
        (tmp_path / "en" / "waves.toml").write_text(content)
    with pytest.raises(RulesError) as refused:
        FileNaming.load(tmp_path, "en")
    assert message in str(refused.value) and "waves.toml" in str(refused.value)


@pytest.mark.parametrize("name, bad", [("a..b.txt", True), ("tab\there.txt", True),
                                       ("bytes\udcff.txt", True), ("Kari t2.txt", False),
                                       ("Åse Ødegård.docx", False)])
def test_bad_names(name: str, bad: bool) -> None:
    assert is_bad_name(name) is bad


@pytest.mark.parametrize("name, ext", [("a.DOCX", ".docx"), ("a.txt", ".txt"), ("noext", ""),
                                       ("a.tar.gz", ".gz"), (".txt", ""), ("a.d\u00f6cx", ""),
                                       ("a.verylongext", "")])
def test_extensions(name: str, ext: str) -> None:
    assert extension_of(name) == ext


def test_released_names() -> None:
    assert released_stem(7, "wave2") == "P07_wave2"
    assert released_stem(123, "month6", 3) == "P123_month6_part3"


# -- whose transcript -------------------------------------------------------------------------

Q, A = UnknownParticipant.QUARANTINE, UnknownParticipant.ASSIGN


@pytest.mark.parametrize("clue, speaking, known, policy, expected", [
    (7, set(), {7}, Q, 7),
    (7, {7, 9}, {7, 9}, Q, 7),  # a focus group filed under the named one
    (7, {9}, {7, 9}, Q, "participant_mismatch"),
    (7, {20}, {7}, Q, 7),  # a new speaker (not known before) does not contradict the name
    (None, {9}, {7, 9}, Q, 9),
    (None, {9, 20}, {9}, A, 9),  # the known speaker wins over a new one
    (None, {7, 9}, {7, 9}, Q, "participant_ambiguous"),
    (None, {20}, {7}, Q, "participant_unknown"),
    (None, {20}, {7}, A, 20),
    (None, {20, 21}, set(), A, "participant_ambiguous"),
    (None, set(), {7}, A, "participant_unknown"),
])
def test_choose_participant(clue, speaking, known, policy, expected) -> None:
    clues = NameClues(participant=clue)
    if isinstance(expected, int):
        assert choose_participant(clues, speaking, known, policy) == expected
    else:
        with pytest.raises(Refused) as refused:
            choose_participant(clues, speaking, known, policy)
        assert refused.value.reason.value == expected


# -- journal and catalog ----------------------------------------------------------------------

def test_journal_entries_round_trip_and_hold_no_file_name(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    entry = JournalEntry("ab" * 16, JobState.RELEASING, ".docx", "2024-03-01T12:00:00Z",
                         NameClues(7, "wave2"), attempts=2, input_sha256="cd" * 32,
                         input_bytes=1234,
                         release=ReleasePlan("P07/wave2", "P07_wave2",
                                             (("P07_wave2.txt", "ef" * 32),),
                                             "P07_wave2.meta.json", 7, "wave2"),
                         quarantine=QuarantinePlan(
                             "x.docx", Refusal(Reason.CORRUPT, Stage.READ, "detail")),
                         participants=(7, 9))
    journal.save(entry)
    assert journal.entries() == [(entry.job, entry)]
    assert set(JournalEntry.from_json(entry.to_json()).to_json()) == set(entry.to_json())
    (tmp_path / ("12" * 16 + ".job.json")).write_text("{not json")
    assert (("12" * 16), None) in journal.entries()
    journal.close(entry)
    assert [job for job, _ in journal.entries()] == ["12" * 16]


def test_catalog_cells_are_never_formulas(tmp_path: Path) -> None:
    row = dict.fromkeys(COLUMNS, "x")
    row["project_title"] = "=HYPERLINK(\"http://example.invalid\")"
    assert b"'=HYPERLINK" in render([row], header=False)
    catalog = Catalog(tmp_path)
    catalog.append([row])
    catalog.append([{**row, "file": "y"}])
    assert [r["file"] for r in catalog.read()] == ["x", "y"]
    assert catalog.reconcile([{**row, "file": "y"}, row]) is False  # same rows, any order
    with open(catalog.path, "ab") as handle:
        handle.write(b"P07/wave2/P07_wave2.txt,tx")  # a torn append
    assert catalog.reconcile([row]) is True
    assert [r["file"] for r in catalog.read()] == ["x"]


# -- a study's own waves (settings [study] waves) ---------------------------------------------

STUDY_WAVES = [("wave1", ["baseline", "before treatment", "t1"]),
               ("wave2", ["post-treatment", "after treatment", "interview2"]),
               ("wave3", ["6 months", "six months", "t3"])]


@pytest.fixture(scope="module")
def study_naming() -> FileNaming:
    return FileNaming.load(default_rules_dir(), "en", STUDY_WAVES)


@pytest.mark.parametrize("name, wave, problem", [
    ("Kari baseline.docx", "wave1", None),
    ("Kari - Post Treatment.docx", "wave2", None),  # punctuation and case ignored
    ("Kari post_treatment.txt", "wave2", None),
    ("Kari 6 months.txt", "wave3", None),
    ("Kari 6-Months (final).docx", "wave3", None),
    ("Kari interview 2.txt", "wave2", None),  # letters and digits joined or apart
    ("Kari T03.txt", "wave3", None),  # leading zeros
    ("Kari 16 months.txt", None, None),  # whole words only: not "6 months"
    ("Kari t13.txt", None, None),
    ("Kari 12 months.txt", None, None),  # the language's month12 rule is not this study's
    ("Kari wave2.txt", None, None),
    ("Kari baseline 6 months.txt", None, NamingProblem.WAVE_AMBIGUOUS),
])
def test_a_studys_waves_replace_the_language_rules(study_naming, name, wave, problem) -> None:
    assert study_naming.clues(name, ROSTER) == NameClues(7, wave, problem)


def test_the_studys_waves_change_the_naming_digest(study_naming, naming) -> None:
    assert study_naming.digest_source != naming.digest_source
    assert study_naming.participant_codes == naming.participant_codes  # P07_... still works


@pytest.mark.parametrize("study, message", [
    ('waves = [{label = "baseline", words = ["baseline"]}]', "needs a digit"),
    ('waves = [{label = "wave1", words = ["2"]}]', "needs a letter"),
    ('waves = [{label = "wave1", words = []}]', "at least 1"),
    ('waves = [{label = "wave1", words = ["t1"]}, {label = "wave1", words = ["t2"]}]',
     "each label once"),
    ('waves = [{label = "wave1", words = ["T1"]}, {label = "wave2", words = ["t1"]}]',
     "is in wave1 and wave2"),
    ('default_wave = "wave4"\nwaves = [{label = "wave1", words = ["t1"]}]',
     "must be one of the labels"),
])
def test_bad_study_waves_are_refused_with_the_setting(tmp_path: Path, study, message) -> None:
    config = tmp_path / "a.toml"
    config.write_text(f"[study]\n{study}\n")
    with pytest.raises(SettingsError, match="study") as err:
        load_settings(config)
    assert message in str(err.value) and "\n" not in str(err.value).strip()
