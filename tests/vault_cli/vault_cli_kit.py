"""Helpers for the vault CLI tests (a unique module name: no clash with other test folders).

A ``Study`` is one project in ``tmp_path``: a settings file, a vault made with cheap scrypt
parameters (passed explicitly through ``ScryptParams.for_tests()``; the CLI itself always uses the
production defaults), a data folder for the audit log, and ``cli(...)`` to run
``anonymizer.cli.main`` in-process with the output captured. All names are invented.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from vault import ScryptParams, Secret, Vault

PROJECT = "study-2024"
PASSPHRASE = "invented passphrase for tests only"
PASSPHRASE_ENV = "TEST_ANON_VAULT_PASSPHRASE"
CHEAP_KDF = ScryptParams.for_tests()
# Not "vault": a folder of that name in the working directory would shadow the vault package
# for `python -m anonymizer` started there.
VAULT_FOLDER = "study-keys"

# Registered in the pipeline tests. Full names contain a space, so a hit is never chance.
SIGRUN = ("Sigrun Haldorsen", "Sigrun")
HALVARD = ("Halvard Brekke", "Halvard")
LIV = ("Liv Aamodt", "Liv")

FOCUS_GROUP = """\
Interviewer: Thank you both for coming. Could you say how you know each other?
Sigrun Haldorsen: We met at the community garden. Halvard helped me with the beds.
Halvard Brekke: Yes, Sigrun and I have grown potatoes there for years.
Interviewer: Who else takes part?
Sigrun Haldorsen: My neighbour Liv Aamodt comes on Sundays. Liv brings coffee.
"""

ONE_TO_ONE = """\
Interviewer: Welcome back. How has the garden been since we last spoke?
Halvard Brekke: Busy. I planted onions and Sigrun Haldorsen lent me her tools.
Interviewer: Thank you.
"""


def toml_value(value: Any) -> str:
    if isinstance(value, (Path, str)):
        return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value).lower() if isinstance(value, bool) else str(value)


def write_config(path: Path, *, project: str = PROJECT, **vault: Any) -> Path:
    """Settings for one study: the vault backend, the data folder (audit log) beside it."""
    values = {"backend": "vault", "dir": path.parent / VAULT_FOLDER,
              "passphrase_env": PASSPHRASE_ENV, **vault}
    lines = ["[project]", f"id = {toml_value(project)}", "", "[vault]"]
    lines += [f"{k} = {toml_value(v)}" for k, v in values.items() if v is not None]
    lines += ["", "[paths]", f"data_dir = {toml_value(path.parent / 'data')}", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


class Terminal(io.StringIO):
    """Standard input that says it is a terminal (prompts and confirmations are allowed)."""

    def isatty(self) -> bool:
        return True


@dataclass
class Result:
    code: int
    out: str
    err: str


@dataclass
class Study:
    root: Path
    capsys: pytest.CaptureFixture[str]
    config: Path = field(init=False)

    def __post_init__(self) -> None:
        self.config = write_config(self.root / "anonymizer.toml")

    @property
    def vault_dir(self) -> Path:
        return self.root / VAULT_FOLDER

    @property
    def audit_path(self) -> Path:
        return self.root / "data" / "audit" / "audit.jsonl"

    def configure(self, **vault: Any) -> None:
        write_config(self.config, **vault)

    def create_vault(self, secret: Secret | None = None) -> None:
        Vault.create(self.vault_dir, PROJECT, secret or Secret.from_passphrase(PASSPHRASE),
                     kdf=CHEAP_KDF).close()

    def open_vault(self, secret: Secret | None = None) -> Vault:
        return Vault.open(self.vault_dir, PROJECT, secret or Secret.from_passphrase(PASSPHRASE))

    def cli(self, *argv: str | Path, config: Path | None = None) -> Result:
        from anonymizer.cli import main

        self.capsys.readouterr()
        try:
            code = main(["--config", str(config or self.config), *map(str, argv)])
        except SystemExit as done:  # argparse: usage errors (2) and --help (0)
            code = int(done.code or 0)
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def vault_bytes(self) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted(self.vault_dir.iterdir()) if p.is_file()}

    def audit_events(self, secret: Secret | None = None) -> list[tuple[str, dict[str, Any]]]:
        """(event value, fields) of every record, read back (and authenticated) by the log."""
        from anonymizer.audit.log import open_audit_log
        from anonymizer.settings import load_settings

        with self.open_vault(secret) as vault:
            log = open_audit_log(load_settings(self.config), vault.audit_key())
        assert log.verify().ok
        return [(getattr(r.event, "value", r.event), dict(r.fields)) for r in log.records()]


def run_cli_process(study: Study, *argv: str | Path, env: dict[str, str] | None = None
                    ) -> subprocess.CompletedProcess[str]:
    """``python -m anonymizer`` in a new process (a fresh interpreter: nothing shared)."""
    environ = {**os.environ, PASSPHRASE_ENV: PASSPHRASE, "TMPDIR": str(study.root / "tmp"),
               **(env or {})}
    environ.pop("ANONYMIZER_CONFIG", None)
    (study.root / "tmp").mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "anonymizer", "--config", str(study.config), *map(str, argv)],
        cwd=study.root, env=environ, capture_output=True, text=True, timeout=300,
    )


def name_variants(name: str) -> dict[str, bytes]:
    """The name as raw bytes a careless write could leave: UTF-8 and UTF-16 (LE and BE), as
    written, lower and upper case. Matching is also case-insensitive on ASCII bytes."""
    variants = {}
    for label, text in (("as is", name), ("lower", name.lower()), ("upper", name.upper())):
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            variants[f"{encoding} {label}"] = text.encode(encoding)
    return variants


# Ciphertext, tags, salts and MACs are stored as base64. Random base64 holds a given 3-letter
# alias ("Liv"), matched in any case, about once in 30 key-rings of 1 KB; a 6-letter name
# about once in a million. So names shorter than SHORT are looked for only outside base64 runs
# of 16 or more characters (a name in clear sits between quotes, spaces or punctuation), and
# longer names everywhere.
SHORT = 6
_BASE64_RUN = re.compile(rb"[A-Za-z0-9+/]{16,}={0,2}")


def files_holding(root: Path, names: tuple[str, ...], *, skip: tuple[Path, ...] = ()
                  ) -> list[str]:
    """``file: name #i encoding`` for every name found in clear in any file under ``root``."""
    hits = []
    skipped = {p.resolve() for p in skip}
    files = [p for p in sorted(root.rglob("*")) if p.is_file() and p.resolve() not in skipped]
    assert files, "nothing to scan"
    for path in files:
        raw = path.read_bytes()
        outside_base64 = _BASE64_RUN.sub(b" ", raw)
        for index, name in enumerate(names):
            data = outside_base64 if len(name) < SHORT else raw
            folded = data.lower()
            for label, pattern in name_variants(name).items():
                if pattern in data or pattern.lower() in folded:
                    hits.append(f"{path.relative_to(root)}: name #{index} {label}")
    return hits
