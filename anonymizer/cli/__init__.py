"""Thin command-line layer over the library.

Each module in this package owns one group of commands and exposes
``register(subparsers) -> None``; every parser sets ``func(args) -> int`` (the exit code).
Errors the user can fix (``AnonymizerError``, ``vault.VaultError``) become one line on stderr and
the exit code of the error; they never show a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from anonymizer import __version__
from anonymizer.errors import AnonymizerError, ExitCode

# Command-group modules, in the order they appear in --help.
COMMAND_MODULES: tuple[str, ...] = (
    "anonymizer.cli.engine_cmds",
    "anonymizer.cli.batch_cmds",
    "anonymizer.cli.audit_cmds",
    "anonymizer.cli.vault_cmds",
    "anonymizer.cli.participant_cmds",
    "anonymizer.cli.people_cmds",
    "anonymizer.cli.review_cmds",
    "anonymizer.cli.watch_cmds",
    "anonymizer.cli.web_cmds",
)


class _Parser(argparse.ArgumentParser):
    """argparse, minus echoing what it did not understand: a passphrase typed as an argument by
    mistake must not end up in a terminal log or a CI transcript."""

    def error(self, message: str) -> NoReturn:
        if message.startswith("unrecognized arguments"):
            message = "unrecognized arguments (not shown; secrets are never arguments)"
        super().error(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="anonymizer",
        description="Anonymize interview transcripts: names, places, identifiers, gendered words.",
    )
    parser.add_argument("--version", action="version", version=f"anonymizer {__version__}")
    parser.add_argument(
        "--config", "-c", metavar="TOML", default=None,
        help="settings file (default: ./anonymizer.toml if present, else built-in defaults)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return int(ExitCode.USAGE)
    try:
        return int(args.func(args))
    except AnonymizerError as exc:
        print(f"anonymizer: error: {_one_line(exc)}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("anonymizer: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - vault errors and the like; never a traceback
        from vault import VaultError  # local: keep CLI start-up light

        if isinstance(exc, VaultError):
            print(f"anonymizer: vault error: {_one_line(exc)}", file=sys.stderr)
            return int(ExitCode.KEYSTORE)
        raise


if __name__ == "__main__":
    raise SystemExit(main())
