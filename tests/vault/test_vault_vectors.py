"""Fixed test vectors: today's code must open the vault committed in ``vectors/v1``.

The files were made by ``make_vectors`` below with a fixed passphrase, a fixed clock and a
deterministic byte stream in place of the system's randomness (salt, keys, nonces, write ids).
They must never be regenerated in place: a future format version adds a new folder
(``vectors/v2``) and keeps this one, so that vaults written today stay readable.

    python tests/vault/test_vault_vectors.py OUT_DIR     # write a fresh set to compare
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from vault import ScryptParams, Secret, Vault
from vault.crypto import derive_kek
from vault.keyring import open_keyring

V1 = Path(__file__).with_name("vectors") / "v1"
PASSPHRASE = "vector passphrase, not a secret"
PROJECT = "vector-project"


class DeterministicBytes:
    """SHA-256 in counter mode over a seed: repeatable bytes for vectors, never for vaults."""

    def __init__(self, seed: bytes) -> None:
        self.seed, self.counter = seed, 0

    def __call__(self, size: int) -> bytes:
        out = b""
        while len(out) < size:
            out += hashlib.sha256(self.seed + self.counter.to_bytes(8, "big")).digest()
            self.counter += 1
        return out[:size]


class StepClock:
    def __init__(self) -> None:
        self.day = date(2024, 1, 15)

    def __call__(self) -> datetime:
        return datetime(self.day.year, self.day.month, self.day.day, tzinfo=UTC)


def make_vectors(directory: Path) -> None:
    clock = StepClock()
    rand = DeterministicBytes(b"qrvault vectors v1")
    secret = Secret.from_passphrase(PASSPHRASE)
    kdf = ScryptParams.for_tests(n=2**10)
    with Vault.create(directory, PROJECT, secret, kdf=kdf, clock=clock, randbytes=rand) as v:
        v.add("participant", ["Kari Nordmann", "Kari"])
        v.add("participant", ["Åse Ødegård"], number=5)
        v.add("participant", ["K. Nordmann"])
        v.add("participant", ["Per Olsen"])
        v.note_wave(1, "wave-1")
        v.note_wave(6, "wave-2")
        clock.day = date(2024, 2, 1)
        v.set_consent(1, "given")
        v.set_consent(5, "restricted", scope="no direct quotes")
        v.merge("participant", keep=1, absorb=6)
        clock.day = date(2024, 3, 1)
        v.withdraw(7)
        v.add("person", ["Ola Hansen", "Ola"])
        v.assign("person", ["Lise Berg"])
        v.add("place", ["Tromsø"])
        v.add("organisation", ["NAV"])
        v.rotate()
    (directory / "vault.lock").unlink()


EXPECTED = {
    "entries": [
        [
            "participant",
            1,
            ["Kari Nordmann", "Kari", "K. Nordmann"],
            ["wave-1", "wave-2"],
            ["given", None, "2024-02-01"],
            True,
        ],
        [
            "participant",
            5,
            ["Åse Ødegård"],
            [],
            ["restricted", "no direct quotes", "2024-02-01"],
            True,
        ],
        ["person", 1, ["Ola Hansen", "Ola"], [], None, True],
        ["person", 2, ["Lise Berg"], [], None, False],
        ["place", 1, ["Tromsø"], [], None, True],
        ["organisation", 1, ["NAV"], [], None, True],
    ],
    "retired": [
        ["participant", 6, "merged", "2024-02-01", 1],
        ["participant", 7, "withdrawn", "2024-03-01", None],
    ],
    "next": {"participant": 8, "person": 3, "place": 2, "organisation": 2},
}


@pytest.fixture
def v1_copy(tmp_path):
    target = tmp_path / "v1"
    target.mkdir(mode=0o700)
    for name in ("vault.keys", "vault.db"):
        shutil.copy(V1 / name, target / name)
        (target / name).chmod(0o600)  # git does not keep modes
    return target


def as_table(v: Vault) -> dict:
    return {
        "entries": [
            [
                e.kind.value,
                e.number,
                list(e.names),
                list(e.waves),
                None
                if e.consent is None
                else [e.consent.status.value, e.consent.scope, e.consent.since.isoformat()],
                e.registered,
            ]
            for e in v.entries()
        ],
        "retired": [
            [r.kind.value, r.number, r.reason.value, r.on.isoformat(), r.into] for r in v.retired()
        ],
    }


def test_todays_code_opens_the_v1_vectors(v1_copy):
    expected = json.loads((V1 / "expected.json").read_text())
    with Vault.open(v1_copy, PROJECT, Secret.from_passphrase(PASSPHRASE)) as v:
        assert as_table(v) == {"entries": expected["entries"], "retired": expected["retired"]}
        assert v.audit_key().hex() == expected["audit_key"]
        assert v.verify().ok
        assert v.lookup("participant", "k. nordmann").number == 1
        for kind, number in expected["next"].items():
            assert v.add(kind, [f"New {kind} entry"]).number == number


def test_v1_intermediate_keys(v1_copy):
    """For an independent reader: the KEK and master key the vectors must unwrap to."""
    expected = json.loads((V1 / "expected.json").read_text())
    secret = Secret.from_passphrase(PASSPHRASE)
    ring = open_keyring(
        (v1_copy / "vault.keys").read_bytes(),
        project=PROJECT,
        kek_for=lambda spec: derive_kek(spec, secret),
    )
    assert ring.kek.hex() == expected["kek"]
    assert ring.master.hex() == expected["master_key"]
    assert ring.body.shared_key.hex() == expected["shared_key"]
    assert ring.header.kdf.scrypt == ScryptParams(n=2**10, r=8, p=1)


def test_the_writer_still_produces_the_v1_bytes(tmp_path):
    """Fails if the writer changed. If the change is meant, bump the format version and add
    ``vectors/v2``; do not overwrite v1, which guards that today's vaults stay readable."""
    make_vectors(tmp_path / "fresh")
    for name in ("vault.keys", "vault.db"):
        assert (tmp_path / "fresh" / name).read_bytes() == (V1 / name).read_bytes(), name


def write_expected(directory: Path) -> None:
    secret = Secret.from_passphrase(PASSPHRASE)
    ring = open_keyring(
        (directory / "vault.keys").read_bytes(),
        project=PROJECT,
        kek_for=lambda spec: derive_kek(spec, secret),
    )
    facts = {
        "passphrase": PASSPHRASE,
        "project": PROJECT,
        "kek": ring.kek.hex(),
        "master_key": ring.master.hex(),
        "shared_key": ring.body.shared_key.hex(),
        "audit_key": ring.body.audit_key.hex(),
        **EXPECTED,
    }
    (directory / "expected.json").write_text(json.dumps(facts, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    out = Path(sys.argv[1])
    make_vectors(out)
    write_expected(out)
    print(f"vectors written to {out}")
