"""`anonymizer watch` (the daemon), `anonymizer store purge N` (a withdrawal's files) and
`anonymizer store rerun RELEASE` (a released transcript again, after a steward's correction).

Thin: the work is in ``anonymizer.daemon``. Exit codes of ``watch``: 0 stopped cleanly (with
``--oneshot``: nothing went to quarantine -- every input was released, or was a duplicate deleted
by policy); 2 with ``--oneshot`` when any input went to quarantine (duplicates included); 3
settings (no ethics metadata, no vault backend); 4 the vault refused; 1 another daemon holds the
work folder, or the audit log refused. Of ``store rerun``: 0 re-released; 2 no such release, a
withdrawn participant, no --yes without a terminal; 5 verification refused the new version (the
old one stays); 4 the vault refused; 1 another failure. With a daemon running, ``store rerun``
queues the rerun for it (``anonymizer.daemon.requests``) and waits for its outcome (the same
exit codes), or with ``--no-wait`` returns 0 once it is queued.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from anonymizer.cli import affected_cmds
from anonymizer.cli.common import settings_from
from anonymizer.errors import (
    AnonymizerError,
    ExitCode,
    InputError,
    KeyStoreError,
    VerificationError,
)
from anonymizer.settings import Settings


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
        "With a daemon running, the rerun is handed to it (queued in requests/) and this "
        "waits for the outcome; otherwise it runs in place of the daemon. Recorded in the "
        "audit log (rerun_requested, released with supersedes, superseded).",
        allow_abbrev=False)
    rerun.add_argument("release", metavar="RELEASE",
                       help="P07_wave2 (its latest version), a path to its clean file or "
                       ".meta.json, or the first 8+ hex digits of its job id")
    rerun.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    rerun.add_argument("--no-wait", action="store_true",
                       help="with a running daemon: queue the rerun and return at once")
    rerun.set_defaults(func=cmd_store_rerun)
    affected_cmds.register(group)


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


def cmd_store_rerun(args: argparse.Namespace) -> int:
    from anonymizer.daemon.preflight import check_settings, daemon_running
    from anonymizer.daemon.rerun import refusal_error
    from anonymizer.store.released import find_sidecar, read_meta, stem_of, store_folder

    settings = settings_from(args)
    check_settings(settings)
    folder = store_folder(settings)
    sidecar = find_sidecar(folder, args.release)  # cheap checks first: a typo costs no model load
    stem = stem_of(sidecar)
    if not args.yes:
        _confirm(stem, str((read_meta(sidecar) or {}).get("job_id", "")))
    if daemon_running(settings):
        return _hand_to_daemon(settings, stem, wait=not args.no_wait)
    from anonymizer.daemon import open_daemon

    daemon = open_daemon(settings, interactive=None)
    try:
        result = daemon.rerun(lambda: find_sidecar(folder, args.release))
    finally:
        daemon.ctx.keystore.close()
    if result.refusal is not None:
        refusal = result.refusal
        raise refusal_error(refusal.reason)(
            f"the rerun of {result.old_stem} was refused ({refusal.reason.value} at stage "
            f"{refusal.stage.value}: {refusal.detail or 'see the log'}); {result.old_stem} "
            "is unchanged (recorded in the audit log)")
    if result.new_stem is None:
        raise AnonymizerError(f"the rerun of {result.old_stem} (job {result.job[:12]}) did not "
                              "finish; the daemon finishes or rolls it back at its next start")
    _print_rerun(result.old_stem, result.new_stem, result.job, result.unfinished)
    return 0


def _print_rerun(old: str, new: str, job: str, unfinished: bool) -> None:
    more = (" (finishing touches -- sealing, removing the old version -- are left to the "
            "daemon's next start)") if unfinished else ""
    print(f"re-ran {old} as {new} (job {job[:12]}, in place); the old version is removed, the "
          f"original stays sealed{more}. Review it: anonymizer review {new} -o review.html")


_BY_EXIT_CODE: dict[int, type[AnonymizerError]] = {
    ExitCode.BAD_INPUT: InputError, ExitCode.KEYSTORE: KeyStoreError,
    ExitCode.VERIFICATION: VerificationError}


def _hand_to_daemon(settings: Settings, stem: str, *, wait: bool) -> int:
    """A daemon runs: it does the rerun (``anonymizer.daemon.requests``); wait for it."""
    from anonymizer.audit.fields import default_actor
    from anonymizer.daemon.preflight import daemon_running
    from anonymizer.daemon.requests import RequestStatus, request_state, submit_rerun

    request = submit_rerun(settings, stem, actor=default_actor(), cause="steward")
    if not wait:
        print(f"queued the rerun of {stem} for the running daemon (request {request[:12]})")
        return 0
    print(f"the daemon is running: handed it the rerun of {stem} (request {request[:12]}); "
          "waiting for it (Ctrl-C stops waiting, not the rerun)", file=sys.stderr)
    pause = threading.Event()
    looks = 0
    while True:
        looks += 1
        state = request_state(settings, request)
        if state.status is RequestStatus.DONE:
            _print_rerun(stem, state.new_stem or stem, state.job or "", state.unfinished)
            return 0
        if state.status is RequestStatus.REFUSED:
            error = _BY_EXIT_CODE.get(state.exit_code or 1, AnonymizerError)
            raise error(f"the rerun of {stem} was refused ({state.reason}: "
                        f"{state.detail or 'see the log'}); {stem} is unchanged (recorded in "
                        "the audit log)")
        # every 2 s: the look takes the daemon's lock for an instant when no daemon holds it
        if looks % 10 == 0 and not daemon_running(settings):
            state = request_state(settings, request)
            if not state.status.final:
                raise AnonymizerError(f"the daemon stopped before it finished the rerun of "
                                      f"{stem} (request {request[:12]}, {state.status.value}); "
                                      "it is done at the daemon's next start")
            continue
        pause.wait(0.2)


def _confirm(stem: str, job: str) -> None:
    if not sys.stdin.isatty():
        raise InputError(f"re-running replaces {stem}; confirm with --yes")
    answer = input(f"Re-run {stem} (job {job[:12]}) with the current rules and vault, and "
                   "replace it? [y/N] ")
    if answer.strip().lower() not in ("y", "yes"):
        raise InputError("not confirmed; nothing was re-run")
