"""Vault speed for `make bench`: unlocking a vault of 10,000 people and looking names up.

The figures come from ``vault.bench`` (a vault built in a temporary folder, production scrypt
parameters): unlock time with the KDF included, lookups by name per second, ``assign`` of a known
name per second, and the cost of one commit -- what one transcript that brings new people costs
the engine, which batches a transcript's assignments into one write.
"""

from __future__ import annotations

import tempfile
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vault import ScryptParams


def vault_section(people: int = 10_000, *, kdf: ScryptParams | None = None) -> None:
    """``people`` and ``kdf`` exist for the test; `make bench` uses the defaults."""
    from vault.bench import bench

    with tempfile.TemporaryDirectory(prefix="vault-bench-") as folder:
        figures = bench(folder, people=people, lookups=max(1_000, people), kdf=kdf)
    print(f"== Vault ({figures['people']:,} participants, two names each; {figures['kdf']}) ==")
    rows = [
        ("unlock, KDF included", f"{figures['unlock_s']:.2f} s"),
        ("lookups by name", f"{figures['lookups_per_s']:,} /s"),
        ("assign of a known name (takes the lock)", f"{figures['assign_known_per_s']:,} /s"),
        ("one commit (one transcript's batch)", f"{figures['commit_one_add_ms']:.0f} ms"),
        ("files", f"key-ring {figures['keyring_bytes'] / 1e6:.2f} MB + records "
                  f"{figures['records_bytes'] / 1e6:.2f} MB"),
    ]
    for label, value in rows:
        print(f"{label:<40} {value:>16}")
    print()


if __name__ == "__main__":
    vault_section()
