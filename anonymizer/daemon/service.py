"""The daemon: refuse to start without what a release needs, recover, then watch and process.

``open_daemon(settings)`` checks the settings (ethics metadata, project id, the vault backend:
``SettingsError``, exit 3), unlocks the vault (``KeyStoreError``, exit 4), loads the engine and
opens the audit log. ``Daemon.run()`` takes the data folder's lock (one daemon per work folder),
records ``daemon_started``, recovers unfinished jobs, and processes settled inbox files one at a
time until ``stop()`` (or, with ``oneshot``, until the inbox holds nothing more to take).
``Daemon.rerun(find)`` takes the same lock (refusing while a daemon runs), recovers, and runs
one released transcript through the pipeline again (``anonymizer.daemon.rerun``). While it
watches, the daemon also takes the requests queued in ``requests/`` (``anonymizer.daemon.
requests``; a watchdog event on that folder wakes it) and runs them the same way, between inbox
files (``anonymizer.daemon.pickup``).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from anonymizer import __version__
from anonymizer.audit.log import AuditEvent, AuditLog, open_audit_log
from anonymizer.daemon.context import Context, Folders, utc_now
from anonymizer.daemon.intake import claim
from anonymizer.daemon.pickup import rerun_release, serve_requests, settle_running
from anonymizer.daemon.preflight import DAEMON_LOCK, DAEMON_RUNNING, check_settings
from anonymizer.daemon.recovery import prepare_store, resume_all
from anonymizer.daemon.requests import RequestStatus, Spool
from anonymizer.daemon.rerun import RerunResult
from anonymizer.daemon.runner import process
from anonymizer.daemon.watcher import InboxWatcher
from anonymizer.engine.engine import Engine
from anonymizer.engine.standards import StandardEngines
from anonymizer.fsutil import exclusive_lock, remove_temps
from anonymizer.keys.keystore import StudyKeyStore
from anonymizer.keys.vault_adapter import open_vault_keystore
from anonymizer.settings import Settings

log = logging.getLogger("anonymizer.daemon")


@dataclass
class Summary:
    released: int = 0
    quarantined: int = 0
    duplicates: int = 0
    resumed: int = 0

    duplicates_quarantined: int = 0

    @property
    def all_released(self) -> bool:
        """Nothing went to quarantine (a duplicate deleted by policy is fine)."""
        return self.quarantined == 0 and self.duplicates_quarantined == 0


class Daemon:
    def __init__(self, settings: Settings, engine: Engine, keystore: StudyKeyStore,
                 audit: AuditLog, *, polling: bool | None = None,
                 clock: Callable[[], datetime] = utc_now,
                 stop: threading.Event | None = None,
                 engines: StandardEngines | None = None) -> None:
        check_settings(settings)
        self.settings = settings
        self.folders = Folders.from_settings(settings)
        self.folders.prepare()
        self.ctx = Context(settings, self.folders, engine, keystore, audit, clock, engines)
        self.ctx.store.prepare()
        self.ctx.quarantine.prepare()
        self.ctx.originals.prepare()
        self.spool = Spool.of(settings)
        self.spool.prepare()
        self.watcher = InboxWatcher(self.folders.inbox, settings.watch, polling=polling,
                                    also_wake_on=(self.spool.folder,))
        self.stop_event = stop or threading.Event()
        self.ready = threading.Event()  # set once recovery is done and the inbox is watched

    def stop(self) -> None:
        self.stop_event.set()
        self.watcher.wake.set()

    def run(self, *, oneshot: bool = False) -> Summary:
        with exclusive_lock(self.folders.work / DAEMON_LOCK, wait=False,
                            what="another daemon is running on this work folder"):
            self._started(oneshot)
            summary = Summary()
            try:
                summary.resumed = self._recover()
                self.watcher.start(observe=not oneshot)
                self.ready.set()
                self._loop(oneshot)
            finally:
                self.watcher.stop()
                counts = self.ctx.counts
                summary.released = counts["released"]
                summary.quarantined = counts["quarantined"]
                summary.duplicates = counts["duplicates"]
                summary.duplicates_quarantined = counts["duplicates_quarantined"]
                self.ctx.record(AuditEvent.DAEMON_STOPPED, released_count=summary.released,
                                quarantined_count=summary.quarantined,
                                duplicate_count=summary.duplicates)
                log.info("stopped: %d released, %d quarantined, %d duplicate(s)",
                         summary.released, summary.quarantined, summary.duplicates)
            return summary

    def rerun(self, find: Callable[[], Path]) -> RerunResult:
        """Re-run the released transcript whose sidecar ``find()`` names -- called after
        recovery, which may have finished an earlier rerun of it. Refuses while a daemon runs
        (``FolderLocked``): the journal must have one writer."""
        with exclusive_lock(self.folders.work / DAEMON_LOCK, wait=False, what=DAEMON_RUNNING):
            self._recover()
            return rerun_release(self.ctx, find())

    def _started(self, oneshot: bool) -> None:
        engine = self.ctx.engine
        source = self.settings.source
        config = hashlib.sha256(source.read_bytes()).hexdigest() if source else None
        self.ctx.record(
            AuditEvent.DAEMON_STARTED, tool_version=__version__, mode="oneshot" if oneshot
            else "watch", config_sha256=config, rules_digest=engine.rules_digest,
            model=engine.pipeline.model_name, model_version=str(engine.pipeline.model_version),
            language=engine.language, polling=self.watcher.polling,
            standard_languages=list(self.ctx.engines.standards.codes) if self.ctx.engines
            else [engine.language],
            originals_policy=self.settings.store.originals,
        )

    def _recover(self) -> int:
        prepare_store(self.ctx)
        resumed = resume_all(self.ctx)
        if resumed:
            log.info("recovered %d unfinished job(s)", resumed)
        remove_temps(self.spool.folder)
        settle_running(self.ctx, self.spool)
        return resumed

    def _loop(self, oneshot: bool) -> None:
        log.info("watching the inbox%s", " (polling)" if self.watcher.polling else "")
        next_retry = self.watcher.clock() + self.settings.watch.rescan_seconds
        while not self.stop_event.is_set():
            serve_requests(self.ctx, self.spool, self.stop_event)
            for name in self.watcher.ready():
                if self.stop_event.is_set():
                    break
                self.watcher.taken(name)
                job = claim(self.ctx, name)
                if job is not None:
                    process(self.ctx, job)
            if self.watcher.clock() >= next_retry:
                next_retry = self.watcher.clock() + self.settings.watch.rescan_seconds
                resume_all(self.ctx)  # jobs whose sealing waits for the vault
                settle_running(self.ctx, self.spool)
            if oneshot and not self.watcher.pending() and not any(
                    s.status is RequestStatus.QUEUED for s in self.spool.waiting()):
                break
            self.watcher.wait(self.stop_event)


def open_daemon(settings: Settings, *, polling: bool | None = None,
                stop: threading.Event | None = None, interactive: bool | None = False
                ) -> Daemon:
    """Everything the daemon needs, from the settings alone (the CLI's entry point).
    ``interactive`` (None: if there is a terminal): the vault passphrase may be asked for (a
    steward's ``store rerun``)."""
    check_settings(settings)
    keystore = open_vault_keystore(settings, interactive=interactive)
    try:
        audit = open_audit_log(settings, keystore.audit_key(), vault_commit=keystore.commit_count)
        audit.check_anchor()  # a cut log or a restored older vault: refuse before anything runs
        engines = StandardEngines.from_settings(settings, keystore=keystore)
        return Daemon(settings, engines.default, keystore, audit, polling=polling, stop=stop,
                      engines=engines)
    except BaseException:
        keystore.close()
        raise
