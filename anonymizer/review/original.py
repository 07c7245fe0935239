"""The original behind a released transcript, for the side-by-side review (vault unlocked).

The daemon seals each released input in ``<paths.originals>/<project>/P07/<job>.<ext>.sealed``
under participant 7's data key (``Vault.seal_blob``, the job id bound in). Opening it needs the
unlocked vault; a withdrawn participant's key is gone, so their original cannot be shown.

The decrypted bytes are read by the transcript readers from memory
(``anonymizer.formats.read_transcript_bytes``): nothing decrypted is written anywhere. The text
is exactly what the engine saw, which is what the review data's original offsets index.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from anonymizer.errors import InputError
from anonymizer.formats import ReadLimits, read_transcript_bytes
from anonymizer.formats.limits import MIB
from anonymizer.store.metadata import sealed_original
from anonymizer.store.originals import Originals
from anonymizer.store.released import Released

_EXTENSIONS = frozenset({"txt", "docx", "odt", "vtt", "srt"})


def sealed_path(settings: Any, released: Released) -> Path:
    """Where the daemon sealed this transcript's input; refuses what was not sealed."""
    relative = sealed_original(released.meta, released.meta_path.name, released.stem,
                               "show beside it")
    return Path(settings.paths.folder("originals")) / settings.project.id / relative


def read_original(settings: Any, vault: Any, released: Released) -> tuple[str, list[str]]:
    """The original transcript's text and name-free problems (e.g. a checksum mismatch)."""
    participant = released.participant
    job = str(released.meta.get("job_id", ""))
    if participant is None or not job:
        raise InputError(f"{released.meta_path.name}: no participant or job id to open the "
                         "original with")
    path = sealed_path(settings, released)
    originals = Originals(settings.paths.folder("originals"), settings.project.id)
    try:
        # VaultError if the participant withdrew (their key is gone) or the blob was altered
        data = originals.read(vault, path.relative_to(originals.folder).as_posix(),
                              participant, job)
    except FileNotFoundError:
        raise InputError(f"the sealed original of {released.stem} is missing from "
                         f"{path.parent}") from None
    problems = []
    if hashlib.sha256(data).hexdigest() != released.meta.get("input", {}).get("sha256"):
        problems.append("the sealed original's SHA-256 differs from the input's in the metadata")
    ext = str(released.meta.get("input", {}).get("format", "txt")).lower()
    if ext not in _EXTENSIONS:
        raise InputError(f"{released.meta_path.name}: unknown input format")
    # the limits the daemon read it with (watch.max_file_mb), so what it took is read here too
    limits = ReadLimits(max_file_bytes=settings.watch.max_file_mb * MIB)
    return read_transcript_bytes(data, f".{ext}", limits).text, problems
