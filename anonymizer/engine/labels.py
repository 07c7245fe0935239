"""Recognise our own output: labels and slash forms already in a text are never detected again.

Running the engine on its own output must change nothing (a clean file dropped in the inbox
again, or a transcript anonymized by hand in the same style). Every label template in
rules/<lang>/labels.toml, every pronoun form and every gendered-term replacement becomes a
pattern; findings that touch one of these spans are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from anonymizer.findings import Finding
from anonymizer.rulebook import Rulebook

_PLACEHOLDERS = {"{n}": r"\d+", "{year}": r"\d{4}", "{low}": r"\d+", "{high}": r"\d+"}


def _template_regex(template: str) -> str:
    pattern = re.escape(template)
    for placeholder, digits in _PLACEHOLDERS.items():
        pattern = pattern.replace(re.escape(placeholder), digits)
    return pattern


def own_output_pattern(rulebook: Rulebook, replacements: Iterable[str]) -> re.Pattern[str]:
    alternatives = set()
    for labels in rulebook.labels.values():
        for template in (labels.mention, labels.speaker, labels.generalised):
            if template:
                alternatives.add(_template_regex(template))
    for form in rulebook.pronoun_forms.values():
        if "/" in form:
            alternatives.add(re.escape(form))
    for replacement in replacements:  # "spouse", "ektefellen min", "fiancé(e)": ours, never a name
        alternatives.add(re.escape(replacement))
    ordered = sorted(alternatives, key=len, reverse=True)
    return re.compile(rf"(?<!\w)(?:{'|'.join(ordered)})(?!\w)", re.IGNORECASE)


def outside(pattern: re.Pattern[str], text: str, findings: list[Finding]) -> list[Finding]:
    spans = [m.span() for m in pattern.finditer(text)]
    if not spans:
        return findings
    return [f for f in findings if not any(f.start < e and s < f.end for s, e in spans)]
