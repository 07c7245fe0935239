"""The benchmark runs and reports every figure (tiny sizes here; the real run is 10,000)."""

from __future__ import annotations

from vault_testkit import CHEAP_KDF

from vault.bench import bench


def test_bench_reports_its_figures(tmp_path):
    figures = bench(tmp_path, people=40, lookups=200, kdf=CHEAP_KDF)
    assert figures["people"] == 40
    assert figures["unlock_s"] > 0 and figures["lookups_per_s"] > 0
    assert figures["total_bytes"] == figures["keyring_bytes"] + figures["records_bytes"] > 0
