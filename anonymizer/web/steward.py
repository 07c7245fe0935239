"""The steward's queue and transcript view, and the decisions taken on it.

    GET  /steward                         releases awaiting review, quarantined inputs
    GET  /steward/t/{stem}                the clean text, every replacement and flag marked
    POST /steward/t/{stem}/deny           selected or flagged text is a person/place/org.
    POST /steward/t/{stem}/r/{n}/accept   replacement n is right
    POST /steward/t/{stem}/r/{n}/allow    replacement n is no name: allow the word
    POST /steward/t/{stem}/r/{n}/kind     ... another kind; .../merge: someone numbered already
                                          (``steward_identity``)
    POST /steward/t/{stem}/reviewed       this version is fine as released
    POST /steward/apply                   hand the re-runs to the daemon (``web.rerun``)
    GET  /steward/requests?ids=...        their states, refreshed until done

Decisions go through ``anonymizer.review.decisions`` (the same code as ``anonymizer rules
add-deny/add-allow`` and ``review --accept``) with the account as the audit actor. The word
behind a replacement is read from the sealed original in memory and never shown: allowing or
re-kinding it is no re-identification. The original itself, the search and the quarantine
actions are in ``steward_original``.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import RedirectResponse, Response

from anonymizer.audit.log import AuditEvent
from anonymizer.errors import AnonymizerError, InputError
from anonymizer.review import decisions
from anonymizer.review.original import read_original
from anonymizer.review.page import FLAG_REASONS, describe_flag
from anonymizer.store.released import Released
from anonymizer.web import marks, rerun, study
from anonymizer.web.accounts import Role
from anonymizer.web.auth import Call, allow

DESCRIBE = {reason: text for reason, (text, _) in FLAG_REASONS.items()}
KINDS = ("person", "place", "organisation")


def _open_vault(settings: Any) -> Any:
    from anonymizer.keys.vault_adapter import open_vault

    return open_vault(settings)


def _account(call: Call) -> str:
    assert call.who.account is not None
    return call.who.account


@allow(Role.STEWARD)
def queue(call: Call) -> Response:
    workbench = call.app
    records = study.history(workbench.settings, workbench.recorder.key)
    rows = study.releases(workbench.settings, records)
    return workbench.page(call.request, call.who, "steward_queue.html", {
        "waiting": [r for r in rows if r.reviewed_by is None],
        "reviewed": [r for r in rows if r.reviewed_by is not None],
        "quarantined": study.quarantined(workbench.settings),
    })


def _view(call: Call, released: Released, *, message: str = "", error: str = "",
          status: int = 200) -> Response:
    workbench = call.app
    review = released.review
    replacements = review.replacements if review else ()
    flags = review.flags if review else ()
    text = released.shown_text
    records = study.history(workbench.settings, workbench.recorder.key)
    job = str(released.meta.get("job_id", ""))
    return workbench.page(call.request, call.who, "steward_transcript.html", {
        "released": released, "stem": released.stem,
        "lines": marks.lines(text, marks.clean_marks(replacements, flags, DESCRIBE)),
        "replacements": [(i, m, text[m.start:m.end]) for i, m in enumerate(replacements, 1)],
        "flags": [(i, m, text[m.start:m.end], describe_flag(m.kind),
                   FLAG_REASONS.get(m.kind, ("", None))[1])
                  for i, m in enumerate(flags, 1)],
        "kinds": KINDS, "reviewed_by": study.accepted_jobs(records).get(job),
        "message": message, "error": error,
    }, status=status)


@allow(Role.STEWARD)
def transcript(call: Call) -> Response:
    return _view(call, study.released(call.app.settings, call.request.path_params["stem"]))


def _done(call: Call, released: Released, message: str, correction: int | None
          ) -> Response:
    """The decision's page: what it concerns (``store affected``) and the Apply button."""
    workbench = call.app
    found = (rerun.affected(workbench.settings, workbench.recorder, _account(call), correction)
             if correction is not None else None)
    return workbench.page(call.request, call.who, "steward_done.html", {
        "stem": released.stem, "message": message, "affected": found})


def _refused(call: Call, released: Released, error: AnonymizerError) -> Response:
    return _view(call, released, error=str(error), status=400)


@allow(Role.STEWARD)
def deny(call: Call) -> Response:
    settings = call.app.settings
    released = study.released(settings, call.request.path_params["stem"])
    text, kind = call.field("text").strip(), call.field("kind")
    try:
        if kind not in KINDS:
            raise InputError("choose person, place or organisation")
        if not text or text not in released.shown_text:
            raise InputError("the selected text is not in this transcript's clean text")
        result = decisions.add_deny(settings, text, kind, open_vault=_open_vault,
                                    actor=_account(call))
    except AnonymizerError as error:
        return _refused(call, released, error)
    if not result.created:
        return _view(call, released, message=f"Already in the vault as {result.label}; "
                     "nothing changed.")
    return _done(call, released, f"Registered as {result.label} in the key vault (recorded "
                 f"in the audit log as correction {result.correction}).", result.correction)


def _replacement(released: Released, call: Call) -> tuple[int, Any]:
    review = released.review
    try:
        index = int(call.request.path_params["n"])
    except ValueError:
        raise InputError("no such replacement") from None
    if review is None or not 1 <= index <= len(review.replacements):
        raise InputError("no such replacement")
    return index, review.replacements[index - 1]


def _word_behind(call: Call, released: Released, mark: Any) -> str:
    if mark.original_start is None or mark.original_end is None:
        raise InputError("this replacement has no place in the original")
    with _open_vault(call.app.settings) as vault:
        original, _ = read_original(call.app.settings, vault, released)
    return str(original[mark.original_start:mark.original_end])


@allow(Role.STEWARD)
def accept_replacement(call: Call) -> Response:
    workbench = call.app
    released = study.released(workbench.settings, call.request.path_params["stem"])
    try:
        index, mark = _replacement(released, call)
    except AnonymizerError as error:
        return _refused(call, released, error)
    workbench.recorder.append(_account(call), AuditEvent.REVIEW_DECISION,
                              decision="replacement_ok", kind=mark.kind, index=index,
                              participant=released.participant,
                              job_id=str(released.meta.get("job_id", "")) or None)
    if call.request.headers.get("hx-request"):
        return workbench.page(call.request, call.who, "fragment_ok.html",
                              {"text": f"replacement {index} accepted"})
    return _view(call, released, message=f"Replacement {index} accepted (recorded).")


@allow(Role.STEWARD)
def allow_replacement(call: Call) -> Response:
    settings = call.app.settings
    released = study.released(settings, call.request.path_params["stem"])
    try:
        _, mark = _replacement(released, call)
        result = decisions.add_allow(settings, _word_behind(call, released, mark),
                                     open_vault=_open_vault, actor=_account(call))
    except AnonymizerError as error:
        return _refused(call, released, error)
    if not result.added:
        return _view(call, released, message="That word is allowed already; nothing changed.")
    more = "".join(f" Note: {w}." for w in result.warnings)
    return _done(call, released, f"Added to the project allow list ({result.words} entries; "
                 f"recorded in the audit log as correction {result.correction}).{more}",
                 result.correction)


@allow(Role.STEWARD)
def mark_reviewed(call: Call) -> Response:
    settings = call.app.settings
    released = study.released(settings, call.request.path_params["stem"])
    from anonymizer.daemon.requests import submit_review

    try:
        decisions.accept(settings, released, open_vault=_open_vault, actor=_account(call))
        submit_review(settings, released.stem, actor=_account(call),
                      job=str(released.meta.get("job_id", "")))
    except AnonymizerError as error:
        return _refused(call, released, error)
    return _view(call, released, message=f"{released.stem} marked reviewed (recorded; the "
                 "daemon writes it into the catalog).")


@allow(Role.STEWARD)
def apply(call: Call) -> Response:
    workbench = call.app
    try:
        correction = int(call.field("correction", 12))
    except ValueError:
        raise InputError("not a correction number") from None
    _, queued = rerun.apply(workbench.settings, workbench.recorder, _account(call), correction)
    return RedirectResponse(f"/steward/requests?ids={','.join(queued)}", status_code=303)


@allow(Role.STEWARD)
def requests(call: Call) -> Response:
    ids = [i for i in call.request.query_params.get("ids", "").split(",") if i]
    states = rerun.states(call.app.settings, ids)
    context = {"states": states, "ids": ",".join(s.id for s in states),
               "all_final": all(s.status.final for s in states)}
    template = ("fragment_requests.html" if call.request.headers.get("hx-request")
                else "steward_requests.html")
    return call.app.page(call.request, call.who, template, context)


ROUTES = [
    ("/steward", queue, ("GET",)),
    ("/steward/t/{stem}", transcript, ("GET",)),
    ("/steward/t/{stem}/deny", deny, ("POST",)),
    ("/steward/t/{stem}/r/{n}/accept", accept_replacement, ("POST",)),
    ("/steward/t/{stem}/r/{n}/allow", allow_replacement, ("POST",)),
    ("/steward/t/{stem}/reviewed", mark_reviewed, ("POST",)),
    ("/steward/apply", apply, ("POST",)),
    ("/steward/requests", requests, ("GET",)),
]
