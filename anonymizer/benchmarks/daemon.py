"""Daemon speed for `make bench`: inbox-to-store latency with a warm daemon, and files per minute.

A study is made in a temporary folder (a key-file vault, the default watch settings), the real
daemon runs in a thread of this process with the model loaded once, and the clock runs from the
moment a transcript is complete in the inbox (renamed in, or every other one copied in place)
until its metadata sidecar -- the commit point of the release -- is in the store. The engine
alone on the same text is timed too, so the daemon's own share (settling, claim, checksum, read,
store writes and fsyncs, sealing) can be read off.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

PROJECT = "bench"
CONFIG = """\
[project]
id = "{project}"
title = "Daemon benchmark"
[ethics]
committee = "REK midt"
reference = "2013/2244"
[vault]
backend = "vault"
dir = "keys"
key_file = "vault.key"
[paths]
data_dir = "data"
[pseudonyms]
unknown_speaker = "person"
"""


def _study(root: Path, extra: str = "") -> Path:
    from vault import Secret, Vault, generate_key_file

    config = root / "anonymizer.toml"
    config.write_text(CONFIG.format(project=PROJECT) + extra, encoding="utf-8")
    key = generate_key_file(root / "vault.key")
    with Vault.create(root / "keys", PROJECT, Secret.from_key_file(key)) as vault:
        # Generated interviews reuse a few dozen speaker names; as "persons" (the setting
        # above) they never compete with the participant the file name gives (P01_...).
        vault.add("participant", ["Bente Pedersen"], number=1)
    return config


def _drop(inbox: Path, name: str, text: str, *, copy: bool = False) -> float:
    """Put a transcript in the inbox as a sync client does (written as ``.part``, renamed) or,
    with ``copy``, as ``cp`` does (written in place); the clock starts when it is complete."""
    if copy:
        (inbox / name).write_text(text, encoding="utf-8")
        return time.perf_counter()
    partial = inbox / f"{name}.part"
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, inbox / name)
    return time.perf_counter()


# How often the benchmark looks for the release. Each look takes the GIL from the daemon's
# thread for a moment, so not too often; a look every 20 ms errs on the slow side by 10 ms on
# average.
LOOK_EVERY = 0.02


def _wait(condition, timeout: float = 900.0) -> float:  # noqa: ANN001
    pause = threading.Event()
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError("the daemon did not release in time")
        pause.wait(LOOK_EVERY)
    return time.perf_counter()


# Two cores: parse each transcript in two forked workers.
TUNED = """
[nlp]
workers = 2
"""


def measure(latency_runs: int = 11, words: int = 5_000, drop_files: int = 100,
            drop_words: int = 500, extra_config: str = "") -> dict[str, float]:
    from anonymizer.benchmarks.texts import generated_transcript
    from anonymizer.daemon import open_daemon
    from anonymizer.engine.engine import Engine
    from anonymizer.keys.keystore import InMemoryKeyStore
    from anonymizer.settings import load_settings

    with tempfile.TemporaryDirectory(prefix="daemon-bench-") as folder:
        root = Path(folder)
        settings = load_settings(_study(root, extra_config))
        daemon = open_daemon(settings)
        thread = threading.Thread(target=daemon.run, name="daemon", daemon=True)
        thread.start()
        daemon.ready.wait(300)
        inbox = root / "data" / "inbox"
        store = root / "data" / "store" / PROJECT
        quarantine = root / "data" / "quarantine"

        def released() -> int:  # released or quarantined: either way the daemon is done
            return len(list(store.glob("P*/*/*.meta.json"))) + len(
                list(quarantine.glob("*.report.json")))

        # warm-up: the first transcript pays for lazy initialisation
        _drop(inbox, "P01 warm-up.txt", generated_transcript(300, seed=999))
        _wait(lambda: released() >= 1)
        engine = Engine(settings, daemon.ctx.engine.rulebook, daemon.ctx.engine.pipeline,
                        InMemoryKeyStore())
        latencies, engine_times = [], []
        for run in range(latency_runs):
            text = generated_transcript(words, seed=run)
            before = released()
            # every other transcript is copied in place rather than renamed in
            start = _drop(inbox, f"P01 t1 run{run}.txt", text, copy=run % 2 == 1)
            latencies.append(_wait(lambda seen=before: released() > seen) - start)
            # the engine alone on the same text right after, so the host's drifting speed
            # hits both alike and their difference is the daemon's own share
            start = time.perf_counter()
            engine.anonymize(text)
            engine_times.append(time.perf_counter() - start)
        before = released()
        texts = [generated_transcript(drop_words, seed=1000 + k) for k in range(drop_files)]
        start = time.perf_counter()
        for k, text in enumerate(texts):
            _drop(inbox, f"P01 t2 drop{k}.txt", text)
        end = _wait(lambda: released() >= before + drop_files)
        quarantined = len(list(quarantine.glob("*.report.json")))
        daemon.stop()
        thread.join(timeout=120)
        daemon.ctx.keystore.close()
    minutes = (end - start) / 60
    return {
        "words": words,
        "latency_runs": latency_runs,
        "latency_median_s": statistics.median(latencies),
        "latency_min_s": min(latencies),
        "latency_max_s": max(latencies),
        "engine_median_s": statistics.median(engine_times),
        "daemon_share_median_s": statistics.median(
            lat - eng for lat, eng in zip(latencies, engine_times, strict=True)),
        "drop_files": drop_files,
        "drop_words": sum(len(t.split()) for t in texts) // drop_files,
        "files_per_minute": drop_files / minutes,
        "words_per_minute": sum(len(t.split()) for t in texts) / minutes,
        "settle_s": settings.watch.settle_seconds,
        "settle_after_close_s": settings.watch.settle_after_close_seconds,
        "workers": settings.nlp.workers,
        "poll_s": settings.watch.poll_seconds,
        "quarantined": quarantined,
    }


def daemon_section(**kwargs: Any) -> None:
    """``kwargs`` exist for the test; `make bench` uses the defaults, then the tuned settings."""
    import logging

    logging.getLogger("anonymizer.daemon").setLevel(logging.WARNING)
    _print(measure(**kwargs), "defaults")
    _print(measure(**kwargs, extra_config=TUNED), "tuned for two cores")


def _print(f: dict[str, float], title: str) -> None:
    print(f"== Daemon, {title} (warm, real model and vault; settle {f['settle_s']:g} s, "
          f"{f['settle_after_close_s']:g} s after close/rename, poll {f['poll_s']:g} s, "
          f"parse workers {f['workers']}) ==")
    rows = [
        (f"latency inbox -> store, {f['words']:,}-word transcript "
         f"(median of {f['latency_runs']})", f"{f['latency_median_s']:.2f} s"),
        ("  range", f"{f['latency_min_s']:.2f}-{f['latency_max_s']:.2f} s"),
        ("  of which the engine alone (same texts, median)", f"{f['engine_median_s']:.2f} s"),
        ("  the daemon's own share (settle, claim, vault, store; median)",
         f"{f['daemon_share_median_s']:.2f} s"),
        (f"{f['drop_files']} files (~{f['drop_words']} words) dropped at once",
         f"{f['files_per_minute']:.0f} files/min"),
        ("  the same in words", f"{f['words_per_minute']:,.0f} words/min"),
    ]
    if f["quarantined"]:
        rows.append(("  (of all inputs, quarantined instead of released)", str(f["quarantined"])))
    for label, value in rows:
        print(f"{label:<62} {value:>14}")
    print()


if __name__ == "__main__":
    daemon_section()
