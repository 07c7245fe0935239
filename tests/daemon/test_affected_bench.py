"""The `store affected` section of `make bench` runs and prints its figures (never asserted)."""

from __future__ import annotations


def test_the_affected_section_prints_time_and_what_it_found(capsys) -> None:
    from anonymizer.benchmarks.__main__ import SECTIONS
    from anonymizer.benchmarks.affected import affected_section

    assert SECTIONS["affected"] is affected_section
    affected_section(releases=20, words=100, rounds=1)
    out = capsys.readouterr().out
    assert out.startswith("== store affected (20 releases: 16 .txt, 4 .docx, ~100 words each")
    assert "search every sealed original (decrypt + read in memory)" in out
    assert "per release" in out
    # one transcript in ten holds the name: found in exactly those, whatever the speed
    assert out.splitlines()[3].split()[-3:] == ["2", "of", "20"]
