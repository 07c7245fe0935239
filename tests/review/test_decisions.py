"""`anonymizer rules add-deny` and `add-allow`: a missed name goes into the vault, a false
positive into the project allow list; each is audited without the word, refuses what it must,
and a log that refuses the record leaves nothing changed."""

from __future__ import annotations

import hashlib
import hmac
import html
import json
from pathlib import Path

from steward_study import StewardStudy, all_names

from anonymizer.keys.keystore import IdentityKind
from anonymizer.keys.vault_adapter import VaultKeyStore


def _log_names(study: StewardStudy, *extra: str) -> list[str]:
    data = study.audit_path.read_bytes().lower()
    return [n for n in (*all_names(), *extra) if n.encode("utf-8").lower() in data]


def _break_log(study: StewardStudy) -> None:
    """Flip one byte inside the last record's MAC: the log refuses every append after it."""
    data = bytearray(study.audit_path.read_bytes())
    at = data.rindex(b'"mac":"') + 10
    data[at] = ord("0") if data[at] != ord("0") else ord("1")
    study.audit_path.write_bytes(bytes(data))


def test_a_missed_name_is_registered_in_the_vault_and_then_replaced(
        empty_study: StewardStudy, capsys, cached_model) -> None:
    study = empty_study
    text = ("Interviewer: Where did you grow up?\n"
            "Torvald Myrhaug: Fjellkroa, every Sunday.\n")
    first = study.release(1, "wave1", text)
    assert "Fjellkroa" in first.clean_path.read_text(encoding="utf-8")  # the miss
    # the review page flags it and shows the command that fixes it
    code, _, _ = study.cli(capsys, "review", "P01_wave1", "-o", study.root / "r.html")
    page = html.unescape((study.root / "r.html").read_text(encoding="utf-8"))
    assert code == 0 and 'anonymizer rules add-deny "Fjellkroa" --kind person' in page
    code, stdout, _ = study.cli(capsys, "rules", "add-deny", "Fjellkroa", "--kind", "place")
    assert code == 0 and "registered as Place" in stdout
    assert "anonymizer store affected --since-correction" in stdout
    with study.open_vault() as vault:
        entry = vault.lookup("place", "Fjellkroa")
        assert entry is not None and entry.registered
    event, fields = study.audit_events()[-1]
    assert (event, fields) == ("review_decision", {"decision": "add_deny", "kind": "place",
                                                   "number": entry.number, "name_count": 1})
    assert _log_names(study, "Fjellkroa") == []
    # re-run: the same transcript, from its sealed original, now comes out without it
    (study.root / "project-allow.txt").write_text("# nothing allowed yet\n", encoding="utf-8")
    code, stdout, stderr = study.cli(capsys, "store", "rerun", "P01_wave1", "--yes")
    assert code == 0 and "re-ran P01_wave1 as P01_wave1 " in stdout, stderr
    clean = first.clean_path.read_text(encoding="utf-8")  # in place: the same file name
    assert "Fjellkroa" not in clean and "[Place 1]" in clean
    assert json.loads(first.meta_path.read_text())["version"] == 2
    assert _log_names(study, "Fjellkroa") == []
    # asking again changes nothing
    before = study.audit_path.read_bytes()
    code, stdout, _ = study.cli(capsys, "rules", "add-deny", "fjellkroa", "--kind", "place")
    assert code == 0 and "already in the vault" in stdout
    assert study.audit_path.read_bytes() == before


def test_a_registered_place_comes_out_as_a_place(empty_study: StewardStudy, capsys) -> None:
    text = "Interviewer: And then?\nTorvald Myrhaug: We went down to Fjellkroa every Sunday.\n"
    code, _, _ = empty_study.cli(capsys, "rules", "add-deny", "Fjellkroa", "--kind", "place")
    assert code == 0
    clean = empty_study.release(1, "wave1", text).clean_path.read_text(encoding="utf-8")
    assert "[Place 1]" in clean


def test_add_deny_reads_the_name_from_standard_input(empty_study: StewardStudy, capsys,
                                                     monkeypatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("Halldis Vekve\n"))
    code, stdout, _ = empty_study.cli(capsys, "rules", "add-deny", "--names-from", "-")
    assert code == 0 and "Person" in stdout
    with empty_study.open_vault() as vault:
        store = VaultKeyStore(vault)
        assert store.lookup(IdentityKind.PERSON, "Halldis Vekve") is not None


def test_a_participants_name_is_not_registered_twice(empty_study: StewardStudy, capsys) -> None:
    code, stdout, _ = empty_study.cli(capsys, "rules", "add-deny", "Ragnhild Østerbø")
    assert code == 0 and "already in the vault as Participant 2" in stdout
    assert not empty_study.audit_path.exists()


def test_add_deny_changes_nothing_when_the_log_refuses(study: StewardStudy, capsys) -> None:
    _break_log(study)
    code, _, stderr = study.cli(capsys, "rules", "add-deny", "Brattvoll", "--kind", "place")
    assert code != 0 and "nothing was appended" in stderr
    with study.open_vault() as vault:
        assert vault.lookup("place", "Brattvoll") is None


def test_a_false_positive_is_added_to_the_allow_list_and_logged_as_a_keyed_hash(
        empty_study: StewardStudy, capsys) -> None:
    study = empty_study
    allow = study.root / "project-allow.txt"
    assert not allow.exists()
    code, stdout, stderr = study.cli(capsys, "rules", "add-allow", "Tinnitus")
    assert code == 0 and "added to" in stdout and stderr == ""
    text = allow.read_text(encoding="utf-8")
    assert text.startswith("# Project allow list") and text.endswith("\nTinnitus\n")
    event, fields = study.audit_events()[-1]
    with study.open_vault() as vault:
        key = vault.audit_key()
    expected = hmac.new(key, b"qr-audit/v1/allow-word\x00tinnitus", hashlib.sha256).hexdigest()
    assert (event, fields) == ("rules_changed", {
        "decision": "add_allow", "word_mac": expected, "allow_words": 1,
        "allow_sha256": hashlib.sha256(allow.read_bytes()).hexdigest()})
    assert b"tinnitus" not in study.audit_path.read_bytes().lower()
    assert hashlib.sha256(b"Tinnitus").hexdigest().encode() not in study.audit_path.read_bytes()
    # the rulebook reads it
    from anonymizer.rulebook import default_rules_dir, load_rulebook

    assert "tinnitus" in load_rulebook(default_rules_dir(), "en", allow).allow
    # the same word again (any case) changes nothing
    before = (allow.read_bytes(), study.audit_path.read_bytes())
    code, stdout, _ = study.cli(capsys, "rules", "add-allow", "TINNITUS")
    assert code == 0 and "already in" in stdout
    assert (allow.read_bytes(), study.audit_path.read_bytes()) == before
    code, _, _ = study.cli(capsys, "rules", "add-allow", "Audiogram")
    assert code == 0 and allow.read_text(encoding="utf-8").endswith("\nTinnitus\nAudiogram\n")
    assert study.audit_events()[-1][1]["allow_words"] == 2


def test_a_word_the_engine_numbered_can_be_allowed(empty_study: StewardStudy, capsys) -> None:
    """The false positive a review finds was numbered by the engine when it took it for a name;
    that is no reason to refuse allowing it (a steward-registered name still is)."""
    study = empty_study
    text = "Interviewer: What helped?\nTorvald Myrhaug: Ergometer training, twice a week.\n" \
           "Interviewer: Good.\nTorvald Myrhaug: My physiotherapist and Ergometer training.\n"
    clean = study.release(1, "wave1", text).clean_path.read_text(encoding="utf-8")
    with study.open_vault() as vault:
        numbered = vault.lookup("person", "Ergometer")
    assert numbered is not None and not numbered.registered and "Ergometer" not in clean
    code, stdout, stderr = study.cli(capsys, "rules", "add-allow", "Ergometer")
    assert code == 0 and "anonymizer store affected --since-correction" in stdout
    assert f"the engine had numbered it as {numbered.label}" in stderr
    assert "Ergometer" not in stderr
    # one a steward registered is still refused
    code, _, _ = study.cli(capsys, "rules", "add-deny", "Brattvoll", "--kind", "place")
    code, _, stderr = study.cli(capsys, "rules", "add-allow", "Brattvoll")
    assert code == 2 and "the vault holds (Place" in stderr


def test_names_are_refused_or_warned_about(empty_study: StewardStudy, capsys) -> None:
    study = empty_study
    allow = study.root / "project-allow.txt"
    # a name the vault holds, even as one word of an alias
    for word in ("Torvald", "Eilif Sandvær", "torvald myrhaug"):
        code, _, stderr = study.cli(capsys, "rules", "add-allow", word)
        assert code == 2 and "the vault holds (Participant" in stderr, word
        assert word.split()[0] not in stderr
    # what reads as a full name
    code, _, stderr = study.cli(capsys, "rules", "add-allow", "Gudrun Lysvik")
    assert code == 2 and "first name and a surname" in stderr and "Gudrun" not in stderr
    assert not allow.exists() and not study.audit_path.exists()
    # a word that is also a first name: added, with a warning
    code, _, stderr = study.cli(capsys, "rules", "add-allow", "Hope")
    assert code == 0 and "warning: it is listed as a first name" in stderr
    # forced: the full name goes in, warned about
    code, _, stderr = study.cli(capsys, "rules", "add-allow", "Gudrun Lysvik", "--force")
    assert code == 0 and "warning" in stderr
    assert allow.read_text(encoding="utf-8").splitlines()[-2:] == ["Hope", "Gudrun Lysvik"]


def test_bad_words_and_a_missing_setting_are_refused(empty_study: StewardStudy, capsys,
                                                     tmp_path: Path) -> None:
    study = empty_study
    for word, message in (("# x", "may not start with '#'"), ("two\nlines", "one line"),
                          ("x" * 65, "at most 64"), ("   ", "empty")):
        code, _, stderr = study.cli(capsys, "rules", "add-allow", word)
        assert code == 2 and message in stderr, word
    config = study.config.read_text(encoding="utf-8")
    study.config.write_text("\n".join(line for line in config.splitlines()
                                      if not line.startswith("project_allow")), encoding="utf-8")
    code, _, stderr = study.cli(capsys, "rules", "add-allow", "Audiogram")
    assert code == 3 and "rules.project_allow" in stderr


def test_add_allow_changes_nothing_when_the_log_refuses(study: StewardStudy, capsys) -> None:
    allow = study.root / "project-allow.txt"
    allow.write_text("Audiogram\n", encoding="utf-8")
    _break_log(study)
    code, _, stderr = study.cli(capsys, "rules", "add-allow", "Tinnitus")
    assert code != 0 and "nothing was appended" in stderr
    assert allow.read_text(encoding="utf-8") == "Audiogram\n"
    assert [p.name for p in allow.parent.glob(".allow-*")] == []


def test_rules_without_a_command_prints_help(empty_study: StewardStudy, capsys) -> None:
    code, stdout, _ = empty_study.cli(capsys, "rules")
    assert code == 64 and "add-deny" in stdout and "add-allow" in stdout


def test_add_deny_registers_a_name_the_engine_had_numbered(empty_study: StewardStudy,
                                                            capsys) -> None:
    """A name the engine found once (numbered, not registered) becomes a roster entry with
    the same number, so it is replaced in every transcript from now on."""
    study = empty_study
    with study.open_vault() as vault:
        numbered = vault.assign("person", ["Bjarne Ødegård"])
    assert not numbered.registered
    code, stdout, _ = study.cli(capsys, "rules", "add-deny", "Bjarne Ødegård")
    assert code == 0 and "already" not in stdout
    with study.open_vault() as vault:
        entry = vault.lookup("person", "bjarne ødegård")
    assert entry.number == numbered.number and entry.registered
    code, stdout, _ = study.cli(capsys, "rules", "add-deny", "Bjarne Ødegård")
    assert code == 0 and "already in the vault" in stdout
