"""Appends to an audit log from another process, for the concurrency and kill -9 tests.

As a script: ``python audit_worker.py LOG KEY_HEX MAX_BYTES MODE TAG COUNT``

* ``loop``: append COUNT records (``worker_code`` TAG, ``sequence`` i), printing ``done i``
  after each append has returned (so it is durable).
* ``tear``: append COUNT records, then start one more whose write stops half-way and the
  process kills itself with SIGKILL: a real kill -9 in the middle of an append.

``append_many`` is the target for ``multiprocessing`` (spawned, so imported by name).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import anonymizer.audit.log as audit
from anonymizer.audit.log import AuditEvent, AuditLog


def append_many(path: str, key: bytes, max_bytes: int, tag: str, count: int, start) -> None:
    log = AuditLog(Path(path), key, max_bytes=max_bytes, actor=tag)
    start.wait(60)
    for i in range(count):
        log.append(AuditEvent.RECEIVED, worker_code=tag, sequence=i, input_sha256="ab" * 32)


def _tear(fd: int, data: bytes) -> None:
    os.write(fd, data[: len(data) // 2])
    os.kill(os.getpid(), signal.SIGKILL)


def main(argv: list[str]) -> int:
    path, key_hex, max_bytes, mode, tag, count = argv
    log = AuditLog(Path(path), bytes.fromhex(key_hex), max_bytes=int(max_bytes), actor=tag)
    for i in range(int(count)):
        log.append(AuditEvent.RECEIVED, worker_code=tag, sequence=i, input_sha256="ab" * 32)
        print(f"done {i}", flush=True)
    if mode == "tear":
        audit._write_all = _tear  # the next append writes half a line and dies
        log.append(AuditEvent.RECEIVED, worker_code=tag, sequence=int(count))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
