"""The watched inbox: drop a transcript in, find it clean in the analysis store.

Modules, one noun each::

    preflight   check_settings: the start-up refusals (ethics metadata, vault), light
    service     Daemon, open_daemon: recovery, then the main loop
    watcher     InboxWatcher, Stability: what is in the inbox and what has settled
    intake      claim: the atomic rename from inbox/ into work/ (the name read once)
    journal     Journal, JournalEntry: one fsynced entry per job; the recovery rules
    job         Job, Refused, Duplicate: the record the stages pass along
    stages      inspect, checksum, dedupe, read, name, anonymize, render
    identify    whose transcript it is (file name clue, speaker labels, policy)
    release     release (store lock, plan, clean files, sidecar = commit), finish_release
    runner      process one job; quarantine_job; duplicates
    rerun       a released transcript again from its sealed original, in place (store rerun)
    requests    the spool: reruns a steward queues for the running daemon (submit, state)
    pickup      the daemon's side of the spool: take, run as a journaled job, settle after a crash
    recovery    after a crash: roll back, clean, rebuild the catalog, resume

The store's own nouns (layout, names, sidecars, catalog, originals, quarantine, reasons, purge)
are ``anonymizer.store``; this package uses them and is never used by them. Atomic writes,
durable renames and locks are ``anonymizer.fsutil`` (the audit log and the clean text writers
use them too).

Privacy rules for this package: an inbox file name is read once (``intake``) and reduced to a
participant number and a wave label; log lines, journal entries, reports, sidecars and audit
records hold job ids, checksums, numbers and codes -- never a name, a detected string, or text
from an exception that could quote the file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from anonymizer.daemon.preflight import check_settings

if TYPE_CHECKING:
    from anonymizer.daemon.service import Daemon, Summary, open_daemon

__all__ = ["Daemon", "Summary", "check_settings", "open_daemon"]


def __getattr__(name: str) -> Any:
    # The service pulls in the engine (spaCy, Presidio): loaded only when asked for, so that
    # `anonymizer watch` can refuse bad settings before seconds of imports.
    if name in ("Daemon", "Summary", "open_daemon"):
        from anonymizer.daemon import service

        return getattr(service, name)
    raise AttributeError(name)
