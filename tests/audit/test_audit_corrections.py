"""The correction set the audit log keeps beside itself: counted and chained as corrections are
appended, by any writer, never from anything but numbers and MACs."""

from __future__ import annotations

import json

from audit_testkit import make_log

from anonymizer.audit.corrections import FILE, START, CorrectionSet, from_records, read_set
from anonymizer.audit.log import AuditEvent


def test_only_corrections_count_and_the_digest_chains_their_macs(tmp_path):
    path = tmp_path / "audit" / "audit.jsonl"
    log = make_log(path)
    assert read_set(path.parent) == CorrectionSet(0, 0, START)
    log.append(AuditEvent.DAEMON_STARTED, config_sha256="c" * 64, tool_version="0.1.0")
    alias = log.append(AuditEvent.IDENTITY_ALIASED, kind="person", number=3, name_count=1)
    log.append(AuditEvent.REVIEW_DECISION, decision="accept", participant=1, wave="wave1")
    deny = log.append(AuditEvent.REVIEW_DECISION, decision="add_deny", kind="person", number=4)
    summary = read_set(path.parent)
    assert (summary.count, summary.last) == (2, deny.seq)
    assert summary == CorrectionSet().after(alias).after(deny) == from_records(log.records())
    text = (path.parent / FILE).read_text()
    assert set(json.loads(text)) == {"count", "last", "digest"}


def test_a_missing_summary_is_rebuilt_from_the_log(tmp_path):
    path = tmp_path / "audit" / "audit.jsonl"
    log = make_log(path)
    log.append(AuditEvent.IDENTITY_MOVED, kind="place", number=1, into_kind="organisation", into=1)
    (path.parent / FILE).unlink()  # a log from before the summary existed
    log.append(AuditEvent.IDENTITIES_MERGED, kind="person", keep=1, absorb=2,
               absorb_kind="person")
    assert read_set(path.parent) == from_records(log.records())
    assert read_set(path.parent).count == 2


def test_an_unreadable_summary_is_said_so_not_guessed(tmp_path):
    (tmp_path / FILE).write_text("{not json")
    assert read_set(tmp_path).count == -1
