"""Shared by command modules: settings, the key store and the engine, built from arguments;
names read from a file or standard input; the audit recorder of the vault commands; command
groups that print their help when no command is given."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from anonymizer.errors import ExitCode, InputError
from anonymizer.keys.keystore import InMemoryKeyStore, KeyStore
from anonymizer.settings import KeyStoreBackend, Settings, load_settings

if TYPE_CHECKING:
    from vault import Vault

Record = Callable[..., int]


def settings_from(args: argparse.Namespace) -> Settings:
    config = getattr(args, "config", None)
    return load_settings(Path(config) if config else None)


def open_keystore(settings: Settings) -> KeyStore:
    if settings.vault.backend is KeyStoreBackend.VAULT:
        from anonymizer.keys.vault_adapter import open_vault_keystore

        return open_vault_keystore(settings)
    return InMemoryKeyStore()


def add_language(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", metavar="LANG", default=None,
                        help="transcript language "
                             "(default: the project's, setting project.language)")


def lines_from(source: str) -> list[str]:
    """The non-blank lines (stripped) of file ``source``, or of standard input for ``-``: how a
    name reaches a command without passing through shell history or ``ps``."""
    if source == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(source).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            raise InputError(f"{source}: cannot be read as UTF-8 text") from None
    return [line.strip() for line in text.splitlines() if line.strip()]


def audit_recorder(settings: Settings, vault: Vault) -> Record:
    """The one place the vault commands talk to the audit log: ``record(EVENT, **fields)``
    appends one record (durable when it returns) or raises, and the caller's change is undone."""
    from anonymizer.audit.log import AuditEvent, open_audit_log

    log = open_audit_log(settings, vault.audit_key(), vault_commit=vault.commit_count)

    def record(event: str, **fields: Any) -> int:
        """Returns the record's number (a correction's id for ``store affected``)."""
        # the log adds the actor (the OS user) itself
        return log.append(AuditEvent[event], **fields).seq

    return record


def affected_hint(correction: int | None) -> str:
    """How to find (and re-run) every released transcript a correction concerns."""
    return (f"correction {correction}; the released transcripts it concerns: anonymizer store "
            f"affected --since-correction {correction} (add --queue to re-run them)")


def command_group(sub: argparse._SubParsersAction, name: str, help_text: str,
                  description: str | None = None) -> argparse._SubParsersAction:
    """A command whose subcommands are added to what this returns; alone, it prints its help
    and exits with the usage code."""
    parser = sub.add_parser(name, help=help_text, description=description or help_text,
                            allow_abbrev=False)
    parser.set_defaults(func=lambda _args: (parser.print_help(), int(ExitCode.USAGE))[1])
    return parser.add_subparsers(dest=f"{name}_command", metavar="COMMAND")


def subcommand(group: argparse._SubParsersAction, name: str, help_text: str, description: str
               ) -> argparse.ArgumentParser:
    # No abbreviations: "--new-passphrase VALUE" must not be taken for "--new-passphrase-env".
    return group.add_parser(name, help=help_text, description=description, allow_abbrev=False)
