"""``run_batch``: a batch from start to end: the items, one ``Study`` per settings file (its key
store opened once, on the driver), the pool, the work record, the progress line and the summary;
Ray's folders are removed however the batch ends."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from anonymizer.batch.driver import Driver, Pool, Study, checked_output
from anonymizer.batch.progress import Progress, Summary
from anonymizer.batch.record import WorkRecord, remove_torn_writes, work_folder
from anonymizer.batch.snapshot import KeySnapshot
from anonymizer.batch.source import Item, items_from
from anonymizer.batch.worker import Job, TranscriptWorker, WorkerResult
from anonymizer.errors import AnonymizerError, KeyStoreError, SettingsError
from anonymizer.keys.keystore import InMemoryKeyStore, KeyStore
from anonymizer.refusals import Reason
from anonymizer.settings import KeyStoreBackend, Settings, load_settings

if TYPE_CHECKING:
    from anonymizer.language.nlp import NlpPipeline


@dataclass(frozen=True)
class BatchRequest:
    source: Path
    output: Path
    workers: int
    ray_address: str | None = None
    language: str | None = None
    config: Path | None = None  # the command's settings; a manifest row may name its own
    object_store_bytes: int | None = None  # a local Ray's shared memory (None: Ray's default)


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


def _close(keystore: KeyStore) -> None:
    close = getattr(keystore, "close", None)
    if close is not None:
        close()


def open_studies(items: list[Item], default: Settings, language: str | None
                 ) -> tuple[dict[str, Study], list[tuple[Item, str]], list[tuple[Item, str, str]]]:
    """One ``Study`` per settings file; each item with its study's key. A study a manifest row
    names that cannot be opened (settings missing or invalid, its vault refusing) refuses that
    row, with the reason, and the batch goes on: the third list (item, message, reason). The
    command's own settings (``-c``) failing stops the batch, as it stops ``run``."""
    studies: dict[str, Study] = {}
    pipelines: dict[tuple[object, ...], NlpPipeline] = {}  # studies on one model load it once
    by_config: dict[Path | None, str | AnonymizerError] = {}
    keyed: list[tuple[Item, str]] = []
    bad: list[tuple[Item, str, str]] = []
    try:
        _open_each(items, default, language, studies, by_config, pipelines)
    except BaseException:  # the command's own settings failed: let go of what was opened
        for study in studies.values():
            _close(study.keystore)
        raise
    for item in items:
        opened = by_config[item.config]
        if isinstance(opened, AnonymizerError):
            reason = Reason.VAULT_REFUSED if isinstance(opened, KeyStoreError) \
                else Reason.STUDY_UNKNOWN
            bad.append((item, f"{item.path}: its study: {opened}", reason.value))
        else:
            keyed.append((item, opened))
    return studies, keyed, bad


def _open_each(items: list[Item], default: Settings, language: str | None,
               studies: dict[str, Study], by_config: dict[Path | None, str | AnonymizerError],
               pipelines: dict[tuple[object, ...], NlpPipeline]) -> None:
    from anonymizer.engine.engine import Engine

    for item in items:
        if item.config not in by_config:
            try:
                settings = load_settings(item.config) if item.config else default
                key = study_key(settings)
                if key not in studies:
                    if language is None and len(settings.project.standards) > 1:
                        # the batch workers parse with one engine per study: a choice per
                        # file is the daemon's and run's, not silently dropped here
                        raise SettingsError(
                            f"{key}: project.standards holds "
                            f"{', '.join(settings.project.standards)}; anonymizer batch reads "
                            "a whole archive in one standard: give --lang (or run each "
                            "standard's files as its own batch)")
                    keystore = _open_keystore(settings)
                    try:
                        engine = Engine.from_settings(settings, language=language,
                                                      keystore=keystore, pipelines=pipelines)
                    except BaseException:
                        _close(keystore)  # its rules are bad: the vault is let go again
                        raise
                    studies[key] = Study(key, settings, keystore, engine,
                                         settings.vault.backend is KeyStoreBackend.VAULT)
                by_config[item.config] = key
            except AnonymizerError as error:
                if item.config is None:
                    raise
                by_config[item.config] = error


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
    remove_torn_writes(output)
    work = work_folder(output)
    record = WorkRecord(work)
    default = load_settings(request.config)
    studies, keyed, bad = open_studies(items, default, request.language)
    ray_pool = None
    started = time.monotonic()
    try:
        if pool is None and request.workers > 0:
            from anonymizer.batch.ray_pool import RayPool

            pool = ray_pool = RayPool(request.workers, work, request.ray_address,
                                      object_store_bytes=request.object_store_bytes)
        if ray_pool is not None:
            ray_pool.warm(_one_job_per_study(keyed, studies, request.language))
            started = time.monotonic()
        progress = Progress(err, len(keyed))
        summary = Driver(studies, output, record, pool, request.language, err=err).run(
            keyed, progress, refused=bad)
        progress.finish()
        summary.elapsed = time.monotonic() - started
        if ray_pool is not None:
            summary.worker_peak_rss = tuple(ray_pool.memory())
            summary.worker_nodes = len(ray_pool.nodes())
            summary.worker_restarts, summary.workers_lost = ray_pool.restarts()
    finally:
        left = ray_pool.close() if ray_pool is not None else []
        for study in studies.values():
            _close(study.keystore)
    for line in summary.lines(summary.elapsed):
        print(line, file=err)
    if left:  # Ray's spill folder may hold plaintext: say so, and fail
        summary.leftovers = tuple(str(folder) for folder in left)
        print("anonymizer: error: Ray's folders could not be removed: "
              f"{', '.join(summary.leftovers)}; remove them, or run the same batch again "
              "(it removes them first)", file=err)
    return summary
