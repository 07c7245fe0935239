"""Rules and settings are validated when loaded: a missing file, a bad regex, an unknown
validator or key stops the program with a message naming the file and the key. No model is
loaded here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from anonymizer.errors import RulesError, SettingsError
from anonymizer.findings import EntityKind
from anonymizer.rulebook import PARTICIPANT, Action, default_rules_dir, load_rulebook
from anonymizer.settings import (
    KeyStoreBackend,
    Settings,
    UnknownSpeaker,
    load_settings,
)

# -- shipped rules ---------------------------------------------------------------------------


def test_shipped_rules_load_for_english() -> None:
    rb = load_rulebook(default_rules_dir(), "en")
    assert rb.language == "en"
    assert set(rb.policy) == set(EntityKind) - {EntityKind.PRONOUN, EntityKind.GENDERED_TERM}
    assert rb.action(EntityKind.PERSON) is Action.PSEUDONYM
    assert rb.action(EntityKind.DATE) is Action.GENERALISE
    assert rb.labels[PARTICIPANT].speaker == "Participant {n}"
    assert rb.labels["PERSON"].mention == "[Person {n}]"
    assert rb.pronoun_words["her"] == ("object", "possessive_determiner")
    assert rb.pronoun_forms["subject"] == "he/she"
    assert {"titles", "partners", "family"} <= set(rb.term_groups)
    assert "interviewer" in rb.speaker_roles and "project" in rb.speaker_roles
    assert {p.recognizer.name for p in rb.patterns} >= {
        "norwegian_national_id", "norwegian_phone_spoken", "date_written", "age",
        "street_address"}
    assert "participant" in rb.allow
    assert re.fullmatch(r"[0-9a-f]{64}", rb.digest)


def test_rules_digest_changes_when_a_rule_changes(rules_copy: Path) -> None:
    before = load_rulebook(rules_copy, "en").digest
    allow = rules_copy / "en" / "allow.txt"
    allow.write_text(allow.read_text() + "Fjord\n", encoding="utf-8")
    assert load_rulebook(rules_copy, "en").digest != before


def test_a_project_allow_list_is_added(rules_copy: Path, tmp_path: Path) -> None:
    extra = tmp_path / "project_allow.txt"
    extra.write_text("# our clinic's generic words\nBackCare\n", encoding="utf-8")
    rb = load_rulebook(rules_copy, "en", extra)
    assert "backcare" in rb.allow and "participant" in rb.allow


# -- broken rules ----------------------------------------------------------------------------


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture out of date: {old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    "relative",
    ["policy.toml", "common/patterns.toml", "en/labels.toml", "en/pronouns.toml",
     "en/gendered_terms.toml", "en/speakers.toml", "en/patterns.toml", "en/allow.txt"],
)
def test_a_missing_rules_file_is_an_error_naming_it(rules_copy: Path, relative: str) -> None:
    (rules_copy / relative).unlink()
    with pytest.raises(RulesError, match=re.escape(str(rules_copy / relative))):
        load_rulebook(rules_copy, "en")


def test_a_language_without_rules_is_an_error(rules_copy: Path) -> None:
    with pytest.raises(RulesError, match=r"no rules for language 'xx'"):
        load_rulebook(rules_copy, "xx")


def test_a_missing_project_allow_list_is_an_error(rules_copy: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "allow.txt"
    with pytest.raises(RulesError, match=re.escape(str(missing))):
        load_rulebook(rules_copy, "en", missing)


# (file, old, new, words the message must contain)
BROKEN = {
    "unknown validator": (
        "en/patterns.toml", 'validator = "age"', 'validator = "agee"',
        ["en/patterns.toml", "validator", "'agee'"]),
    "unknown key in a pattern": (
        "en/patterns.toml", 'validator = "age"', 'validator = "age"\ncolour = "red"',
        ["en/patterns.toml", "colour"]),
    "unknown key in the policy": (
        "policy.toml", 'action = "label"', 'action = "label"\nstrength = 3',
        ["policy.toml", "strength"]),
    "unknown action": (
        "policy.toml", 'action = "label"', 'action = "shred"',
        ["policy.toml", "action"]),
    "score out of range": (
        "common/patterns.toml", "score = 0.9", "score = 1.9",
        ["common/patterns.toml", "score"]),
    "unknown entity kind in a pattern": (
        "en/patterns.toml", 'entity = "AGE"', 'entity = "SHOE_SIZE"',
        ["en/patterns.toml", "entity"]),
    "unknown label kind": (
        "en/labels.toml", "[URL]", "[SHOE_SIZE]",
        ["en/labels.toml", "'SHOE_SIZE'"]),
    "unknown key in a label": (
        "en/labels.toml", 'mention = "[phone]"', 'mention = "[phone]"\nplural = "[phones]"',
        ["en/labels.toml", "PHONE", "plural"]),
    "no label for a replaced kind": (
        "en/labels.toml", '[URL]\nmention = "[URL]"', "",
        ["en/labels.toml", "URL"]),
    "pronoun word with an unknown form": (
        "en/pronouns.toml", 'hers = ["possessive_pronoun"]', 'hers = ["genitive"]',
        ["en/pronouns.toml", "'genitive'"]),
    "unknown key in a term group": (
        "en/gendered_terms.toml", "default = false", "default = false\nloud = true",
        ["en/gendered_terms.toml", "loud"]),
    "speaker labels of too many words": (
        "en/speakers.toml", "max_label_words = 4", "max_label_words = 40",
        ["en/speakers.toml", "max_label_words"]),
    "regex group that does not exist": (
        "en/patterns.toml", 'group = "age"', 'group = "years"',
        ["pattern age.", "'years'"]),
    "not TOML at all": (
        "en/speakers.toml", "version = 1", "version = = 1",
        ["en/speakers.toml", "not valid TOML"]),
}


@pytest.mark.parametrize(("relative", "old", "new", "named"), BROKEN.values(), ids=BROKEN.keys())
def test_broken_rules_are_an_error_naming_file_and_key(
    rules_copy: Path, relative: str, old: str, new: str, named: list[str]
) -> None:
    _edit(rules_copy / relative, old, new)
    with pytest.raises(RulesError) as caught:
        load_rulebook(rules_copy, "en")
    message = str(caught.value)
    for word in named:
        assert word in message, f"{word!r} not in {message!r}"


def test_a_bad_regex_names_the_file_and_the_pattern(rules_copy: Path) -> None:
    _edit(rules_copy / "en" / "patterns.toml", r"'\b(?P<age>\d{1,3})[\s-]+",
          r"'\b(?P<age>\d{1,3}[\s-]+")
    with pytest.raises(RulesError, match=r"bad regex") as caught:
        load_rulebook(rules_copy, "en")
    assert "age.years_old" in str(caught.value)
    assert str(rules_copy / "en" / "patterns.toml") in str(caught.value)


def test_a_bad_regex_stops_loading_and_names_the_pattern(rules_copy: Path) -> None:
    _edit(rules_copy / "en" / "patterns.toml", r"'\b(?P<age>\d{1,3})[\s-]+",
          r"'\b(?P<age>\d{1,3}[\s-]+")
    with pytest.raises(RulesError, match=r"pattern age\.years_old: bad regex"):
        load_rulebook(rules_copy, "en")


def test_an_unknown_presidio_recognizer_is_refused_at_load(rules_copy: Path) -> None:
    _edit(rules_copy / "common" / "patterns.toml", 'class = "EmailRecognizer"',
          'class = "FooRecognizer"')
    with pytest.raises(RulesError, match=re.escape(str(rules_copy / "common" / "patterns.toml"))):
        load_rulebook(rules_copy, "en")


def test_an_unknown_presidio_recognizer_is_refused_when_built(rules_copy: Path) -> None:
    from anonymizer.detectors.presidio import build_recognizers

    _edit(rules_copy / "common" / "patterns.toml", 'class = "EmailRecognizer"',
          'class = "FooRecognizer"')
    with pytest.raises(RulesError, match="'FooRecognizer' is not supported"):
        build_recognizers(load_rulebook(rules_copy, "en"))


def test_engine_from_settings_refuses_broken_rules_before_loading_a_model(
    rules_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import anonymizer.language.nlp as nlp_module
    from anonymizer.engine.engine import Engine
    from anonymizer.settings import RulesSettings

    def no_model(name: str):
        raise AssertionError("the model must not be loaded when the rules are broken")

    monkeypatch.setattr(nlp_module, "load_model", no_model)
    (rules_copy / "en" / "pronouns.toml").unlink()
    with pytest.raises(RulesError, match="pronouns.toml"):
        Engine.from_settings(Settings(rules=RulesSettings(dir=rules_copy)))


# -- settings --------------------------------------------------------------------------------


def _settings_file(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "conf"
    folder.mkdir(exist_ok=True)
    path = folder / "anonymizer.toml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ("[nlp]\ncolour = 'red'\n", "nlp.colour"),
        ("[shoes]\nsize = 42\n", "shoes"),
        ("[nlp]\nmax_chunk_chars = 10\n", "nlp.max_chunk_chars"),
        ("[nlp]\nbatch_size = 'many'\n", "nlp.batch_size"),
        ("[project]\nlanguage = 'English'\n", "project.language"),
        ("[project]\nid = '../escape'\n", "project.id"),
        ("[pseudonyms]\nunknown_speaker = 'robot'\n", "pseudonyms.unknown_speaker"),
        ("[rewrite]\npronouns = 'sometimes'\n", "rewrite.pronouns"),
        ("[vault]\nbackend = 'cloud'\n", "vault.backend"),
        ("[ethics]\napproval_date = 'soon'\n", "ethics.approval_date"),
        ("source = '/tmp/x'\n", "source"),
    ],
)
def test_bad_settings_name_the_key(tmp_path: Path, body: str, key: str) -> None:
    path = _settings_file(tmp_path, body)
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert str(path) in message
    assert re.search(rf"(?<![\w.]){re.escape(key)}(?![\w])", message), message


def test_settings_that_are_not_toml(tmp_path: Path) -> None:
    path = _settings_file(tmp_path, "[nlp\nbatch_size = 3\n")
    with pytest.raises(SettingsError, match=r"not valid TOML"):
        load_settings(path)


def test_a_missing_settings_file_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(SettingsError, match=re.escape(f"{missing}: settings file not found")):
        load_settings(missing)


def test_a_directory_is_not_a_settings_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="is a directory"):
        load_settings(tmp_path)


def test_relative_paths_are_resolved_against_the_settings_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _settings_file(tmp_path, (
        "[rules]\ndir = 'my_rules'\nproject_allow = '../lists/allow.txt'\n"
        "[vault]\ndir = 'vault'\nkey_file = '/srv/keys/key.bin'\n"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    settings = load_settings(path)
    conf = path.parent.resolve()
    assert settings.rules.dir == conf / "my_rules"
    assert settings.rules.project_allow == (tmp_path / "lists" / "allow.txt").resolve()
    assert settings.vault.dir == conf / "vault"
    assert settings.vault.key_file == Path("/srv/keys/key.bin")  # absolute: unchanged
    assert settings.source == path.resolve()


def test_good_settings_are_read(tmp_path: Path) -> None:
    path = _settings_file(tmp_path, (
        "[project]\nid = 'back-pain-2024'\nlanguage = 'en'\n"
        "[rewrite]\npronouns = false\ngendered_groups = ['partners', 'family']\n"
        "[pseudonyms]\nunknown_speaker = 'person'\n"
        "[nlp]\nmax_chunk_chars = 5000\n"))
    settings = load_settings(path)
    assert settings.project.id == "back-pain-2024"
    assert settings.rewrite.pronouns is False
    assert settings.rewrite.gendered_groups == ["partners", "family"]
    assert settings.pseudonyms.unknown_speaker is UnknownSpeaker.PERSON
    assert settings.nlp.max_chunk_chars == 5000
    assert settings.vault.backend is KeyStoreBackend.MEMORY


def test_settings_file_from_the_environment(tmp_path: Path) -> None:
    path = _settings_file(tmp_path, "[nlp]\nbatch_size = 7\n")
    assert load_settings(environ={"ANONYMIZER_CONFIG": str(path)}).nlp.batch_size == 7
    with pytest.raises(SettingsError, match="settings file not found"):
        load_settings(environ={"ANONYMIZER_CONFIG": str(tmp_path / "gone.toml")})


def test_without_any_settings_file_the_defaults_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_settings(environ={}) == Settings()
    (tmp_path / "anonymizer.toml").write_text("[nlp]\nbatch_size = 9\n", encoding="utf-8")
    assert load_settings(environ={}).nlp.batch_size == 9


def test_a_language_without_a_model_is_a_settings_error() -> None:
    with pytest.raises(SettingsError, match=r"nlp\.models: no model set for language 'fr'"):
        Settings().model_name("fr")
