"""Getting a user's file into memory safely: regular files only, size-limited, never followed links.

Every reader starts here, so the checks that do not depend on the format (missing, directory,
symlink, empty, too large) give the same message whatever the suffix.

Symlinks are refused: an inbox file must be the file itself, not a pointer to wherever the daemon
may read (another participant's folder, a key file). Only the last path component is checked, so
a data folder reached through a linked parent folder still works; O_NOFOLLOW closes the window
between the check and the open.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import NoReturn

from anonymizer.formats.failures import refuse
from anonymizer.formats.limits import MIB, ReadLimits, human_size
from anonymizer.refusals import Reason

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)  # a link swapped in after lstat still fails (ELOOP)
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO must not hang the reader before fstat sees it
    | getattr(os, "O_CLOEXEC", 0)
)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


def given_bytes(path: Path, data: bytes, limits: ReadLimits) -> bytes:
    """Bytes a caller holds in memory (a sealed original, decrypted), checked as a file's
    would be; ``path`` only names it in messages."""
    _check_size(path, len(data), limits)
    if not data:
        refuse(path, Reason.EMPTY, "is empty")
    return data


def read_source_bytes(path: Path, limits: ReadLimits) -> bytes:
    check_regular_file(path, limits)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        _os_failure(path, exc)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            refuse(path, Reason.NOT_REGULAR, "is not a regular file")
        _check_size(path, st.st_size, limits)
        data = _read_at_most(fd, limits.max_file_bytes + 1)
    except OSError as exc:
        _os_failure(path, exc)
    finally:
        os.close(fd)
    # The file may have grown between fstat and read.
    _check_size(path, len(data), limits)
    if not data:
        refuse(path, Reason.EMPTY, "is empty")
    return data


def check_regular_file(path: Path, limits: ReadLimits) -> None:
    st = _lstat(path)
    if stat.S_ISLNK(st.st_mode):
        # Inbox files must be the file itself: a link could point anywhere the daemon may read.
        refuse(path, Reason.SYMLINK, "is a symbolic link; only regular files are read")
    if stat.S_ISDIR(st.st_mode):
        refuse(path, Reason.DIRECTORY, "is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        refuse(path, Reason.NOT_REGULAR, "is not a regular file (device, pipe or socket)")
    _check_size(path, st.st_size, limits)


def sniff_foreign(data: bytes) -> str | None:
    """A short description of well-known non-text formats, for a message that helps the user."""
    if data.startswith(OLE_MAGIC):
        return "a legacy Microsoft Office file"
    if data.startswith(ZIP_MAGIC):
        return "a zip archive (e.g. .docx or .odt)"
    if data.startswith(b"%PDF"):
        return "a PDF document"
    if data.lstrip(b"\xef\xbb\xbf").startswith(b"{\\rtf"):
        return "an RTF document"
    return None


def _lstat(path: Path) -> os.stat_result:
    try:
        return os.lstat(path)
    except ValueError:  # e.g. an embedded NUL byte in the path
        refuse(path, Reason.UNREADABLE, "is not a valid path")
    except OSError as exc:
        _os_failure(path, exc)


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while total < limit:
        chunk = os.read(fd, min(1 * MIB, limit - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _check_size(path: Path, size: int, limits: ReadLimits) -> None:
    if size > limits.max_file_bytes:
        refuse(
            path,
            Reason.TOO_LARGE,
            f"is too large ({human_size(size)}; the limit is {human_size(limits.max_file_bytes)})",
        )


def _os_failure(path: Path, exc: OSError) -> NoReturn:
    code = exc.errno
    if code in (errno.ENOENT, errno.ENOTDIR):
        refuse(path, Reason.MISSING, "does not exist")
    if code in (errno.EACCES, errno.EPERM):
        refuse(path, Reason.UNREADABLE, "cannot be read (permission denied)")
    if code == errno.ELOOP:
        refuse(path, Reason.SYMLINK, "is a symbolic link; only regular files are read")
    if code == errno.EISDIR:
        refuse(path, Reason.DIRECTORY, "is a directory, not a file")
    # strerror is generic OS text; exc's own str() would repeat the path, so it is not used.
    reason = os.strerror(code) if code else "input/output error"
    refuse(path, Reason.UNREADABLE, f"cannot be read ({reason.lower()})")
