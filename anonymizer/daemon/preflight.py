"""What the daemon needs before it may release anything, checked before anything heavy loads.

Light on purpose (settings only, no engine, no vault): a missing ethics reference is reported in
a fraction of a second, as one line (``SettingsError``, exit 3).
"""

from __future__ import annotations

from anonymizer.errors import SettingsError
from anonymizer.settings import KeyStoreBackend, Settings

FOLDERS = ("inbox", "work", "store", "quarantine", "originals")


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
