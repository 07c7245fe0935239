"""The stewards' commands over the encrypted key vault: ``vault``, ``participants``, ``people``.

    vault init [--generate-key-file] | passwd | rotate | verify
    participants add | list [--reveal] | reveal N | withdraw N | merge KEEP ABSORB
    people add NAME [--kind person|place|organisation]

Secrets come from the sources the settings name (``vault.key_file``, ``vault.passphrase_file``,
the systemd credential ``vault.credential``, the variable named by ``vault.passphrase_env``) or a
prompt. No option takes a secret's value: only a variable's name or a file's path.

Everything that creates or re-keys the vault, registers someone, shows a name, withdraws or
merges is written to the audit log (numbers, kinds and codes; the log adds the OS user) through
``_audit_log``. A change and its record go together: the record is appended inside the vault
transaction, so a log that refuses the append (broken, unwritable) leaves the vault unchanged. A
reveal is recorded before the name is printed. Re-keying cannot run inside a transaction, so
``passwd``, ``rotate`` and ``init`` are recorded right after they succeed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from anonymizer.cli.common import settings_from
from anonymizer.errors import ExitCode, InputError, SettingsError
from anonymizer.settings import KeyStoreBackend, Settings
from anonymizer.vault_keystore import ask_passphrase, open_vault, secret_from_settings, vault_dir
from vault import Entry, Kind, Reason, Retired, Secret, Vault, VaultError, generate_key_file

Record = Callable[..., None]
_OTHER_KINDS = ("person", "place", "organisation")


# -- audit ------------------------------------------------------------------------------------
def _audit_log(settings: Settings, vault: Vault) -> Record:
    """The one place this module talks to the audit log: ``record(EVENT, **fields)`` appends
    one record (durable when it returns) or raises, and the caller's change is undone."""
    from anonymizer.audit import AuditEvent, open_audit_log

    log = open_audit_log(settings, vault.audit_key())

    def record(event: str, **fields: Any) -> None:
        log.append(AuditEvent[event], **fields)  # the log adds the actor (the OS user) itself

    return record


# -- shared -----------------------------------------------------------------------------------
def _number(text: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError("a participant number, e.g. 7") from None
    if value < 1:
        raise argparse.ArgumentTypeError("numbers start at 1")
    return value


def _variable_name(text: str) -> str:
    # Refuse, without echoing it, a value that cannot be a variable's name: most likely the
    # passphrase itself, typed where its variable's name belongs.
    if not text.isascii() or not text.replace("_", "a").isalnum() or text[0].isdigit():
        raise argparse.ArgumentTypeError("expects the NAME of an environment variable")
    return text


def _names(args: argparse.Namespace) -> list[str]:
    """NAME and --alias, or the lines of --names-from (kept out of shell history and ps)."""
    names = [args.name] if args.name else []
    if args.names_from is not None:
        if args.names_from == "-":
            text = sys.stdin.read()
        else:
            try:
                text = Path(args.names_from).read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError):
                raise InputError(f"{args.names_from}: cannot be read as UTF-8 text") from None
        names += [line.strip() for line in text.splitlines() if line.strip()]
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


def _add_name_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", metavar="NAME", help="full name (canonical)")
    parser.add_argument("--alias", action="append", default=[], metavar="A",
                        help="another name or spelling matched as the same identity (repeatable)")
    parser.add_argument("--names-from", metavar="FILE",
                        help="read names from FILE ('-' for standard input), one per line, the "
                        "first being the canonical one; keeps names out of shell history")
    parser.add_argument("--number", type=_number, metavar="N",
                        help="a fixed number (default: the next free one; never a retired one)")


# -- vault ------------------------------------------------------------------------------------
def cmd_vault_init(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    directory = vault_dir(settings)
    settings.audit_path()  # refuse before creating anything if the audit log has no place
    if (directory / "vault.keys").exists():
        raise VaultError(Reason.EXISTS, str(directory))
    generated: Path | None = None
    if args.generate_key_file:
        if settings.vault.key_file is None:
            raise SettingsError("vault.key_file: required with --generate-key-file")
        generated = Path(settings.vault.key_file)
        generated.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        generate_key_file(generated)
        secret = Secret.from_key_file(generated)
    else:
        secret = secret_from_settings(settings.vault, confirm=True,
                                      prompt="New vault passphrase: ")
    try:
        vault = Vault.create(directory, settings.project.id, secret)
    except BaseException:
        if generated is not None:
            generated.unlink(missing_ok=True)  # a key that unlocks nothing is only clutter
        raise
    with vault:
        _audit_log(settings, vault)("VAULT_CREATED", secret_kind=secret.kind)
    print(f"created the vault of project {settings.project.id} in {directory} "
          f"(secret: {secret.source})")
    if settings.vault.backend is not KeyStoreBackend.VAULT:
        print('note: set [vault] backend = "vault" in the settings so that `anonymizer run` '
              "numbers people from it")
    return 0


def _new_secret(args: argparse.Namespace) -> Secret:
    if args.new_passphrase_env:
        return Secret.from_env(args.new_passphrase_env)
    if args.new_passphrase_file:
        return Secret.from_file(args.new_passphrase_file)
    if args.new_key_file:
        return Secret.from_key_file(args.new_key_file)
    if not sys.stdin.isatty():
        raise VaultError(Reason.NO_SECRET, "new secret: use --new-passphrase-env, "
                         "--new-passphrase-file or --new-key-file when not at a terminal")
    return Secret.prompt("New vault passphrase: ", confirm=True, ask=ask_passphrase)


def cmd_vault_passwd(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    with open_vault(settings) as vault:
        record = _audit_log(settings, vault)
        new = _new_secret(args)
        vault.change_secret(new)
        record("VAULT_PASSPHRASE_CHANGED", secret_kind=new.kind)
    print(f"the vault now opens with the new secret ({new.source}); the old one no longer does")
    return 0


def cmd_vault_rotate(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    with open_vault(settings) as vault:
        record = _audit_log(settings, vault)
        vault.rotate()
        record("VAULT_ROTATED")
    print("rotated the master key; every data key is wrapped under the new one")
    return 0


def cmd_vault_verify(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    with open_vault(settings) as vault:  # opening already authenticates every record
        report = vault.verify()
        live = {kind: len(vault.entries(kind)) for kind in Kind}
        retired = {kind: len(vault.retired(kind)) for kind in Kind}
    counts = ", ".join(f"{kind.value} {live[kind]}" for kind in Kind)
    gone = ", ".join(f"{kind.value} {retired[kind]}" for kind in Kind if retired[kind])
    print(f"records checked: {report.records_checked} ({counts}); retired: {gone or 'none'}")
    for problem in report.problems:
        print(f"problem: {problem.where} {problem.reason.value}")
    print("vault ok" if report.ok else f"vault NOT ok: {len(report.problems)} problem(s)")
    return 0 if report.ok else int(ExitCode.KEYSTORE)


# -- participants and people ------------------------------------------------------------------
def _add(args: argparse.Namespace, kind: str) -> int:
    settings = settings_from(args)
    names = _names(args)
    with open_vault(settings) as vault, vault.transaction():
        record = _audit_log(settings, vault)
        entry = vault.add(kind, names, args.number)
        record("PARTICIPANT_ADDED", kind=kind, number=entry.number, name_count=len(entry.names))
    print(f"registered {entry.label} ({len(entry.names)} name(s))")
    return 0


def cmd_participants_add(args: argparse.Namespace) -> int:
    return _add(args, "participant")


def cmd_people_add(args: argparse.Namespace) -> int:
    return _add(args, args.kind)


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
            _audit_log(settings, vault)(
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
        _audit_log(settings, vault)("REIDENTIFIED", kind="participant", numbers=[entry.number],
                                    command="participants_reveal")
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
            _audit_log(settings, vault)("WITHDRAWN", kind="participant", number=receipt.number,
                                        wave_count=len(receipt.waves))
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
    """The analysis store's part of a withdrawal (``anonymizer.daemon.purge``): released files,
    catalog rows, sealed originals and quarantined inputs of the participant go now. None when
    the study has no store (no data folder set, or no daemon ever ran)."""
    from anonymizer.audit import open_audit_log
    from anonymizer.daemon.purge import purge_participant
    from anonymizer.daemon.store import Store

    try:
        store = Store(settings.paths.folder("store"), settings.project.id)
    except SettingsError:
        return None
    if not store.folder.is_dir():
        return None
    return purge_participant(settings, receipt, open_audit_log(settings, vault.audit_key()))


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
            _audit_log(settings, vault)("PARTICIPANTS_MERGED", kind="participant",
                                        keep=kept.number, absorb=args.absorb)
    print(f"merged participant {args.absorb} into {kept.number}; {args.absorb} is retired for "
          f"good (files released as Participant {args.absorb} belong to Participant "
          f"{kept.number})")
    return 0


# -- parsers ----------------------------------------------------------------------------------
def _group(sub: argparse._SubParsersAction, name: str, help_text: str
           ) -> argparse._SubParsersAction:
    parser = sub.add_parser(name, help=help_text, description=help_text, allow_abbrev=False)
    parser.set_defaults(func=lambda _args: (parser.print_help(), int(ExitCode.USAGE))[1])
    return parser.add_subparsers(dest=f"{name}_command", metavar="COMMAND")


def _command(group: argparse._SubParsersAction, name: str, help_text: str, description: str
             ) -> argparse.ArgumentParser:
    # No abbreviations: "--new-passphrase VALUE" must not be taken for "--new-passphrase-env".
    return group.add_parser(name, help=help_text, description=description, allow_abbrev=False)


def _register_vault(sub: argparse._SubParsersAction) -> None:
    vault = _group(sub, "vault", "create, re-key and check the encrypted key vault")
    init = _command(
        vault, "init", "create the vault for the project in the settings",
        "Create the vault in vault.dir for project.id. The passphrase comes from "
        "vault.passphrase_file, the systemd credential vault.credential, the variable named by "
        "vault.passphrase_env, or a prompt asked twice (at least 12 characters); never from "
        "the command line.")
    init.add_argument("--generate-key-file", action="store_true",
                      help="write a new random 256-bit key file (mode 0600) at vault.key_file "
                      "and lock the vault with it, for unattended daemons")
    init.set_defaults(func=cmd_vault_init)

    passwd = _command(
        vault, "passwd", "change the vault's passphrase (or key file)",
        "Re-wrap the master key under a new secret. The current secret comes from "
        "the settings as usual; the new one from a prompt asked twice, or from the options "
        "below, which name a variable or a file, never the secret itself.")
    new = passwd.add_mutually_exclusive_group()
    new.add_argument("--new-passphrase-env", metavar="NAME", type=_variable_name,
                     help="the new passphrase is in environment variable NAME")
    new.add_argument("--new-passphrase-file", metavar="PATH",
                     help="the new passphrase is in file PATH (mode 0600)")
    new.add_argument("--new-key-file", metavar="PATH",
                     help="switch to the 256-bit key file at PATH (mode 0600)")
    passwd.set_defaults(func=cmd_vault_passwd)

    rotate = _command(
        vault, "rotate", "rotate the master key",
        "Replace the master key with a new random one and re-wrap every data key "
        "under it; records are not touched, and the vault stays readable throughout.")
    rotate.set_defaults(func=cmd_vault_rotate)

    verify = _command(
        vault, "verify", "check the integrity of every record",
        "Authenticate both vault files and every record. Prints counts, and record "
        "ids with reason codes for problems; never a name. Exit 4 if anything is wrong.")
    verify.set_defaults(func=cmd_vault_verify)


def _register_participants(sub: argparse._SubParsersAction) -> None:
    group = _group(sub, "participants", "register, list, reveal, withdraw and merge participants")
    add = _command(
        group, "add", "register a participant",
        "Register a participant (the steward's roster): their name comes out as "
        "'Participant N' in every transcript. Recorded in the audit log (number only).")
    _add_name_arguments(add)
    add.set_defaults(func=cmd_participants_add)

    listing = _command(
        group, "list", "numbers, status, consent and waves (no names)",
        "One line per participant number: active, withdrawn or merged; registered "
        "by a steward or numbered automatically; consent; interview waves. No names unless "
        "--reveal, which is recorded in the audit log.")
    listing.add_argument("--reveal", action="store_true",
                         help="also print names (re-identification: recorded in the audit log)")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(func=cmd_participants_list)

    reveal = _command(
        group, "reveal", "print a participant's name (audited)",
        "Print the name and aliases behind a participant number. The access is "
        "recorded in the audit log before the name is shown. Withdrawn numbers are refused.")
    reveal.add_argument("number", type=_number, metavar="N")
    reveal.set_defaults(func=cmd_participants_reveal)

    withdraw = _command(
        group, "withdraw", "forget a participant (crypto-shredding) and say what to purge",
        "Destroy the participant's data key (their mapping cannot be recovered, "
        "not even from old backups of vault.db), retire the number for good, and print what "
        "the analysis store must purge: the participant number and interview waves.")
    withdraw.add_argument("number", type=_number, metavar="N")
    withdraw.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    withdraw.add_argument("--json", action="store_true",
                          help="print the purge order as one JSON line (for scripts)")
    withdraw.set_defaults(func=cmd_participants_withdraw)

    merge = _command(
        group, "merge", "merge two participant numbers that are one person",
        "ABSORB's names and waves join KEEP; ABSORB is retired for good and never "
        "reused. Recorded in the audit log.")
    merge.add_argument("keep", type=_number, metavar="KEEP")
    merge.add_argument("absorb", type=_number, metavar="ABSORB")
    merge.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    merge.set_defaults(func=cmd_participants_merge)


def _register_people(sub: argparse._SubParsersAction) -> None:
    group = _group(sub, "people", "register other people, places and organisations to replace")
    add = _command(
        group, "add", "register a person, place or organisation that is always replaced",
        "The steward's deny list of names lives in the vault, not in a rules file, "
        "because a list of names is itself identifying. A registered name is matched in every "
        "transcript and replaced by its numbered label ([Person 3], [Place 2], ...).")
    _add_name_arguments(add)
    add.add_argument("--kind", choices=_OTHER_KINDS, default="person",
                     help="what the name is (default: person)")
    add.set_defaults(func=cmd_people_add)


def register(sub: argparse._SubParsersAction) -> None:
    _register_vault(sub)
    _register_participants(sub)
    _register_people(sub)
