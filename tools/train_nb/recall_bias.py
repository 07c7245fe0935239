"""A recall knob for a trained transition-based NER: lower the bias of its OUT ("O") action.

The greedy NER chooses, token by token, between starting an entity (B-/U-) and OUT.  Subtracting
`shift` from OUT's bias in the output layer makes every start a little more likely, which trades
token precision for mention recall smoothly — the trade anonymization wants.  The shift is chosen
on the held-out TRAIN documents (never on norne_nob_dev) and baked into the shipped weights.
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from spacy.language import Language


def shift_out_bias(nlp: Language, shift: float, component: str = "ner") -> None:
    ner = nlp.get_pipe(component)
    upper = ner.model.get_ref("upper")
    names = [ner.moves.get_class_name(i) for i in range(ner.moves.n_moves)]
    bias = upper.get_param("b").copy()
    bias[names.index("O")] -= shift
    upper.set_param("b", bias)


def load_scorer(path: Path):
    """The shared bench scorer (the measuring contract), imported rather than copied."""
    spec = importlib.util.spec_from_file_location("bench_score", path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module.score


def findings(nlp: Language, gold: dict[str, dict]) -> dict[str, dict]:
    ids = list(gold)
    docs = nlp.pipe((gold[i]["text"] for i in ids), batch_size=32)
    return {i: {"id": i, "findings": [{"start": e.start_char, "end": e.end_char, "entity": e.label_}
                                      for e in doc.ents]}
            for i, doc in zip(ids, docs, strict=False)}


def tune(nlp: Language, gold_path: Path, scorer_path: Path, shifts: list[float],
         min_precision: float) -> tuple[float, list[dict]]:
    """Largest shift whose held-out token precision stays >= min_precision (0 if none)."""
    score = load_scorer(scorer_path)
    lines = Path(gold_path).read_text(encoding="utf-8").splitlines()
    gold = {json.loads(line)["id"]: json.loads(line) for line in lines}
    table, chosen, applied = [], 0.0, 0.0
    for shift in sorted(shifts):
        shift_out_bias(nlp, shift - applied)
        applied = shift
        result = score(gold, findings(nlp, gold))
        row = {"shift": shift, "token_precision": result["token_precision"],
               **{lab: v["recall"] for lab, v in result["recall"].items()}}
        table.append(row)
        if result["token_precision"] is not None and result["token_precision"] >= min_precision:
            chosen = shift
    shift_out_bias(nlp, chosen - applied)
    return chosen, table
