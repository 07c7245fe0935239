""""Apply": after a correction, the re-runs of every transcript it concerns go to the daemon.

The workbench never writes the store: it finds the affected releases as ``anonymizer store
affected`` does (``anonymizer.review.affected``: the sealed originals read in memory, the
correction's names from the vault), and hands each re-run to the daemon's request spool
(``anonymizer.daemon.requests.submit_rerun``, cause ``correction_<n>``, the account as actor).
The daemon does them while it runs (or at its next start); ``/steward/requests`` shows each
request's state until it is done or refused. Recorded as ``affected_listed`` with the account
as actor: correction numbers, counts and job ids, never a name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from anonymizer.audit.log import AuditEvent
from anonymizer.daemon.requests import RequestState, request_state, submit_rerun
from anonymizer.errors import InputError
from anonymizer.review.affected import AffectedRelease, corrections_since, find_affected
from anonymizer.settings import Settings
from anonymizer.web.events import Recorder


@dataclass(frozen=True)
class Affected:
    correction: int
    releases: tuple[AffectedRelease, ...]
    searched: int
    skipped: int  # originals not kept or unreadable: not searched


def _vault(settings: Settings) -> Any:
    from anonymizer.keys.vault_adapter import open_vault

    return open_vault(settings)


def _find(settings: Settings, vault: Any, recorder: Recorder, actor: str,
          correction: int) -> tuple[Affected, list[str]]:
    log = recorder.log(actor)
    corrections = corrections_since(settings, log.records(), vault, recorder.key, correction)
    corrections = [c for c in corrections if c.seq == correction]
    needles = [n for c in corrections for n in c.needles]
    if not needles:
        return Affected(correction, (), 0, 0), []
    report = find_affected(settings, vault, needles)
    return Affected(correction, report.releases, report.searched,
                    report.not_kept + report.unreadable), needles


def affected(settings: Settings, recorder: Recorder, actor: str, correction: int) -> Affected:
    """Which releases correction ``correction`` concerns (nothing is queued)."""
    with _vault(settings) as vault:
        return _find(settings, vault, recorder, actor, correction)[0]


def apply(settings: Settings, recorder: Recorder, actor: str, correction: int
          ) -> tuple[Affected, list[str]]:
    """Queue the reruns of the releases correction ``correction`` concerns; the request ids."""
    if correction < 1:
        raise InputError("not a correction number")
    with _vault(settings) as vault:
        found, needles = _find(settings, vault, recorder, actor, correction)
        queued = [submit_rerun(settings, r.stem, actor=actor, cause=f"correction_{correction}")
                  for r in found.releases]
        recorder.append(actor, AuditEvent.AFFECTED_LISTED, correction_numbers=[correction],
                        needle_count=len(needles), affected_count=len(found.releases),
                        release_count=found.searched, job_ids=[r.job for r in found.releases],
                        queued_count=len(queued))
    return found, queued


def states(settings: Settings, ids: list[str]) -> list[RequestState]:
    found = []
    for request_id in ids[:500]:
        try:
            found.append(request_state(settings, request_id))
        except InputError:
            continue
    return found
