"""The daemon's `make bench` section runs and prints its figures (timings are never asserted)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def test_the_bench_section_prints_latency_and_throughput(cached_model, capsys) -> None:
    from anonymizer.benchmarks.__main__ import SECTIONS
    from anonymizer.benchmarks.daemon import daemon_section

    assert SECTIONS["daemon"] is daemon_section
    daemon_section(latency_runs=2, words=300, drop_files=3, drop_words=100)
    out = capsys.readouterr().out
    assert out.startswith("== Daemon, defaults (warm, real model and vault")
    assert "== Daemon, tuned for two cores" in out and "parse workers 2" in out
    assert "latency inbox -> store, 300-word transcript (median of 2)" in out
    assert "0.1 s after close/rename" in out
    assert "3 files (~" in out and "files/min" in out and "words/min" in out
