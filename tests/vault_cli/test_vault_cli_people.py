"""`people list | reveal | alias | merge | kind`: a steward corrects identities by label.

A real (cheaply keyed) vault and audit log in tmp_path; the CLI runs in-process. Names invented.
"""

from __future__ import annotations

import pytest
from vault_cli_kit import SIGRUN

from anonymizer.cli.people_cmds import identity_ref
from vault import Kind


@pytest.mark.parametrize(("text", "kind", "number"), [
    ("12", Kind.PERSON, 12), ("person:12", Kind.PERSON, 12), ("Person 12", Kind.PERSON, 12),
    ("place:3", Kind.PLACE, 3), ("Organization 5", Kind.ORGANISATION, 5),
    ("organisation:05", Kind.ORGANISATION, 5), ("participant:7", Kind.PARTICIPANT, 7),
])
def test_identity_labels_name_a_kind_and_a_number(text, kind, number):
    ref = identity_ref(text)
    assert (ref.kind, ref.number) == (kind, number)


@pytest.mark.parametrize("text", ["Tom", "person:0", "house:3", "-1", ""])
def test_a_name_is_not_a_label(text):
    import argparse

    with pytest.raises(argparse.ArgumentTypeError):
        identity_ref(text)


def test_list_shows_labels_origin_and_alias_counts_never_names(study):
    study.cli("people", "add", "Tom Whitaker", "--alias", "Tom")
    study.cli("people", "add", "Leeds General Infirmary", "--kind", "place")
    with study.open_vault() as vault:
        vault.assign("person", ["Joan Ellison"])  # found by the engine, not registered
    out = study.cli("people", "list").out
    assert "Tom" not in out and "Leeds" not in out and "Joan" not in out
    assert [line.split() for line in out.splitlines()] == [
        ["person:1", "active", "registered", "aliases", "1"],
        ["person:2", "active", "found", "aliases", "0"],
        ["place:1", "active", "registered", "aliases", "0"],
    ]
    assert study.cli("people", "list", "--kind", "place").out.split()[0] == "place:1"


def test_reveal_is_audited_before_names_are_shown(study):
    study.cli("people", "add", "Tom Whitaker", "--alias", "Tom")
    out = study.cli("people", "list", "--reveal").out
    assert "names: Tom Whitaker; Tom" in out
    assert study.cli("people", "reveal", "person:1").out.splitlines() == [
        "Person 1: Tom Whitaker", "  also: Tom"]
    events = [e for e in study.audit_events() if e[0] == "reidentified"]
    assert [e[1]["command"] for e in events] == ["people_list_reveal", "people_reveal"]
    assert all(e[1]["kind"] == "person" and e[1]["numbers"] == [1] for e in events)


def test_alias_joins_one_identity_and_is_audited(study):
    study.cli("people", "add", "Tom Whitaker")
    result = study.cli("people", "alias", "person:1", "Tom")
    assert result.code == 0 and "1 new name(s)" in result.out and "store affected" in result.out
    with study.open_vault() as vault:
        assert vault.lookup("person", "tom").number == 1
    assert ("identity_aliased", {"kind": "person", "number": 1, "name_count": 1}) in (
        study.audit_events())


def test_alias_held_by_another_identity_is_refused_with_its_number(study):
    study.cli("people", "add", "Tom Whitaker")
    study.cli("people", "add", "Tom Baker", "--alias", "Tom")
    result = study.cli("people", "alias", "1", "Tom")
    assert result.code == 4 and "name_taken" in result.err and "person 2" in result.err
    assert "Tom" not in result.err and result.err.count("\n") == 1


def test_merge_two_people_and_a_person_into_a_participant(study):
    study.cli("participants", "add", SIGRUN[0], "--number", "7")
    study.cli("people", "add", "Mark Bentley")
    with study.open_vault() as vault:
        vault.assign("person", ["Mark"])  # person 2: the engine's own number
        vault.assign("person", ["Siggi"])  # person 3: the participant, by a pet name
    assert study.cli("people", "merge", "person:1", "person:2").code == 0
    result = study.cli("people", "merge", "participant:7", "person:3")
    assert result.code == 0 and "merged Person 3 into Participant 7" in result.out
    with study.open_vault() as vault:
        assert vault.lookup("person", "mark").number == 1
        assert vault.lookup("participant", "siggi").number == 7
    lines = study.cli("people", "list").out.splitlines()
    assert lines[1].split()[:4] == ["person:2", "merged", "into", "person:1"]
    assert lines[2].split()[:4] == ["person:3", "moved", "to", "participant:7"]
    events = [e for e in study.audit_events() if e[0] == "identities_merged"]
    assert [e[1] for e in events] == [
        {"kind": "person", "keep": 1, "absorb": 2, "absorb_kind": "person"},
        {"kind": "participant", "keep": 7, "absorb": 3, "absorb_kind": "person"}]


def test_a_participant_is_not_absorbed_by_people_merge(study):
    study.cli("participants", "add", SIGRUN[0], "--number", "7")
    study.cli("people", "add", "Mark Bentley")
    result = study.cli("people", "merge", "person:1", "participant:7")
    assert result.code == 2 and "participants merge" in result.err


def test_kind_moves_an_identity_and_retires_its_old_label(study):
    study.cli("people", "add", "Leeds General Infirmary", "--alias", "the LGI", "--kind", "place")
    result = study.cli("people", "kind", "place:1", "organisation")
    assert result.code == 0 and "Place 1 is now Organisation 1" in result.out
    with study.open_vault() as vault:
        assert vault.lookup("organisation", "the lgi").number == 1
        assert vault.lookup("place", "the lgi") is None
    assert ("identity_moved", {"kind": "place", "number": 1, "into_kind": "organisation",
                               "into": 1}) in study.audit_events()
    again = study.cli("people", "kind", "place:1", "organisation")
    assert again.code == 4 and again.err.count("\n") == 1  # retired: refused, one line


@pytest.mark.parametrize("command", [
    ("people", "alias", "person:1", "Tom"),
    ("people", "merge", "person:1", "person:2"),
    ("people", "kind", "person:1", "place"),
    ("people", "reveal", "person:1"),
], ids=" ".join)
def test_no_unrecorded_change_or_reveal_when_the_audit_log_refuses(study, command):
    study.cli("people", "add", "Tom Whitaker")
    study.cli("people", "add", "Mark Bentley")
    data = study.audit_path.read_bytes()
    study.audit_path.write_bytes(data.replace(b'"number":2', b'"number":9'))
    log_before, vault_before = study.audit_path.read_bytes(), study.vault_bytes()
    result = study.cli(*command)
    assert result.code == 1 and result.out == "" and result.err.count("\n") == 1
    assert study.vault_bytes() == vault_before and study.audit_path.read_bytes() == log_before
