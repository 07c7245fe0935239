"""`anonymizer watch` (the daemon) and `anonymizer store purge N` (a withdrawal's files).

Thin: the work is in ``anonymizer.daemon``. Exit codes of ``watch``: 0 stopped cleanly (with
``--oneshot``: nothing went to quarantine -- every input was released, or was a duplicate deleted
by policy); 2 with ``--oneshot`` when any input went to quarantine (duplicates included); 3 settings (no ethics metadata, no vault
backend); 4 the vault refused; 1 another daemon holds the work folder, or the audit log refused.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from types import FrameType

from anonymizer.cli.common import settings_from
from anonymizer.errors import ExitCode, InputError


def register(sub: argparse._SubParsersAction) -> None:
    watch = sub.add_parser(
        "watch", help="the daemon: watch the inbox, release clean files to the store",
        description="Watch paths.inbox; each settled transcript is anonymized and released to "
        "the analysis store (store/<project>/P07/wave2/) with a .meta.json sidecar and a "
        "catalog.csv row, or moved to quarantine/ with a report. Files already in the inbox "
        "are processed first. Stops on SIGTERM or Ctrl-C after the current file.")
    watch.add_argument("--oneshot", action="store_true",
                       help="process what is in the inbox, then exit (0: all released, "
                       "2: something went to quarantine)")
    watch.add_argument("--polling", action="store_true",
                       help="poll the inbox instead of OS notifications (network shares); "
                       "also the setting watch.use_polling")
    watch.add_argument("-v", "--verbose", action="store_true",
                       help="also log what other libraries report (warnings by default)")
    watch.set_defaults(func=cmd_watch)

    store = sub.add_parser("store", help="the analysis store: purge a withdrawn participant",
                           description="Commands on the analysis store.")
    group = store.add_subparsers(dest="store_command", metavar="COMMAND", required=True)
    purge = group.add_parser(
        "purge", help="remove a withdrawn participant's files (store, originals, quarantine)",
        description="Remove every released file, catalog row, sealed original and quarantined "
        "input of participant N, who must have withdrawn already (anonymizer participants "
        "withdraw N does this for you). Safe to run again; recorded in the audit log.")
    purge.add_argument("number", type=int, metavar="N")
    purge.set_defaults(func=cmd_store_purge)


def _logging(verbose: bool) -> None:
    # The daemon's own lines (job ids, checksums, numbers, codes) at INFO; libraries at WARNING
    # (Presidio lists its recognizers at INFO on every start).
    logging.basicConfig(stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s",
                        level=logging.INFO if verbose else logging.WARNING, force=True)
    logging.getLogger("anonymizer.daemon").setLevel(logging.INFO)


def cmd_watch(args: argparse.Namespace) -> int:
    from anonymizer.daemon import check_settings

    _logging(args.verbose)
    settings = settings_from(args)
    check_settings(settings)  # before seconds of imports: a settings mistake is seen at once
    from anonymizer.daemon import open_daemon

    daemon = open_daemon(settings, polling=True if args.polling else None)

    def stop(signum: int, frame: FrameType | None) -> None:
        daemon.stop()

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        summary = daemon.run(oneshot=args.oneshot)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        daemon.ctx.keystore.close()
    print(f"released {summary.released}, quarantined {summary.quarantined}, "
          f"duplicates {summary.duplicates}")
    if args.oneshot and not summary.all_released:
        return int(ExitCode.BAD_INPUT)
    return int(ExitCode.OK)


def cmd_store_purge(args: argparse.Namespace) -> int:
    from anonymizer.audit import open_audit_log
    from anonymizer.daemon.purge import purge_participant
    from anonymizer.vault_keystore import open_vault
    from vault import RetiredReason, WithdrawalReceipt

    settings = settings_from(args)
    with open_vault(settings) as vault:
        tomb = next((r for r in vault.retired("participant")
                     if r.number == args.number and r.reason is RetiredReason.WITHDRAWN), None)
        if tomb is None:
            raise InputError(f"participant {args.number} has not withdrawn; "
                             f"run: anonymizer participants withdraw {args.number}")
        audit = open_audit_log(settings, vault.audit_key())
        report = purge_participant(settings, WithdrawalReceipt(tomb.number, (), tomb.on), audit)
    print(f"purged {report.summary()}")
    return 0
