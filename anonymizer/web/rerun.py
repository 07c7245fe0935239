""""Apply": after a rules change, the re-runs of the affected transcripts go to the daemon.

The workbench never writes the store: a re-run is a request the daemon carries out
(``anonymizer.daemon.requests``: ``submit_rerun`` and ``request_state``), so it works while the
daemon runs. Where that module is not installed yet, "Apply" says which command queues them
(``anonymizer store affected --queue``) instead of pretending.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from anonymizer.settings import Settings

AFFECTED_COMMAND = "anonymizer store affected --queue"


@dataclass(frozen=True)
class Queued:
    stem: str
    request_id: str
    state: str


@dataclass(frozen=True)
class ApplyPlan:
    available: bool  # the daemon takes requests (anonymizer.daemon.requests is there)
    command: str  # what to run by hand otherwise
    queued: tuple[Queued, ...] = ()
    submitted: bool = False


def _requests() -> Any | None:
    try:
        return importlib.import_module("anonymizer.daemon.requests")
    except ImportError:
        return None


def apply_plan(settings: Settings, stem: str, *, submit: bool = False,
               actor: str | None = None) -> ApplyPlan:
    module = _requests()
    if module is None:
        return ApplyPlan(False, AFFECTED_COMMAND)
    if not submit:
        return ApplyPlan(True, AFFECTED_COMMAND)
    request_id = module.submit_rerun(settings, stem, actor=actor, cause="rules_changed")
    state = module.request_state(settings, request_id)
    return ApplyPlan(True, AFFECTED_COMMAND,
                     (Queued(stem, str(request_id), str(getattr(state, "value", state))),),
                     submitted=True)
