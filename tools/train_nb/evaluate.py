"""Run nb_transcript_ner over a gold JSONL file and score it with the shared bench scorer.

    python tools/train_nb/evaluate.py [GOLD.jsonl] [--model nb_transcript_ner] [--speech]

Writes findings JSONL ({"id", "findings": [{"start", "end", "entity"}]}) for score.py, prints
score.py's result and the model's words/s (nlp.pipe time only, one process).  --speech scores a
lower-case, unpunctuated view of the gold file (how many ASR transcripts look).
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import spacy  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import norne_data  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("gold", type=Path, nargs="?", default=SHARED / "corpus/norne_nob_dev.jsonl")
    ap.add_argument("--model", default="nb_transcript_ner", help="package name or model folder")
    ap.add_argument("--entities", default="", help="comma list of model labels to report "
                    "(default: all); e.g. PER,LOC,ORG to see precision without MISC")
    ap.add_argument("--speech", action="store_true", help="score the lower-case unpunctuated view")
    ap.add_argument("--out", type=Path, default=None, help="findings JSONL (default: temp file)")
    ap.add_argument("--scorer", type=Path, default=SHARED / "bench/score.py")
    ap.add_argument("--batch-size", type=int, default=32)
    return ap.parse_args(argv)


def find(nlp, records: list[dict], entities: set[str], batch_size: int) -> tuple[list, float]:
    texts = (r["text"] for r in records)
    out = []
    t0 = time.perf_counter()
    for rec, doc in zip(records, nlp.pipe(texts, batch_size=batch_size), strict=False):
        findings = [{"start": e.start_char, "end": e.end_char, "entity": e.label_}
                    for e in doc.ents if not entities or e.label_ in entities]
        out.append({"id": rec["id"], "findings": findings})
    return out, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="nb_eval_"))
    gold = args.gold
    if args.speech:
        gold = tmp / "gold_speech.jsonl"
        norne_data.write_speech_gold(args.gold, gold)
    records = [json.loads(line) for line in Path(gold).read_text(encoding="utf-8").splitlines()]
    nlp = spacy.load(args.model)
    nlp("Oppvarming.")  # first call allocates; keep it out of the timing
    entities = {e for e in args.entities.split(",") if e}
    findings, seconds = find(nlp, records, entities, args.batch_size)
    out = args.out or tmp / "findings.jsonl"
    with open(out, "w", encoding="utf-8") as fh:
        for row in findings:
            fh.write(json.dumps(row) + "\n")
    words = sum(len(r["text"].split()) for r in records)
    result = json.loads(subprocess.run(
        [sys.executable, str(args.scorer), str(gold), str(out)],
        check=True, capture_output=True, text=True).stdout)
    print(json.dumps(result, indent=1))
    rec = result["recall"]
    print(f"model={nlp.meta.get('lang')}_{nlp.meta.get('name')}-{nlp.meta.get('version')} "
          f"view={'speech' if args.speech else 'cased'} entities={args.entities or 'all'}")
    print("SUMMARY " + " ".join(f"{lab}={rec[lab]['recall']}" for lab in sorted(rec))
          + f" token_precision={result['token_precision']}"
          + f" words/s={words / seconds:.0f} ({words} words in {seconds:.1f}s)")
    return result


if __name__ == "__main__":
    main()
