"""Shared by command modules: settings, the key store and the engine, built from arguments."""

from __future__ import annotations

import argparse
from pathlib import Path

from anonymizer.keystore import InMemoryKeyStore, KeyStore
from anonymizer.settings import KeyStoreBackend, Settings, load_settings


def settings_from(args: argparse.Namespace) -> Settings:
    config = getattr(args, "config", None)
    return load_settings(Path(config) if config else None)


def open_keystore(settings: Settings) -> KeyStore:
    if settings.vault.backend is KeyStoreBackend.VAULT:
        from anonymizer.vault_keystore import open_vault_keystore

        return open_vault_keystore(settings)
    return InMemoryKeyStore()


def add_language(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", metavar="LANG", default=None,
                        help="transcript language (default: the project's, setting project.language)")
