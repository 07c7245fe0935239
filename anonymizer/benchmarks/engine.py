"""Engine speed: scan and run words/s against Presidio's plain AnalyzerEngine.analyze."""

from __future__ import annotations

import json
import resource
import sys
import time

from anonymizer.benchmarks.texts import dialogue_texts, generated_transcript, norwegian_texts


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _words(texts: list[str]) -> int:
    return sum(len(t.split()) for t in texts)


def measure(mode: str) -> dict[str, float | str]:
    """One configuration, in this process: words/s after loading and a short warm-up."""
    from anonymizer.engine import Engine
    from anonymizer.settings import DetectionSettings, Settings

    name, texts = dialogue_texts()
    if mode == "nb":
        name, texts = norwegian_texts()
    if mode == "presidio":
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider

        from anonymizer.offline import ensure_offline

        ensure_offline()
        model = Settings().model_name("en")
        provider = NlpEngineProvider(nlp_configuration={
            "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}]})
        analyzer = AnalyzerEngine(nlp_engine=provider.create_engine())
        for text in texts[:3]:
            analyzer.analyze(text, language="en")
        start = time.perf_counter()
        for text in texts:
            analyzer.analyze(text, language="en")
    else:
        settings = Settings()
        if mode == "scan_without_gazetteers":
            settings = settings.model_copy(update={"detection": DetectionSettings(gazetteers=False)})
        engine = Engine.from_settings(settings, language="nb" if mode == "nb" else "en")
        list(engine.scan_many(texts[:3]))
        start = time.perf_counter()
        if mode in ("scan", "scan_without_gazetteers", "nb"):
            list(engine.scan_many(texts))
        elif mode == "run":
            for outcome in engine.anonymize_many(texts):
                if not hasattr(outcome, "clean_text"):
                    raise outcome
        elif mode == "long":
            texts = [generated_transcript(50_000)]
            start = time.perf_counter()
            engine.anonymize(texts[0])
    elapsed = time.perf_counter() - start
    return {"mode": mode, "corpus": name if mode != "long" else "generated 50,000 words",
            "words": _words(texts), "seconds": round(elapsed, 2),
            "words_per_s": round(_words(texts) / elapsed), "peak_rss_mb": round(peak_rss_mb())}


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1])))
