"""The raw input after its release: sealed in ``originals/`` or deleted, as the policy says.

``seal``: ``originals/<project>/P07/<job>.<ext>.sealed`` holds the input encrypted under
participant 7's data key in the vault (``Vault.seal_blob``, the job id bound in as the file id).
Withdrawing participant 7 deletes that key, so every sealed original of theirs -- and every copy
of it in a backup -- becomes unreadable; the purge deletes the files as well. Nothing about a
participant is in clear here but their number, which every released file carries anyway.

``delete``: the input is removed from work/ once the release is durable (the job's clean-up step;
nothing to do here).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
from typing import Protocol

from anonymizer.fsutil import atomic_write, make_dirs, remove_durably
from anonymizer.store.naming import participant_folder


class BlobKeys(Protocol):
    """The part of a study's key that seals originals: a vault or a key store over one."""

    def seal_blob(self, number: int, data: bytes, file_id: str) -> bytes: ...

    def open_blob(self, number: int, blob: bytes, file_id: str) -> bytes: ...

SEALED_SUFFIX = ".sealed"


class Originals:
    def __init__(self, root: Path, project: str) -> None:
        self.folder = Path(root) / project

    def prepare(self) -> None:
        make_dirs(self.folder, 0o700)

    def relative(self, participant: int, job: str, ext: str) -> str:
        return f"{participant_folder(participant)}/{job}{ext}{SEALED_SUFFIX}"

    def seal(self, keys: BlobKeys, participant: int, job: str, ext: str, source: Path,
             expected_sha256: str) -> str:
        """Seal ``source`` (the claimed input) and return its path relative to the folder.
        Refuses if the bytes are not the ones that were released."""
        data = source.read_bytes()
        if hashlib.sha256(data).hexdigest() != expected_sha256:
            raise ValueError("the input changed after its checksum was taken")
        blob = keys.seal_blob(participant, data, job)
        relative = self.relative(participant, job, ext)
        target = self.folder / relative
        make_dirs(target.parent, 0o700)
        atomic_write(target, blob, tag=job[:12])
        return relative

    def read(self, keys: BlobKeys, relative: str, participant: int, job: str) -> bytes:
        """A steward's look at an original (review pages): needs the unlocked vault."""
        return keys.open_blob(participant, (self.folder / relative).read_bytes(), job)

    def of(self, participant: int) -> list[Path]:
        folder = self.folder / participant_folder(participant)
        with contextlib.suppress(FileNotFoundError):
            return sorted(Path(e.path) for e in os.scandir(folder) if not e.is_dir())
        return []

    def remove_participant(self, participant: int) -> int:
        removed = sum(remove_durably(path) for path in self.of(participant))
        with contextlib.suppress(OSError):
            (self.folder / participant_folder(participant)).rmdir()
        return removed
