"""Helpers shared by the audit tests (a unique module name: no clash with other test folders).

A fixed key and clock, a log filled with ordinary records, line-level editing of log files, and
a byte scan for names in every encoding a careless write could use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from anonymizer.audit.log import AuditEvent, AuditLog

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))


class Clock:
    """A clock that ticks one second per call: deterministic, ordered times."""

    def __init__(self) -> None:
        self.now = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def make_log(path: Path, key: bytes = KEY, max_bytes: int = 10_000_000) -> AuditLog:
    return AuditLog(path, key, max_bytes=max_bytes, clock=Clock(), actor="steward")


def released(log: AuditLog, number: int) -> None:
    """One ordinary ``released`` record, as the daemon will write it."""
    log.append(
        AuditEvent.RELEASED,
        participant=number,
        wave="wave-2",
        counts={"PERSON": number % 5, "LOCATION": 2},
        input_sha256=hashlib.sha256(b"in%d" % number).hexdigest(),
        output_sha256=hashlib.sha256(b"out%d" % number).hexdigest(),
        tool_version="0.1.0",
    )


def fill(path: Path, count: int, key: bytes = KEY, max_bytes: int = 10_000_000) -> AuditLog:
    log = make_log(path, key, max_bytes)
    for number in range(1, count + 1):
        released(log, number)
    return log


def read_lines(path: Path) -> list[bytes]:
    """A file's lines, each with its newline (the last one may lack it)."""
    return path.read_bytes().splitlines(keepends=True)


def write_lines(path: Path, lines: list[bytes]) -> None:
    path.write_bytes(b"".join(lines))


def canonical_line(record: dict) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":")).encode() + b"\n"


def mac_with(key: bytes, record: dict) -> str:
    """The MAC an attacker would compute with ``key`` (the same construction as the log's)."""
    body = {k: v for k, v in record.items() if k != "mac"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key, b"qr-audit/v1/record\x00" + text, hashlib.sha256).hexdigest()


def digest(line: bytes) -> str:
    return hashlib.sha256(line.rstrip(b"\n")).hexdigest()


# Names with a space or a non-ASCII letter, plus single capitalised words: what a careless
# caller would pass (a detected name, a place, a registered alias).
NAMES = (
    "Kari Nordmann",
    "Åse Ødegård",
    "Zoë Ångström",
    "Per Ivar Ås",
    "Marit Bjørgen",
    "Kari",
    "Tromsø",
    "Storgata 12",
)


def name_patterns(name: str) -> list[bytes]:
    """Every way a careless write could put ``name`` in a file."""
    patterns = []
    for text in (name, name.lower(), name.upper(), name.casefold()):
        raw = text.encode("utf-8")
        patterns += [
            raw,
            text.encode("utf-16-le"),
            text.encode("latin-1", errors="ignore"),
            text.encode("ascii", "backslashreplace").replace(b"\\x", b"\\u00"),
            raw.hex().encode(),
        ]
        for shift in range(3):
            encoded = base64.b64encode(b"\0" * shift + raw)[4:-4]
            if len(encoded) >= 8:
                patterns.append(encoded)
    return [p for p in patterns if len(p) >= 4]


def names_in_files(root: Path, names: tuple[str, ...] = NAMES) -> list[str]:
    hits = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for index, name in enumerate(names):
            if any(pattern in data for pattern in name_patterns(name)):
                hits.append(f"{path.relative_to(root)}: name #{index}")
    return hits
