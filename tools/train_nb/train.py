"""Train the project's Norwegian NER model (bokmål + nynorsk) and package it as `nb_transcript_ner`.

    python tools/train_nb/train.py [--corpus norne_nob_train.jsonl --corpus norne_nno_train.jsonl]

Steps: NorNE train JSONL files (default: bokmål and nynorsk train) -> DocBins in build/train_nb
(never committed; a held-out split of whole TRAIN documents is carved from EACH corpus for early
stopping — no *_dev file is ever read here) ->
`spacy train` with a fixed seed -> best checkpoint -> string store pruned to what a blank `nb`
pipeline holds plus the labels (so no corpus word is shipped) -> models/nb_transcript_ner/.

Runs on CPU with one BLAS thread; run it under `nice` on a shared machine.
"""
from __future__ import annotations

import os

# one thread each: 2 shared cores, and thread scheduling must not touch the result
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import spacy  # noqa: E402
from spacy.cli.train import train as spacy_train  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import norne_data  # noqa: E402
import recall_bias  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
# the two packages train.py makes: bokmål only, and bokmål + nynorsk (used for nynorsk text)
PACKAGES = ("nb_transcript_ner", "nn_transcript_ner")
PACKAGE_NAME = PACKAGES[0]
VERSION = "0.1.0"
DEFAULT_CORPORA = ("norne_nob_train.jsonl", "norne_nno_train.jsonl")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--corpus", type=Path, action="append", default=None,
                    help="NorNE train JSONL; repeat for several (default: "
                         + ", ".join(DEFAULT_CORPORA) + ")")
    ap.add_argument("--config", type=Path, default=HERE / "config.cfg")
    ap.add_argument("--build", type=Path, default=REPO / "build/train_nb")
    ap.add_argument("--package", choices=PACKAGES, default=PACKAGE_NAME,
                    help="package name (spaCy meta name: the name without 'nb_')")
    ap.add_argument("--package-dir", type=Path, default=None,
                    help="default: models/<package>")
    ap.add_argument("--no-package", action="store_true", help="train only (experiments)")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--labels", choices=sorted(norne_data.LABEL_SCHEMES), default="per-loc-org-misc")
    ap.add_argument("--speech-fraction", type=float, default=0.1,
                    help="share of sentences also added as a lower-case, unpunctuated copy")
    ap.add_argument("--doc-level", action="store_true", help="train on whole records, not sentences")
    ap.add_argument("--heldout-fraction", type=float, default=0.1)
    ap.add_argument("--scorer", type=Path, default=REPO.parent / "shared/bench/score.py")
    ap.add_argument("--min-precision", type=float, default=0.80,
                    help="recall knob: largest OUT-bias shift keeping held-out token precision "
                         "at least this (leaves room for the gazetteers added on top)")
    ap.add_argument("--bias-shifts", default="0,0.5,1,1.5,2,2.5,3,3.5,4")
    ap.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=JSON",
                    help="config override, e.g. training.max_epochs=2")
    args = ap.parse_args(argv)
    if args.corpus is None:
        args.corpus = [REPO.parent / "shared/corpus" / name for name in DEFAULT_CORPORA]
    for path in args.corpus:
        if "_dev" in path.name:
            ap.error(f"{path}: a dev split is for measuring, never for training")
    return args


def convert(args: argparse.Namespace) -> dict:
    nlp = spacy.blank("nb")
    train_recs: list[norne_data.Record] = []
    held_recs: list[norne_data.Record] = []
    per_corpus = {}
    for path in args.corpus:  # the held-out share is carved from each corpus, not the pool
        records = norne_data.read_jsonl(path)
        tr, he = norne_data.split_heldout(records, args.heldout_fraction, args.seed)
        train_recs += tr
        held_recs += he
        per_corpus[path.name] = {"train_records": len(tr), "heldout_records": len(he)}
    scheme = norne_data.LABEL_SCHEMES[args.labels]
    sentence_level = not args.doc_level
    train_db, train_stats = norne_data.build_docbin(
        nlp, train_recs, scheme, sentence_level=sentence_level,
        speech_fraction=args.speech_fraction, seed=args.seed)
    # the held-out split is scored as cased text only: the checkpoint must not trade cased
    # accuracy for lower-case accuracy behind our back
    held_db, held_stats = norne_data.build_docbin(
        nlp, held_recs, scheme, sentence_level=sentence_level, speech_fraction=0.0, seed=args.seed)
    args.build.mkdir(parents=True, exist_ok=True)
    train_db.to_disk(args.build / "train.spacy")
    held_db.to_disk(args.build / "heldout.spacy")
    with open(args.build / "heldout.jsonl", "w", encoding="utf-8") as fh:  # for the recall knob
        for rec in held_recs:
            spans = [{"start": s, "end": e, "label": scheme_label(o), "orig_label": o}
                     for s, e, o in rec.spans]
            fh.write(json.dumps({"id": rec.id, "text": rec.text, "spans": spans},
                                ensure_ascii=False) + "\n")
    return {"train": train_stats, "heldout": held_stats, "corpora": per_corpus,
            "train_records": len(train_recs), "heldout_records": len(held_recs)}


def scheme_label(orig: str) -> str:
    """The corpus's own coarse labels, so held-out scores read like score.py's on dev."""
    return {"PER": "PERSON", "GPE_LOC": "LOC", "LOC": "LOC", "GPE_ORG": "ORG", "ORG": "ORG"}.get(
        orig, "MISC")


def overrides(args: argparse.Namespace) -> dict:
    out = {
        "paths.train": str(args.build / "train.spacy"),
        "paths.dev": str(args.build / "heldout.spacy"),
        "system.seed": args.seed,
    }
    for item in args.set:
        key, _, value = item.partition("=")
        out[key] = json.loads(value)
    return out


def prune_strings(model_dir: Path, labels: list[str]) -> int:
    """Keep only the strings a blank `nb` pipeline has plus the labels.

    Training leaves every token of the corpus in the StringStore, and spaCy writes that store
    to vocab/strings.json: a word list of the corpus.  The model does not need it — the hash
    embeddings hash the text at run time — so it is cut before packaging (and evaluate.py's
    checks show the predictions are unchanged)."""
    keep = set(spacy.blank("nb").vocab.strings) | set(labels)
    path = model_dir / "vocab" / "strings.json"
    strings = json.loads(path.read_text(encoding="utf-8"))
    kept = sorted(s for s in strings if s in keep)
    path.write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
    return len(strings) - len(kept)


def forget_build_paths(model_dir: Path) -> None:
    """The saved config names this machine's build folder; a shipped model should not."""
    cfg = spacy.util.load_config(model_dir / "config.cfg", interpolate=False)
    for key in ("train", "dev"):
        cfg["paths"][key] = None
    cfg.to_disk(model_dir / "config.cfg")


def corpus_title(path: Path) -> str:
    """"bokmål" for norne_nob_train.jsonl, "nynorsk" for norne_nno_train.jsonl."""
    return {"nob": "bokmål", "nno": "nynorsk"}.get(path.name.split("_")[1] if "_" in path.name
                                                   else "", path.stem)


def model_name(package_name: str) -> str:
    """spaCy's meta "name": the loader finds the data in `<lang>_<name>-<version>`."""
    return package_name.removeprefix("nb_")


def package(args: argparse.Namespace, nlp, info: dict) -> Path:
    name = model_name(args.package)
    package_dir = args.package_dir or REPO / "models" / args.package
    labels = list(nlp.get_pipe("ner").labels)
    titles = [corpus_title(p) for p in args.corpus]
    meta = nlp.meta
    meta.update({
        "lang": "nb", "name": name, "version": VERSION,
        "description": "Norwegian " + " and ".join(titles) + " NER for anonymizing interview "
                       "transcripts (CNN tok2vec + transition-based NER, trained on NorNE "
                       + " + ".join(titles) + " train, with "
                       f"{args.speech_fraction:.0%} lower-case unpunctuated speech-style copies).",
        "author": "transcript-anonymizer project", "license": "MIT (model weights); "
                  "training annotations NorNE CC0",
        "spacy_version": ">=3.8.0,<3.9.0",
        "sources": [{"name": f"NorNE ({corpus_title(p)}, train split)",
                     "url": "https://github.com/ltgoslo/norne", "license": "CC0 (annotations)"}
                    for p in args.corpus],
        "training": info,
    })
    pkg_code = package_dir / args.package
    data_dir = pkg_code / f"nb_{name}-{VERSION}"
    if data_dir.exists():
        shutil.rmtree(data_dir)
    pkg_code.mkdir(parents=True, exist_ok=True)  # a scratch --package-dir need not exist yet
    nlp.meta = meta
    nlp.to_disk(data_dir)
    removed = prune_strings(data_dir, labels)
    forget_build_paths(data_dir)
    (pkg_code / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n",
                                        encoding="utf-8")
    print(f"[package] {data_dir}; pruned {removed} corpus strings; "
          f"labels {labels}")
    return data_dir


def environment() -> dict[str, str]:
    from importlib import metadata

    return {name: metadata.version(name) for name in ("spacy", "thinc", "numpy", "blis")}


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    # config.cfg and meta.json carry paths and timings; the weights and vocab are what must match
    skip = {"meta.json", "config.cfg"}
    for f in sorted(p for p in folder.rglob("*") if p.is_file() and p.name not in skip):
        h.update(f.relative_to(folder).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    t0 = time.perf_counter()
    info = convert(args)
    t1 = time.perf_counter()
    print(f"[convert] {json.dumps(info)} in {t1 - t0:.1f}s")
    out = args.build / "training"
    if out.exists():
        shutil.rmtree(out)
    spacy_train(args.config, output_path=out, use_gpu=-1, overrides=overrides(args))
    t2 = time.perf_counter()
    best = out / "model-best"
    best_meta = json.loads((best / "meta.json").read_text())
    print(f"[train] {t2 - t1:.0f}s; held-out (TRAIN split) scores: "
          f"{json.dumps(best_meta.get('performance', {}))}")
    print(f"[train] weights digest {digest(best)} (compare runs for reproducibility)")
    nlp = spacy.load(best)
    shifts = [float(x) for x in args.bias_shifts.split(",")]
    shift, table = recall_bias.tune(nlp, args.build / "heldout.jsonl", args.scorer, shifts,
                                    args.min_precision)
    t3 = time.perf_counter()
    for row in table:
        print(f"[recall-knob] held-out {json.dumps(row)}")
    print(f"[recall-knob] chosen OUT-bias shift {shift} (token precision >= {args.min_precision}) "
          f"in {t3 - t2:.0f}s")
    if args.no_package:
        return
    info.update({
        # the same seed gives the same weights only with the same libraries: the shipped
        # bokmål model of 2026-11-26 is not reproduced by the versions of 2026-12-04
        "environment": environment(),
        "seed": args.seed, "labels_scheme": args.labels, "speech_fraction": args.speech_fraction,
        "sentence_level": not args.doc_level, "heldout_fraction": args.heldout_fraction,
        "train_seconds": round(t2 - t1), "overrides": args.set,
        "out_bias_shift": shift, "min_heldout_precision": args.min_precision,
        "heldout_recall_knob": table,
    })
    package(args, nlp, info)
    print(f"[done] convert {t1 - t0:.0f}s, train {t2 - t1:.0f}s, "
          f"total {time.perf_counter() - t0:.0f}s")


if __name__ == "__main__":
    main()
