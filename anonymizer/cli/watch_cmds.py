"""`anonymizer watch` (the daemon), `anonymizer store purge N` (a withdrawal's files) and
`anonymizer store rerun RELEASE` (a released transcript again, after a steward's correction).

Thin: the work is in ``anonymizer.daemon``. Exit codes of ``watch``: 0 stopped cleanly (with
``--oneshot``: nothing went to quarantine -- every input was released, or was a duplicate deleted
by policy); 2 with ``--oneshot`` when any input went to quarantine (duplicates included); 3
settings (no ethics metadata, no vault backend); 4 the vault refused; 1 another daemon holds the
work folder, or the audit log refused. Of ``store rerun``: 0 re-released; 2 no such release, a
withdrawn participant, no --yes without a terminal; 5 verification refused the new version (the
old one stays); 4 the vault refused; 1 a daemon is running, or another failure.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from types import FrameType

from anonymizer.cli.common import settings_from
from anonymizer.errors import (
    AnonymizerError,
    ExitCode,
    InputError,
    KeyStoreError,
    VerificationError,
)
from anonymizer.refusals import Reason


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

    store = sub.add_parser("store", help="the analysis store: purge a withdrawn participant, "
                           "re-run a released transcript", description="Commands on the "
                           "analysis store.")
    group = store.add_subparsers(dest="store_command", metavar="COMMAND", required=True)
    purge = group.add_parser(
        "purge", help="remove a withdrawn participant's files (store, originals, quarantine)",
        description="Remove every released file, catalog row, sealed original and quarantined "
        "input of participant N, who must have withdrawn already (anonymizer participants "
        "withdraw N does this for you). Safe to run again; recorded in the audit log.")
    purge.add_argument("number", type=int, metavar="N")
    purge.set_defaults(func=cmd_store_purge)
    rerun = group.add_parser(
        "rerun", help="re-anonymize a released transcript with the current rules and vault",
        description="After a correction (rules add-deny / add-allow): open the release's "
        "sealed original with the vault and run it through the daemon's pipeline again, with "
        "the current rules and vault, as the same participant and wave. The new version is "
        "released as P07_wave2_r2 (then _r3, ...) and the old one -- clean files, review data, "
        "metadata, catalog rows -- is removed; the original stays sealed (once, under the new "
        "job). If verification refuses the new version, the old one stays as it is (exit 5). "
        "Runs in place of the daemon: stop the daemon first. Recorded in the audit log "
        "(released with supersedes, superseded).", allow_abbrev=False)
    rerun.add_argument("release", metavar="RELEASE",
                       help="P07_wave2 (its latest version), a path to its clean file or "
                       ".meta.json, or the first 8+ hex digits of its job id")
    rerun.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    rerun.set_defaults(func=cmd_store_rerun)


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
    from anonymizer.audit.log import open_audit_log
    from anonymizer.keys.vault_adapter import open_vault
    from anonymizer.store.purge import purge_participant
    from vault import RetiredReason, WithdrawalReceipt

    settings = settings_from(args)
    with open_vault(settings) as vault:
        tomb = next((r for r in vault.retired("participant")
                     if r.number == args.number and r.reason is RetiredReason.WITHDRAWN), None)
        if tomb is None:
            raise InputError(f"participant {args.number} has not withdrawn; "
                             f"run: anonymizer participants withdraw {args.number}")
        audit = open_audit_log(settings, vault.audit_key(), vault_commit=vault.commit_count)
        report = purge_participant(settings, WithdrawalReceipt(tomb.number, (), tomb.on), audit)
    print(f"purged {report.summary()}")
    return 0


# A refused rerun's exit code: what the steward can do about it.
_RERUN_REFUSALS: dict[Reason, type[AnonymizerError]] = {
    Reason.VERIFICATION_REFUSED: VerificationError,
    Reason.VAULT_REFUSED: KeyStoreError,
    Reason.PARTICIPANT_WITHDRAWN: InputError,
    Reason.PARTICIPANT_UNKNOWN: InputError,
    Reason.PARTICIPANT_MISMATCH: InputError,
    Reason.PARTICIPANT_AMBIGUOUS: InputError,
    Reason.WITHDRAWN_INPUT: InputError,
    Reason.SUPERSEDED_GONE: InputError,
}


def cmd_store_rerun(args: argparse.Namespace) -> int:
    from anonymizer.daemon.preflight import check_no_daemon, check_settings
    from anonymizer.store.released import find_sidecar, read_meta, stem_of, store_folder

    settings = settings_from(args)
    check_settings(settings)
    folder = store_folder(settings)
    sidecar = find_sidecar(folder, args.release)  # cheap checks first: a typo costs no model load
    check_no_daemon(settings)
    if not args.yes:
        _confirm(stem_of(sidecar), str((read_meta(sidecar) or {}).get("job_id", "")))
    from anonymizer.daemon import open_daemon

    daemon = open_daemon(settings, interactive=None)
    try:
        result = daemon.rerun(lambda: find_sidecar(folder, args.release))
    finally:
        daemon.ctx.keystore.close()
    if result.refusal is not None:
        refusal = result.refusal
        error = _RERUN_REFUSALS.get(refusal.reason, AnonymizerError)
        raise error(f"the rerun of {result.old_stem} was refused ({refusal.reason.value} at "
                    f"stage {refusal.stage.value}: {refusal.detail or 'see the log'}); "
                    f"{result.old_stem} "
                    "is unchanged (recorded in the audit log)")
    if result.new_stem is None:
        raise AnonymizerError(f"the rerun of {result.old_stem} (job {result.job[:12]}) did not "
                              "finish; the daemon finishes or rolls it back at its next start")
    more = (" (finishing touches -- sealing, removing the old version -- are left to the "
            "daemon's next start)") if result.unfinished else ""
    print(f"re-ran {result.old_stem} as {result.new_stem} (job {result.job[:12]}); "
          f"{result.old_stem} is removed, the original stays sealed{more}. Review it: "
          f"anonymizer review {result.new_stem} -o review.html")
    return 0


def _confirm(stem: str, job: str) -> None:
    if not sys.stdin.isatty():
        raise InputError(f"re-running replaces {stem}; confirm with --yes")
    answer = input(f"Re-run {stem} (job {job[:12]}) with the current rules and vault, and "
                   "replace it? [y/N] ")
    if answer.strip().lower() not in ("y", "yes"):
        raise InputError("not confirmed; nothing was re-run")
