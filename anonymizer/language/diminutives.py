"""Given names and their short forms (rules/<lang>/names.toml ``diminutives``), both ways."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


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
