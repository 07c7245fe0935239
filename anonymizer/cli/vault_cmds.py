"""The stewards' commands over the encrypted key vault itself: ``vault``.

    vault init [--generate-key-file] | passwd | rotate | verify

Who is in the vault is managed by ``participants`` and ``people`` (``participant_cmds``).

Secrets come from the sources the settings name (``vault.key_file``, ``vault.passphrase_file``,
the systemd credential ``vault.credential``, the variable named by ``vault.passphrase_env``) or a
prompt. No option takes a secret's value: only a variable's name or a file's path.

Creating and re-keying the vault is written to the audit log (the secret's kind; the log adds the
OS user) through ``common.audit_recorder``. Re-keying cannot run inside a transaction, so
``passwd``, ``rotate`` and ``init`` are recorded right after they succeed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from anonymizer.cli.common import audit_recorder, command_group, settings_from, subcommand
from anonymizer.errors import ExitCode, SettingsError
from anonymizer.keys.vault_adapter import (
    ask_passphrase,
    open_vault,
    secret_from_settings,
    vault_dir,
)
from anonymizer.settings import KeyStoreBackend
from vault import Kind, Reason, Secret, Vault, VaultError, generate_key_file


def _variable_name(text: str) -> str:
    # Refuse, without echoing it, a value that cannot be a variable's name: most likely the
    # passphrase itself, typed where its variable's name belongs.
    if not text.isascii() or not text.replace("_", "a").isalnum() or text[0].isdigit():
        raise argparse.ArgumentTypeError("expects the NAME of an environment variable")
    return text


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
        audit_recorder(settings, vault)("VAULT_CREATED", secret_kind=secret.kind)
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
        record = audit_recorder(settings, vault)
        new = _new_secret(args)
        vault.change_secret(new)
        record("VAULT_PASSPHRASE_CHANGED", secret_kind=new.kind)
    print(f"the vault now opens with the new secret ({new.source}); the old one no longer does")
    return 0


def cmd_vault_rotate(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    with open_vault(settings) as vault:
        record = audit_recorder(settings, vault)
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


def register(sub: argparse._SubParsersAction) -> None:
    vault = command_group(sub, "vault", "create, re-key and check the encrypted key vault")
    init = subcommand(
        vault, "init", "create the vault for the project in the settings",
        "Create the vault in vault.dir for project.id. The passphrase comes from "
        "vault.passphrase_file, the systemd credential vault.credential, the variable named by "
        "vault.passphrase_env, or a prompt asked twice (at least 12 characters); never from "
        "the command line.")
    init.add_argument("--generate-key-file", action="store_true",
                      help="write a new random 256-bit key file (mode 0600) at vault.key_file "
                      "and lock the vault with it, for unattended daemons")
    init.set_defaults(func=cmd_vault_init)

    passwd = subcommand(
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

    rotate = subcommand(
        vault, "rotate", "rotate the master key",
        "Replace the master key with a new random one and re-wrap every data key "
        "under it; records are not touched, and the vault stays readable throughout.")
    rotate.set_defaults(func=cmd_vault_rotate)

    verify = subcommand(
        vault, "verify", "check the integrity of every record",
        "Authenticate both vault files and every record. Prints counts, and record "
        "ids with reason codes for problems; never a name. Exit 4 if anything is wrong.")
    verify.set_defaults(func=cmd_vault_verify)
