"""Every steward's command through the real CLI on a real vault: happy paths, what they print
(numbers and codes, names only where asked for), what the audit log records, and --help."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from vault_cli_kit import HALVARD, PROJECT, SIGRUN, Terminal

from vault import Secret

NEW_COMMANDS = [
    ("vault",), ("vault", "init"), ("vault", "passwd"), ("vault", "rotate"), ("vault", "verify"),
    ("participants",), ("participants", "add"), ("participants", "list"),
    ("participants", "reveal"), ("participants", "withdraw"), ("participants", "merge"),
    ("people",), ("people", "add"), ("people", "list"), ("people", "reveal"),
    ("people", "alias"), ("people", "merge"), ("people", "kind"),
]


def all_parsers() -> dict[tuple[str, ...], argparse.ArgumentParser]:
    from anonymizer.cli import build_parser

    found: dict[tuple[str, ...], argparse.ArgumentParser] = {}

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        found[path] = parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    walk(child, (*path, name))

    walk(build_parser(), ())
    return found


@pytest.mark.parametrize("command", NEW_COMMANDS, ids=" ".join)
def test_every_new_command_has_help(command, capsys):
    from anonymizer.cli import main

    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0
    assert out.startswith(f"usage: anonymizer {' '.join(command)}")
    assert len(out.splitlines()) > 4


def test_no_option_takes_a_secret_on_the_command_line():
    """Options about secrets name a variable or a file, or are flags: never the value."""
    parsers = all_parsers()
    assert set(NEW_COMMANDS) <= set(parsers)
    secretish = ("pass", "secret", "key", "pin", "pwd")
    for path, parser in parsers.items():
        for action in parser._actions:
            for option in action.option_strings:
                if not any(word in option.lower() for word in secretish):
                    continue
                takes_no_value = action.nargs == 0
                names_a_place = option.endswith(("-env", "-file"))
                assert takes_no_value or names_a_place, f"{' '.join(path)} {option}"
            if not action.option_strings and action.dest not in ("command",):
                assert not any(w in action.dest.lower() for w in secretish), (path, action.dest)


def test_the_cli_root_lists_the_vault_commands():
    from conftest import VAULT_COMMANDS

    import anonymizer.cli as cli

    # the autouse fixture patched the tuple; the module's own source is what counts
    source = Path(cli.__file__).read_text(encoding="utf-8")
    assert f'"{VAULT_COMMANDS}"' in source


def test_init_with_a_passphrase_from_the_environment(bare_study):
    """The real KDF (production parameters): the one place these tests pay for it twice."""
    result = bare_study.cli("vault", "init")
    assert result.code == 0, result.err
    assert "env:TEST_ANON_VAULT_PASSPHRASE" in result.out and PROJECT in result.out
    assert bare_study.vault_dir.stat().st_mode & 0o777 == 0o700
    for file in bare_study.vault_dir.iterdir():
        assert file.stat().st_mode & 0o777 == 0o600, file.name
    assert bare_study.cli("vault", "verify").code == 0
    assert [e for e, _ in bare_study.audit_events()] == ["vault_created"]
    before = bare_study.vault_bytes()
    again = bare_study.cli("vault", "init")
    assert (again.code, again.err.count("\n")) == (4, 1)
    assert again.err.startswith("anonymizer: vault error: exists")
    assert bare_study.vault_bytes() == before


def test_add_list_reveal(study):
    assert study.cli("participants", "add", SIGRUN[0], "--alias", SIGRUN[1],
                     "--number", "7").out == "registered Participant 7 (2 name(s))\n"
    assert study.cli("participants", "add", HALVARD[0]).out.startswith("registered Participant 8")
    listing = study.cli("participants", "list")
    assert listing.code == 0
    assert [line.split()[:3] for line in listing.out.splitlines()] == [
        ["7", "active", "registered"], ["8", "active", "registered"]]
    assert "Sigrun" not in listing.out and "Halvard" not in listing.out

    revealed = study.cli("participants", "reveal", "7")
    assert revealed.code == 0
    assert revealed.out == "Participant 7: Sigrun Haldorsen\n  also: Sigrun\n"

    rows = [json.loads(line) for line in study.cli("participants", "list", "--reveal",
                                                   "--json").out.splitlines()]
    assert [(r["number"], r["names"]) for r in rows] == [
        (7, ["Sigrun Haldorsen", "Sigrun"]), (8, ["Halvard Brekke"])]

    events = study.audit_events()
    assert events == [
        ("participant_added", {"kind": "participant", "number": 7, "name_count": 2}),
        ("participant_added", {"kind": "participant", "number": 8, "name_count": 1}),
        ("reidentified", {"kind": "participant", "numbers": [7],
                          "command": "participants_reveal"}),
        ("reidentified", {"kind": "participant", "numbers": [7, 8],
                          "command": "participants_list_reveal"}),
    ]
    assert "Sigrun" not in study.audit_path.read_text(encoding="utf-8")


def test_names_can_come_from_standard_input(study, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("Sigrun Haldorsen\nSigrun\n"))
    assert study.cli("participants", "add", "--names-from", "-").code == 0
    with study.open_vault() as vault:
        assert vault.get("participant", 1).names == SIGRUN


def test_people_add_registers_every_kind(study):
    assert study.cli("people", "add", "Liv Aamodt", "--alias", "Liv").out.startswith(
        "registered Person 1")
    assert study.cli("people", "add", "Kvernes", "--kind", "place").out.startswith(
        "registered Place 1")
    assert study.cli("people", "add", "Havbruk Nordvest", "--kind", "organisation",
                     "--number", "4").out.startswith("registered Organisation 4")
    with study.open_vault() as vault:
        assert vault.lookup("person", "liv").registered
        assert vault.lookup("place", "KVERNES").number == 1
        assert vault.get("organisation", 4).names == ("Havbruk Nordvest",)
    kinds = [(f["kind"], f["number"]) for e, f in study.audit_events()]
    assert kinds == [("person", 1), ("place", 1), ("organisation", 4)]


def test_withdraw_shreds_and_says_what_to_purge(study):
    study.cli("participants", "add", SIGRUN[0], "--number", "7")
    with study.open_vault() as vault:
        vault.note_wave(7, "wave-1")
        vault.note_wave(7, "wave-2")

    refused = study.cli("participants", "withdraw", "7")  # not a terminal: needs --yes
    assert refused.code == 64 and "--yes" in refused.err
    done = study.cli("participants", "withdraw", "7", "--yes", "--json")
    assert done.code == 0
    purge = json.loads(done.out)
    assert {k: purge[k] for k in ("event", "project", "participant", "waves")} == {
        "event": "withdrawn", "project": PROJECT, "participant": 7,
        "waves": ["wave-1", "wave-2"]}

    listing = study.cli("participants", "list")
    assert listing.out.split()[:3] == ["7", "withdrawn", "on"]
    reveal = study.cli("participants", "reveal", "7")
    assert (reveal.code, reveal.out, reveal.err.count("\n")) == (4, "", 1)
    assert reveal.err.startswith("anonymizer: vault error: withdrawn")

    assert study.cli("participants", "add", HALVARD[0]).out.startswith("registered Participant 8")
    reuse = study.cli("participants", "add", "Tora Vik", "--number", "7")
    assert reuse.code == 4 and "withdrawn" in reuse.err
    with study.open_vault() as vault:
        assert vault.lookup("participant", SIGRUN[0]) is None
    assert ("withdrawn", {"kind": "participant", "number": 7, "wave_count": 2}) in (
        study.audit_events())


def test_withdraw_prints_a_human_purge_line_too(study):
    study.cli("participants", "add", SIGRUN[0])
    out = study.cli("participants", "withdraw", "1", "--yes").out
    assert "withdrew participant 1" in out and "purge participant 1" in out


def test_merge_retires_the_absorbed_number(study):
    study.cli("participants", "add", SIGRUN[0], "--number", "3")
    study.cli("participants", "add", "S. Haldorsen", "--number", "5")
    assert study.cli("participants", "merge", "3", "5").code == 64  # asks first
    result = study.cli("participants", "merge", "3", "5", "--yes")
    assert result.code == 0 and "merged participant 5 into 3" in result.out
    with study.open_vault() as vault:
        assert vault.lookup("participant", "s. haldorsen").number == 3
    assert study.cli("participants", "list").out.splitlines()[1].split()[:4] == [
        "5", "merged", "into", "3"]
    assert study.cli("participants", "add", "Tora Vik", "--number", "5").code == 4
    assert ("participants_merged", {"kind": "participant", "keep": 3, "absorb": 5}) in (
        study.audit_events())


def test_passwd_rotate_verify(study, monkeypatch):
    study.cli("participants", "add", SIGRUN[0])
    records_before = (study.vault_dir / "vault.db").read_bytes()
    monkeypatch.setenv("NEW_STUDY_PASSPHRASE", "another invented passphrase")
    assert study.cli("vault", "passwd", "--new-passphrase-env", "NEW_STUDY_PASSPHRASE").code == 0
    old = study.cli("participants", "list")
    assert old.code == 4 and old.err.startswith("anonymizer: vault error: wrong_secret")
    study.configure(passphrase_env="NEW_STUDY_PASSPHRASE")
    keys_before = (study.vault_dir / "vault.keys").read_bytes()
    assert study.cli("vault", "rotate").code == 0
    assert (study.vault_dir / "vault.keys").read_bytes() != keys_before
    assert (study.vault_dir / "vault.db").read_bytes() == records_before  # records untouched
    verified = study.cli("vault", "verify")
    assert verified.code == 0
    assert verified.out.startswith("records checked: 1 (participant 1, person 0")
    assert verified.out.rstrip().endswith("vault ok")
    assert "Sigrun" not in verified.out


def test_audit_records_passwd_and_rotate(study, monkeypatch):
    monkeypatch.setenv("NEW_STUDY_PASSPHRASE", "another invented passphrase")
    study.cli("vault", "passwd", "--new-passphrase-env", "NEW_STUDY_PASSPHRASE")
    study.configure(passphrase_env="NEW_STUDY_PASSPHRASE")
    study.cli("vault", "rotate")
    # the audit key survives a change of secret and a rotation: the chain reads back whole
    events = study.audit_events(Secret.from_passphrase("another invented passphrase"))
    assert events == [("vault_passphrase_changed", {"secret_kind": "passphrase"}),
                      ("vault_rotated", {})]


def test_list_shows_consent_waves_and_who_numbered_them(study):
    study.cli("participants", "add", SIGRUN[0], "--number", "2")
    with study.open_vault() as vault:
        vault.assign("participant", [HALVARD[0]])  # as the engine does for a new speaker
        vault.set_consent(2, "restricted", scope="no direct quotes")
        vault.note_wave(2, "wave-1")
    rows = study.cli("participants", "list").out.splitlines()
    assert rows[0].split() == ["2", "active", "registered", "consent", "restricted", "(no",
                               "direct", "quotes)", "waves", "wave-1"]
    assert rows[1].split()[:5] == ["3", "active", "auto", "consent", "pending"]
    assert study.audit_events()[-1][0] == "participant_added"  # a plain list is not audited


def test_verify_reports_problems_by_record_id_and_exits_4(study, monkeypatch):
    from vault import Problem, Reason, Vault, VerifyReport

    study.cli("participants", "add", SIGRUN[0])
    report = VerifyReport(1, (Problem("participant:1", Reason.TAMPERED),))
    monkeypatch.setattr(Vault, "verify", lambda self: report)
    result = study.cli("vault", "verify")
    assert result.code == 4
    assert "problem: participant:1 tampered" in result.out
    assert result.out.rstrip().endswith("vault NOT ok: 1 problem(s)")


def break_audit_log(study) -> bytes:
    """Edit the last record (its MAC no longer fits): the log refuses to chain onto it."""
    data = study.audit_path.read_bytes()
    assert data.count(b'"number":7') == 1
    study.audit_path.write_bytes(data.replace(b'"number":7', b'"number":9'))
    return study.audit_path.read_bytes()


@pytest.mark.parametrize("command", [
    ("participants", "reveal", "7"),
    ("participants", "list", "--reveal"),
    ("participants", "withdraw", "7", "--yes"),
    ("participants", "merge", "7", "8", "--yes"),
    ("participants", "add", "Tora Vik"),
    ("people", "add", "Liv Aamodt"),
], ids=" ".join)
def test_no_unrecorded_reveal_or_change_when_the_audit_log_refuses(study, command):
    study.cli("participants", "add", HALVARD[0], "--number", "8")
    study.cli("participants", "add", SIGRUN[0], "--number", "7")
    log_before = break_audit_log(study)
    vault_before = study.vault_bytes()

    result = study.cli(*command)

    assert result.code == 1 and result.err.startswith("anonymizer: error: ")
    assert result.err.count("\n") == 1
    assert result.out == ""  # no name shown
    assert study.vault_bytes() == vault_before  # nothing changed
    assert study.audit_path.read_bytes() == log_before


def test_withdraw_at_a_terminal_asks_for_the_number_again(study, monkeypatch):
    study.cli("participants", "add", SIGRUN[0], "--number", "7")
    monkeypatch.setattr("sys.stdin", Terminal())
    typed = iter(["8", "7"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(typed))
    before = study.vault_bytes()
    assert study.cli("participants", "withdraw", "7").code == 64  # typed 8: nothing changes
    assert study.vault_bytes() == before
    assert study.cli("participants", "withdraw", "7").code == 0
    assert study.cli("participants", "list").out.split()[:2] == ["7", "withdrawn"]


def test_names_from_a_missing_file_is_bad_input(study):
    result = study.cli("participants", "add", "--names-from", study.root / "missing.txt")
    assert result.code == 2 and result.err.count("\n") == 1
