"""`anonymizer audit verify|show|checkpoint|reset-anchor`: the tamper-evident log, for stewards.

The HMAC key comes from the vault only (never a file or an argument), so both commands unlock
the vault the settings name. The log holds no names, so `show` prints records as they are.
"""

from __future__ import annotations

import argparse
import json
from collections import deque
from collections.abc import Iterable
from pathlib import Path

from anonymizer.audit.anchor import (
    AnchorMismatch,
    Checkpoint,
    Head,
    anchor_path,
    check_head,
    check_vault,
    make_checkpoint,
    read_checkpoint,
    verify_anchored,
)
from anonymizer.audit.log import AuditEvent, AuditLogBroken, AuditRecord, open_audit_log
from anonymizer.audit.records import VerifyResult
from anonymizer.audit.verify import iter_records
from anonymizer.cli.common import settings_from
from anonymizer.errors import ExitCode, InputError, SettingsError
from anonymizer.fsutil import atomic_write
from anonymizer.settings import KeyStoreBackend, Settings


def register(sub: argparse._SubParsersAction) -> None:
    audit = sub.add_parser(
        "audit", help="check and read the tamper-evident audit log",
        description="The audit log: one HMAC'd, hash-chained record per event, no names.")
    commands = audit.add_subparsers(dest="audit_command", metavar="COMMAND")
    verify = commands.add_parser(
        "verify", help="check every record; name the first bad one",
        description="Verify the whole log (all rotated files) with the vault's audit key, and "
        "its end against the head anchor kept in the vault folder (a log cut short, a rotated "
        "file removed, a vault restored from an older copy). Prints OK, or the first bad "
        "record's file, line and reason; exit 0 or 1.")
    verify.add_argument("--against", metavar="FILE", type=Path, default=None,
                        help="also prove the log still holds everything up to this checkpoint "
                        "(from 'anonymizer audit checkpoint')")
    verify.set_defaults(func=cmd_verify)
    checkpoint = commands.add_parser(
        "checkpoint", help="write a signed statement of the log's end, for the committee",
        description="Verify the log, then write a small statement (project, record number, "
        "chain hash, time; authenticated with the vault's audit key) to keep apart from the "
        "data. 'audit verify --against FILE' later proves the log still holds it.")
    checkpoint.add_argument("-o", "--output", metavar="FILE", type=Path, default=None,
                            help="write it here (default: print it)")
    checkpoint.set_defaults(func=cmd_checkpoint)
    reset = commands.add_parser(
        "reset-anchor", help="set the head anchor to the log's end (recorded in the log)",
        description="For a log written before head anchors were kept, or after a steward has "
        "looked into an anchor mismatch and found the cause. The log must verify; the reset "
        "is an anchor_reset record the committee sees. Never do this to 'fix' a vault restored "
        "from an older copy: restore the newest copy instead.")
    reset.set_defaults(func=cmd_reset_anchor)
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
    return _unlock(settings)[0]


def _unlock(settings: Settings) -> tuple[bytes, int]:
    """The audit key and the vault's commit count, from the vault the settings point at."""
    if settings.vault.backend is not KeyStoreBackend.VAULT or settings.vault.dir is None:
        raise SettingsError('vault.backend: the audit key is kept in the vault; set "vault"')
    from anonymizer.keys.vault_adapter import open_vault_keystore

    with open_vault_keystore(settings) as store:
        return store.vault.audit_key(), store.vault.commit_count()


def _verified(settings: Settings, key: bytes, commit: int, checkpoint: Checkpoint | None = None
              ) -> tuple[VerifyResult, str | None]:
    """The walk, and what is wrong with it (None: the log is whole)."""
    assert settings.vault.dir is not None
    digests = {checkpoint.head.seq: ""} if checkpoint is not None else None
    result, anchor = verify_anchored(settings.audit_path(), key, anchor_path(settings.vault.dir),
                                     digest_of=digests)
    if result.first_bad is not None:
        bad = result.first_bad
        detail = f" ({bad.detail})" if bad.detail else ""
        return result, f"at {bad.file} line {bad.line}: {bad.reason.value}{detail}"
    try:
        check_head(anchor, Head(result.last_seq, result.last_digest))
        if anchor is not None:
            check_vault(anchor, commit)
    except AnchorMismatch as mismatch:
        return result, str(mismatch)
    if checkpoint is None or digests is None:
        return result, None
    found, seq = digests[checkpoint.head.seq], checkpoint.head.seq
    when = f"{checkpoint.time:%Y-%m-%dT%H:%M:%SZ}"
    if not found:
        return result, (f"TRUNCATED against the checkpoint of {when} (records "
                        f"{result.last_seq + 1} to {seq} missing)")
    if found != checkpoint.head.digest:
        return result, (f"DIVERGED: record {seq} is not the record the checkpoint of {when} "
                        "names")
    return result, None


def cmd_verify(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    path = settings.audit_path()
    key, commit = _unlock(settings)
    checkpoint = None
    if args.against is not None:
        checkpoint = read_checkpoint(args.against, key)
        if checkpoint.project != settings.project.id:
            raise InputError(f"{args.against}: a checkpoint of another project")
    result, problem = _verified(settings, key, commit, checkpoint)
    if problem is not None:
        print(f"audit log BROKEN {problem}" if problem.startswith("at ")
              else f"audit log BROKEN: {problem}")
        print(f"{result.records} records {'before it ' if result.first_bad else ''}verified")
        return int(ExitCode.FAILED)
    print(f"audit log OK: {result.records} records in {result.files} files")
    if checkpoint is not None:
        print(f"holds the checkpoint of {checkpoint.time:%Y-%m-%dT%H:%M:%SZ} "
              f"(record {checkpoint.head.seq}) unchanged")
    if result.files == 0:
        print(f"(no log at {path} yet)")
    if result.repairs:
        print(f"{result.repairs} partial line(s) left by a crash were moved aside (log_repaired)")
    return int(ExitCode.OK)


def cmd_checkpoint(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    key, commit = _unlock(settings)
    result, problem = _verified(settings, key, commit)
    if problem is not None:
        raise InputError(f"{settings.audit_path()}: no checkpoint of a broken log ({problem}); "
                         "run 'anonymizer audit verify'")
    statement = make_checkpoint(key, settings.project.id,
                                Head(result.last_seq, result.last_digest))
    if args.output is None:
        print(statement.decode(), end="")
    else:
        if args.output.is_dir():
            raise InputError(f"{args.output}: is a folder; name the checkpoint file")
        atomic_write(args.output, statement, tag="checkpoint", mode=0o644)
        print(f"checkpoint of record {result.last_seq} written to {args.output}")
    return int(ExitCode.OK)


def cmd_reset_anchor(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    key, commit = _unlock(settings)
    result, _ = _verified(settings, key, commit)
    if result.first_bad is not None:
        raise InputError(f"{settings.audit_path()}: the log does not verify; the anchor stays "
                         "(run 'anonymizer audit verify')")
    log = open_audit_log(settings, key, vault_commit=lambda: commit)
    before, seq = log.reset_anchor()
    log.append(AuditEvent.ANCHOR_RESET, log_seq=seq, vault_commit=commit,
               anchor_seq_before=None if before is None else before.head.seq,
               vault_commit_before=None if before is None else before.vault_commit)
    was = "there was none" if before is None else f"it was at record {before.head.seq}"
    print(f"audit anchor set at record {seq} ({was}); recorded as record {seq + 1}")
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
