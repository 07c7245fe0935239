"""One exception root for the application, with exit codes shared by CLI and logs.

Tree::

    AnonymizerError              exit 1   (root; never raised directly)
    ├── InputError               exit 2   a user's file is missing, empty, binary, undecodable...
    ├── SettingsError            exit 3   the settings TOML is missing, malformed or has bad keys
    ├── RulesError               exit 3   a rules file is missing or invalid
    ├── ModelError               exit 3   the spaCy model cannot be loaded
    ├── KeyStoreError            exit 4   the key mapping refused (locked, tampered, unknown no.)
    └── VerificationError        exit 5   the clean text still holds something it must not

Messages never contain a detected string or a name: only paths given by the user, kinds, counts,
offsets and reason codes.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1
    BAD_INPUT = 2
    BAD_CONFIG = 3
    KEYSTORE = 4
    VERIFICATION = 5
    USAGE = 64


class AnonymizerError(Exception):
    """Root of every error this application raises on purpose."""

    exit_code: ExitCode = ExitCode.FAILED


class InputError(AnonymizerError):
    exit_code = ExitCode.BAD_INPUT


class SettingsError(AnonymizerError):
    exit_code = ExitCode.BAD_CONFIG


class RulesError(AnonymizerError):
    exit_code = ExitCode.BAD_CONFIG


class ModelError(AnonymizerError):
    exit_code = ExitCode.BAD_CONFIG


class KeyStoreError(AnonymizerError):
    exit_code = ExitCode.KEYSTORE


class VerificationError(AnonymizerError):
    exit_code = ExitCode.VERIFICATION


class InternalError(AnonymizerError):
    """A bug met while handling one input: that input fails (nothing is written for it) and a
    batch goes on. The message names the input and the exception's type, never its text (which
    could quote the transcript)."""

    exit_code = ExitCode.FAILED

    @classmethod
    def of(cls, where: str, error: BaseException) -> InternalError:
        return cls(f"{where}: internal error ({type(error).__name__}); nothing was written for "
                   "it; please report it with the file's checksum")
