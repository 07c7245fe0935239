"""The steward's review page: one released transcript, every change and every residual risk.

    header     project, ethics reference, participant and wave (from the sidecar), counts
    side list  anchors to every replacement (r1, r2, ...) and flag (f1, f2, ...)
    text       the clean text exactly as released; replacements boxed and tagged with their kind,
               flags underlined (dashed) and tagged with their reason; a tooltip each with the
               detector and score
    original   (only with ``original=``) the original beside it, replaced spans marked (o1, ...)
    fixes      the commands that correct a miss or a false positive, then re-run

Tags are CSS ``::after`` content from ``data-`` attributes, so the text's DOM content is the
released text, character for character (copying a quote copies no tags). No script. The HTML
is the template ``anonymizer/pages/templates/review_page.html``; this module works out what it
shows (marks cut into chunks, counts, facts, commands).
"""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup

from anonymizer.formats.transcript import dropped_list
from anonymizer.pages import render
from anonymizer.review.html import BASE_CSS, CSP
from anonymizer.store.released import Released
from anonymizer.store.review_marks import ReviewMark

PAGE_CSS = """
.layout { display: grid; grid-template-columns: 16.5rem minmax(0, 1fr); gap: 0 1.2rem;
  align-items: start; }
nav.jump { position: sticky; top: 0; max-height: 100vh; overflow-y: auto;
  padding: .6rem .6rem 1rem 0; border-right: 1px solid var(--line); font-size: .85rem; }
nav.jump h2 { font-size: .95rem; margin: .8rem 0 .3rem; }
nav.jump ol { margin: 0; padding-left: 2.2rem; }
nav.jump li { margin: .1rem 0; }
nav.jump a { text-decoration: none; color: #1e3a8a; }
nav.jump a:hover, nav.jump a:focus { text-decoration: underline; }
nav.jump .where { color: var(--muted); white-space: nowrap; }
nav.jump .alt { font-size: .78rem; margin-left: .3rem; }
.panes { display: grid; grid-template-columns: minmax(0, 1fr); gap: 1rem; }
.panes.two { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
.pane h2 { margin-top: .6rem; }
.transcript { white-space: pre-wrap; overflow-wrap: anywhere; line-height: 1.9; margin: 0;
  font-family: Georgia, "DejaVu Serif", "Times New Roman", serif; font-size: 1rem;
  border: 1px solid var(--line); padding: .6rem .8rem; }
mark { color: inherit; scroll-margin-top: 35vh; }
mark.rep { background: var(--rep-bg); border: 1px solid var(--rep-edge); border-radius: 2px;
  padding: 0 .1rem; }
mark.rep::after { content: attr(data-kind); font: 700 .6rem/1 system-ui, sans-serif;
  color: var(--rep-edge); margin-left: .2rem; vertical-align: super; letter-spacing: .02em; }
mark.flag { background: var(--flag-bg); border-bottom: 2px dashed var(--flag-edge);
  padding: 0 .05rem; }
mark.flag::after { content: "\\2691\\00a0" attr(data-reason); font: 700 .6rem/1 system-ui,
  sans-serif; color: var(--flag-edge); margin-left: .2rem; vertical-align: super; }
mark.orig { background: var(--orig-bg); border: 1px solid var(--orig-edge); border-radius: 2px; }
mark.orig::after { content: attr(data-kind); font: 700 .6rem/1 system-ui, sans-serif;
  color: var(--orig-edge); margin-left: .2rem; vertical-align: super; }
mark.oflag { background: none; border-bottom: 2px dashed var(--flag-edge); }
mark:target { outline: 3px solid #111; outline-offset: 2px; }
.legend mark { line-height: 1.9; }
.counts { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0 .8rem; }
.counts h2 { margin: .4rem 0 .2rem; white-space: nowrap; }
a.anchor { scroll-margin-top: 35vh; }
.danger { border: 3px solid var(--bad); background: #fef2f2; color: #7f1d1d; padding: .5rem .7rem;
  margin: .6rem 0; font-weight: 600; }
section.fixes { max-width: 60rem; }
section.fixes p { margin: .3rem 0; }
@media (max-width: 900px) {
  .layout { grid-template-columns: minmax(0, 1fr); }
  nav.jump { position: static; max-height: 40vh; border-right: 0;
    border-bottom: 1px solid var(--line); }
  .panes.two { grid-template-columns: minmax(0, 1fr); }
}
@media print {
  nav.jump { display: none !important; }
  .layout, .panes, .panes.two { display: block; }
  .transcript { border: 0; padding: 0; line-height: 1.8; }
  mark.rep { background: #e6e6e6; border: 1px solid #000; }
  mark.rep::after { color: #000; }
  mark.flag { background: none; border-bottom: 2px dashed #000; }
  mark.flag::after { color: #000; }
  mark.orig { background: #e6e6e6; border: 1px solid #000; }
  mark.orig::after { color: #000; }
  .pane.original { page-break-before: always; }
}
"""

# What each residual-risk reason means, and the kind a missed name of that reason would be.
FLAG_REASONS: dict[str, tuple[str, str | None]] = {
    "capitalised_unknown": ("a capitalised word no detector was sure of: a name, nickname or "
                            "place?", "person"),
    "number": ("digits left in the text: a year, a house number, part of an id?", None),
    "occupation": ("a rare occupation: could it point at one person?", None),
    "diagnosis": ("a rare diagnosis: could it point at one person?", None),
    "date": ("a date the date policy did not replace", None),
    "kept_person": ("found as a person's name but kept (score below the policy's minimum, or "
                    "allowed)", "person"),
    "kept_location": ("found as a place but kept (score below the policy's minimum, or "
                      "allowed)", "place"),
    "kept_organisation": ("found as an organisation but kept (score below the policy's "
                          "minimum, or allowed)", "organisation"),
    "ambiguous_name": ("a short name two people of the study share: its own label until a "
                       "steward merges it (people merge)", None),
    "join_suggested": ("a full name whose given name had a number of its own before: merge "
                       "the two (people merge KEEP ABSORB, numbers in the detail)", None),
}
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-'_")


def shell_word(text: str) -> str:
    """``text`` as one shell word: in double quotes when that is exactly what it is, else in
    the single quotes ``shlex`` picks (a ``$``, backtick, ``"`` or ``\\`` inside)."""
    if text and all(c in _SAFE or (c.isalpha() and not c.isascii()) for c in text):
        return f'"{text}"'
    return shlex.quote(text)


def describe_flag(reason: str) -> str:
    return FLAG_REASONS.get(reason, ("a detail left in the text that might identify someone",
                                     None))[0]


@dataclass(frozen=True)
class _Mark:
    start: int
    end: int
    html_class: str
    ident: str
    title: str
    data: dict[str, str]


def marked_chunks(text: str, marks: Sequence[_Mark]) -> list[dict[str, Any]]:
    """``text`` cut into plain chunks and marks. Marks that overlap (a date flag and a number
    flag on "2019,") become one mark over their union that names every reason; the other marks'
    ids go on empty anchors just before it, so every jump-list link has a target and the markup
    stays well nested."""
    out: list[dict[str, Any]] = []
    position = 0
    order = {id(m): i for i, m in enumerate(marks)}
    for group in _overlapping(sorted(marks, key=lambda m: (m.start, -m.end))):
        group.sort(key=lambda m: (m.html_class not in ("rep", "orig"), order[id(m)]))
        first = group[0]
        start = min(max(min(m.start for m in group), position), len(text))
        end = min(max(max(m.end for m in group), start), len(text))
        if start > position:
            out.append({"text": text[position:start]})
        data: dict[str, str] = {}
        for mark in (first, *[m for m in group if m is not first]):
            for key, value in mark.data.items():
                data[key] = value if key not in data or value in data[key].split(" + ") \
                    else f"{data[key]} + {value}"
        out.append({"text": text[start:end], "cls": first.html_class, "id": first.ident,
                    "title": " | ".join(m.title for m in group), "data": data,
                    "anchors": [m.ident for m in group if m is not first]})
        position = end
    if position < len(text) or not out:
        out.append({"text": text[position:]})
    return out


def _overlapping(marks: Sequence[_Mark]) -> list[list[_Mark]]:
    groups: list[list[_Mark]] = []
    end = -1
    for mark in marks:
        if groups and mark.start < end:
            groups[-1].append(mark)
            end = max(end, mark.end)
        else:
            groups.append([mark])
            end = mark.end
    return groups


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _score(mark: ReviewMark) -> str:
    return "-" if mark.score is None else f"{mark.score:.2f}"


def _replacement_title(mark: ReviewMark) -> str:
    return f"{mark.kind} · detector {mark.detector or '-'} · score {_score(mark)}"


def _flag_title(mark: ReviewMark) -> str:
    return f"residual risk: {mark.kind} · {describe_flag(mark.kind)}"


def _counts(items: Sequence[ReviewMark]) -> list[tuple[str, int]]:
    return sorted(Counter(m.kind for m in items).items(), key=lambda kv: (-kv[1], kv[0]))


def _facts(released: Released, generated_at: datetime) -> tuple[list[str], list[str]]:
    meta = released.meta
    ethics, project = meta.get("ethics", {}), meta.get("project", {})
    model, tool = meta.get("model", {}), meta.get("tool", {})
    facts = [
        f"Participant {released.participant}", f"wave {released.wave}",
        f"ethics {ethics.get('registry_entry') or '-'}",
        f"approved {ethics.get('approval_date') or '-'}",
        f"project {project.get('title') or project.get('id') or '-'} ({project.get('id', '-')})",
        f"consent {meta.get('consent', {}).get('status', '-')}",
    ]
    run = [
        f"anonymized {meta.get('anonymized_at', '-')}", f"tool {tool.get('version', '-')}",
        f"model {model.get('name', '-')} {model.get('version', '')}".rstrip(),
        f"rules {str(meta.get('rules_digest', '-'))[:12]}",
        f"page made {generated_at.strftime('%Y-%m-%d %H:%M UTC')}",
    ]
    return facts, run


def _dropped(released: Released) -> str:
    dropped = released.meta.get("dropped") or {}
    if not isinstance(dropped, dict) or not dropped:
        return ""
    # what the reader left out on purpose (comments, tracked deletions, images, ...)
    return "Not in the text (left out when read): " + dropped_list(
        {str(k): int(v) for k, v in sorted(dropped.items())})


def _clean_marks(released: Released) -> list[_Mark]:
    review = released.review
    if review is None:
        return []
    marks = [_Mark(m.start, m.end, "rep", f"r{i}", _replacement_title(m),
                   {"kind": m.kind, "detector": m.detector, "score": _score(m)})
             for i, m in enumerate(review.replacements, 1)]
    marks += [_Mark(m.start, m.end, "flag", f"f{i}", _flag_title(m), {"reason": m.kind})
              for i, m in enumerate(review.flags, 1)]
    return marks


def _original_marks(released: Released) -> list[_Mark]:
    review = released.review
    marks: list[_Mark] = []
    if review is None:
        return marks
    for i, m in enumerate(review.replacements, 1):
        if m.original_start is not None and m.original_end is not None:
            marks.append(_Mark(m.original_start, m.original_end, "orig", f"o{i}",
                               _replacement_title(m), {"kind": m.kind}))
    for i, m in enumerate(review.flags, 1):
        if m.original_start is not None and m.original_end is not None:
            marks.append(_Mark(m.original_start, m.original_end, "oflag", f"of{i}",
                               _flag_title(m), {"reason": m.kind}))
    return marks


def _jump(released: Released) -> dict[str, list[dict[str, Any]]]:
    review = released.review
    text = released.shown_text
    if review is None:
        return {"replacements": [], "flags": []}
    return {
        "replacements": [{"i": i, "kind": m.kind, "text": text[m.start:m.end],
                          "line": _line_of(text, m.start), "title": _replacement_title(m),
                          "in_original": m.original_start is not None}
                         for i, m in enumerate(review.replacements, 1)],
        "flags": [{"i": i, "kind": m.kind, "text": text[m.start:m.end],
                   "line": _line_of(text, m.start), "title": _flag_title(m)}
                  for i, m in enumerate(review.flags, 1)],
    }


def _deny_suggestions(released: Released) -> list[tuple[int, str, str]]:
    review = released.review
    text = released.shown_text
    rows = []
    for i, mark in enumerate(review.flags if review else (), 1):
        kind = FLAG_REASONS.get(mark.kind, ("", None))[1]
        word = text[mark.start:mark.end]
        if kind is None or not word.strip() or "\n" in word or len(word) > 80:
            continue
        rows.append((i, mark.kind, f"anonymizer rules add-deny {shell_word(word)} --kind {kind}"))
    return rows


def render_review_page(released: Released, *, generated_at: datetime,
                       original: str | None = None) -> str:
    """The page as one HTML string. ``original`` (the original transcript's text, whose offsets
    the review data's ``original_start/end`` index) adds the side-by-side pane."""
    review = released.review
    replacements = review.replacements if review else ()
    flags = review.flags if review else ()
    facts, run = _facts(released, generated_at)
    return render(
        "review_page.html", css=Markup(BASE_CSS + PAGE_CSS), csp=CSP,
        title=f"Review {released.stem}", released=released, facts=facts, run=run,
        with_original=original is not None, dropped=_dropped(released),
        replacement_count=len(replacements), flag_count=len(flags),
        replacement_counts=_counts(replacements), flag_counts=_counts(flags),
        has_review=review is not None, jump=_jump(released),
        clean_name=released.clean_path.name if released.clean_path else released.stem,
        clean=marked_chunks(released.shown_text, _clean_marks(released)),
        original=None if original is None else marked_chunks(original,
                                                               _original_marks(released)),
        suggestions=_deny_suggestions(released), stem=shlex.quote(released.stem))
