"""`anonymizer --help`, `--version` and every command's `--help` load no NLP stack (issue 13).

spaCy, Presidio and thinc take seconds to import; a help text must not pay for them. Only a
command that runs the engine (``run``, ``scan``, ...) may load them, when it runs.

Each case is a real interpreter (``sys.executable``), because this test session may well have
imported spaCy already. The commands are discovered from ``anonymizer.cli.build_parser()``, so a
new command or subcommand is covered the moment it is registered. No timings are asserted here:
how fast start-up is belongs to a benchmark; what is imported is what makes it slow.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_commands import COMMANDS

import anonymizer

HEAVY = ("spacy", "presidio_analyzer", "presidio_anonymizer", "thinc", "torch")

# The child runs the CLI in-process, then reports which heavy modules it ended up importing.
CHILD = f"HEAVY = {HEAVY!r}\n" + """
import json, sys
from anonymizer.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
print()
print(json.dumps({"code": code, "heavy": [m for m in HEAVY if m in sys.modules]}))
"""

# The anonymizer these tests import, so the child runs the same code (a worktree, not whatever
# an editable install points to).
SOURCE_ROOT = str(Path(anonymizer.__file__).resolve().parent.parent)


ARGVS = [["--help"], ["--version"], *([*command, "--help"] for command in COMMANDS)]


def test_nested_commands_are_discovered() -> None:
    """The walk reaches subcommands, so their --help is checked too, not only the groups'."""
    assert {("run",), ("scan",)} <= set(COMMANDS)
    assert any(len(command) > 1 for command in COMMANDS)


@pytest.mark.parametrize("argv", ARGVS, ids=[" ".join(argv) for argv in ARGVS])
def test_help_and_version_import_no_nlp_stack(argv: list[str], tmp_path: Path) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (SOURCE_ROOT, env.get("PYTHONPATH")) if p)
    # cwd: an empty folder, so no ./anonymizer.toml of the checkout is anywhere near
    child = subprocess.run([sys.executable, "-c", CHILD, *argv], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=120, check=False)
    assert child.returncode == 0, child.stderr
    *printed, report = child.stdout.rstrip("\n").split("\n")
    result = json.loads(report)
    assert result == {"code": 0, "heavy": []}, (
        f"anonymizer {' '.join(argv)} imported {', '.join(result['heavy'])}; import them in "
        "the command that needs them, not at module level")
    expected = "anonymizer " if argv == ["--version"] else "usage: anonymizer"
    assert "\n".join(printed).startswith(expected)
