"""What the daemon needs before it may release anything, checked before anything heavy loads.

Light on purpose (settings only, no engine, no vault): a missing ethics reference is reported in
a fraction of a second, as one line (``SettingsError``, exit 3); so is a daemon already running
on the work folder, for a command that needs it stopped (``FolderLocked``, exit 1).
"""

from __future__ import annotations

from pathlib import Path

from anonymizer.errors import SettingsError
from anonymizer.fsutil import FolderLocked, exclusive_lock, make_dirs
from anonymizer.settings import KeyStoreBackend, Settings

FOLDERS = ("inbox", "work", "store", "quarantine", "originals")
DAEMON_LOCK = ".daemon.lock"  # in paths.work: one daemon (or store rerun) per work folder
DAEMON_RUNNING = ("a daemon is running on this work folder; stop it first (systemctl stop "
                  "anonymizer-watch, or Ctrl-C where it runs), then run this again and "
                  "start the daemon after")


def check_no_daemon(settings: Settings) -> None:
    """``FolderLocked`` if a daemon holds the work folder now (checked again, for good, by
    whoever then takes the lock)."""
    work = Path(settings.paths.folder("work")).absolute()
    make_dirs(work, 0o700)
    with exclusive_lock(work / DAEMON_LOCK, wait=False, what=DAEMON_RUNNING):
        pass


def daemon_running(settings: Settings) -> bool:
    """Whether a daemon (or a ``store rerun``) holds the work folder now."""
    try:
        check_no_daemon(settings)
    except FolderLocked:
        return True
    return False


def check_settings(settings: Settings) -> None:
    missing = [key for key, value in (
        ("ethics.committee", settings.ethics.committee),
        ("ethics.reference", settings.ethics.reference),
    ) if not value.strip()]
    if settings.project.id == "default":
        missing.insert(0, "project.id")
    if missing:
        raise SettingsError(
            f"the daemon releases files only under the study's ethics approval: set "
            f"{', '.join(missing)} in the settings file")
    if settings.vault.backend is not KeyStoreBackend.VAULT:
        raise SettingsError("the daemon needs the key vault (vault.backend = \"vault\"): "
                            "numbers must stay the same across restarts")
    for name in FOLDERS:
        settings.paths.folder(name)  # every folder has a place (SettingsError otherwise)
    settings.audit_path()
