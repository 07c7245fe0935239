"""A replacement that names the wrong identity: another kind, or someone numbered already.

    POST /steward/t/{stem}/r/{n}/kind    it is a place (say), not a person: the identity moves
    POST /steward/t/{stem}/r/{n}/merge   it is the same person as Person 4 (or Participant 2)

The identity behind replacement n is found in the vault by the word the original has there
(read in memory, never shown), so this works whatever the language's labels look like. Then,
as ``anonymizer people kind`` and ``people merge`` do, inside one vault transaction with its
audit record (``identity_moved`` / ``identities_merged``: kinds and numbers, the account as
actor): a log that refuses leaves the vault unchanged. Both are corrections: the page that
follows lists the transcripts they concern, with Apply.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from anonymizer.audit.log import AuditEvent
from anonymizer.errors import AnonymizerError, InputError
from anonymizer.web import study
from anonymizer.web.accounts import Role
from anonymizer.web.auth import Call, allow
from anonymizer.web.steward import (
    KINDS,
    _account,
    _done,
    _open_vault,
    _refused,
    _replacement,
    _view,
    _word_behind,
)
from vault import VaultError

TARGET_KINDS = ("participant", *KINDS)


def _holder(vault: Any, word: str) -> Any:
    from vault import Kind

    for kind in Kind:
        entry = vault.lookup(kind, word)
        if entry is not None:
            return entry
    raise InputError("the key vault holds no identity under the word replaced here (it may "
                     "have been merged or moved already)")


def _log(call: Call, vault: Any) -> Any:
    from anonymizer.audit.log import open_audit_log

    return open_audit_log(call.app.settings, vault.audit_key(),
                          vault_commit=vault.commit_count, actor=_account(call))


@allow(Role.STEWARD)
def rekind(call: Call) -> Response:
    settings = call.app.settings
    released = study.released(settings, call.request.path_params["stem"])
    kind = call.field("kind")
    try:
        if kind not in KINDS:
            raise InputError("choose person, place or organisation")
        _, mark = _replacement(released, call)
        word = _word_behind(call, released, mark)
        with _open_vault(settings) as vault:
            entry = _holder(vault, word)
            if entry.kind.value == kind:
                return _view(call, released, message=f"It is a {kind} already "
                             f"({entry.label}); nothing changed.")
            with vault.transaction():
                moved = vault.move(entry.kind, entry.number, kind)
                record = _log(call, vault).append(
                    AuditEvent.IDENTITY_MOVED, kind=entry.kind.value, number=entry.number,
                    into_kind=moved.kind.value, into=moved.number)
    except AnonymizerError as error:
        return _refused(call, released, error)
    except VaultError as error:  # an unknown or retired number, say: a code and numbers
        return _refused(call, released, InputError(f"the key vault refused: {error}"))
    return _done(call, released, f"{entry.label} is now {moved.label} (recorded in the audit "
                 f"log as correction {record.seq}).", record.seq)


def _target(call: Call) -> tuple[str, int]:
    kind = call.field("target_kind")
    try:
        number = int(call.field("target_number", 8))
    except ValueError:
        raise InputError("same as whom? a kind and a number, e.g. person 4") from None
    if kind not in TARGET_KINDS or number < 1:
        raise InputError("same as whom? a kind and a number, e.g. person 4")
    return kind, number


@allow(Role.STEWARD)
def merge(call: Call) -> Response:
    settings = call.app.settings
    released = study.released(settings, call.request.path_params["stem"])
    try:
        kind, number = _target(call)
        _, mark = _replacement(released, call)
        word = _word_behind(call, released, mark)
        with _open_vault(settings) as vault:
            absorb = _holder(vault, word)
            if absorb.kind.value == "participant":
                raise InputError("a participant is never absorbed here; use: anonymizer "
                                 "participants merge KEEP ABSORB")
            if (absorb.kind.value, absorb.number) == (kind, number):
                return _view(call, released, message=f"That is {absorb.label} already; "
                             "nothing changed.")
            with vault.transaction():
                if absorb.kind.value == kind:
                    kept = vault.merge(kind, number, absorb.number)
                else:
                    kept = vault.move(absorb.kind, absorb.number, kind, into=number)
                record = _log(call, vault).append(
                    AuditEvent.IDENTITIES_MERGED, kind=kind, keep=kept.number,
                    absorb=absorb.number, absorb_kind=absorb.kind.value)
    except AnonymizerError as error:
        return _refused(call, released, error)
    except VaultError as error:  # an unknown or retired number, say: a code and numbers
        return _refused(call, released, InputError(f"the key vault refused: {error}"))
    return _done(call, released, f"{absorb.label} merged into {kept.label} (recorded in the "
                 f"audit log as correction {record.seq}).", record.seq)


ROUTES = [
    ("/steward/t/{stem}/r/{n}/kind", rekind, ("POST",)),
    ("/steward/t/{stem}/r/{n}/merge", merge, ("POST",)),
]
