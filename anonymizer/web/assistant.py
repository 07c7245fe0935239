"""The research assistant's pages: upload transcripts into the inbox, see what became of them.

    GET  /assistant          the drop zone and the account's own uploads, each with its fate
    POST /assistant/upload   one or more files -> the inbox

An upload is written to a hidden ``.upload-<random>.part`` file in the inbox (the daemon ignores
hidden and ``.part`` files), fsynced, then linked under its own name (never over another file)
and the temp name removed: the daemon sees a finished file appear, as with a rename. The file
name stays what the assistant gave, because the daemon reads the participant and wave from it;
it is never logged, recorded or shown again. The receipt (``<data_dir>/web/uploads.jsonl``, 0600)
and the ``uploaded`` audit record hold the account, the time, the SHA-256, the size and the
format. What became of an upload is found by its SHA-256: a release sidecar's input
(``released as P07 wave2``), a quarantine report (reason and what to do), still in the inbox, or
being processed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile
from starlette.responses import Response

from anonymizer.audit.log import AuditEvent
from anonymizer.errors import InputError
from anonymizer.fsutil import append_durably, fsync_dir, make_dirs, write_all
from anonymizer.store.released import read_meta, sidecars, stem_of, store_folder
from anonymizer.web import study
from anonymizer.web.accounts import Role
from anonymizer.web.auth import Call, allow

FORMATS = frozenset({"txt", "docx", "odt", "vtt", "srt"})


def receipts_path(settings: Any) -> Path:
    return Path(settings.paths.data_dir) / "web" / "uploads.jsonl"


def _own_receipts(settings: Any, account: str) -> list[dict[str, Any]]:
    try:
        lines = receipts_path(settings).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    found = []
    for line in lines:
        with contextlib.suppress(ValueError):
            receipt = json.loads(line)
            if isinstance(receipt, dict) and receipt.get("account") == account:
                found.append(receipt)
    return found


def fates(settings: Any, receipts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    released: dict[str, tuple[str, Any, str]] = {}
    for path in sidecars(store_folder(settings)):
        meta = read_meta(path)
        if meta is not None:
            sha = str(meta.get("input", {}).get("sha256", ""))
            released[sha] = (stem_of(path), meta.get("participant"), str(meta.get("wave", "")))
    held = {q.input_sha256: q for q in study.quarantined(settings) if q.input_sha256}
    waiting = _inbox_checksums(Path(settings.paths.folder("inbox")))
    out = []
    for number, receipt in enumerate(receipts, 1):
        sha = str(receipt.get("sha256", ""))
        fate: dict[str, Any] = {"number": number, "receipt": receipt, "short": sha[:12]}
        if sha in released:
            stem, participant, wave = released[sha]
            fate.update(state="released", text=f"released as P{participant:02d} {wave}"
                        if isinstance(participant, int) else f"released as {stem}")
        elif sha in held:
            q = held[sha]
            fate.update(state="quarantined", text=f"quarantined: {q.reason}",
                        what_to_do=q.what_to_do)
        elif sha in waiting:
            fate.update(state="waiting", text="waiting in the inbox for the daemon")
        else:
            fate.update(state="processing", text="being processed (or handled by a steward)")
        out.append(fate)
    return out


def _inbox_checksums(inbox: Path) -> set[str]:
    """SHA-256 of each file waiting in the inbox (a receipt holds no file name to match)."""
    found = set()
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(inbox):
            if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                continue
            with contextlib.suppress(OSError), open(entry.path, "rb") as handle:
                found.add(hashlib.file_digest(handle, "sha256").hexdigest())
    return found


@allow(Role.ASSISTANT)
def uploads(call: Call) -> Response:
    return _page(call)


def _page(call: Call, *, message: str = "", error: str = "", status: int = 200) -> Response:
    settings = call.app.settings
    assert call.who.account is not None
    return call.app.page(call.request, call.who, "assistant.html", {
        "fates": list(reversed(fates(settings, _own_receipts(settings, call.who.account)))),
        "message": message, "error": error, "formats": sorted(FORMATS)}, status=status)


def _safe_name(filename: str) -> str:
    name = Path(filename.replace("\\", "/")).name.strip()
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not name or name.startswith((".", "~$")) or ext not in FORMATS or "\x00" in name:
        raise InputError(f"upload: only {', '.join(sorted(FORMATS))} files (not hidden ones)")
    if len(name.encode("utf-8")) > 200:
        raise InputError("upload: the file name is too long")
    return name


def _into_inbox(inbox: Path, name: str, data: bytes) -> None:
    make_dirs(inbox, 0o700)
    temp = inbox / f".upload-{secrets.token_hex(8)}.part"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        try:
            write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(temp, inbox / name)  # never over a file of the same name
        except FileExistsError:
            raise InputError("upload: a file of that name is waiting in the inbox already; "
                             "rename it or wait until the daemon has taken the other") from None
    finally:
        temp.unlink(missing_ok=True)
    fsync_dir(inbox)


@allow(Role.ASSISTANT)
def upload(call: Call) -> Response:
    workbench = call.app
    settings = workbench.settings
    account = call.who.account
    assert account is not None
    files = [f for f in call.form.getlist("files") if isinstance(f, UploadFile)] \
        if hasattr(call.form, "getlist") else []
    if not files:
        return _page(call, error="choose or drop at least one file", status=400)
    done = 0
    for item in files:
        try:
            name = _safe_name(item.filename or "")
            data = item.file.read(settings.web.max_upload_mb * 1024 * 1024 + 1)
            if len(data) > settings.web.max_upload_mb * 1024 * 1024:
                raise InputError("upload: larger than web.max_upload_mb")
            if not data:
                raise InputError("upload: the file is empty")
        except InputError as error:
            return _page(call, error=f"file {done + 1}: {error}", status=400)
        sha = hashlib.sha256(data).hexdigest()
        fmt = name.rsplit(".", 1)[-1].lower()
        workbench.recorder.append(account, AuditEvent.UPLOADED, input_sha256=sha,
                                  input_bytes=len(data), input_format=fmt)
        try:
            _into_inbox(Path(settings.paths.folder("inbox")), name, data)
        except InputError as error:
            return _page(call, error=f"file {done + 1}: {error}", status=400)
        receipt = {"account": account, "time": datetime.now(UTC).strftime(
            "%Y-%m-%dT%H:%M:%SZ"), "sha256": sha, "bytes": len(data), "format": fmt}
        path = receipts_path(settings)
        make_dirs(path.parent, 0o700)
        append_durably(path, json.dumps(receipt).encode() + b"\n", mode=0o600)
        done += 1
    return _page(call, message=f"{done} file(s) received; the daemon takes them from here.")


ROUTES = [
    ("/assistant", uploads, ("GET",)),
    ("/assistant/upload", upload, ("POST",)),
]
