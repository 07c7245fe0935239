"""The workers as Ray actors: one ``TranscriptWorker`` per actor, so each worker loads the model
once and keeps it for every transcript it is given.

On this machine (no ``--ray-address``) the batch starts its own Ray: ``num_cpus`` = workers, no
dashboard, no usage statistics, on the loopback address only (Ray's single-machine mode: its
GCS, raylet, agents and workers then listen on 127.0.0.1 alone; a Ray that would listen on
another address is shut down before any transcript is sent), Ray's session folder in a private
temp folder (mode 0700; a folder under the output would make Ray's socket paths too long) and
object spilling inside the output's work folder; both are removed at the end, and a leftover of
a run that was killed is removed at the next start. With ``--ray-address`` the batch joins a
running cluster as a client (its operator owns that cluster's folders). A worker that dies is
restarted and its tasks run again (Ray's ``max_restarts``/``max_task_retries``). An item whose
worker died under it (Ray gave up: the worker is gone for good) may itself be what kills workers
(a native crash or out-of-memory in a parser), and every item queued on that worker failed with
it: each is run again alone on a worker of its own (the probe, never restarted, one item at a
time), so a death there is that item's. An item held by ``CRASH_LIMIT`` dead workers is refused
(``worker_crashed``) and never given to the driver; one the probe finishes is the driver's to
settle. A task that fails in another way is run on the driver.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any, NamedTuple

from anonymizer.batch.snapshot import KeySnapshot
from anonymizer.batch.worker import Failure, Job, TranscriptWorker, WorkerResult
from anonymizer.errors import ExitCode, SettingsError
from anonymizer.refusals import Reason

SPILL_FOLDER = "spill"
TEMP_POINTER = "ray-temp"  # the path of Ray's temp folder, to remove it after a kill -9
_KEPT_SNAPSHOTS = 8
WINDOW_PER_WORKER = 3  # items in flight per worker: one in hand, two queued
CRASH_LIMIT = 2  # workers that died holding an item before it is refused (worker_crashed)


# Ray's single-machine mode (its default on macOS and Windows): the node's address is the
# loopback one, and Ray binds its servers to the node's address. Read when Ray is imported.
# (``ray.init(_node_ip_address="127.0.0.1")`` does not do it: Ray replaces a loopback node
# address with the host's outward one, and its servers then listen on every interface.)
_SINGLE_MACHINE = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


def _ray(local: bool = False) -> Any:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if local:
        os.environ[_SINGLE_MACHINE] = "0"
    try:
        import ray
    except ImportError:
        raise SettingsError("batch with workers needs Ray: pip install "
                            "'transcript-anonymizer[ray]' (or run with --workers 0)") from None
    return ray


def remove_leftovers(work: Path) -> None:
    """Ray's folders of an earlier run of this batch that was killed before it could clean up."""
    pointer = work / TEMP_POINTER
    if pointer.exists():
        old = Path(pointer.read_text(encoding="utf-8").strip())
        if old.name.startswith("anonymizer-ray-") and old.parent == Path(tempfile.gettempdir()):
            shutil.rmtree(old, ignore_errors=True)
        pointer.unlink(missing_ok=True)
    shutil.rmtree(work / SPILL_FOLDER, ignore_errors=True)


def _check_loopback(ray: Any) -> None:
    """Fail closed: a local Ray listening beyond this machine is shut down unused."""
    address = ray.util.get_node_ip_address()
    if not ipaddress.ip_address(address).is_loopback:
        ray.shutdown()
        raise SettingsError(f"the batch's own Ray would listen on {address}, not on the "
                            "loopback address only (Ray was loaded before the batch could "
                            "keep it on this machine); run the batch in a process of its own")


class RayPool:
    def __init__(self, workers: int, work: Path, address: str | None = None, *,
                 object_store_bytes: int | None = None) -> None:
        ray = self.ray = _ray(local=address is None)
        self.work = work
        self.temp: Path | None = None
        self.started = not ray.is_initialized()
        env = {k: os.environ[k] for k in ("PYTHONPATH", "RAY_USAGE_STATS_ENABLED")
               if k in os.environ}
        if self.started:
            remove_leftovers(work)
            runtime_env = {"env_vars": env}
            if address:
                ray.init(address=address, runtime_env=runtime_env, log_to_driver=False)
            else:
                self.temp = Path(tempfile.mkdtemp(prefix="anonymizer-ray-"))
                (work / TEMP_POINTER).write_text(str(self.temp), encoding="utf-8")
                spill = work / SPILL_FOLDER
                spill.mkdir(mode=0o700, exist_ok=True)
                ray.init(num_cpus=max(workers, 1), include_dashboard=False,
                         runtime_env=runtime_env, log_to_driver=False,
                         object_store_memory=object_store_bytes,
                         _temp_dir=str(self.temp), object_spilling_directory=str(spill))
                try:
                    _check_loopback(ray)
                except SettingsError:
                    remove_leftovers(work)
                    raise
        actor_class = _actor_class(ray)
        actor = ray.remote(num_cpus=1, max_restarts=2, max_task_retries=2,
                           concurrency_groups={"finish": 1})(actor_class)
        # One item at a time, never restarted; no CPU of its own: it runs while a worker waits.
        self._probe_class = ray.remote(num_cpus=0, max_restarts=0, max_task_retries=0,
                                       concurrency_groups={"finish": 1})(actor_class)
        self._probe: Any = None
        self._crashes: Counter[str] = Counter()  # per checksum: workers that died holding it
        self.actors = [actor.remote(WINDOW_PER_WORKER + 1) for _ in range(workers)]
        self.window = WINDOW_PER_WORKER * workers
        self._busy = [0] * workers
        self._snapshots: dict[tuple[str, int], Any] = {}
        self._pids: list[int | None] = []
        self._dead: set[int] = set()  # workers gone for good

    def submit(self, job: Job, snapshot: KeySnapshot) -> object:
        key = (job.study, snapshot.version)
        if key not in self._snapshots:  # each version of the key goes to the store once
            while len(self._snapshots) >= _KEPT_SNAPSHOTS:
                self._snapshots.pop(next(iter(self._snapshots)))
            self._snapshots[key] = self.ray.put(snapshot)
        live = [i for i in range(len(self.actors)) if i not in self._dead]
        if not live:  # every worker gone for good: the driver runs the item
            return _Handle(-1, None, job, snapshot)
        index = min(live, key=lambda i: self._busy[i])
        self._busy[index] += 1
        return _Handle(index, self.actors[index].process.remote(job, self._snapshots[key]), job,
                       snapshot)

    def warm(self, jobs: list[Job]) -> None:
        """Load each study's engine in every worker before the clock starts (model, rules,
        gazetteers: seconds), so the progress line measures transcripts, not start-up."""
        self.ray.get([actor.warm.remote(job) for actor in self.actors for job in jobs])
        self._pids = self.pids()

    def _ask(self, method: str) -> list[Any]:
        """``method`` of each worker; None from a worker gone for good."""
        answers: list[Any] = []
        for actor in self.actors:
            try:
                answers.append(self.ray.get(getattr(actor, method).remote()))
            except self.ray.exceptions.RayError:
                answers.append(None)
        return answers

    def pids(self) -> list[int | None]:
        """Each worker's process id, now (None: gone for good)."""
        return self._ask("pid")

    def restarts(self) -> tuple[int, int]:
        """How many workers are not the process they were when warmed, Ray having restarted
        them (after a crash, an out-of-memory kill, a kill -9) and run their tasks again; and
        how many are gone for good (their items were run on the driver)."""
        now = self.pids()
        then = self._pids or now  # (not warmed: nothing to compare with)
        restarted = sum(new is not None and old != new
                        for old, new in zip(then, now, strict=True))
        return restarted, now.count(None)

    def nodes(self) -> set[str]:
        """The Ray nodes the workers run on."""
        return {node for node in self._ask("node") if node is not None}

    def memory(self) -> list[int]:
        """Each live worker's peak resident memory, in bytes."""
        return [rss for rss in self._ask("memory") if rss is not None]

    def redo(self, handle: object, snapshot: KeySnapshot) -> object:
        old = _Handle.of(handle)
        key = (old.job.study, snapshot.version)
        ref = self._snapshots.get(key)
        if ref is None:
            ref = self._snapshots[key] = self.ray.put(snapshot)
        if old.actor < 0 or old.actor in self._dead:  # its parse went with it
            return _Handle(-1, None, old.job, snapshot)
        self._busy[old.actor] += 1
        return _Handle(old.actor, self.actors[old.actor].redo.remote(old.job, ref), old.job,
                       snapshot)

    def result(self, handle: object) -> WorkerResult:
        index, future, job, snapshot = _Handle.of(handle)
        if future is None:
            return WorkerResult(job, snapshot.version, conflict=True)
        try:
            result: WorkerResult = self.ray.get(future)
            return result
        except self.ray.exceptions.RayActorError as error:
            # Its worker died under it (and is gone for good when restarted as often as
            # allowed, or killed for good: it gets no more items).
            if isinstance(error, self.ray.exceptions.ActorDiedError):
                self._dead.add(index)
            return self._alone(job, snapshot)
        except self.ray.exceptions.RayError:
            return WorkerResult(job, snapshot.version, conflict=True)  # the driver runs it
        finally:
            self._busy[index] -= 1

    def _alone(self, job: Job, snapshot: KeySnapshot) -> WorkerResult:
        """After a worker died holding ``job``: run it again on the probe, alone, until it is
        done or ``CRASH_LIMIT`` workers died holding it (refused)."""
        self._crashes[job.checksum] += 1
        while self._crashes[job.checksum] < CRASH_LIMIT:
            if self._probe is None:
                self._probe = self._probe_class.remote(1)
            ref = self._snapshots.get((job.study, snapshot.version)) or self.ray.put(snapshot)
            try:
                result: WorkerResult = self.ray.get(self._probe.process.remote(job, ref))
                return result
            except self.ray.exceptions.RayActorError:
                self._probe = None  # it died holding this item alone
                self._crashes[job.checksum] += 1
            except self.ray.exceptions.RayError:
                return WorkerResult(job, snapshot.version, conflict=True)
        deaths = self._crashes[job.checksum]
        return WorkerResult(job, snapshot.version, failure=Failure(
            int(ExitCode.BAD_INPUT), f"{job.path}: {deaths} batch workers died (a crash or out "
            "of memory) while holding it; refused, not tried again", Reason.WORKER_CRASHED.value))

    def close(self) -> list[Path]:
        """Shut the pool down and remove Ray's folders; those that could not be removed (the
        next start on this output removes them)."""
        self._snapshots.clear()
        for actor in [*self.actors, *([self._probe] if self._probe is not None else [])]:
            self.ray.kill(actor)
        if self.started:
            self.ray.shutdown()
        left: list[Path] = [folder for folder in (self.work / SPILL_FOLDER, self.temp)
                            if folder is not None and not _remove(folder)]
        if self.temp is not None and self.temp not in left:
            (self.work / TEMP_POINTER).unlink(missing_ok=True)
        return left  # the pointer stays for them


def _remove(folder: Path, seconds: float = 10.0) -> bool:
    """Remove ``folder``, again while Ray's processes that are ending still write into it
    (a log line, a spilled object); whether it is gone."""
    deadline = time.monotonic() + seconds
    while True:
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists() or time.monotonic() > deadline:
            return not folder.exists()
        time.sleep(0.1)


class _Handle(NamedTuple):
    actor: int
    future: Any
    job: Job
    snapshot: KeySnapshot

    @staticmethod
    def of(handle: object) -> _Handle:
        assert isinstance(handle, _Handle)
        return handle


def _actor_class(ray: Any) -> type:
    class TranscriptActor:
        def __init__(self, keep: int) -> None:
            self.worker = TranscriptWorker(keep)

        def process(self, job: Job, snapshot: KeySnapshot) -> WorkerResult:
            return self.worker.process(job, snapshot)

        def warm(self, job: Job) -> None:
            self.worker.finisher(job)

        @ray.method(concurrency_group="finish")
        def redo(self, job: Job, snapshot: KeySnapshot) -> WorkerResult:
            return self.worker.redo(job, snapshot)

        @ray.method(concurrency_group="finish")
        def node(self) -> str:
            return str(ray.get_runtime_context().get_node_id())

        @ray.method(concurrency_group="finish")
        def pid(self) -> int:
            return os.getpid()

        @ray.method(concurrency_group="finish")
        def memory(self) -> int:
            """Peak resident memory of this worker, in bytes (the benchmark asks)."""
            import resource

            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    return TranscriptActor
