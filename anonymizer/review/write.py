"""Writing a review page: the clean-only page by default, the page with the original on request.

The page with the original holds names, so it is never written by default, never into the
analysis store (which a research group reads), always with mode 0600, and only after its
re-identification is recorded in the audit log (``reidentified``: the participant numbers of the
transcript, the command, the job id) -- as ``participants reveal`` records before it prints.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from anonymizer.audit.log import AuditEvent, open_audit_log
from anonymizer.errors import InputError
from anonymizer.review.html import write_page
from anonymizer.review.original import read_original
from anonymizer.review.page import render_review_page
from anonymizer.settings import Settings
from anonymizer.store.released import (
    Released,
    find_sidecar,
    load_released,
    output_is_inside,
    store_folder,
)

CLEAN_PAGE_MODE = 0o640
NAMES_PAGE_MODE = 0o600


def _vault(settings: Settings) -> Any:
    from anonymizer.keys.vault_adapter import open_vault

    return open_vault(settings)


def _now() -> datetime:
    return datetime.now(UTC)


def locate(settings: Settings, ref: str) -> Released:
    return load_released(find_sidecar(store_folder(settings), ref))


def write_review(settings: Settings, ref: str, out: Path, *, with_original: bool = False,
                 clock: Callable[[], datetime] = _now,
                 open_vault: Callable[[Settings], Any] = _vault) -> Released:
    released = locate(settings, ref)
    if not with_original:
        write_page(out, render_review_page(released, generated_at=clock()),
                   mode=CLEAN_PAGE_MODE)
        return released
    for folder in ("store", "inbox"):
        if output_is_inside(out, Path(settings.paths.folder(folder))):
            raise InputError(f"-o: a page with names may not be written into paths.{folder}; "
                             "write it to a private folder")
    with open_vault(settings) as vault:
        original, problems = read_original(settings, vault, released)
        numbers = released.meta.get("participants") or [released.participant]
        open_audit_log(settings, vault.audit_key(), vault_commit=vault.commit_count).append(
            AuditEvent.REIDENTIFIED, kind="participant",
            numbers=[n for n in numbers if isinstance(n, int)],
            command="review_with_original", wave=released.wave or None,
            job_id=str(released.meta.get("job_id", "")) or None)
    released = dataclasses.replace(released, problems=released.problems + tuple(problems))
    write_page(out, render_review_page(released, generated_at=clock(), original=original),
               mode=NAMES_PAGE_MODE)
    return released
