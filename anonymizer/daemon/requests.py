"""The request spool: work a steward asks of the running daemon, one small JSON file a request.

``<paths.data_dir>/requests/<id>.request.json`` (folder 0700, files 0600, each written
atomically: a temp file, fsync, rename). The daemon is the only writer of the journal and the
store; a command that needs a released transcript re-run while the daemon runs hands it the job
here instead of refusing (``anonymizer store rerun``, ``store affected --queue``)::

    submit_rerun(settings, "P07_wave2", actor="kari", cause="correction_42") -> request id
    request_state(settings, request_id) -> RequestState(status, job, new_stem, reason, ...)

A request holds no name and no text: a released stem (``P07_wave2``, checked against the shape
the store gives its files), the requester's account name, a cause code (``steward``, or
``correction_<n>``: the audit record number of the correction that made it necessary), its
status and what came of it (the rerun's job id, the release's stem, a refusal's reason code and
a name-free sentence of ours). The daemon picks requests up while it watches
(``anonymizer.daemon.pickup``) and moves each through::

    queued --(job id chosen, written first)--> running --> done | refused

Exactly once: the job id is in the request before the rerun is journaled, so after ``kill -9``
the daemon's next start tells from the journal and the audit log whether that job was released,
refused, still journaled (recovery finishes it) or never begun (run again, same job id).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import uuid
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from anonymizer.audit.fields import ACTOR
from anonymizer.errors import AnonymizerError, InputError
from anonymizer.fsutil import atomic_write, make_dirs
from anonymizer.settings import Settings

FOLDER = "requests"
SUFFIX = ".request.json"
FILE_MODE = 0o600
_ID = re.compile(r"[0-9a-f]{32}")
# what the store names a release: P07_wave2, P07_wave2_part2, P07_wave2_r3 (naming.released_stem)
STEM = re.compile(r"P\d{2,}_[a-z0-9][a-z0-9-]{0,31}(?:_part\d+)?(?:_r\d+)?")
CAUSE = re.compile(r"[a-z][a-z0-9_]{0,47}")  # steward, correction_42: an audit code


class RequestStatus(str, Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    REFUSED = "refused"

    @property
    def final(self) -> bool:
        return self in (RequestStatus.DONE, RequestStatus.REFUSED)


class RequestKind(str, Enum):
    RERUN = "rerun"
    REVIEW = "review"  # a steward accepted this version: the sidecar and catalog say so


@dataclass(frozen=True)
class RequestState:
    """One request as the spool holds it. ``job``: the rerun's job id (chosen when the daemon
    takes it); ``new_stem``: the release it wrote; ``reason``/``detail``/``exit_code``: why it
    was refused (a reason code, a name-free sentence, the exit code the CLI would give)."""

    id: str
    kind: RequestKind
    stem: str
    actor: str
    cause: str
    status: RequestStatus
    submitted_at: str
    updated_at: str
    job: str | None = None
    new_stem: str | None = None
    reason: str | None = None
    detail: str | None = None
    exit_code: int | None = None
    unfinished: bool = False  # done, with a step after the commit point left to recovery

    def to_json(self) -> dict[str, Any]:
        return {"v": 1, **asdict(self), "kind": self.kind.value, "status": self.status.value}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> RequestState:
        if value.get("v") != 1 or not _ID.fullmatch(str(value.get("id"))):
            raise ValueError("not a version 1 request")
        job = value.get("job")
        if job is not None and not _ID.fullmatch(str(job)):
            raise ValueError("request job is not a job id")
        stem = str(value["stem"])
        if not STEM.fullmatch(stem):
            raise ValueError("request stem is not a released name")
        return cls(
            id=str(value["id"]), kind=RequestKind(value["kind"]), stem=stem,
            actor=str(value["actor"]), cause=str(value["cause"]),
            status=RequestStatus(value["status"]), submitted_at=str(value["submitted_at"]),
            updated_at=str(value["updated_at"]), job=None if job is None else str(job),
            new_stem=value.get("new_stem"), reason=value.get("reason"),
            detail=value.get("detail"), exit_code=value.get("exit_code"),
            unfinished=bool(value.get("unfinished", False)))

    def moved(self, status: RequestStatus, **changes: Any) -> RequestState:
        return replace(self, status=status, updated_at=_now(), **changes)


def spool_folder(settings: Settings) -> Path:
    """``<paths.data_dir>/requests``; beside the work folder when no data_dir is set."""
    data_dir = settings.paths.data_dir
    base = Path(data_dir) if data_dir is not None else Path(settings.paths.folder("work")).parent
    return base.absolute() / FOLDER


class Spool:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        # the daemon lists the spool on every turn of its loop: a request file is parsed again
        # only when it changed (finished requests stay, and would be read each time otherwise)
        self._seen: dict[str, tuple[tuple[int, int, int], RequestState]] = {}

    @classmethod
    def of(cls, settings: Settings) -> Spool:
        return cls(spool_folder(settings))

    def prepare(self) -> None:
        make_dirs(self.folder, 0o700)

    def path(self, request_id: str) -> Path:
        return self.folder / f"{request_id}{SUFFIX}"

    def save(self, state: RequestState) -> RequestState:
        data = json.dumps(state.to_json(), sort_keys=True, separators=(",", ":")).encode()
        atomic_write(self.path(state.id), data, tag="request", mode=FILE_MODE)
        return state

    def read(self, request_id: str) -> RequestState | None:
        try:
            return RequestState.from_json(json.loads(self.path(request_id).read_bytes()))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def all(self) -> list[RequestState]:
        """Every readable request, oldest first (a file that cannot be read is left alone)."""
        found = []
        seen: dict[str, tuple[tuple[int, int, int], RequestState]] = {}
        with contextlib.suppress(FileNotFoundError):
            for entry in os.scandir(self.folder):
                if not entry.name.endswith(SUFFIX) or entry.name.startswith("."):
                    continue
                try:
                    st = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue
                key = (st.st_mtime_ns, st.st_size, st.st_ino)
                cached = self._seen.get(entry.name)
                state = cached[1] if cached is not None and cached[0] == key else \
                    self.read(entry.name[: -len(SUFFIX)])
                if state is not None:
                    seen[entry.name] = (key, state)
                    found.append(state)
        self._seen = seen
        return sorted(found, key=lambda s: (s.submitted_at, s.id))

    def waiting(self) -> list[RequestState]:
        return [s for s in self.all() if not s.status.final]


def submit_rerun(settings: Settings, stem: str, *, actor: str, cause: str) -> str:
    """Queue a rerun of the released transcript ``stem`` for the daemon; returns the request
    id (that of a request for the same release still queued, if there is one). Refuses
    (InputError, nothing written) what is not a released name, an account name or a cause
    code -- the spool never holds free text."""
    if not STEM.fullmatch(stem):
        raise InputError("a rerun request names a release by its stored name (P07_wave2)")
    if not ACTOR.fullmatch(actor):
        raise InputError("a rerun request's actor must be an account name")
    if not CAUSE.fullmatch(cause):
        raise InputError("a rerun request's cause must be a code (steward, correction_42)")
    spool = Spool.of(settings)
    try:
        spool.prepare()
        for waiting in spool.waiting():  # asked twice before the daemon got to it: once is
            if waiting.status is RequestStatus.QUEUED and waiting.stem == stem \
                    and waiting.kind is RequestKind.RERUN:  # enough
                return waiting.id
        now = _now()
        state = RequestState(uuid.uuid4().hex, RequestKind.RERUN, stem, actor, cause,
                             RequestStatus.QUEUED, now, now)
        spool.save(state)
    except OSError as exc:
        raise AnonymizerError(f"{spool.folder}: a request cannot be written there "
                              f"({exc.strerror or type(exc).__name__}); run this as the "
                              "daemon's user") from None
    return state.id


def submit_review(settings: Settings, stem: str, *, actor: str, job: str) -> str:
    """Queue "version ``job`` of ``stem`` is reviewed" for the daemon, which writes it into the
    release's sidecar and catalog rows (the store has one writer); returns the request id."""
    if not STEM.fullmatch(stem):
        raise InputError("a review request names a release by its stored name (P07_wave2)")
    if not ACTOR.fullmatch(actor):
        raise InputError("a review request's actor must be an account name")
    if not _ID.fullmatch(job):
        raise InputError("a review request names the reviewed version by its job id")
    spool = Spool.of(settings)
    spool.prepare()
    now = _now()
    state = RequestState(uuid.uuid4().hex, RequestKind.REVIEW, stem, actor, "reviewed",
                         RequestStatus.QUEUED, now, now, job=job)
    spool.save(state)
    return state.id


def request_state(settings: Settings, request_id: str) -> RequestState:
    """The request as the daemon last recorded it (InputError if there is no such request)."""
    if not _ID.fullmatch(request_id):
        raise InputError("a request id is 32 hex digits")
    state = Spool.of(settings).read(request_id)
    if state is None:
        raise InputError(f"no request {request_id[:12]} in {spool_folder(settings)}")
    return state


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")
