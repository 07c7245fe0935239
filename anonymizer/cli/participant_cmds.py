"""The stewards' commands over who is in the key vault: ``participants`` and ``people``.

    participants add | list [--reveal] | reveal N | withdraw N | merge KEEP ABSORB

(``people``, the other identities, is ``people_cmds``.)

The vault itself (creating, re-keying, checking it) is ``vault`` (``vault_cmds``). Names come as
arguments or, kept out of shell history and ``ps``, from ``--names-from FILE`` or standard input.

Everything that registers someone, shows a name, withdraws or merges is written to the audit log
(numbers, kinds and codes; the log adds the OS user) through ``common.audit_recorder``. A change
and its record go together: the record is appended inside the vault transaction, so a log that
refuses the append (broken, unwritable) leaves the vault unchanged. A reveal is recorded before
the name is printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from anonymizer.cli.common import (
    affected_hint,
    audit_recorder,
    command_group,
    lines_from,
    settings_from,
    subcommand,
)
from anonymizer.errors import ExitCode, SettingsError
from anonymizer.keys.vault_adapter import open_vault
from anonymizer.settings import Settings
from vault import Entry, Reason, Retired, Vault, VaultError


def _number(text: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError("a participant number, e.g. 7") from None
    if value < 1:
        raise argparse.ArgumentTypeError("numbers start at 1")
    return value


def _names(args: argparse.Namespace) -> list[str]:
    """NAME and --alias, or the lines of --names-from (kept out of shell history and ps)."""
    names = [args.name] if args.name else []
    if args.names_from is not None:
        names += lines_from(args.names_from)
    names += args.alias
    if not names:
        raise VaultError(Reason.INVALID, "give NAME or --names-from")
    return names


def _confirmed(args: argparse.Namespace, action: str, number: int) -> bool:
    if args.yes:
        return True
    if not sys.stdin.isatty():
        print(f"anonymizer: error: {action} cannot be undone; add --yes to confirm",
              file=sys.stderr)
        return False
    answer = input(f"{action} cannot be undone. Type {number} to confirm: ")
    if answer.strip() != str(number):
        print("anonymizer: nothing changed", file=sys.stderr)
        return False
    return True


def add_name_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", metavar="NAME", help="full name (canonical)")
    parser.add_argument("--alias", action="append", default=[], metavar="A",
                        help="another name or spelling matched as the same identity (repeatable)")
    parser.add_argument("--names-from", metavar="FILE",
                        help="read names from FILE ('-' for standard input), one per line, the "
                        "first being the canonical one; keeps names out of shell history")
    parser.add_argument("--number", type=_number, metavar="N",
                        help="a fixed number (default: the next free one; never a retired one)")


def _add(args: argparse.Namespace, kind: str) -> int:
    settings = settings_from(args)
    names = _names(args)
    with open_vault(settings) as vault, vault.transaction():
        record = audit_recorder(settings, vault)
        entry = vault.add(kind, names, args.number)
        record("PARTICIPANT_ADDED", kind=kind, number=entry.number, name_count=len(entry.names))
    print(f"registered {entry.label} ({len(entry.names)} name(s))")
    return 0


def cmd_participants_add(args: argparse.Namespace) -> int:
    return _add(args, "participant")


def _row(entry: Entry | None, retired: Retired | None) -> dict[str, Any]:
    if retired is not None:
        status = "withdrawn" if retired.into is None else f"merged into {retired.into}"
        return {"number": retired.number, "status": status, "since": retired.on.isoformat()}
    assert entry is not None
    consent = entry.consent
    return {
        "number": entry.number, "status": "active",
        "origin": "registered" if entry.registered else "auto",
        "consent": None if consent is None else consent.status.value,
        "consent_scope": None if consent is None else consent.scope,
        "waves": list(entry.waves),
    }


def cmd_participants_list(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    with open_vault(settings) as vault:
        entries = vault.entries("participant")
        retired = vault.retired("participant")
        if args.reveal:
            audit_recorder(settings, vault)(
                "REIDENTIFIED", kind="participant", numbers=[e.number for e in entries],
                command="participants_list_reveal")
    rows = sorted([(e.number, _row(e, None), e) for e in entries]
                  + [(r.number, _row(None, r), None) for r in retired], key=lambda t: t[0])
    for _, row, entry in rows:
        if args.reveal and entry is not None:
            row["names"] = list(entry.names)
        if args.json:
            print(json.dumps(row, ensure_ascii=False))
            continue
        if row["status"] != "active":
            print(f"{row['number']:>6}  {row['status']} on {row['since']}")
            continue
        consent = (row["consent"] or "-") + (f" ({row['consent_scope']})"
                                             if row["consent_scope"] else "")
        line = (f"{row['number']:>6}  active  {row['origin']:<10}  consent {consent:<12}  "
                f"waves {', '.join(row['waves']) or '-'}")
        print(line + (f"  names: {'; '.join(row['names'])}" if "names" in row else ""))
    if not rows and not args.json:
        print("no participants")
    return 0


def cmd_participants_reveal(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    with open_vault(settings) as vault:
        entry = vault.get("participant", args.number)  # refuses withdrawn, merged, unknown
        audit_recorder(settings, vault)("REIDENTIFIED", kind="participant",
                                        numbers=[entry.number], command="participants_reveal")
    print(f"{entry.label}: {entry.names[0]}")
    for alias in entry.names[1:]:
        print(f"  also: {alias}")
    return 0


def cmd_participants_withdraw(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    with open_vault(settings) as vault:
        vault.get("participant", args.number)  # refuse an unknown number before asking
        if not _confirmed(args, f"withdrawing participant {args.number}", args.number):
            return int(ExitCode.USAGE)
        with vault.transaction():
            receipt = vault.withdraw(args.number)
            audit_recorder(settings, vault)("WITHDRAWN", kind="participant",
                                            number=receipt.number, wave_count=len(receipt.waves))
        purged = _purge_store(settings, vault, receipt)
    purge = {"event": "withdrawn", "project": settings.project.id, "participant": receipt.number,
             "waves": list(receipt.waves), "withdrawn_on": receipt.withdrawn_on.isoformat()}
    if purged is not None:
        purge["purged"] = {"transcripts": purged.transcripts, "clean_files": purged.clean_files,
                           "catalog_rows": purged.catalog_rows, "originals": purged.originals,
                           "quarantined": purged.quarantined}
    if args.json:
        print(json.dumps(purge, ensure_ascii=False))
        return 0
    print(f"withdrew participant {receipt.number}: their key is destroyed and the number is "
          "retired for good")
    print(f"the store must purge participant {receipt.number}, waves: "
          f"{', '.join(receipt.waves) or 'none recorded'}")
    if purged is not None:
        print(f"purged {purged.summary()}")
    return 0


def _purge_store(settings: Settings, vault: Vault, receipt: Any) -> Any:
    """The analysis store's part of a withdrawal (``anonymizer.store.purge``): released files,
    catalog rows, sealed originals and quarantined inputs of the participant go now. None when
    the study has no store (no data folder set, or no daemon ever ran)."""
    from anonymizer.audit.log import open_audit_log
    from anonymizer.store.layout import Store
    from anonymizer.store.purge import purge_participant

    try:
        store = Store(settings.paths.folder("store"), settings.project.id)
    except SettingsError:
        return None
    if not store.folder.is_dir():
        return None
    audit = open_audit_log(settings, vault.audit_key(), vault_commit=vault.commit_count)
    return purge_participant(settings, receipt, audit)


def cmd_participants_merge(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    with open_vault(settings) as vault:
        vault.get("participant", args.keep)
        vault.get("participant", args.absorb)
        if not _confirmed(args, f"merging participant {args.absorb} into {args.keep}",
                          args.absorb):
            return int(ExitCode.USAGE)
        with vault.transaction():
            kept = vault.merge("participant", args.keep, args.absorb)
            correction = audit_recorder(settings, vault)(
                "PARTICIPANTS_MERGED", kind="participant", keep=kept.number, absorb=args.absorb)
    print(f"merged participant {args.absorb} into {kept.number}; {args.absorb} is retired for "
          f"good (files released as Participant {args.absorb} belong to Participant "
          f"{kept.number}; recorded as {affected_hint(correction)})")
    return 0


def cmd_participants_consent(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    with open_vault(settings) as vault, vault.transaction():
        entry = vault.set_consent(args.number, args.status, args.scope)
        # the scope is the steward's own words: it goes into release metadata, not the log
        audit_recorder(settings, vault)("CONSENT_CHANGED", kind="participant",
                                        number=entry.number, consent_status=args.status,
                                        scope_given=args.scope is not None)
    print(f"participant {entry.number}: consent {args.status}"
          + (" (scope recorded)" if args.scope else ""))
    return 0


def _register_participants(sub: argparse._SubParsersAction) -> None:
    group = command_group(sub, "participants",
                          "register, list, reveal, withdraw and merge participants")
    add = subcommand(
        group, "add", "register a participant",
        "Register a participant (the steward's roster): their name comes out as "
        "'Participant N' in every transcript. Recorded in the audit log (number only).")
    add_name_arguments(add)
    add.set_defaults(func=cmd_participants_add)

    listing = subcommand(
        group, "list", "numbers, status, consent and waves (no names)",
        "One line per participant number: active, withdrawn or merged; registered "
        "by a steward or numbered automatically; consent; interview waves. No names unless "
        "--reveal, which is recorded in the audit log.")
    listing.add_argument("--reveal", action="store_true",
                         help="also print names (re-identification: recorded in the audit log)")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(func=cmd_participants_list)

    reveal = subcommand(
        group, "reveal", "print a participant's name (audited)",
        "Print the name and aliases behind a participant number. The access is "
        "recorded in the audit log before the name is shown. Withdrawn numbers are refused.")
    reveal.add_argument("number", type=_number, metavar="N")
    reveal.set_defaults(func=cmd_participants_reveal)

    withdraw = subcommand(
        group, "withdraw", "forget a participant (crypto-shredding) and say what to purge",
        "Destroy the participant's data key (their mapping cannot be recovered, "
        "not even from old backups of vault.db), retire the number for good, and print what "
        "the analysis store must purge: the participant number and interview waves.")
    withdraw.add_argument("number", type=_number, metavar="N")
    withdraw.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    withdraw.add_argument("--json", action="store_true",
                          help="print the purge order as one JSON line (for scripts)")
    withdraw.set_defaults(func=cmd_participants_withdraw)

    consent = subcommand(
        group, "consent", "record a participant's consent status and scope",
        "Record consent: given, restricted (for part of the use; say which with --scope) or "
        "pending. Released transcripts carry it in their metadata. Recorded in the audit log "
        "(number and status only). Withdrawal is its own command: participants withdraw.")
    consent.add_argument("number", type=_number, metavar="N")
    consent.add_argument("--status", required=True, choices=["given", "restricted", "pending"])
    consent.add_argument("--scope", metavar="TEXT",
                         help="what the consent covers, e.g. 'interviews at three time points' "
                              "(no names: it goes into release metadata)")
    consent.set_defaults(func=cmd_participants_consent)

    merge = subcommand(
        group, "merge", "merge two participant numbers that are one person",
        "ABSORB's names and waves join KEEP; ABSORB is retired for good and never "
        "reused. Recorded in the audit log.")
    merge.add_argument("keep", type=_number, metavar="KEEP")
    merge.add_argument("absorb", type=_number, metavar="ABSORB")
    merge.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    merge.set_defaults(func=cmd_participants_merge)


def register(sub: argparse._SubParsersAction) -> None:
    _register_participants(sub)
