"""The workbench section of `make bench` runs and prints its figures (never asserted)."""

from __future__ import annotations

import re


def test_the_web_section_prints_both_pages(capsys) -> None:
    from anonymizer.benchmarks.__main__ import SECTIONS
    from anonymizer.benchmarks.web import web_section

    assert SECTIONS["web"] is web_section
    web_section(releases=10, words=500, rounds=1)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("== Workbench server time")
    assert lines[2].startswith("queue of a 11-release study (GET /steward)")
    assert re.match(r"transcript of 500 words, 2\d replacements, [5-9] flags +\d", lines[3])
