"""The metadata sidecar (``P07_wave2.meta.json``): under which ethics approval a clean file exists.

One sidecar per released transcript, beside its clean file(s). It holds the study's ethics-registry
metadata, what was done to the text (counts by kind, residual-risk flags, rules and model
versions) and checksums -- never a name, a detected string, or the inbox file name. Writing the
sidecar is the release's commit point: a clean file without its sidecar is not released.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from anonymizer import __version__
from anonymizer.errors import InputError
from anonymizer.findings import EntityKind
from anonymizer.settings import Settings

FORMAT = "anonymizer-release/1"
TOOL_NAME = "transcript-anonymizer"


@dataclass(frozen=True)
class EngineFacts:
    language: str
    rules_digest: str
    naming_digest: str
    model_name: str
    model_version: str
    # the study's correction set it was made under (anonymizer.audit.corrections): count, the
    # newest correction's number, a digest chained over their audit MACs; no names
    corrections: dict[str, Any] | None = None
    # a study holding several written standards (project.standards): which one this transcript
    # was read in and why (code, source, marker counts per standard, the detection rules' digest)
    standard: dict[str, Any] | None = None


@dataclass(frozen=True)
class Consent:
    status: str  # pending | given | restricted (the vault's consent status)
    scope: str


def registry_entry(settings: Settings) -> str:
    """``REK midt 2013/2244``: committee and reference as the ethics registry writes them."""
    return " ".join(p for p in (settings.ethics.committee, settings.ethics.reference) if p)


def build_meta(
    settings: Settings,
    *,
    job: str,
    participant: int,
    participants: Sequence[int],
    wave: str,
    consent: Consent,
    engine: EngineFacts,
    counts: dict[str, int],
    flags: int,
    files: Sequence[tuple[str, str, str]],  # (name, format, sha256)
    input_sha256: str,
    input_bytes: int,
    input_format: str,
    original: dict[str, str],
    anonymized_at: datetime,
    supersedes: str | None = None,
    version: int = 1,
    dropped: dict[str, int] | None = None,
) -> dict[str, Any]:
    ethics = settings.ethics
    by_kind = {kind.value: int(counts.get(kind.value, 0)) for kind in EntityKind}
    rerun = {} if supersedes is None else {"supersedes": supersedes}
    return {
        "format": FORMAT,
        "job_id": job,
        "version": version,  # 1 for a first release; each rerun in place counts on
        **rerun,  # a rerun: the job id of the release it replaced
        "project": {"id": settings.project.id, "title": settings.project.title},
        "ethics": {
            "committee": ethics.committee,
            "reference": ethics.reference,
            "registry_entry": registry_entry(settings),
            "approval_date": _date(ethics.approval_date),
        },
        "participant": participant,
        "participants": sorted(set(participants) | {participant}),
        "wave": wave,
        "consent": {"status": consent.status, "scope": consent.scope},
        "anonymized_at": anonymized_at.isoformat().replace("+00:00", "Z"),
        "retention_until": _date(ethics.retention_until),
        "tool": {"name": TOOL_NAME, "version": __version__},
        "language": engine.language,
        **({} if engine.standard is None else {"standard": dict(engine.standard)}),
        "rules_digest": engine.rules_digest,
        "naming_rules_digest": engine.naming_digest,
        "model": {"name": engine.model_name, "version": engine.model_version},
        "corrections": dict(engine.corrections or {"count": 0, "last": 0, "digest": None}),
        "replacements": {"total": sum(by_kind.values()), "by_kind": by_kind},
        "residual_risk_flags": flags,
        # Content the reader left out on purpose (comments, deletions, images...): counts only.
        "dropped": {k: int(v) for k, v in sorted((dropped or {}).items())},
        "files": [{"name": n, "format": f, "sha256": s} for n, f, s in files],
        "input": {"sha256": input_sha256, "bytes": input_bytes, "format": input_format},
        "original": dict(original),
    }


def _date(value: object) -> str | None:
    return None if value is None else str(value)


def sealed_original(meta: dict[str, Any], meta_name: str, stem: str, purpose: str
                    ) -> PurePosixPath:
    """Where a sidecar says its transcript's original was sealed, relative to the project's
    originals folder; an InputError ending in ``purpose`` when it was not kept, and one naming
    the sidecar when the path would leave that folder."""
    original = meta.get("original") or {}
    if original.get("policy") != "seal":
        raise InputError(f"the original of {stem} was not kept (store.originals = delete at "
                         f"its release): there is nothing to {purpose}")
    relative = PurePosixPath(str(original.get("file", "")))
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise InputError(f"{meta_name}: original.file is not a path inside the originals "
                         "folder")
    return relative
