"""Pronominal articles: in Norwegian speech a pronoun stands before a name as its article
("a Kari", "n Per", dialect for "ho Kari", "han Per"). The article says the person's gender, so
it belongs to the name mention and is replaced with it: "a Kari kom" -> "[Person 1] kom".

The articles are data (``pronominal_articles`` in rules/<lang>/names.toml). This runs after
the people are resolved, so the name alone decides who the mention is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from anonymizer.findings import EntityKind, Finding, Replacement


def without_articles(text: str, findings: Sequence[Finding], articles: frozenset[str]
                     ) -> list[Finding]:
    """A person mention that starts with the article ("a Kari", as a model may take it) is
    resolved by the name alone, so "a Kari" and "Kari" are one person."""
    out = []
    for f in findings:
        head, space, rest = text[f.start:f.end].partition(" ")
        if f.entity is EntityKind.PERSON and space and rest.strip() and \
                head.casefold() in articles:
            f = replace(f, start=f.start + len(head) + 1)
        out.append(f)
    return out


def _article_before(text: str, start: int, articles: frozenset[str]) -> int | None:
    """Where the article just before ``start`` begins (one space between), or None."""
    if start < 2 or text[start - 1] != " ":
        return None
    begin = start - 1
    while begin > 0 and text[begin - 1].isalpha():
        begin -= 1
    if begin > 0 and (text[begin - 1].isalnum() or text[begin - 1] in "'’-/"):
        return None
    return begin if text[begin:start - 1].casefold() in articles else None


def absorb_articles(text: str, replacements: Sequence[Replacement],
                    articles: frozenset[str]) -> list[Replacement]:
    """Each person mention widened over a pronominal article before it; the article's own
    pronoun rewrite, if it had one, goes (the label replaces both)."""
    if not articles:
        return list(replacements)
    absorbed: set[int] = set()  # start of a swallowed article
    out: list[Replacement] = []
    for r in replacements:
        begin = _article_before(text, r.start, articles) if r.entity is EntityKind.PERSON \
            else None
        if begin is None:
            out.append(r)
            continue
        absorbed.add(begin)
        out.append(replace(r, start=begin))
    return [r for r in out if not (r.entity is EntityKind.PRONOUN and r.start in absorbed)]
