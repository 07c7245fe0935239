"""Tests only, never in the product: on PYTHONPATH of test_batch_ray_crash's batch (the batch
hands PYTHONPATH to its Ray workers), so Python loads it in every process the batch starts. In a
Ray worker process alone (not the driver), opening a file named ``POISON`` crashes the process
natively (a read of address 0: SIGSEGV), whichever worker holds it, every time: what a parser
with a native bug, or the kernel's out-of-memory killer, does with a bad input."""

from __future__ import annotations

import builtins
import ctypes
import io
import os
from typing import Any

POISON = "Poison 07.txt"


def _is_ray_worker() -> bool:
    try:  # read now: Ray later writes the process title over the command line
        with open("/proc/self/cmdline", "rb") as handle:
            return b"default_worker.py" in handle.read()
    except OSError:
        return False


def _crash_on_poison(real: Any) -> Any:
    def opener(file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, str | os.PathLike) and os.path.basename(os.fspath(file)) == POISON:
            ctypes.string_at(0)  # SIGSEGV: the process is gone, no Python exception
        return real(file, *args, **kwargs)

    return opener


def _install() -> None:
    io.open = builtins.open = _crash_on_poison(io.open)
    os.open = _crash_on_poison(os.open)  # the format readers open with os.open


if _is_ray_worker():
    _install()
