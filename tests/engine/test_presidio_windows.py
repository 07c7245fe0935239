"""E-mail and URL recognizers read only the unbroken runs around a hint ("@", "www.", "://",
"x.yz"): they must find exactly what Presidio's own recognizers find in the whole text."""

from __future__ import annotations

import re

import pytest
from presidio_analyzer import predefined_recognizers as predefined

from anonymizer.detectors.presidio import _DOMAIN_LIKE, _windowed, unbroken_runs
from anonymizer.offline import ensure_offline

ensure_offline()  # Presidio's e-mail recognizer would fetch the public suffix list

TEXTS = [
    "See www.example.no/blog, or ask me.",
    "Kari: mail me at kari.nordmann@example.no.\nOla: or <ola@uio.no>!",
    "https://www.example.org/kari?x=1&y=2 was the page, and http://d.example.com too",
    "no address here, only Mr.Salty and the end.",
    "(see nav.no) and [helsenorge.no/skjema]; e-post: post@helse-midt.no",
    "Tromsø kommune: tromso.kommune.no\tog\tpost@tromso.kommune.no",
    "",
]


def _plain(results):  # noqa: ANN001, ANN202
    return sorted((r.entity_type, r.start, r.end, round(r.score, 3)) for r in results)


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("name,entity,hint", [
    ("UrlRecognizer", "URL", _DOMAIN_LIKE),
    ("EmailRecognizer", "EMAIL_ADDRESS", re.compile("@")),
])
def test_windowed_recognizer_finds_what_the_whole_text_gives(text, name, entity, hint) -> None:  # noqa: ANN001
    cls = getattr(predefined, name)
    whole = cls().analyze(text, [entity], None)
    windowed = _windowed(cls, hint)().analyze(text, [entity], None)
    assert _plain(windowed) == _plain(whole)


def test_a_run_covers_the_whole_address_around_the_hint() -> None:
    text = "at kari@example.no. Or www.uio.no/x"
    assert [text[s:e] for s, e in unbroken_runs(text, re.compile("@"))] == ["kari@example.no."]
    assert [text[s:e] for s, e in unbroken_runs(text, _DOMAIN_LIKE)] == \
        ["kari@example.no.", "www.uio.no/x"]


def test_the_table_holds_addresses_of_both_kinds() -> None:
    """Guard for the comparison above: it must compare findings, not two empty lists."""
    urls = sum(len(predefined.UrlRecognizer().analyze(t, ["URL"], None)) for t in TEXTS)
    mails = sum(len(predefined.EmailRecognizer().analyze(t, ["EMAIL_ADDRESS"], None))
                for t in TEXTS)
    assert urls >= 8 and mails >= 4
