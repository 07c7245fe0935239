"""`anonymizer audit verify` and `anonymizer audit show`: the tamper-evident log, for stewards.

The HMAC key comes from the vault only (never a file or an argument), so both commands unlock
the vault the settings name. The log holds no names, so `show` prints records as they are.
"""

from __future__ import annotations

import argparse
import json
from collections import deque
from collections.abc import Iterable

from anonymizer.audit import AuditLogBroken, AuditRecord, verify_log
from anonymizer.audit_verify import iter_records
from anonymizer.cli.common import settings_from
from anonymizer.errors import ExitCode, SettingsError
from anonymizer.settings import KeyStoreBackend, Settings


def register(sub: argparse._SubParsersAction) -> None:
    audit = sub.add_parser(
        "audit", help="check and read the tamper-evident audit log",
        description="The audit log: one HMAC'd, hash-chained record per event, no names.")
    commands = audit.add_subparsers(dest="audit_command", metavar="COMMAND")
    verify = commands.add_parser(
        "verify", help="check every record; name the first bad one",
        description="Verify the whole log (all rotated files) with the vault's audit key. "
        "Prints OK, or the first bad record's file, line and reason; exit 0 or 1.")
    verify.set_defaults(func=cmd_verify)
    show = commands.add_parser(
        "show", help="print the records (oldest first, verified as read)",
        description="Print records: seq, time, event, actor, fields. Stops at a bad record.")
    show.add_argument("--tail", metavar="N", type=_positive, default=None,
                      help="only the last N records")
    show.set_defaults(func=cmd_show)
    audit.set_defaults(func=lambda args: _usage(audit))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return int(ExitCode.USAGE)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError("must be a whole number of at least 1")
    return int(text)


def audit_key(settings: Settings) -> bytes:
    """The audit HMAC key, from the vault the settings point at."""
    if settings.vault.backend is not KeyStoreBackend.VAULT:
        raise SettingsError('vault.backend: the audit key is kept in the vault; set "vault"')
    from anonymizer.vault_keystore import open_vault_keystore

    with open_vault_keystore(settings) as store:
        return store.vault.audit_key()


def cmd_verify(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    path = settings.audit_path()
    result = verify_log(path, audit_key(settings))
    if result.first_bad is not None:
        bad = result.first_bad
        detail = f" ({bad.detail})" if bad.detail else ""
        print(f"audit log BROKEN at {bad.file} line {bad.line}: {bad.reason.value}{detail}")
        print(f"{result.records} records before it verified")
        return int(ExitCode.FAILED)
    print(f"audit log OK: {result.records} records in {result.files} files")
    if result.files == 0:
        print(f"(no log at {path} yet)")
    if result.repairs:
        print(f"{result.repairs} partial line(s) left by a crash were moved aside (log_repaired)")
    return int(ExitCode.OK)


def cmd_show(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    shown: deque[AuditRecord] = deque(maxlen=args.tail)
    try:
        for record in iter_records(settings.audit_path(), audit_key(settings)):
            shown.append(record)
    except AuditLogBroken as broken:
        _print(shown)
        print(f"audit log BROKEN at {broken.bad}; nothing after it is shown")
        return int(ExitCode.FAILED)
    _print(shown)
    return int(ExitCode.OK)


def _print(records: Iterable[AuditRecord]) -> None:
    for r in records:
        event = getattr(r.event, "value", r.event)
        fields = json.dumps(dict(r.fields), sort_keys=True, separators=(",", ":"))
        print(f"{r.seq:>6}  {r.time:%Y-%m-%dT%H:%M:%SZ}  {event:<24}  {r.actor:<12}  {fields}")
