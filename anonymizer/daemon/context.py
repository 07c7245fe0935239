"""What every stage shares: the folders, the engine, the vault, the audit log, and what the
daemon knows about inputs it has seen (released, quarantined, withdrawn checksums)."""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from anonymizer.audit.log import AuditEvent, AuditLog, FieldValue
from anonymizer.daemon.journal import Journal
from anonymizer.engine.engine import Engine
from anonymizer.engine.standards import StandardEngines
from anonymizer.errors import SettingsError
from anonymizer.formats import ReadLimits
from anonymizer.formats.limits import MIB
from anonymizer.keys.keystore import StudyKeyStore
from anonymizer.rulebook import default_rules_dir
from anonymizer.settings import Settings
from anonymizer.store.layout import Store
from anonymizer.store.naming import FileNaming
from anonymizer.store.originals import Originals
from anonymizer.store.quarantine import Quarantine

log = logging.getLogger("anonymizer.daemon")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Folders:
    inbox: Path
    work: Path
    store: Path
    quarantine: Path
    originals: Path

    @classmethod
    def from_settings(cls, settings: Settings) -> Folders:
        paths = settings.paths
        return cls(*(Path(paths.folder(name)).absolute() for name in
                     ("inbox", "work", "store", "quarantine", "originals")))

    def prepare(self) -> None:
        from anonymizer.fsutil import make_dirs

        for folder in (self.inbox, self.work, self.quarantine, self.originals):
            make_dirs(folder, 0o700)
        make_dirs(self.store, 0o750)
        if os.stat(self.inbox).st_dev != os.stat(self.work).st_dev:
            # The claim is an atomic rename; across file systems it would be a copy.
            raise SettingsError("paths.inbox and paths.work must be on the same file system")


@dataclass
class Context:
    settings: Settings
    folders: Folders
    engine: Engine
    keystore: StudyKeyStore
    audit: AuditLog
    clock: Callable[[], datetime] = utc_now
    # the engine of each written standard the study holds (project.standards); ``engine`` is
    # the study language's one
    engines: StandardEngines | None = None
    naming: FileNaming = field(init=False)
    journal: Journal = field(init=False)
    store: Store = field(init=False)
    quarantine: Quarantine = field(init=False)
    originals: Originals = field(init=False)
    limits: ReadLimits = field(init=False)
    released: dict[str, Path] = field(default_factory=dict)  # input sha256 -> sidecar
    held: dict[str, str] = field(default_factory=dict)  # input sha256 -> quarantined name
    withdrawn: set[str] = field(default_factory=set)  # input sha256 of withdrawn participants
    counts: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        if self.engines is None:
            self.engines = StandardEngines.single(self.engine)
        project = self.settings.project.id
        rules_dir = self.settings.rules.dir or default_rules_dir()
        study_waves = [(wave.label, wave.words) for wave in self.settings.study.waves]
        self.naming = FileNaming.load(Path(rules_dir), self.engine.language, study_waves)
        self.journal = Journal(self.folders.work)
        self.store = Store(self.folders.store, project)
        self.quarantine = Quarantine(self.folders.quarantine)
        self.originals = Originals(self.folders.originals, project)
        self.limits = ReadLimits(max_file_bytes=self.settings.watch.max_file_mb * MIB)

    def record(self, event: AuditEvent, **fields: FieldValue) -> None:
        self.audit.append(event, **fields)

    def load_indexes(self) -> None:
        self.released = self.store.released_inputs()
        self.held = self.quarantine.holding()
        self.withdrawn = self.store.withdrawn_inputs()

    def live_participants(self) -> list[tuple[int, tuple[str, ...]]]:
        from anonymizer.keys.keystore import IdentityKind

        self.keystore.refresh()
        return [(i.number, i.names) for i in self.keystore.identities(IdentityKind.PARTICIPANT)]
