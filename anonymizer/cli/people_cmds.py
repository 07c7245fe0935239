"""The stewards' commands over the other identities in the key vault: ``people``.

    people add NAME [--alias A] [--kind person|place|organisation]
    people list [--kind K] [--reveal] [--json]
    people reveal REF
    people alias REF NAME          (or --names-from FILE)
    people merge KEEP ABSORB
    people kind REF KIND

REF names one identity by its label, never by a name: ``person:12``, ``place:3``,
``organisation:5``, ``"Person 12"``, or a bare ``12`` (a person). ``merge`` takes a participant as
KEEP too (``participant:7``): the person the engine numbered on its own is that participant.

Each change goes to the audit log with numbers and kinds only, inside the vault transaction (a
log that refuses the record leaves the vault unchanged); a reveal is recorded before it prints.
A correction changes what the next run of a transcript gives: the command says how to find the
releases it concerns.
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from typing import Any

from anonymizer.cli.common import (
    affected_hint,
    audit_recorder,
    command_group,
    lines_from,
    settings_from,
    subcommand,
)
from anonymizer.cli.participant_cmds import add_name_arguments
from anonymizer.errors import InputError
from anonymizer.keys.vault_adapter import open_vault
from vault import Entry, Kind, Retired, RetiredReason

_OTHER_KINDS = ("person", "place", "organisation")
_REF = re.compile(r"(?:(participant|person|place|organi[sz]ation)\s*[: ]\s*)?0*([1-9][0-9]{0,8})",
                  re.IGNORECASE)
def _next(correction: int) -> str:
    return (f"the next run of each transcript gives the corrected labels (recorded as "
            f"{affected_hint(correction)})")


@dataclass(frozen=True)
class Ref:
    kind: Kind
    number: int

    @property
    def label(self) -> str:
        return f"{self.kind.value.capitalize()} {self.number}"


def identity_ref(text: str) -> Ref:
    """``person:12``, ``Place 3``, ``12`` (a person) -> Ref; argparse's error otherwise."""
    match = _REF.fullmatch(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(
            "an identity label such as person:12, place:3, organisation:5 or 12")
    kind = (match.group(1) or "person").lower().replace("organization", "organisation")
    return Ref(Kind(kind), int(match.group(2)))


def _names(args: argparse.Namespace) -> list[str]:
    names = [args.name] if args.name else []
    if args.names_from is not None:
        names += lines_from(args.names_from)
    if not names:
        raise InputError("give NAME or --names-from")
    return names


def cmd_people_add(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    names = _names(args) + args.alias
    with open_vault(settings) as vault, vault.transaction():
        record = audit_recorder(settings, vault)
        entry = vault.add(args.kind, names, args.number)
        record("PARTICIPANT_ADDED", kind=args.kind, number=entry.number,
               name_count=len(entry.names))
    print(f"registered {entry.label} ({len(entry.names)} name(s))")
    return 0


def _row(entry: Entry | None, retired: Retired | None) -> dict[str, Any]:
    if retired is not None:
        if retired.reason is RetiredReason.MOVED and retired.into_kind is not None:
            status = f"moved to {retired.into_kind.value}:{retired.into}"
        elif retired.reason is RetiredReason.MERGED:
            status = f"merged into {retired.kind.value}:{retired.into}"
        else:
            status = retired.reason.value
        return {"kind": retired.kind.value, "number": retired.number, "status": status,
                "since": retired.on.isoformat()}
    assert entry is not None
    return {"kind": entry.kind.value, "number": entry.number, "status": "active",
            "origin": "registered" if entry.registered else "found",
            "aliases": len(entry.names) - 1}


def cmd_people_list(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    kinds = [Kind(args.kind)] if args.kind else [Kind(k) for k in _OTHER_KINDS]
    with open_vault(settings) as vault:
        entries = [e for k in kinds for e in vault.entries(k)]
        retired = [r for k in kinds for r in vault.retired(k)]
        if args.reveal:
            record = audit_recorder(settings, vault)
            for kind in kinds:
                numbers = [e.number for e in entries if e.kind is kind]
                if numbers:
                    record("REIDENTIFIED", kind=kind.value, numbers=numbers,
                           command="people_list_reveal")
    order = {k: i for i, k in enumerate(Kind)}
    rows = sorted([(order[e.kind], e.number, _row(e, None), e) for e in entries]
                  + [(order[r.kind], r.number, _row(None, r), None) for r in retired],
                  key=lambda t: (t[0], t[1]))
    for _, _, row, entry in rows:
        if args.reveal and entry is not None:
            row["names"] = list(entry.names)
        if args.json:
            print(json.dumps(row, ensure_ascii=False))
            continue
        ref = f"{row['kind']}:{row['number']}"
        if row["status"] != "active":
            print(f"{ref:<18} {row['status']} on {row['since']}")
            continue
        line = f"{ref:<18} active  {row['origin']:<10}  aliases {row['aliases']}"
        print(line + (f"  names: {'; '.join(row['names'])}" if "names" in row else ""))
    if not rows and not args.json:
        print("no people, places or organisations")
    return 0


def cmd_people_reveal(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    ref: Ref = args.ref
    with open_vault(settings) as vault:
        entry = vault.get(ref.kind, ref.number)  # refuses merged, moved, unknown
        audit_recorder(settings, vault)("REIDENTIFIED", kind=ref.kind.value,
                                        numbers=[entry.number], command="people_reveal")
    print(f"{entry.label}: {entry.names[0]}")
    for alias in entry.names[1:]:
        print(f"  also: {alias}")
    return 0


def cmd_people_alias(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    ref: Ref = args.ref
    names = _names(args)
    with open_vault(settings) as vault, vault.transaction():
        before = len(vault.get(ref.kind, ref.number).names)
        entry = vault.alias(ref.kind, ref.number, names)
        correction = audit_recorder(settings, vault)(
            "IDENTITY_ALIASED", kind=ref.kind.value, number=entry.number,
            name_count=len(entry.names) - before)
    print(f"{entry.label}: {len(entry.names) - before} new name(s), "
          f"{len(entry.names) - 1} alias(es) in all")
    print(_next(correction))
    return 0


def cmd_people_merge(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    keep: Ref = args.keep
    absorb: Ref = args.absorb
    if absorb.kind is Kind.PARTICIPANT:
        raise InputError("a participant is never absorbed here; "
                         "use: anonymizer participants merge KEEP ABSORB")
    with open_vault(settings) as vault, vault.transaction():
        if keep.kind is absorb.kind:
            kept = vault.merge(keep.kind, keep.number, absorb.number)
        else:
            kept = vault.move(absorb.kind, absorb.number, keep.kind, into=keep.number)
        correction = audit_recorder(settings, vault)(
            "IDENTITIES_MERGED", kind=keep.kind.value, keep=kept.number, absorb=absorb.number,
            absorb_kind=absorb.kind.value)
    print(f"merged {absorb.label} into {kept.label}; {absorb.label} is retired for good")
    print(_next(correction))
    return 0


def cmd_people_kind(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    ref: Ref = args.ref
    with open_vault(settings) as vault, vault.transaction():
        moved = vault.move(ref.kind, ref.number, args.new_kind)
        correction = audit_recorder(settings, vault)(
            "IDENTITY_MOVED", kind=ref.kind.value, number=ref.number,
            into_kind=moved.kind.value, into=moved.number)
    print(f"{ref.label} is now {moved.label}; {ref.label} is retired for good")
    print(_next(correction))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    group = command_group(sub, "people",
                          "register, list, merge and correct other people, places, organisations")
    add = subcommand(
        group, "add", "register a person, place or organisation that is always replaced",
        "The steward's deny list of names lives in the vault, not in a rules file, "
        "because a list of names is itself identifying. A registered name is matched in every "
        "transcript and replaced by its numbered label ([Person 3], [Place 2], ...).")
    add_name_arguments(add)  # the same NAME, --alias, --names-from, --number as participants
    add.add_argument("--kind", choices=_OTHER_KINDS, default="person",
                     help="what the name is (default: person)")
    add.set_defaults(func=cmd_people_add)

    listing = subcommand(
        group, "list", "labels, kinds, origin and alias counts (no names)",
        "One line per identity: person:N, place:N, organisation:N; registered by a steward "
        "or found by the engine; how many aliases; merged and moved numbers with where they "
        "went. Names only with --reveal, which is recorded in the audit log first.")
    listing.add_argument("--kind", choices=_OTHER_KINDS)
    listing.add_argument("--reveal", action="store_true",
                         help="also print names (re-identification: recorded in the audit log)")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(func=cmd_people_list)

    reveal = subcommand(group, "reveal", "print the names behind one label (audited)",
                        "Print the names of one identity; recorded in the audit log first.")
    reveal.add_argument("ref", type=identity_ref, metavar="REF")
    reveal.set_defaults(func=cmd_people_reveal)

    alias = subcommand(
        group, "alias", "another name of one identity ('Tom' is person:12)",
        "The names join the identity: every transcript run from now on labels them as it. "
        "Refused (exit 4, name_taken) when another identity holds a name: merge them instead.")
    alias.add_argument("ref", type=identity_ref, metavar="REF")
    alias.add_argument("name", nargs="?", metavar="NAME")
    alias.add_argument("--names-from", metavar="FILE",
                       help="read the names from FILE ('-' for standard input), one per line")
    alias.set_defaults(func=cmd_people_alias)

    merge = subcommand(
        group, "merge", "two labels that are one identity",
        "ABSORB's names join KEEP, and ABSORB is retired for good. KEEP may be a participant "
        "(participant:7) when the engine numbered a participant's name as a person.")
    merge.add_argument("keep", type=identity_ref, metavar="KEEP")
    merge.add_argument("absorb", type=identity_ref, metavar="ABSORB")
    merge.set_defaults(func=cmd_people_merge)

    kind = subcommand(
        group, "kind", "an identity is another kind (a hospital is an organisation)",
        "The identity moves to KIND: it joins the identity of that kind that holds one of its "
        "names, or gets that kind's next number. The old label is retired for good.")
    kind.add_argument("ref", type=identity_ref, metavar="REF")
    kind.add_argument("new_kind", choices=_OTHER_KINDS, metavar="KIND")
    kind.set_defaults(func=cmd_people_kind)
