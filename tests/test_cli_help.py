"""Every command has --help, and every command is in the README (sqlite-utils' habit).

Commands are discovered from ``anonymizer.cli.build_parser()``, so a new command module is
covered the moment it is registered.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_commands import COMMANDS

from anonymizer.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"


def test_there_are_commands() -> None:
    assert {("run",), ("scan",)} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_every_command_has_help(command: tuple[str, ...], capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: anonymizer " + " ".join(command))
    assert len(out.splitlines()) > 2


def test_top_level_help_lists_every_command(capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    missing = [c[0] for c in COMMANDS if len(c) == 1 and not re.search(rf"\b{c[0]}\b", out)]
    assert missing == []


def test_every_command_is_in_the_readme() -> None:
    assert README.is_file(), "README.md is missing"
    text = README.read_text(encoding="utf-8")
    missing = [" ".join(c) for c in COMMANDS
               if not re.search(r"anonymizer\s+" + r"\s+".join(map(re.escape, c)) + r"\b", text)]
    assert missing == [], f"commands not in README.md: {', '.join(missing)}"


def test_exit_codes_are_documented_in_the_readme() -> None:
    from anonymizer.errors import ExitCode

    assert README.is_file(), "README.md is missing"
    text = README.read_text(encoding="utf-8")
    missing = [f"{code.value} ({code.name})" for code in ExitCode
               if not re.search(rf"(?<![\d.]){code.value}(?![\d.])", text)]
    assert missing == [], f"exit codes not in README.md: {', '.join(missing)}"
