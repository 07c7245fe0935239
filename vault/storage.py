"""Files on disk: private folder, atomic replacement, and the lock between processes.

A write goes to a temporary file in the same folder (mode 0600), is fsynced, renamed over the
target, and the folder is fsynced, so a reader -- or a process after a crash -- sees the old file
or the new one, never a mixture. Temporary files left by a killed writer hold only sealed bytes
and are removed by the next writer, because one may hold an older key-ring.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from vault.errors import Reason, VaultError

TEMP_SUFFIX = ".tmp"


def make_private_dir(directory: Path) -> None:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(directory, 0o700)  # mkdir's mode is filtered by umask and ignored if it existed


def check_private(path: Path, role: str) -> None:
    """Refuse a vault folder or file that group or others may access."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return
    if info.st_mode & 0o077:
        raise VaultError(Reason.BAD_PERMISSIONS, f"{role} mode {info.st_mode & 0o777:o}")


def read_file(path: Path) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def read_head(path: Path, size: int) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(size)
    except FileNotFoundError:
        return b""


def _temp_path(target: Path, token: bytes) -> Path:
    return target.with_name(f".{target.name}.{token.hex()}{TEMP_SUFFIX}")


def atomic_write(target: Path, data: bytes, token: bytes) -> None:
    """Replace ``target`` with ``data`` all at once; ``token`` makes the temp name unique."""
    temp = _temp_path(target, token)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_temps(directory: Path, names: tuple[str, ...]) -> int:
    """Delete temp files of ours left by a killed writer. Call only while holding the lock."""
    removed = 0
    for name in names:
        for temp in directory.glob(f".{name}.*{TEMP_SUFFIX}"):
            temp.unlink(missing_ok=True)
            removed += 1
    return removed


class FileLock:
    """``flock`` on a lock file: shared for reading both files, exclusive for writing them.

    Waits up to ``timeout`` seconds, then raises LOCKED. flock locks belong to the open file, so
    the kernel drops them when a holder dies, even by SIGKILL.
    """

    def __init__(self, path: Path, timeout: float) -> None:
        self._timeout = timeout
        self._fd: int | None = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        if not stat.S_ISREG(os.fstat(self._fd).st_mode):
            self.close()
            raise VaultError(Reason.NOT_A_VAULT, "lock file is not a regular file")

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._held(fcntl.LOCK_SH):
            yield

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._held(fcntl.LOCK_EX):
            yield

    @contextmanager
    def _held(self, mode: int) -> Iterator[None]:
        if self._fd is None:
            raise VaultError(Reason.CLOSED)
        fd = self._fd
        deadline = time.monotonic() + self._timeout
        pause = 0.001
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
            # Library-side polling with backoff: flock has no timeout of its own, and a daemon
            # must give up with a reason rather than hang behind a stuck steward session.
            now = time.monotonic()
            if now >= deadline:
                raise VaultError(Reason.LOCKED, f"waited {self._timeout:g} s")
            time.sleep(min(pause, deadline - now))
            pause = min(pause * 2, 0.05)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
