"""The workbench's commands: ``serve`` and ``users``.

    serve [--host H] [--port N]                       the web workbench (anonymizer.web)
    users add NAME --role steward|committee|assistant [--password-stdin]
    users list | users disable NAME | users passwd NAME [--password-stdin]

A password is read from the terminal (twice, not echoed) or, with ``--password-stdin``, as the
first line of standard input; never from an argument. Every change is an ``account_changed``
audit record (action, role, a keyed hash of the account name).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from anonymizer.cli.common import command_group, settings_from, subcommand
from anonymizer.errors import InputError


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise InputError("the two passwords differ; nothing changed")
    return first


def _record(settings: object, action: str, account: object) -> None:
    from anonymizer.web.events import record_account_change

    record_account_change(settings, action, account)  # type: ignore[arg-type]


def cmd_add(args: argparse.Namespace) -> int:
    from anonymizer.web.accounts import Accounts, Role, check_name

    settings = settings_from(args)
    check_name(args.name)
    account = Accounts.of(settings).add(args.name, Role(args.role), _password(args))
    _record(settings, "added", account)
    print(f"added {account.name} ({account.role.value})")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from anonymizer.web.accounts import Accounts

    accounts = Accounts.of(settings_from(args)).all()
    for account in accounts:
        state = "disabled" if account.disabled else "enabled"
        print(f"{account.name}\t{account.role.value}\t{state}\tchanged {account.changed_at}")
    if not accounts:
        print("no accounts (anonymizer users add NAME --role steward)")
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    from anonymizer.web.accounts import Accounts

    settings = settings_from(args)
    account = Accounts.of(settings).disable(args.name)
    _record(settings, "disabled", account)
    print(f"disabled {account.name}; its sessions end at their next request")
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    from anonymizer.web.accounts import Accounts, check_name

    settings = settings_from(args)
    check_name(args.name)
    accounts = Accounts.of(settings)
    if accounts.get(args.name) is None:
        raise InputError(f"account {args.name}: no such account (anonymizer users list)")
    account = accounts.set_password(args.name, _password(args))
    _record(settings, "password_changed", account)
    print(f"password of {account.name} changed")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from anonymizer.web.serve import serve

    return serve(settings_from(args), host=args.host, port=args.port)


def register(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser(
        "serve", help="the web workbench for stewards, the ethics committee and assistants",
        description="Serve the workbench: the steward's review queue and transcript view, "
        "the committee's live ethics report, the assistants' uploads. Binds web.host "
        "(127.0.0.1); another address needs web.tls_cert/tls_key or web.behind_proxy. It hands "
        "work to the daemon (anonymizer watch), which stays the only writer of the store.",
        allow_abbrev=False)
    serve.add_argument("--host", default=None, help="address to bind (default: web.host)")
    serve.add_argument("--port", type=int, default=None, help="port (default: web.port)")
    serve.set_defaults(func=cmd_serve)

    users = command_group(sub, "users", "workbench accounts: add, list, disable, passwd",
                          "Accounts of the workbench (anonymizer serve), kept in "
                          "<data_dir>/web/accounts.json with Argon2id password hashes.")
    add = subcommand(users, "add", "add an account with a role",
                     "Add an account. The password is asked for twice (or read from "
                     "standard input with --password-stdin); at least 12 characters.")
    add.add_argument("name", metavar="NAME", help="the account name (the audit log's actor)")
    add.add_argument("--role", required=True, choices=("steward", "committee", "assistant"),
                     help="what the account may do")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from the first line of standard input")
    add.set_defaults(func=cmd_add)
    listing = subcommand(users, "list", "list the accounts", "Name, role, state, last change.")
    listing.set_defaults(func=cmd_list)
    disable = subcommand(users, "disable", "disable an account",
                         "Disable an account: it can no longer log in, and its open sessions "
                         "end at their next request.")
    disable.add_argument("name", metavar="NAME", help="the account")
    disable.set_defaults(func=cmd_disable)
    passwd = subcommand(users, "passwd", "set an account's password",
                        "Set a new password (asked for twice, or --password-stdin).")
    passwd.add_argument("name", metavar="NAME", help="the account")
    passwd.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of standard input")
    passwd.set_defaults(func=cmd_passwd)
