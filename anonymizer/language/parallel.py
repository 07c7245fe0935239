"""Parse one transcript on several cores: a pool of forked workers that share the loaded model.

spaCy is most of the engine's time, and one transcript is one ``nlp.pipe`` stream on one core.
A warm daemon can do better: the parent loads the model once, forks workers (the model's memory
is shared copy-on-write), and each worker parses a share of the transcript's chunks and sends
the ``Doc``s back as bytes. The workers are forked when the pool is made, so make it before any
thread starts (forking a threaded process is unsafe); the engine does, before a watcher runs.

A worker can die from outside: the OOM killer, an operator, or systemd stopping the unit, which
by default signals every process in it. ``concurrent.futures`` notices a dead worker at once
(``multiprocessing.Pool`` replaces it, and the new worker and ``terminate()`` can then wait
forever on a queue lock the dead one held). The pool then parses in this process for the rest
of its life: the transcript at hand is finished, and no worker is forked from a threaded
process. Workers ignore Ctrl-C: the parent decides when to stop, after the current transcript.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from spacy.language import Language
from spacy.tokens import Doc

log = logging.getLogger(__name__)

_WORKER_NLP: Language | None = None  # set in the parent right before the fork; workers inherit
_EXCLUDE = ["tensor", "user_data"]


def _worker_signals() -> None:
    """Ctrl-C reaches a terminal's whole process group: leave it to the parent. SIGTERM ends a
    worker (the default, whatever handler the parent had when it forked)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _ready(_: int) -> int:
    """This worker's pid, once its initializer ran (signals set) and it holds the model. It
    lingers a moment, so that one fast worker cannot answer for all of them."""
    if _WORKER_NLP is None:
        raise RuntimeError("a parse worker started without the model")
    time.sleep(0.02)
    return os.getpid()


def _parse(job: tuple[list[str], list[str]]) -> list[bytes]:
    texts, disable = job
    assert _WORKER_NLP is not None
    return [doc.to_bytes(exclude=_EXCLUDE) for doc in _WORKER_NLP.pipe(texts, disable=disable)]


class ParsePool:
    def __init__(self, nlp: Language, workers: int) -> None:
        global _WORKER_NLP
        self.nlp = nlp
        self.workers = workers
        self.closed = False
        _WORKER_NLP = nlp
        self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("fork"),
            initializer=_worker_signals)
        # with fork, the first task forks every worker: do it now, before any thread starts,
        # and until every worker has answered (a Ctrl-C before a worker set its signals would
        # kill it)
        seen: set[int] = set()
        for _ in range(200):
            seen.update(self._pool.map(_ready, range(workers)))
            if len(seen) >= workers:
                break

    @property
    def broken(self) -> bool:
        """A worker died; parsing happens in this process from then on."""
        return self._pool is None and not self.closed

    def parse(self, texts: Sequence[str], *, disable: Sequence[str] = ()) -> list[Doc]:
        """The docs of ``texts``, in order, parsed by the workers in contiguous shares
        (without the components in ``disable``)."""
        if self.closed:
            raise RuntimeError("the parse pool is closed")
        if self._pool is None:
            return list(self.nlp.pipe(texts, batch_size=max(1, len(texts)), disable=disable))
        share = -(-len(texts) // self.workers) or 1
        groups = [(list(texts[i:i + share]), list(disable)) for i in range(0, len(texts), share)]
        try:
            parsed = list(self._pool.map(_parse, groups))
        except BrokenProcessPool:
            log.warning("a parse worker died; parsing in the main process from now on")
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
            return self.parse(texts, disable=disable)
        return [Doc(self.nlp.vocab).from_bytes(data, exclude=_EXCLUDE)
                for group in parsed for data in group]

    def close(self) -> None:
        self.closed = True
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
