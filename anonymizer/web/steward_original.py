"""What only a steward may see or do beyond the clean text: the original, the search, and the
quarantine's inputs.

    GET  /steward/t/{stem}/original       asks why (a typed reason)
    POST /steward/t/{stem}/original       the original beside the clean text, line by line
    GET  /steward/search                  the search form
    POST /steward/search                  which transcripts contain a string
    POST /steward/q/{name}/retry          move a quarantined input back into the inbox
    POST /steward/q/{name}/assign         ... named P07_wave2.<ext>: the daemon takes that name
    POST /steward/q/{name}/delete         delete it (and its report)

Showing an original is a re-identification: the ``reidentified`` record (participant numbers,
job id, ``command`` ``web_original``, the typed reason as a code) is appended before the page
is made, and the original is decrypted in memory only. The typed reason is recorded as
lower-case words joined by ``_`` and refused if a word of it is one of the words replaced in
this transcript (a reason must not carry a name into the audit log). A search term is recorded
as a keyed hash, with the number of transcripts found; the term travels in the POST body only.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import RedirectResponse, Response

from anonymizer.audit.log import AuditEvent
from anonymizer.errors import AnonymizerError, InputError
from anonymizer.fsutil import make_dirs, move_file
from anonymizer.review.original import read_original
from anonymizer.store.naming import is_wave_label, released_stem
from anonymizer.store.released import CUE_FORMATS, REVIEW_SUFFIX, engine_text
from anonymizer.store.review_marks import ReviewData
from anonymizer.web import marks, study
from anonymizer.web.accounts import Role
from anonymizer.web.auth import Call, allow
from anonymizer.web.events import term_digest
from anonymizer.web.steward import DESCRIBE, _account, _open_vault

MAX_REASON = 48
_WORD = re.compile(r"[^\W\d_]+|\d+")


def reason_code(typed: str, replaced_words: set[str]) -> str:
    words = [w.casefold() for w in _WORD.findall(typed)]
    if len(words) < 2:
        raise InputError("say why you need the original (a few words, e.g. check missed name)")
    if any(w in replaced_words for w in words):
        raise InputError("the reason may not contain a word that was replaced in this "
                         "transcript (a name must not reach the audit log)")
    code = "_".join(words)
    if not code[0].isascii() or not re.fullmatch(r"[a-z][a-z0-9_]*", code):
        raise InputError("the reason: plain letters (a-z) and digits only")
    if len(code) > MAX_REASON:
        raise InputError(f"the reason: at most {MAX_REASON} characters")
    return code


@allow(Role.STEWARD)
def original_form(call: Call) -> Response:
    released = study.released(call.app.settings, call.request.path_params["stem"])
    return call.app.page(call.request, call.who, "steward_reason.html",
                         {"stem": released.stem, "error": ""})


@allow(Role.STEWARD)
def original(call: Call) -> Response:
    workbench = call.app
    settings = workbench.settings
    released = study.released(settings, call.request.path_params["stem"])
    review = released.review
    replacements = review.replacements if review else ()
    flags = review.flags if review else ()
    with _open_vault(settings) as vault:
        text, problems = read_original(settings, vault, released)
        words = {w.casefold() for m in replacements
                 if m.original_start is not None and m.original_end is not None
                 for w in _WORD.findall(text[m.original_start:m.original_end])}
        try:
            code = reason_code(call.field("reason"), words)
        except InputError as error:
            return workbench.page(call.request, call.who, "steward_reason.html",
                                  {"stem": released.stem, "error": str(error)}, status=400)
        numbers = released.meta.get("participants") or [released.participant]
        workbench.recorder.append(
            _account(call), AuditEvent.REIDENTIFIED, kind="participant",
            numbers=[n for n in numbers if isinstance(n, int)], command="web_original",
            wave=released.wave or None, job_id=str(released.meta.get("job_id", "")) or None,
            reidentify_reason=code)
    clean = released.shown_text
    fmt = str(released.meta.get("input", {}).get("format", ""))
    if fmt in CUE_FORMATS and review is not None:
        # a subtitle's released text has a [hh:mm:ss] stamp before each cue line, which the
        # original has not: align the text the engine gave, with the marks as it wrote them
        clean = engine_text(released.shown_text, fmt)[0]
        raw = ReviewData.read(released.meta_path.with_name(released.stem + REVIEW_SUFFIX))
        replacements, flags = raw.replacements, raw.flags
    rows = marks.aligned_rows(clean, text, replacements, flags, DESCRIBE)
    return workbench.page(call.request, call.who, "steward_original.html", {
        "stem": released.stem, "rows": rows, "problems": problems, "reason": code})


@allow(Role.STEWARD)
def search_form(call: Call) -> Response:
    return call.app.page(call.request, call.who, "steward_search.html",
                         {"term": "", "found": None, "error": ""})


def _contains(text: str, term: str) -> int:
    return text.casefold().count(term.casefold())


@allow(Role.STEWARD)
def search(call: Call) -> Response:
    workbench = call.app
    settings = workbench.settings
    term = call.field("term", 100).strip()
    if len(term) < 2:
        return workbench.page(call.request, call.who, "steward_search.html",
                              {"term": term, "found": None,
                               "error": "at least 2 characters"}, status=400)
    records = study.history(settings, workbench.recorder.key)
    found: list[dict[str, Any]] = []
    with _open_vault(settings) as vault:
        for row in study.releases(settings, records):
            released = study.released(settings, row.stem)
            in_clean = _contains(released.shown_text, term)
            try:
                in_original = _contains(read_original(settings, vault, released)[0], term)
            except AnonymizerError:
                in_original = None  # not sealed, or a withdrawn participant's
            if in_clean or in_original:
                found.append({"row": row, "clean": in_clean, "original": in_original})
    workbench.recorder.append(_account(call), AuditEvent.SEARCHED,
                              term_digest=term_digest(workbench.recorder.key, term),
                              match_count=len(found),
                              numbers=sorted({f["row"].participant for f in found}))
    return workbench.page(call.request, call.who, "steward_search.html",
                          {"term": term, "found": found, "error": ""})


def _held(call: Call) -> study.QuarantineRow:
    name = call.request.path_params["name"]
    for row in study.quarantined(call.app.settings):
        if row.name == name:
            return row
    raise InputError("no such input in the quarantine (it may have been handled already)")


def _back_to_inbox(call: Call, row: study.QuarantineRow, target_name: str, action: str
                   ) -> Response:
    settings = call.app.settings
    target = settings.paths.folder("inbox") / target_name
    if target.exists():
        raise InputError("a file of that name is waiting in the inbox already")
    call.app.recorder.append(_account(call), AuditEvent.QUARANTINE_ACTION, action=action,
                             input_sha256=row.input_sha256, reason=row.reason)
    make_dirs(target.parent, 0o700)
    move_file(study.quarantine(settings).folder / row.name, target)
    return RedirectResponse("/steward", status_code=303)


@allow(Role.STEWARD)
def retry(call: Call) -> Response:
    row = _held(call)
    return _back_to_inbox(call, row, row.name, "retried")


@allow(Role.STEWARD)
def assign(call: Call) -> Response:
    row = _held(call)
    wave = call.field("wave", 32).strip()
    try:
        number = int(call.field("participant", 6))
    except ValueError:
        raise InputError("participant: a number") from None
    if number < 1 or not is_wave_label(wave):
        raise InputError("participant: a number from 1; wave: a label with a digit, e.g. wave2")
    ext = row.name.rsplit(".", 1)[-1] if "." in row.name else "txt"
    return _back_to_inbox(call, row, f"{released_stem(number, wave)}.{ext}", "assigned")


@allow(Role.STEWARD)
def delete(call: Call) -> Response:
    row = _held(call)
    call.app.recorder.append(_account(call), AuditEvent.QUARANTINE_ACTION, action="deleted",
                             input_sha256=row.input_sha256, reason=row.reason)
    study.quarantine(call.app.settings).remove(row.name)
    return RedirectResponse("/steward", status_code=303)


ROUTES = [
    ("/steward/t/{stem}/original", original_form, ("GET",)),
    ("/steward/t/{stem}/original", original, ("POST",)),
    ("/steward/search", search_form, ("GET",)),
    ("/steward/search", search, ("POST",)),
    ("/steward/q/{name}/retry", retry, ("POST",)),
    ("/steward/q/{name}/assign", assign, ("POST",)),
    ("/steward/q/{name}/delete", delete, ("POST",)),
]
