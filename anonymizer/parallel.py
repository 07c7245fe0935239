"""Parse one transcript on several cores: a pool of forked workers that share the loaded model.

spaCy is most of the engine's time, and one transcript is one ``nlp.pipe`` stream on one core.
A warm daemon can do better: the parent loads the model once, forks workers (the model's memory
is shared copy-on-write), and each worker parses a share of the transcript's chunks and sends
the ``Doc``s back as bytes. Create the pool before any thread starts (forking a threaded process
is unsafe); the engine does so when it is built, before a watcher runs.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from multiprocessing.pool import Pool

from spacy.language import Language
from spacy.tokens import Doc

_WORKER_NLP: Language | None = None  # set in the parent right before the fork; workers inherit
_EXCLUDE = ["tensor", "user_data"]


def _parse(job: tuple[list[str], list[str]]) -> list[bytes]:
    texts, disable = job
    assert _WORKER_NLP is not None
    return [doc.to_bytes(exclude=_EXCLUDE) for doc in _WORKER_NLP.pipe(texts, disable=disable)]


class ParsePool:
    def __init__(self, nlp: Language, workers: int) -> None:
        global _WORKER_NLP
        self.nlp = nlp
        self.workers = workers
        _WORKER_NLP = nlp
        self._pool: Pool | None = multiprocessing.get_context("fork").Pool(workers)

    def parse(self, texts: Sequence[str], *, disable: Sequence[str] = ()) -> list[Doc]:
        """The docs of ``texts``, in order, parsed by the workers in contiguous shares
        (without the components in ``disable``)."""
        if self._pool is None:
            raise RuntimeError("the parse pool is closed")
        share = -(-len(texts) // self.workers) or 1
        groups = [(list(texts[i:i + share]), list(disable)) for i in range(0, len(texts), share)]
        parsed = self._pool.map(_parse, groups)
        return [Doc(self.nlp.vocab).from_bytes(data, exclude=_EXCLUDE)
                for group in parsed for data in group]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None
