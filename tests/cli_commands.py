"""Every (sub)command of the real parser, for the CLI tests that cover each one."""

from __future__ import annotations

import argparse

from anonymizer.cli import build_parser


def _commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple]:
    """Every (sub)command path, depth first: ("run",), ("vault", "init"), ..."""
    found = []
    for action in parser._actions:  # argparse offers no public way to list subparsers
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append((*prefix, name))
                found += _commands(sub, (*prefix, name))
    return found


COMMANDS = _commands(build_parser())
