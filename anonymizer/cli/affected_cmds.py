"""`anonymizer store affected`: which released transcripts a correction concerns, and (with
``--queue``) their reruns handed to the daemon.

Thin: the search is ``anonymizer.review.affected``, the queue ``anonymizer.daemon.requests``.
Prints one line per release (stem, participant, wave, job id) and a count line; never the
name looked for. Recorded in the audit log (``affected_listed``: the correction numbers, counts
and job ids). Exit 0 (also when none is affected), 2 bad input, 4 the vault refused.
"""

from __future__ import annotations

import argparse

from anonymizer.cli.common import lines_from, settings_from
from anonymizer.errors import InputError


def register(group: argparse._SubParsersAction) -> None:
    affected = group.add_parser(
        "affected", help="list the released transcripts a correction concerns (and queue "
        "their reruns)", description="After rules add-deny / add-allow or people merge / "
        "alias: open every release's sealed original with the vault, in memory only, and list "
        "the releases whose text holds the corrected name(s) -- stem, participant, wave, job "
        "id; never the name. --queue hands their reruns to the daemon (done while it runs, or "
        "at its next start). Recorded in the audit log.", allow_abbrev=False)
    source = affected.add_mutually_exclusive_group(required=True)
    source.add_argument("--since-correction", type=int, metavar="ID",
                        help="the correction's number (printed by rules add-deny / add-allow; "
                        "the audit record's number): this one and every later correction")
    source.add_argument("--name-from-stdin", action="store_true",
                        help="the name(s) to look for, one a line, from standard input (kept "
                        "out of shell history)")
    affected.add_argument("--queue", action="store_true",
                          help="queue a rerun of each affected release for the daemon")
    affected.set_defaults(func=cmd_store_affected)


def cmd_store_affected(args: argparse.Namespace) -> int:
    from anonymizer.audit.fields import default_actor
    from anonymizer.audit.log import AuditEvent, FieldValue, open_audit_log
    from anonymizer.daemon.preflight import daemon_running
    from anonymizer.daemon.requests import submit_rerun
    from anonymizer.keys.vault_adapter import open_vault
    from anonymizer.review.affected import corrections_since, find_affected

    settings = settings_from(args)
    with open_vault(settings) as vault:
        key = vault.audit_key()
        log = open_audit_log(settings, key, vault_commit=vault.commit_count)
        if args.name_from_stdin:
            needles, numbers, cause = lines_from("-"), list[int](), "steward"
            if not needles:
                raise InputError("standard input: no name given (one a line)")
        else:
            if args.since_correction < 1:
                raise InputError("--since-correction: an audit record number (1 or more)")
            corrections = corrections_since(settings, log.records(), vault, key,
                                            args.since_correction)
            needles = [n for c in corrections for n in c.needles]
            numbers = [c.seq for c in corrections]
            cause = f"correction_{args.since_correction}"
        report = find_affected(settings, vault, needles) if needles else None
        releases = report.releases if report is not None else ()
        queued = [submit_rerun(settings, r.stem, actor=default_actor(), cause=cause)
                  for r in releases] if args.queue else []
        log.append(AuditEvent.AFFECTED_LISTED, correction_numbers=list[FieldValue](numbers),
                   needle_count=len(needles), affected_count=len(releases),
                   release_count=report.searched if report else 0,
                   job_ids=list[FieldValue](r.job for r in releases), queued_count=len(queued))
    for release in releases:
        print(f"{release.stem}\tparticipant {release.participant}\t{release.wave}\t"
              f"job {release.job[:12]}")
    if report is None:
        print("nothing to look for: the correction's names are no longer in the vault")
        return 0
    skipped = ""
    if report.not_kept or report.unreadable:
        skipped = (f" ({report.not_kept} original(s) not kept, {report.unreadable} "
                   "unreadable: not searched)")
    print(f"{len(releases)} of {report.searched} released transcript(s) concerned{skipped}")
    if queued:
        where = ("the running daemon does them now" if daemon_running(settings) else
                 "the daemon does them when it next starts")
        print(f"queued {len(queued)} rerun(s); {where}")
    elif releases:
        print("to re-run them all, run this again with --queue (one: anonymizer store rerun "
              "STEM)")
    return 0
