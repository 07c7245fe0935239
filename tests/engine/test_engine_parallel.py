"""Parsing in forked workers gives the same analysis as one process (nlp.workers)."""

from __future__ import annotations

import copy
import multiprocessing
import os
import signal

import pytest
from spacy.tokens import Doc

from anonymizer.benchmarks.texts import generated_transcript
from anonymizer.engine.engine import Engine
from anonymizer.keys.keystore import InMemoryKeyStore
from anonymizer.language.nlp import NlpPipeline
from anonymizer.language.parallel import ParsePool
from anonymizer.settings import Settings

pytestmark = pytest.mark.integration


def test_workers_parse_like_one_process(session_engine: Engine) -> None:
    text = generated_transcript(3_000, seed=3)
    single = session_engine.pipeline
    pooled = NlpPipeline(single.model_name, "en", workers=2)
    try:
        one = single.analyse(text)
        two = pooled.analyse(text)
        assert len(two) > len(one)  # cut into more chunks to keep both workers busy
        assert "".join(c.doc.text for c in two) == text
        assert all(c.text == c.doc.text for c in one + two)  # the kept text is the parsed one
        def summary(chunks):  # noqa: ANN001, ANN202
            return ([(c.offset + t.idx, t.text, t.tag_) for c in chunks for t in c.doc],
                    [(c.offset + e.start_char, e.label_) for c in chunks for e in c.doc.ents])
        tokens_one, ents_one = summary(one)
        tokens_two, ents_two = summary(two)
        # chunk borders differ, so compare what does not depend on them: every token's tag
        # away from the borders, and that the same names are found
        assert len(tokens_two) == len(tokens_one)
        same = sum(a == b for a, b in zip(tokens_one, tokens_two, strict=False))
        assert same / len(tokens_one) > 0.98
        assert {o for o, _ in ents_two} >= {o for o, _ in ents_one} - {0}
    finally:
        pooled.close()


def test_an_engine_with_workers_anonymizes_the_same(session_engine: Engine) -> None:
    settings = Settings.model_validate({"nlp": {"workers": 2}})
    engine = Engine(settings, session_engine.rulebook,
                    NlpPipeline(session_engine.pipeline.model_name, "en", workers=2),
                    InMemoryKeyStore())
    try:
        text = generated_transcript(2_000, seed=5)
        clean = engine.anonymize(text).clean_text
        assert clean.count("\n") == text.count("\n")
        assert "Nordmann" not in clean and "915 55 123" not in clean
    finally:
        engine.pipeline.close()


def test_batches_hold_at_most_the_texts_and_characters_allowed(session_engine: Engine) -> None:
    pipeline = copy.copy(session_engine.pipeline)
    pipeline.batch_size, pipeline.batch_chars = 3, 1_000
    pairs = [("x" * n, (i, 0, "")) for i, n in enumerate([400, 400, 400, 2_500, 10, 10, 10, 10])]
    batches = list(pipeline._batches(pairs))
    assert [[key[0] for _, key in batch] for batch in batches] == [[0, 1], [2], [3], [4, 5, 6], [7]]


def test_the_analysis_does_not_depend_on_the_batching(session_engine: Engine) -> None:
    texts = [generated_transcript(n, seed=n) for n in (300, 2_500, 40, 900)]
    small = copy.copy(session_engine.pipeline)
    small.batch_size, small.batch_chars = 1, 1_000
    big = copy.copy(session_engine.pipeline)
    big.batch_size, big.batch_chars = 1024, 10_000_000

    def summary(pipeline: NlpPipeline) -> list[object]:
        return [[(c.offset, c.text, [(t.idx, t.tag_) for t in c.tokens],
                  [(e.start_char, e.end_char, e.label_) for e in c.ents]) for c in chunks]
                for chunks in pipeline.analyse_many(texts)]

    one, all_at_once = summary(small), summary(big)
    assert len(one) == len(texts)
    assert one == all_at_once


def _workers() -> list[multiprocessing.Process]:
    return multiprocessing.active_children()


def _summary(docs: list[Doc]) -> list[object]:
    return [[(t.idx, t.text) for t in doc] + [(e.start_char, e.label_) for e in doc.ents]
            for doc in docs]


TEXTS = ["Ingrid Solberg moved to Bergen last year.", "Then Dr. Hansen called me.", "Yes."]


def test_parse_workers_ignore_ctrl_c(session_engine: Engine) -> None:
    """Ctrl-C reaches every process of the terminal's group: the workers leave it to the
    daemon, which finishes its transcript with them and then closes the pool."""
    pool = ParsePool(session_engine.pipeline.nlp, 2)
    try:
        for worker in _workers():
            os.kill(worker.pid, signal.SIGINT)
        docs = pool.parse(TEXTS)
        assert not pool.broken
        assert _summary(docs) == _summary(list(session_engine.pipeline.nlp.pipe(TEXTS)))
    finally:
        pool.close()
    assert _workers() == []


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_dead_worker_moves_the_parse_into_this_process(session_engine: Engine,
                                                          sig: int) -> None:
    pool = ParsePool(session_engine.pipeline.nlp, 2)
    try:
        victim = _workers()[0]
        os.kill(victim.pid, sig)
        victim.join(timeout=60)
        docs = pool.parse(TEXTS)  # waits on nothing: the dead worker is noticed
        assert pool.broken
        assert _summary(docs) == _summary(list(session_engine.pipeline.nlp.pipe(TEXTS)))
        assert _summary(pool.parse(TEXTS)) == _summary(docs)
    finally:
        pool.close()
    assert _workers() == []
    with pytest.raises(RuntimeError, match="closed"):
        pool.parse(TEXTS)
