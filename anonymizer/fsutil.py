"""File-system steps crash safety rests on: atomic writes, durable renames and appends, locks.

Used by the daemon (journal, store, quarantine, originals, catalog), the audit log, the clean-text
writers and the review decisions. (The ``vault`` package keeps its own copy: it imports nothing
from ``anonymizer``.)

Every write that must survive ``kill -9`` or a power cut goes: temporary file in the target
folder (hidden, named from a job id -- never from an inbox name), ``fsync``, ``rename`` over the
target, ``fsync`` of the folder. A rename is durable only once its folder is fsynced, so
``durable_rename`` fsyncs both folders.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

from anonymizer.errors import AnonymizerError

TEMP_SUFFIX = ".tmp"


class FolderLocked(AnonymizerError):
    """Another process holds a lock this one needs (another daemon on the same data folder)."""


def fsync_dir(folder: Path, *, strict: bool = False) -> None:
    """Make what changed in ``folder`` (a new name, a rename) durable.

    Best effort by default: not every platform can open or fsync a folder. ``strict`` raises
    instead, for writers that promise durability when they return (the audit log)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | os.O_CLOEXEC)
    except OSError:
        if strict:
            raise
        return
    try:
        os.fsync(fd)
    except OSError:
        if strict:
            raise
    finally:
        os.close(fd)


def make_dirs(folder: Path, mode: int) -> None:
    """Create ``folder`` (and parents) with ``mode``, fsyncing each new level's parent."""
    missing = []
    current = Path(folder)
    while not current.exists():
        missing.append(current)
        current = current.parent
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=mode)
        fsync_dir(path.parent)


def temp_name(target: Path, tag: str) -> Path:
    return target.with_name(f".{target.name}.{tag}.{secrets.token_hex(4)}{TEMP_SUFFIX}")


def atomic_write(target: Path, data: bytes, *, tag: str, mode: int = 0o600) -> None:
    """``target`` holds ``data`` or what it held before, never a part (durable on return)."""
    temp = temp_name(target, tag)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    try:
        try:
            write_all(fd, data)
            os.fchmod(fd, mode)  # O_CREAT's mode is filtered by the umask
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    fsync_dir(target.parent)


def write_all(fd: int, data: bytes) -> None:
    """``os.write`` until all of ``data`` is written (one call for anything a pipe or file takes
    at once)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def append_durably(path: Path, data: bytes, *, mode: int = 0o640) -> None:
    """Append ``data`` with one write and fsync it (the file is created if missing)."""
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, mode)
    try:
        write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        fsync_dir(path.parent)


def durable_rename(source: Path, target: Path) -> None:
    """Rename, then fsync both folders, so the move survives a power cut."""
    os.rename(source, target)
    fsync_dir(target.parent)
    if source.parent != target.parent:
        fsync_dir(source.parent)


def move_file(source: Path, target: Path) -> None:
    """Move ``source`` to ``target`` (which must not exist). Across file systems: copy to a temp
    name beside the target, fsync, rename, then remove the source -- a crash leaves the source,
    or both, never neither. Symbolic links and other non-regular files are moved by rename only."""
    if target.exists() or target.is_symlink():
        raise FileExistsError(errno.EEXIST, "target exists")
    try:
        durable_rename(source, target)
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    temp = temp_name(target, "move")
    try:
        with open(source, "rb") as src, open(temp, "xb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
            dst.flush()
            os.fsync(dst.fileno())
        os.chmod(temp, 0o600)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    fsync_dir(target.parent)
    os.unlink(source)
    fsync_dir(source.parent)


def remove_durably(path: Path) -> bool:
    """Unlink ``path`` if it is there (True if it was), and make that durable."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    fsync_dir(path.parent)
    return True


def remove_temps(folder: Path) -> int:
    """Delete this module's leftover temp files in ``folder`` (a killed writer's)."""
    count = 0
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(folder):
            if entry.name.startswith(".") and entry.name.endswith(TEMP_SUFFIX) \
                    and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                    count += 1
    if count:
        fsync_dir(folder)
    return count


@contextlib.contextmanager
def exclusive_lock(path: Path, *, wait: bool, what: str) -> Iterator[None]:
    """``flock`` on ``path`` (created 0600). Without ``wait``, a held lock is ``FolderLocked``.
    The kernel drops it when the holder dies, also on SIGKILL."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise FolderLocked(f"{what} ({path})") from None
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
