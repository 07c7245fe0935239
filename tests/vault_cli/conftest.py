"""Fixtures for the vault CLI tests: a study in tmp_path with a real (cheaply keyed) vault."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from vault_cli_kit import PASSPHRASE, PASSPHRASE_ENV, Study

VAULT_COMMANDS = "anonymizer.cli.vault_cmds"


@pytest.fixture(autouse=True)
def vault_commands_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Until the CLI root lists the vault commands, add them for these tests (a no-op after).
    ``test_vault_cli_commands.py::test_the_cli_root_lists_the_vault_commands`` says which."""
    import anonymizer.cli as cli

    if VAULT_COMMANDS not in cli.COMMAND_MODULES:
        monkeypatch.setattr(cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, VAULT_COMMANDS))


@pytest.fixture
def bare_study(tmp_path: Path, capsys: pytest.CaptureFixture[str],
               monkeypatch: pytest.MonkeyPatch) -> Study:
    """Settings and the passphrase variable, no vault yet. Temp files of this process go under
    tmp_path too, so the byte scans see them."""
    for name in ("ANONYMIZER_CONFIG", "CREDENTIALS_DIRECTORY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    return Study(tmp_path, capsys)


@pytest.fixture
def study(bare_study: Study) -> Study:
    bare_study.create_vault()
    return bare_study
