"""Given names and their short forms (rules/<lang>/names.toml ``diminutives``), both ways."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

_ELONGATED = re.compile(r"(\w)\1{2,}")


@dataclass(frozen=True)
class Diminutives:
    """Given names and their short forms (rules/<lang>/names.toml ``diminutives``), both ways:
    "maggie" -> {"margaret"}, "margaret" -> {"maggie", "meg", ...}."""

    forms: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, table: Mapping[str, Sequence[str]]) -> Diminutives:
        forms: dict[str, set[str]] = defaultdict(set)
        for full, shorts in table.items():
            for short in shorts:
                forms[full].add(short)
                forms[short].add(full)
        return cls({k: frozenset(v) for k, v in forms.items()})

    def variants(self, word: str) -> frozenset[str]:
        return self.forms.get(word, frozenset()) | {word}


def is_nickname(word: str, known: set[str]) -> bool:
    """"mon" for monica, "rosss" for ross: a clipped or stretched form of a known name
    (``word`` and ``known`` lower-case)."""
    plain = _ELONGATED.sub(r"\1\1", word)
    if plain in known or _ELONGATED.sub(r"\1", word) in known:
        return True
    return any(len(name) > len(word) and _common_prefix(name, word) >= max(3, len(word) - 1)
               for name in known)


def _common_prefix(a: str, b: str) -> int:
    return next((n for n, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                min(len(a), len(b)))
