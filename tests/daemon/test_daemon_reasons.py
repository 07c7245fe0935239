"""The daemon's reason codes repeat the format readers' on purpose (an Enum with members cannot
be extended); this keeps the two lists in step."""

from __future__ import annotations

from anonymizer.formats import ReadFailure
from anonymizer.store.reasons import HINTS, QuarantineReason


def test_every_read_failure_is_a_quarantine_reason_with_the_same_name_and_a_hint() -> None:
    for failure in ReadFailure:
        reason = QuarantineReason.from_read_failure(failure)
        assert (reason.name, reason.value) == (failure.name, failure.value)
        assert reason in HINTS


def test_every_quarantine_reason_has_a_hint() -> None:
    assert set(HINTS) == set(QuarantineReason)
