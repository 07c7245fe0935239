"""The `make bench` section for the vault prints its figures (small and cheap here)."""

from __future__ import annotations

from vault_cli_kit import CHEAP_KDF


def test_vault_section_prints_unlock_time_and_lookups(capsys):
    from anonymizer.benchmarks.vault import vault_section

    vault_section(people=30, kdf=CHEAP_KDF)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("== Vault (30 participants")
    labels = [line.split("  ")[0] for line in lines[1:] if line]
    assert labels == ["unlock, KDF included", "lookups by name",
                      "assign of a known name (takes the lock)",
                      "one commit (one transcript's batch)", "files"]
    assert lines[1].endswith(" s") and lines[2].endswith(" /s")
