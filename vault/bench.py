"""How fast a big vault opens and answers: ``python -m vault.bench``.

Builds a vault of ``people`` participants (two names each) in one transaction, then measures with
the default KDF parameters unless told otherwise: unlock time (scrypt included), lookups per
second by name (mixed case), ``assign`` of a known name per second (takes the lock), the time of
one commit that adds a participant, and the size of the two files.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from vault.crypto import ScryptParams
from vault.secret import Secret
from vault.store import KEYS_FILE, RECORDS_FILE
from vault.vault import Vault

_GIVEN = ("Kari", "Ola", "Åse", "Per", "Ingrid", "Lars", "Sigrid", "Nils", "Marit", "Bjørn")
_FAMILY = ("Nordmann", "Hansen", "Ødegård", "Olsen", "Berg", "Dahl", "Lund", "Haugen")
_PROJECT = "bench"


def _name(i: int) -> tuple[str, str]:
    given, family = _GIVEN[i % len(_GIVEN)], _FAMILY[(i // len(_GIVEN)) % len(_FAMILY)]
    return f"{given} {family} {i}", f"{given} {i}"


def bench(
    tmpdir: str | os.PathLike[str],
    *,
    people: int = 10_000,
    lookups: int = 50_000,
    kdf: ScryptParams | None = None,
) -> dict[str, Any]:
    directory = Path(tmpdir) / "bench-vault"
    secret = Secret.from_passphrase("bench passphrase, not a secret")
    started = time.perf_counter()
    with Vault.create(directory, _PROJECT, secret, kdf=kdf) as v, v.transaction():
        for i in range(people):
            v.add("participant", _name(i))
    build_s = time.perf_counter() - started

    started = time.perf_counter()
    vault = Vault.open(directory, _PROJECT, secret)
    unlock_s = time.perf_counter() - started
    try:
        rng = random.Random(7)
        queries = [_name(rng.randrange(people))[rng.randrange(2)] for _ in range(lookups)]
        queries = [q.upper() if n % 2 else q.lower() for n, q in enumerate(queries)]
        started = time.perf_counter()
        for query in queries:
            if vault.lookup("participant", query) is None:
                raise AssertionError("benchmark lookup missed")
        lookup_s = time.perf_counter() - started

        known = queries[:500]
        started = time.perf_counter()
        for query in known:
            vault.assign("participant", [query])
        assign_s = time.perf_counter() - started

        started = time.perf_counter()
        vault.add("participant", ["One More Person"])
        commit_s = time.perf_counter() - started
    finally:
        vault.close()
    keys_bytes = (directory / KEYS_FILE).stat().st_size
    records_bytes = (directory / RECORDS_FILE).stat().st_size
    params = kdf or ScryptParams()
    return {
        "people": people,
        "kdf": f"scrypt n=2^{params.n.bit_length() - 1} r={params.r} p={params.p}",
        "build_s": round(build_s, 3),
        "unlock_s": round(unlock_s, 3),
        "lookups_per_s": round(lookups / lookup_s),
        "assign_known_per_s": round(len(known) / assign_s),
        "commit_one_add_ms": round(commit_s * 1000, 1),
        "keyring_bytes": keys_bytes,
        "records_bytes": records_bytes,
        "total_bytes": keys_bytes + records_bytes,
    }


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="vault-bench-") as tmpdir:
        figures = bench(tmpdir)
    width = max(map(len, figures))
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
