"""The steward's and the ethics committee's commands: ``review``, ``report``, ``rules``.

    review FILE_OR_ID -o review.html [--with-original]   one self-contained page per transcript
    review FILE_OR_ID --accept                           record that it is fine as released
    report -o report.html [--format json]                the ethics report (no names)
    rules add-deny NAME [--kind person|place|organisation]   a missed name -> the vault
    rules add-allow WORD [--force]                        a false positive -> project allow list

after a correction: ``anonymizer store affected --since-correction N [--queue]`` lists (and
re-runs) every released transcript it concerns (``anonymizer.cli.affected_cmds``).

The work is in ``anonymizer.review`` and ``anonymizer.report``; every decision and every page
with names is recorded in the audit log there.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from anonymizer.cli.common import (
    affected_hint,
    command_group,
    lines_from,
    settings_from,
    subcommand,
)
from anonymizer.errors import ExitCode, InputError


def cmd_review(args: argparse.Namespace) -> int:
    from anonymizer.review import decisions
    from anonymizer.review.write import locate, write_review

    settings = settings_from(args)
    if args.accept:
        if args.output or args.with_original:
            raise InputError("--accept records a decision; it writes no page (no -o)")
        released = locate(settings, args.ref)
        decisions.accept(settings, released)
        print(f"recorded: {released.stem} reviewed and accepted as released")
        return 0
    if not args.output:
        raise InputError("-o FILE: where to write the page (e.g. -o review.html)")
    released = write_review(settings, args.ref, Path(args.output),
                            with_original=args.with_original)
    if args.with_original:
        print(f"warning: {args.output} shows the ORIGINAL transcript, with names (mode 0600; "
              "recorded in the audit log). Do not share it; delete it after the review.",
              file=sys.stderr)
    for problem in released.problems:
        print(f"warning: {problem}", file=sys.stderr)
    review = released.review
    counts = (f"{len(review.replacements)} replacements, {len(review.flags)} flags"
              if review else "no review data")
    print(f"wrote {args.output}: {released.stem} ({counts})")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from anonymizer.keys.vault_adapter import open_vault
    from anonymizer.report.gather import gather_report
    from anonymizer.report.render import render_html, render_json
    from anonymizer.review.html import write_page
    from vault import RetiredReason

    settings = settings_from(args)
    with open_vault(settings) as vault:
        key = vault.audit_key()
        registered = [e.number for e in vault.entries("participant")]
        withdrawn = {r.number: r.on.isoformat() for r in vault.retired("participant")
                     if r.reason is RetiredReason.WITHDRAWN}
    report = gather_report(settings, key, registered=registered, withdrawn=withdrawn)
    text = render_json(report) if args.format == "json" else render_html(report)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        write_page(Path(args.output), text, mode=0o640)
        audit = report["audit"]
        state = "OK" if audit["ok"] else f"BROKEN at {audit['first_bad']['file']} line " \
            f"{audit['first_bad']['line']} ({audit['first_bad']['reason']})"
        print(f"wrote {args.output}: {report['summary']['released_transcripts']} transcripts, "
              f"{report['summary']['participants']} participants; audit log {state}")
    return 0 if report["audit"]["ok"] else int(ExitCode.FAILED)


def _name(args: argparse.Namespace) -> str:
    if args.name is not None and args.names_from is None:
        return str(args.name)
    if args.name is None and args.names_from is not None:
        lines = lines_from(args.names_from)
        if len(lines) != 1:
            raise InputError("--names-from: exactly one name (one line)")
        return lines[0]
    raise InputError("give the NAME, or --names-from FILE (not both)")


def cmd_add_deny(args: argparse.Namespace) -> int:
    from anonymizer.review.decisions import add_deny

    result = add_deny(settings_from(args), _name(args), args.kind)
    if not result.created:
        print(f"already in the vault as {result.label}; nothing changed")
        return 0
    print(f"registered as {result.label} in the vault (recorded in the audit log as "
          f"{affected_hint(result.correction)})")
    return 0


def cmd_add_allow(args: argparse.Namespace) -> int:
    from anonymizer.review.decisions import add_allow

    result = add_allow(settings_from(args), args.word, force=args.force)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if not result.added:
        print(f"already in {result.path}; nothing changed")
        return 0
    print(f"added to {result.path} ({result.words} entries; recorded in the audit log as "
          f"{affected_hint(result.correction)})")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    review = sub.add_parser(
        "review", help="write a steward's review page for a released transcript",
        description="One self-contained HTML page (no scripts, no network) for a released "
        "transcript: the clean text with every replacement (kind, detector, score) and "
        "residual-risk flag marked, a jump list, counts, the ethics metadata and the commands "
        "that correct a miss or a false positive.", allow_abbrev=False)
    review.add_argument("ref", metavar="FILE_OR_ID",
                        help="the clean file, its .meta.json, or an id: P07_wave2, or the "
                        "first 8+ hex digits of the job id or a checksum")
    review.add_argument("-o", "--output", metavar="FILE", help="the page to write")
    review.add_argument("--with-original", action="store_true",
                        help="show the original (with names) beside it: needs the vault, "
                        "writes mode 0600, is recorded in the audit log")
    review.add_argument("--accept", action="store_true",
                        help="record in the audit log that this version is fine as released")
    review.set_defaults(func=cmd_review)

    report = sub.add_parser(
        "report", help="write the ethics report (participant flow, counts, audit check)",
        description="For the project and its ethics reference: participants through the "
        "interview waves (Table 1), replacements per transcript by kind, quarantined inputs, "
        "every re-identification, steward decisions, rules and model versions, and the result "
        "of verifying the whole audit log. No names. Exit 1 if the audit log is broken.",
        allow_abbrev=False)
    report.add_argument("-o", "--output", metavar="FILE", required=True,
                        help="where to write it ('-' for standard output)")
    report.add_argument("--format", choices=("html", "json"), default="html",
                        help="html (default): one self-contained page; json: the same content")
    report.set_defaults(func=cmd_report)

    commands = command_group(sub, "rules", "steward corrections: missed names, false positives",
                             "Correct what a review found, then re-run the transcripts it "
                             "concerns: anonymizer store affected --since-correction N "
                             "--queue (N: printed by the correction).")
    deny = subcommand(
        commands, "add-deny", "a missed name: register it in the vault so it is always replaced",
        "Register a missed name as a person, place or organisation in the key "
        "vault (a list of names is identifying, so it lives there, never in a rules file). "
        "Recorded in the audit log as a review decision (kind and number only).")
    deny.add_argument("name", nargs="?", metavar="NAME", help="the name as it appears")
    deny.add_argument("--names-from", metavar="FILE",
                      help="read the name from FILE ('-' for standard input) instead, keeping "
                      "it out of shell history")
    deny.add_argument("--kind", choices=("person", "place", "organisation"), default="person",
                      help="what it is (default: person)")
    deny.set_defaults(func=cmd_add_deny)
    allow = subcommand(
        commands, "add-allow", "a false positive: add a generic word to the project allow list",
        "Append a generic word to the project's allow list (rules.project_allow, "
        "created if needed) so it is never replaced. Names the vault holds are refused, so is "
        "what reads as a person's full name (unless --force); words the name and place lists "
        "know are warned about. Recorded in the audit log with a keyed hash of the word, never "
        "the word.")
    allow.add_argument("word", metavar="WORD", help="the word (or short phrase) to allow")
    allow.add_argument("--force", action="store_true",
                       help="add it even though it reads as a full name")
    allow.set_defaults(func=cmd_add_allow)
