"""``run_batch``: a batch from start to end: the items, one ``Study`` per settings file (its key
store opened once, on the driver), the pool, the work record, the progress line and the summary;
Ray's folders are removed however the batch ends."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from anonymizer.batch.driver import Driver, Pool, Study, checked_output
from anonymizer.batch.progress import Progress, Summary
from anonymizer.batch.record import WorkRecord, work_folder
from anonymizer.batch.snapshot import KeySnapshot
from anonymizer.batch.source import Item, items_from
from anonymizer.batch.worker import Job, TranscriptWorker, WorkerResult
from anonymizer.errors import SettingsError
from anonymizer.keys.keystore import InMemoryKeyStore, KeyStore
from anonymizer.settings import KeyStoreBackend, Settings, load_settings


@dataclass(frozen=True)
class BatchRequest:
    source: Path
    output: Path
    workers: int
    ray_address: str | None = None
    language: str | None = None
    config: Path | None = None  # the command's settings; a manifest row may name its own


class InlinePool:
    """Workers in this process, each result computed only when the driver asks for it, from the
    snapshot taken when the item was submitted: up to ``window`` items stale. What Ray's
    workers do, without Ray (the tests of the driver's checks use it)."""

    def __init__(self, window: int) -> None:
        self.window = window
        self.worker = TranscriptWorker(keep=window)

    def submit(self, job: Job, snapshot: KeySnapshot) -> object:
        return job, snapshot, False

    def result(self, handle: object) -> WorkerResult:
        assert isinstance(handle, tuple)
        job, snapshot, again = handle
        assert isinstance(job, Job) and isinstance(snapshot, KeySnapshot)
        return (self.worker.redo if again else self.worker.process)(job, snapshot)

    def redo(self, handle: object, snapshot: KeySnapshot) -> object:
        assert isinstance(handle, tuple)
        return handle[0], snapshot, True


def study_key(settings: Settings) -> str:
    return str(settings.source) if settings.source else "<built-in defaults>"


def _open_keystore(settings: Settings) -> KeyStore:
    if settings.vault.backend is KeyStoreBackend.VAULT:
        from anonymizer.keys.vault_adapter import open_vault_keystore

        return open_vault_keystore(settings)
    return InMemoryKeyStore()


def open_studies(items: list[Item], default: Settings, language: str | None
                 ) -> tuple[dict[str, Study], list[tuple[Item, str]]]:
    from anonymizer.engine.engine import Engine

    studies: dict[str, Study] = {}
    by_config: dict[Path | None, str] = {}
    keyed = []
    for item in items:
        if item.config not in by_config:
            settings = load_settings(item.config) if item.config else default
            key = study_key(settings)
            if key not in studies:
                if language is None and len(settings.project.standards) > 1:
                    # the batch workers parse with one engine per study: a choice per file
                    # is the daemon's and run's, not silently dropped here
                    raise SettingsError(
                        f"{key}: project.standards holds {', '.join(settings.project.standards)}"
                        "; anonymizer batch reads a whole archive in one standard: give --lang "
                        "(or run each standard's files as its own batch)")
                keystore = _open_keystore(settings)
                engine = Engine.from_settings(settings, language=language, keystore=keystore)
                studies[key] = Study(key, settings, keystore, engine,
                                     settings.vault.backend is KeyStoreBackend.VAULT)
            by_config[item.config] = key
        keyed.append((item, by_config[item.config]))
    return studies, keyed


def _one_job_per_study(keyed: list[tuple[Item, str]], studies: dict[str, Study],
                       language: str | None) -> list[Job]:
    first: dict[str, Item] = {}
    for item, key in keyed:
        first.setdefault(key, item)
    return [Job(item.position, item.path, "", key, studies[key].settings, language)
            for key, item in first.items()]


def run_batch(request: BatchRequest, *, err: TextIO | None = None,
              pool: Pool | None = None) -> Summary:
    err = err or sys.stderr
    items = items_from(request.source)
    output = checked_output(request.output)
    work = work_folder(output)
    record = WorkRecord(work)
    default = load_settings(request.config)
    studies, keyed = open_studies(items, default, request.language)
    ray_pool = None
    if pool is None and request.workers > 0:
        from anonymizer.batch.ray_pool import RayPool

        pool = ray_pool = RayPool(request.workers, work, request.ray_address)
    started = time.monotonic()
    try:
        if ray_pool is not None:
            ray_pool.warm(_one_job_per_study(keyed, studies, request.language))
            started = time.monotonic()
        progress = Progress(err, len(keyed))
        summary = Driver(studies, output, record, pool, request.language, err=err).run(
            keyed, progress)
        progress.finish()
        summary.elapsed = time.monotonic() - started
        if ray_pool is not None:
            summary.worker_peak_rss = tuple(ray_pool.memory())
            summary.worker_nodes = len(ray_pool.nodes())
    finally:
        if ray_pool is not None:
            ray_pool.close()
        for study in studies.values():
            close = getattr(study.keystore, "close", None)
            if close is not None:
                close()
    for line in summary.lines(summary.elapsed):
        print(line, file=err)
    return summary
