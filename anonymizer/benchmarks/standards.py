"""How often a transcript's written standard is detected right (``project.standards``).

    python -m anonymizer.benchmarks standards    (or: python -m anonymizer.benchmarks.standards)

The study's detection rules (``rules/<lang>/standard.toml`` markers, the thresholds of
``rules/common/standards.toml``) on the shared development corpora, whose standard is known:
norne_nob_dev is bokmål, norne_nno_dev nynorsk, lia_dev dialect speech written in a
nynorsk-like standard. Counted per corpus record and per piece of about 500 words (records
joined in corpus order, then cut), each way: right, wrong, undecided (read in the study's
language, recorded). With a bokmål study (fallback ``nb``) an undecided nynorsk piece is read
as bokmål, so "undecided" is shown apart and never counted as right. Nothing is printed from
the texts.
"""

from __future__ import annotations

import sys
import time
from collections import Counter

from anonymizer.benchmarks.texts import corpus
from anonymizer.language.standard import Standards, StandardSource
from anonymizer.rulebook import default_rules_dir

CORPORA = (("norne_nob_dev", "nb"), ("norne_nno_dev", "nn"), ("lia_dev", "nn"))
CHUNK_WORDS = 500


def pieces(texts: list[str], words: int) -> list[str]:
    joined = " ".join(texts).split()
    return [" ".join(joined[i:i + words]) for i in range(0, len(joined), words)]


def tally(standards: Standards, texts: list[str], truth: str) -> Counter[str]:
    out: Counter[str] = Counter()
    for text in texts:
        choice = standards.choose(text)
        if choice.source is StandardSource.UNDECIDED:
            out["undecided"] += 1
        else:
            out["right" if choice.code == truth else "wrong"] += 1
    return out


def standards_section() -> None:
    standards = Standards.load(default_rules_dir(), ("nb", "nn"), "nb")
    print("== Written standard detected from the text (project.standards = [\"nb\", \"nn\"]; "
          f"at least {standards.min_markers} markers, share >= {standards.min_share}) ==")
    print(f"{'corpus':<15} {'unit':<11} {'n':>5} {'right':>6} {'wrong':>6} {'undecided':>10} "
          f"{'accuracy':>9}")
    words = 0
    started = time.perf_counter()
    for name, truth in CORPORA:
        texts = corpus(name)
        if texts is None:
            print(f"{name:<15} (not found under ../shared/corpus: skipped)")
            continue
        words += sum(len(t.split()) for t in texts)
        chunks = pieces(texts, CHUNK_WORDS)
        for unit, items in (("record", texts), (f"{CHUNK_WORDS} words", chunks)):
            counts = tally(standards, items, truth)
            n = sum(counts.values())
            print(f"{name:<15} {unit:<11} {n:>5} {counts['right']:>6} {counts['wrong']:>6} "
                  f"{counts['undecided']:>10} {counts['right'] / n:>9.3f}")
    seconds = time.perf_counter() - started
    if words:
        print(f"(counting markers: {words * 2 / seconds:,.0f} words/s)")
    print()


if __name__ == "__main__":
    standards_section()
    sys.exit(0)
