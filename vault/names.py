"""How the vault compares and stores names, wave labels and project ids.

A private copy of the engine's rule (NFC, case-folded, inner whitespace collapsed): the vault must
not import the application, and both sides must agree, which a test checks.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from vault.errors import Reason, VaultError

MAX_NAME_CHARS = 200
MAX_LABEL_CHARS = 64
MAX_SCOPE_CHARS = 500
MAX_NUMBER = 10**9
_PROJECT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def normalise_name(name: str) -> str:
    """Key for comparing names: NFC, case-folded, inner whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def _tidy(text: object, limit: int, what: str) -> str:
    if not isinstance(text, str):
        raise VaultError(Reason.INVALID, f"{what} must be text")
    tidy = " ".join(unicodedata.normalize("NFC", text).split())
    if not tidy or len(tidy) > limit:
        raise VaultError(Reason.INVALID, f"{what} must have 1 to {limit} characters")
    if any(unicodedata.category(ch) == "Cc" for ch in tidy):
        raise VaultError(Reason.INVALID, f"{what} must not hold control characters")
    return tidy


def clean_names(names: Sequence[str]) -> tuple[str, ...]:
    """Names as stored: NFC, whitespace collapsed, spelling kept; duplicates (by key) dropped."""
    if isinstance(names, str) or not names:
        raise VaultError(Reason.INVALID, "names must be a non-empty list of names")
    seen: dict[str, str] = {}
    for name in names:
        tidy = _tidy(name, MAX_NAME_CHARS, "a name")
        seen.setdefault(normalise_name(tidy), tidy)
    return tuple(seen.values())


def clean_wave(wave: str) -> str:
    return _tidy(wave, MAX_LABEL_CHARS, "a wave label")


def clean_scope(scope: str | None) -> str | None:
    return None if scope is None else _tidy(scope, MAX_SCOPE_CHARS, "a consent scope")


def check_project_id(project_id: object) -> str:
    """Project ids are written in clear, so they are held to a plain, name-free alphabet."""
    if not isinstance(project_id, str) or not _PROJECT_ID.fullmatch(project_id):
        raise VaultError(Reason.INVALID, "project id must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}")
    return project_id


def check_number(number: object) -> int:
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= MAX_NUMBER:
        raise VaultError(Reason.INVALID, f"numbers are integers from 1 to {MAX_NUMBER}")
    return number
