"""`anonymizer run` numbering people from the vault: registered names come out with their
numbers, new speakers get the next free number and keep it in later runs and other processes,
one vault write per transcript, and no registered name in clear in any file a full run leaves.

The engine runs in-process on the session's loaded model (``cached_model``), except where a new
process is the point."""

from __future__ import annotations

import json
import re

import pytest
from vault_cli_kit import (
    FOCUS_GROUP,
    HALVARD,
    LIV,
    ONE_TO_ONE,
    SIGRUN,
    files_holding,
    run_cli_process,
)

pytestmark = pytest.mark.integration

REGISTERED_NAMES = (*SIGRUN, *HALVARD, *LIV)


def write(study, name: str, text: str):
    path = study.root / name
    path.write_text(text, encoding="utf-8")
    return path


def speakers(text: str) -> list[str]:
    return [line.split(":")[0] for line in text.splitlines() if ":" in line]


def test_registered_and_new_speakers_keep_their_numbers_across_processes(study, cached_model):
    assert study.cli("participants", "add", SIGRUN[0], "--alias", SIGRUN[1],
                     "--number", "7").code == 0
    focus = write(study, "focus-group.txt", FOCUS_GROUP)

    first = study.cli("run", focus)
    assert first.code == 0, first.err
    assert speakers(first.out) == ["Interviewer", "Participant 7", "Participant 8",
                                   "Interviewer", "Participant 7"]
    assert "[Participant 8] helped me" in first.out and "[Participant 7] and I" in first.out
    listing = study.cli("participants", "list").out.splitlines()
    assert [row.split()[:3] for row in listing] == [["7", "active", "registered"],
                                                    ["8", "active", "auto"]]

    # A new process, the same transcript and another one: the vault, not memory, numbers them.
    later = write(study, "second-interview.txt", ONE_TO_ONE)
    again = run_cli_process(study, "run", focus, later)
    assert again.returncode == 0, again.stderr
    first_out, second_out = again.stdout.split("Interviewer: Welcome back.")
    assert first_out.strip() == first.out.strip()
    assert speakers(second_out) == ["Participant 8", "Interviewer"]
    assert "[Participant 7] lent me" in second_out
    for name in REGISTERED_NAMES[:4]:
        assert name not in again.stdout and name not in again.stderr
    assert len(study.cli("participants", "list").out.splitlines()) == 2  # nobody new


def count_vault_writes(monkeypatch) -> list[int]:
    import vault.store

    writes: list[int] = []
    real = vault.store.write_state

    def counting(*args, **kwargs):
        writes.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(vault.store, "write_state", counting)
    return writes


THIRD = """\
Interviewer: Tell me about the allotment committee.
Tora Vik: Ingeborg Lunde chairs it, and Arvid Solum keeps the accounts.
"""


def test_the_engine_on_the_vault_writes_once_per_transcript(study, make_engine, monkeypatch):
    """Everything one transcript assigns is committed at once; a known one writes nothing."""
    from anonymizer.keys.vault_adapter import open_vault_keystore
    from anonymizer.settings import load_settings

    with open_vault_keystore(load_settings(study.config)) as keystore:
        engine = make_engine(keystore=keystore)
        writes = count_vault_writes(monkeypatch)
        outcome = engine.anonymize(THIRD)
        assert len(writes) == 1
        assert "Participant 1:" in outcome.clean_text and "[Person 2]" in outcome.clean_text
        engine.anonymize(THIRD)
        assert len(writes) == 1
    with study.open_vault() as vault:
        assert vault.lookup("person", "Arvid Solum").number == 2


def test_run_writes_the_vault_once_per_transcript(study, cached_model, monkeypatch):
    files = [write(study, "focus-group.txt", FOCUS_GROUP), write(study, "third.txt", THIRD)]
    writes = count_vault_writes(monkeypatch)
    result = study.cli("run", *files, "-o", study.root / "out")
    assert result.code == 0, result.err
    assert len(writes) == 2  # each transcript brings new people: one commit each


def test_full_pipeline_leaves_no_registered_name_in_any_file(study, cached_model):
    assert study.cli("participants", "add", SIGRUN[0], "--alias", SIGRUN[1],
                     "--number", "7").code == 0
    assert study.cli("participants", "add", HALVARD[0], "--alias", HALVARD[1]).code == 0
    assert study.cli("people", "add", LIV[0], "--alias", LIV[1]).code == 0
    transcript = write(study, "focus-group.txt", FOCUS_GROUP)
    out = study.root / "out"

    run = study.cli("run", transcript, "-o", out)
    assert run.code == 0, run.err
    clean = next(out.glob("*.clean.txt")).read_text(encoding="utf-8")
    assert speakers(clean) == ["Interviewer", "Participant 7", "Participant 8", "Interviewer",
                               "Participant 7"]
    assert clean.count("[Person 1]") == 2

    assert study.cli("participants", "list").code == 0
    assert "Halvard Brekke" in study.cli("participants", "list", "--reveal").out
    assert study.cli("participants", "reveal", "7").out.startswith("Participant 7: Sigrun")
    purge = json.loads(study.cli("participants", "withdraw", "8", "--yes", "--json").out)
    assert purge["participant"] == 8
    assert study.cli("vault", "verify").code == 0
    assert [(event, fields.get("number", fields.get("numbers"))) for event, fields in
            study.audit_events()] == [
        ("participant_added", 7), ("participant_added", 8), ("participant_added", 1),
        ("reidentified", [7, 8]), ("reidentified", [7]), ("withdrawn", 8)]

    written = {p.relative_to(study.root).parts[0] for p in study.root.rglob("*") if p.is_file()}
    assert {"study-keys", "out", "data"} <= written  # vault, output and audit log were scanned
    assert study.audit_path.stat().st_size > 0
    assert files_holding(study.root, REGISTERED_NAMES, skip=(transcript,)) == []
    # The scan can fail: the input it skipped holds every name.
    assert len({re.sub(r" utf.*", "", hit) for hit in
                files_holding(transcript.parent, REGISTERED_NAMES)
                if hit.startswith(transcript.name)}) == len(REGISTERED_NAMES)


def test_vault_keystore_next_number_skips_retired_numbers(study):
    from anonymizer.keys.keystore import IdentityKind
    from anonymizer.keys.vault_adapter import open_vault_keystore
    from anonymizer.settings import load_settings

    study.cli("participants", "add", SIGRUN[0])
    study.cli("participants", "add", HALVARD[0])
    study.cli("participants", "withdraw", "2", "--yes")
    with open_vault_keystore(load_settings(study.config)) as keystore:
        assert keystore.next_number(IdentityKind.PARTICIPANT) == 3
        assert keystore.next_number(IdentityKind.PLACE) == 1


def test_scan_never_shows_a_withdrawn_participants_number(study, cached_model):
    study.cli("participants", "add", SIGRUN[0])
    study.cli("participants", "add", HALVARD[0])
    study.cli("participants", "withdraw", "2", "--yes")
    newcomer = write(study, "newcomer.txt", THIRD)
    scan = study.cli("scan", newcomer)
    assert scan.code == 0, scan.err
    assert "Participant 3" in scan.out and "Participant 2" not in scan.out
    run = study.cli("run", newcomer)
    assert "Participant 3:" in run.out  # what the real run assigns
