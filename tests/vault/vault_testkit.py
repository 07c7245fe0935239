"""Constants and helpers shared by the vault tests (a unique module name: no clash with others).

Byte scans, frame forging and a settable clock. Fixtures live in ``conftest.py``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from vault import ScryptParams, frame

PASSPHRASE = "correct horse battery staple"
PROJECT = "study-2024"
# Cheap parameters passed explicitly: the default (OWASP minimum) stays what production gets.
CHEAP_KDF = ScryptParams.for_tests()

# Names used in byte scans contain a space or a non-ASCII letter: neither can appear by chance in
# base64 text, so a hit in a file is a real leak and never a coincidence.
SCAN_NAMES = (
    "Kari Nordmann",
    "Åse Ødegård",
    "Zoë Ångström",
    "Per Ivar Ås",
    "Marit Bjørgen",
    "Sjúrður Olsen",
    "Bjørn",
    "Åsmund",
)


class Clock:
    """A settable clock for consent, withdrawal and merge dates."""

    def __init__(self, day: date = date(2024, 3, 1)) -> None:
        self.day = day

    def __call__(self) -> datetime:
        return datetime(self.day.year, self.day.month, self.day.day, 12, tzinfo=UTC)


def name_patterns(name: str) -> dict[str, bytes]:
    """Every way a careless write could put ``name`` in a file."""
    patterns: dict[str, bytes] = {}
    for label, text in (
        ("as is", name),
        ("lower", name.lower()),
        ("casefold", name.casefold()),
        ("upper", name.upper()),
    ):
        raw = text.encode("utf-8")
        patterns[f"utf-8 {label}"] = raw
        patterns[f"utf-16-le {label}"] = text.encode("utf-16-le")
        patterns[f"utf-16-be {label}"] = text.encode("utf-16-be")
        patterns[f"latin-1 {label}"] = text.encode("latin-1", errors="ignore")
        patterns[f"json-escaped {label}"] = text.encode("ascii", "backslashreplace").replace(
            b"\\x", b"\\u00"
        )
        patterns[f"hex {label}"] = raw.hex().encode()
        # base64 depends on alignment: the stable middle of the encoding at each of 3 offsets.
        for shift in range(3):
            encoded = base64.b64encode(b"\0" * shift + raw)[4:-4]
            if len(encoded) >= 8:
                patterns[f"base64+{shift} {label}"] = encoded
    return {k: v for k, v in patterns.items() if len(v) >= 4}


def find_names_in_files(root: Path, names: tuple[str, ...] = SCAN_NAMES) -> list[str]:
    """``file: encoding`` for every occurrence of a name anywhere under ``root``."""
    hits = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for name in names:
            for label, pattern in name_patterns(name).items():
                if pattern in data:
                    hits.append(f"{path.relative_to(root)}: name #{names.index(name)} {label}")
    return hits


def rewrite_frame(path: Path, change: Callable[[bytes], bytes]) -> None:
    """Apply ``change`` to a file's bytes (less the checksum) and write a valid checksum after:
    an attacker's edit, not an accident the checksum would catch."""
    data = change(path.read_bytes()[: -frame.CHECKSUM_BYTES])
    path.write_bytes(data + hashlib.sha256(data).digest())
