"""Engine speed: scan and run words/s against Presidio's plain AnalyzerEngine.analyze."""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

from anonymizer.benchmarks.texts import (
    dialogue_texts,
    generated_transcript,
    norwegian_texts,
    nynorsk_texts,
)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _words(texts: list[str]) -> int:
    return sum(len(t.split()) for t in texts)


REPEATS = 3


def best_of(work: Callable[[], object], repeats: int = REPEATS) -> float:
    """Seconds for the fastest of ``repeats`` runs: on a shared machine, the slower runs measure
    the neighbours, not the code (the same rule as ``timeit``)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(mode: str) -> dict[str, float | str]:
    """One configuration, in this process: words/s after loading and a short warm-up."""
    from anonymizer.engine.engine import Engine
    from anonymizer.settings import DetectionSettings, Settings

    name, texts = dialogue_texts()
    if mode == "nb":
        name, texts = norwegian_texts()
    elif mode == "nn":
        name, texts = nynorsk_texts()
    work: Callable[[], object]
    if mode == "presidio":
        analyzer = _presidio_analyzer()
        for text in texts[:3]:
            analyzer.analyze(text, language="en")

        def work() -> object:
            return [analyzer.analyze(text, language="en") for text in texts]
    else:
        settings = Settings()
        if mode == "scan_without_gazetteers":
            off = DetectionSettings(gazetteers=False)
            settings = settings.model_copy(update={"detection": off})
        engine = Engine.from_settings(settings, language=mode if mode in ("nb", "nn") else "en")
        list(engine.scan_many(texts[:3]))
        if mode in ("scan", "scan_without_gazetteers", "nb", "nn"):
            def work() -> object:
                return list(engine.scan_many(texts))
        elif mode == "run":
            def work() -> object:
                for outcome in engine.anonymize_many(texts):
                    if not hasattr(outcome, "clean_text"):
                        raise outcome
                return None
        else:  # "long"
            texts = [generated_transcript(50_000)]

            def work() -> object:
                return engine.anonymize(texts[0])
    elapsed = best_of(work)
    return {"mode": mode, "corpus": name if mode != "long" else "generated 50,000 words",
            "words": _words(texts), "seconds": round(elapsed, 2),
            "words_per_s": round(_words(texts) / elapsed), "peak_rss_mb": round(peak_rss_mb())}


def _presidio_analyzer() -> Any:
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    from anonymizer.offline import ensure_offline
    from anonymizer.settings import Settings

    ensure_offline()
    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": Settings().model_name("en")}]})
    return AnalyzerEngine(nlp_engine=provider.create_engine())


def _configurations(analyzer: Any, plain: Any, engine: Any,
                    part: list[str]) -> list[tuple[str, Callable[[], object]]]:
    """The four timed configurations on one block of texts (bound here, not in the loop)."""

    def run() -> None:
        for outcome in engine.anonymize_many(part):
            if not hasattr(outcome, "clean_text"):
                raise outcome

    return [
        ("presidio", lambda: [analyzer.analyze(t, language="en") for t in part]),
        ("scan_without_gazetteers", lambda: list(plain.scan_many(part))),
        ("scan", lambda: list(engine.scan_many(part))),
        ("run", run),
    ]


def paired(block: int = 16, rounds: int = 3) -> dict[str, float | str]:
    """Presidio, scan without and with gazetteers, and run in ONE process, taking turns every
    ``block`` texts: a slowdown of the machine (this VM's CPU speed drifts by 2x within
    minutes) then hits all of them alike, so their ratios stay a property of the code. Each
    round starts a fresh key store."""
    from anonymizer.engine.engine import Engine
    from anonymizer.keys.keystore import InMemoryKeyStore
    from anonymizer.settings import DetectionSettings, Settings

    _, texts = dialogue_texts()
    analyzer = _presidio_analyzer()
    base = Engine.from_settings(Settings(), language="en")
    plain_settings = base.settings.model_copy(
        update={"detection": DetectionSettings(gazetteers=False)})
    plain = Engine(plain_settings, base.rulebook, base.pipeline, InMemoryKeyStore())
    for text in texts[:3]:
        analyzer.analyze(text, language="en")
    list(base.scan_many(texts[:3]))
    list(plain.scan_many(texts[:3]))

    totals = dict.fromkeys(("presidio", "scan_without_gazetteers", "scan", "run"), 0.0)
    for _ in range(rounds):
        engine = Engine(base.settings, base.rulebook, base.pipeline, InMemoryKeyStore())
        for turn, i in enumerate(range(0, len(texts), block)):
            part = texts[i:i + block]
            configurations = _configurations(analyzer, plain, engine, part)
            # the order rotates, so no configuration always finds the caches warmed by another
            shift = turn % len(configurations)
            for name, work in configurations[shift:] + configurations[:shift]:
                start = time.perf_counter()
                work()
                totals[name] += time.perf_counter() - start
    words = _words(texts) * rounds
    return {"mode": "paired", "words": _words(texts), "rounds": rounds, "block": block,
            **{name: round(words / seconds) for name, seconds in totals.items()}}


if __name__ == "__main__":
    print(json.dumps(paired() if sys.argv[1] == "paired" else measure(sys.argv[1])))
