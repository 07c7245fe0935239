"""One refusal vocabulary from the format readers to the quarantine report (issue 13.3)."""

from __future__ import annotations

import inspect
import re

import pytest

import anonymizer.formats as formats_package
from anonymizer.daemon.stages import BEFORE_RELEASE
from anonymizer.refusals import READER_REASONS, Reason, Refusal, Stage
from anonymizer.store.reasons import HINTS


def test_every_reason_has_a_hint() -> None:
    assert set(HINTS) == set(Reason)


def test_the_readers_refuse_only_with_reader_reasons() -> None:
    # every refuse(..., Reason.X, ...) in the format readers names a reader reason
    folder = inspect.getfile(formats_package).rsplit("/", 1)[0]
    used: set[str] = set()
    import pathlib

    for path in pathlib.Path(folder).glob("*.py"):
        used |= set(re.findall(r"Reason\.([A-Z_]+)", path.read_text(encoding="utf-8")))
    assert used, "the readers name no reason at all: the scan above is broken"
    assert {Reason[name] for name in used} <= READER_REASONS


def test_a_reader_cannot_refuse_with_a_daemon_reason(tmp_path: pytest.TempPathFactory) -> None:
    from pathlib import Path

    from anonymizer.formats.failures import UnreadableTranscript

    with pytest.raises(AssertionError):
        UnreadableTranscript(Path("x.txt"), Reason.DUPLICATE, "not a reader's")


def test_each_step_before_release_reports_its_own_stage() -> None:
    stages = [stage for stage, _ in BEFORE_RELEASE]
    assert [step.__name__ for _, step in BEFORE_RELEASE] == [s.value for s in stages]
    assert Stage.RENDER in stages  # a render failure is a render's, not the engine's


@pytest.mark.parametrize("refusal", [
    Refusal(Reason.ZIP_BOMB, Stage.READ, "ratio 1000"),
    Refusal(Reason.ENGINE_ERROR, Stage.RENDER),
])
def test_a_refusal_survives_the_journal_as_the_same_value(refusal: Refusal) -> None:
    from anonymizer.daemon.journal import QuarantinePlan

    plan = QuarantinePlan("q-1.txt", refusal)
    assert QuarantinePlan.from_json(plan.to_json()) == plan
    # the on-disk shape is flat, as before: journal entries written by older versions still load
    assert plan.to_json() == {"name": "q-1.txt", "reason": refusal.reason.value,
                              "stage": refusal.stage.value, "detail": refusal.detail}
