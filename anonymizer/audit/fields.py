"""What may go into an audit record's fields: the rules that keep names out of the audit log.

``AuditLog.append`` (``anonymizer.audit.log``) runs ``check_fields`` on every record before it
writes anything, so a refused append writes nothing:

* field names are snake_case (``[a-z][a-z0-9_]{0,47}``);
* numbers, booleans and ``None`` are allowed under any field name;
* members of an ``Enum`` are allowed anywhere (their values are written in source code, not taken
  from data; up to 64 printable characters), e.g. ``reason=Reason.ENCRYPTED``;
* plain text is allowed only under a field whose name (its last ``_`` word, singular or plural)
  declares a shape, and must have that shape: ``sha256``/``digest``/``hash``/``checksum``: hex;
  ``version``: starts with a digit; ``model``/``package``: a lowercase package name;
  ``reason``/``code``/``status``/``decision``/``kind``/``detector``/``action``/...: a code in
  ``lower_snake`` or ``UPPER_SNAKE`` (so never a Capitalised or CamelCase word); ``wave``: up to 32
  letters, digits and ``._-``, at least one digit, no spaces (``wave-2``, ``T1``; a caller with
  ``wave 2`` writes ``wave-2``: "Kari 2" must not pass); ``date``/``at``/``since``:
  ISO-8601; ``language``/``lang``: 2-3 lowercase letters; ``id`` (and ``supersedes``, the job
  id a rerun replaces): hex or a UUID;
* lists take the shape of their field; dict keys must be codes or numbers, and dict values take
  the shape of the field, else of their own key.

So a path, a file name, a sentence, an exception message or a Capitalised name is refused, and a
caller must log a participant number, a checksum or an enum. Messages name the field, never the
value. (A single lower-case word in a code field would pass; that is the residual risk.)

A refusal is ``AuditFieldError`` (``anonymizer.audit.records``).
"""

from __future__ import annotations

import getpass
import math
import os
import re
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, TypeAlias

from anonymizer.audit.records import AuditFieldError

ACTOR = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}")  # who appends: an account name


def default_actor() -> str:
    """The OS user name, or ``uid-N`` if it is not a plain account name."""
    try:
        name = getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry in a container, say
        name = ""
    return name if ACTOR.fullmatch(name) else f"uid-{os.getuid()}"

FieldValue: TypeAlias = (
    "str | int | float | bool | None | list[FieldValue] | dict[str, FieldValue]")

_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,47}")
_CODE = re.compile(r"[a-z][a-z0-9_]{0,47}|[A-Z][A-Z0-9_]{0,47}")
_KEY = re.compile(r"[a-z][a-z0-9_]{0,47}|[A-Z][A-Z0-9_]{0,47}|[0-9]{1,12}")
_ENUM_VALUE = re.compile(r"[^\x00-\x1f\x7f]{1,64}")
_WAVE = re.compile(r"[^\W_][\w.-]{0,31}")
_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?)?"
)


def _is_wave(v: str) -> bool:
    return bool(_WAVE.fullmatch(v)) and any(c.isdigit() for c in v)


_SHAPES: dict[str, Callable[[str], bool]] = {
    "hex": re.compile(r"[0-9a-f]{8,128}").fullmatch,  # type: ignore[dict-item]
    "version": re.compile(r"[0-9][0-9A-Za-z.+-]{0,39}").fullmatch,  # type: ignore[dict-item]
    "package": re.compile(r"[a-z][a-z0-9]*(?:[._-][a-z0-9]+){0,9}").fullmatch,  # type: ignore
    "code": _CODE.fullmatch,  # type: ignore[dict-item]
    "wave": _is_wave,
    "date": _DATE.fullmatch,  # type: ignore[dict-item]
    "language": re.compile(r"[a-z]{2,3}").fullmatch,  # type: ignore[dict-item]
    "id": re.compile(  # type: ignore[dict-item]
        r"[0-9a-f]{8,64}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    ).fullmatch,
}
_WORD_SHAPES = {
    **dict.fromkeys(("sha256", "sha1", "digest", "hash", "checksum", "mac", "fingerprint"), "hex"),
    "version": "version",
    **dict.fromkeys(("model", "package", "pipeline"), "package"),
    **dict.fromkeys(
        ("code", "reason", "status", "decision", "kind", "detector", "action", "outcome",
         "event", "format", "backend", "mode", "role", "entity", "stage", "command", "type",
         "consent", "operation", "result"),
        "code",
    ),
    "wave": "wave",
    **dict.fromkeys(("date", "at", "on", "since", "until", "time"), "date"),
    **dict.fromkeys(("language", "lang"), "language"),
    **dict.fromkeys(("id", "supersedes"), "id"),
}
_PLURALS = {"entities": "entity", "statuses": "status", "sha256s": "sha256"}


def _shape_of(name: str) -> str | None:
    word = name.rsplit("_", 1)[-1]
    word = _PLURALS.get(word, word)
    if word not in _WORD_SHAPES and word.endswith("s"):
        word = word[:-1]
    return _WORD_SHAPES.get(word)


def check_fields(fields: Mapping[str, object]) -> dict[str, Any]:
    """The fields as they will be written, or ``AuditFieldError`` (see the module docstring)."""
    clean: dict[str, Any] = {}
    for position, (name, value) in enumerate(fields.items(), 1):
        if not isinstance(name, str) or not _FIELD_NAME.fullmatch(name):
            raise AuditFieldError(f"field #{position}: field names are snake_case, 1-48 chars")
        clean[name] = _clean(value, _shape_of(name), name, 0)
    return clean


def _clean(value: object, shape: str | None, where: str, depth: int) -> Any:
    if depth > 4:
        raise AuditFieldError(f"field {where}: nested too deeply")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Enum):
        inner = value.value
        if isinstance(inner, int) and not isinstance(inner, bool):
            return int(inner)
        if isinstance(inner, str) and _ENUM_VALUE.fullmatch(inner):
            return inner
        raise AuditFieldError(f"field {where}: an enum whose value is not a short code")
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise AuditFieldError(f"field {where}: not a finite number")
        return value
    if isinstance(value, str):
        if shape is None:
            raise AuditFieldError(
                f"field {where}: text is allowed only in fields named for its shape "
                "(..._sha256, ..._version, ..._reason, wave, ...); log a number, digest or enum"
            )
        if not _SHAPES[shape](value):
            raise AuditFieldError(f"field {where}: text is not a valid {shape}")
        return value
    if isinstance(value, (list, tuple)):
        if len(value) > 10_000:
            raise AuditFieldError(f"field {where}: more than 10000 items")
        return [_clean(item, shape, where, depth + 1) for item in value]
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(key, Enum):
                key = key.value
            if isinstance(key, int) and not isinstance(key, bool):
                key = str(key)
            if not isinstance(key, str) or not _KEY.fullmatch(key):
                raise AuditFieldError(f"field {where}: keys must be codes or numbers")
            own = _shape_of(key) if _FIELD_NAME.fullmatch(key) else None
            out[key] = _clean(item, shape or own, where, depth + 1)
        return out
    raise AuditFieldError(f"field {where}: a {type(value).__name__} is not a field value")
