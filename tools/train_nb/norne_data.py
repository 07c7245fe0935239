"""Read the NorNE bokmål JSONL corpus and turn it into spaCy training examples.

Shared by train.py (JSONL -> DocBin) and evaluate.py (speech-like views of a gold file).
Nothing here writes corpus text anywhere but the build folder the caller names.
"""
from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, DocBin

# NorNE orig_label -> model label.  GPE_ORG ("Norge vant", "Oslo kommune") is a place to a reader
# of an anonymized transcript whatever role it plays in the sentence, so it joins LOC: one
# replacement label ([Sted n]) for every mention of the same place.  PROD/EVT/DRV stay apart as
# MISC so the model does not learn "Ålesund-rederiet" as a non-entity; the product decides
# whether MISC is masked.
LABEL_SCHEMES: dict[str, dict[str, str | None]] = {
    "per-loc-org-misc": {
        "PER": "PER", "GPE_LOC": "LOC", "LOC": "LOC", "GPE_ORG": "LOC", "ORG": "ORG",
        "PROD": "MISC", "EVT": "MISC", "DRV": "MISC", "MISC": "MISC",
    },
    "per-loc-org": {
        "PER": "PER", "GPE_LOC": "LOC", "LOC": "LOC", "GPE_ORG": "LOC", "ORG": "ORG",
        "PROD": None, "EVT": None, "DRV": None, "MISC": None,
    },
    # The corpus's own coarse mapping (GPE_ORG under ORG), for comparison only.
    "corpus-coarse": {
        "PER": "PER", "GPE_LOC": "LOC", "LOC": "LOC", "GPE_ORG": "ORG", "ORG": "ORG",
        "PROD": "MISC", "EVT": "MISC", "DRV": "MISC", "MISC": "MISC",
    },
}

# Punctuation an ASR system does not write.  Only stripped at word edges so that "Mette-Marit",
# "3.5" and "Fr.p.-leder" keep their inner marks (ASR output keeps hyphenated names too).
_EDGE_PUNCT = ".,;:!?«»\"“”()[]…"
_EDGE_PUNCT_RE = re.compile(
    r"(?:(?<=\s)|^)[" + re.escape(_EDGE_PUNCT) + r"]+|[" + re.escape(_EDGE_PUNCT) + r"]+(?=\s|$)"
)


@dataclass(frozen=True)
class Record:
    id: str
    text: str
    spans: tuple[tuple[int, int, str], ...]  # (start, end, orig_label)


def read_jsonl(path: Path) -> list[Record]:
    records = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            raw = json.loads(line)
            spans = tuple((s["start"], s["end"], s["orig_label"]) for s in raw["spans"])
            records.append(Record(raw["id"], raw["text"], spans))
    return records


def split_heldout(records: list[Record], fraction: float, seed: int) -> tuple[list, list]:
    """Carve whole documents (not sentences) out of TRAIN for early stopping, so that no
    neighbouring sentence of a held-out one is trained on."""
    ids = sorted(r.id for r in records)
    random.Random(seed).shuffle(ids)
    held = set(ids[: round(len(ids) * fraction)])
    return [r for r in records if r.id not in held], [r for r in records if r.id in held]


def speech_view(text: str, spans: Iterable[tuple[int, int, str]]) -> tuple[str, list]:
    """Lower-case, edge-punctuation-free copy of `text` (as an ASR transcript looks), with the
    spans moved to the new offsets."""
    keep = bytearray(b"\x01" * len(text))
    for m in _EDGE_PUNCT_RE.finditer(text):
        for i in range(m.start(), m.end()):
            keep[i] = 0
    # collapse the whitespace runs left behind
    out_chars: list[str] = []
    new_index = [0] * (len(text) + 1)
    for i, ch in enumerate(text):
        new_index[i] = len(out_chars)
        if not keep[i]:
            continue
        if ch.isspace() and (not out_chars or out_chars[-1] == " "):
            continue
        out_chars.append(" " if ch.isspace() else ch.lower())
    new_index[len(text)] = len(out_chars)
    new_text = "".join(out_chars)
    new_spans = []
    for start, end, label in spans:
        s, e = new_index[start], new_index[end]
        while s < e and new_text[s] == " ":
            s += 1
        while e > s and new_text[e - 1] == " ":
            e -= 1
        if s < e:
            new_spans.append((s, e, label))
    return new_text.rstrip(), new_spans  # spans were trimmed, so none reaches the cut tail


def record_doc(nlp: Language, text: str, spans, scheme: dict[str, str | None]) -> tuple[Doc, int]:
    """Doc with gold entities; returns (doc, number of spans whose edges had to be widened)."""
    doc = nlp.make_doc(text)
    ents, widened = [], 0
    for start, end, orig in spans:
        label = scheme[orig]
        if label is None:
            continue
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is None:
            continue
        if span.start_char != start or span.end_char != end:
            widened += 1
        ents.append(span)
    doc.ents = _drop_overlaps(ents)
    return doc, widened


def _drop_overlaps(ents):
    kept, last_end = [], -1
    for span in sorted(ents, key=lambda s: (s.start, -len(s))):
        if span.start >= last_end:
            kept.append(span)
            last_end = span.end
    return kept


def sentences(nlp_sentencizer: Language, doc: Doc) -> Iterator[Doc]:
    """Sentence-level training examples; a boundary inside an entity is not a boundary."""
    nlp_sentencizer.get_pipe("sentencizer")(doc)
    inside = set()
    for ent in doc.ents:
        inside.update(range(ent.start + 1, ent.end))
    start = 0
    for tok in doc[1:]:
        if tok.is_sent_start and tok.i not in inside:
            yield doc[start : tok.i].as_doc()
            start = tok.i
    yield doc[start:].as_doc()


def build_docbin(
    nlp: Language,
    records: list[Record],
    scheme: dict[str, str | None],
    *,
    sentence_level: bool,
    speech_fraction: float,
    seed: int,
) -> tuple[DocBin, dict[str, int]]:
    """Gold docs (optionally split to sentences) plus a seeded fraction of speech-like copies."""
    rng = random.Random(seed)
    db = DocBin(store_user_data=False)
    stats = {"docs": 0, "speech_copies": 0, "words": 0, "widened_spans": 0}
    sentencizer = None
    if sentence_level:
        sentencizer = nlp.__class__(nlp.vocab)
        sentencizer.add_pipe("sentencizer")
    for rec in records:
        doc, widened = record_doc(nlp, rec.text, rec.spans, scheme)
        stats["widened_spans"] += widened
        units = list(sentences(sentencizer, doc)) if sentencizer else [doc]
        for unit in units:
            db.add(unit)
            stats["docs"] += 1
            stats["words"] += len(unit)
            if speech_fraction and rng.random() < speech_fraction:
                spans = [(e.start_char, e.end_char, e.label_) for e in unit.ents]
                text, new_spans = speech_view(unit.text, spans)
                if not text:
                    continue
                copy, _ = record_doc(nlp, text, new_spans, {lab: lab for lab in scheme.values() if lab})
                db.add(copy)
                stats["speech_copies"] += 1
                stats["words"] += len(copy)
    return db, stats


def write_speech_gold(src: Path, dst: Path) -> None:
    """A lower-case, unpunctuated view of a gold JSONL file, spans remapped (for evaluation)."""
    with open(src, encoding="utf-8") as fin, open(dst, "w", encoding="utf-8") as fout:
        for line in fin:
            raw = json.loads(line)
            spans = [(s["start"], s["end"], i) for i, s in enumerate(raw["spans"])]
            text, moved = speech_view(raw["text"], spans)
            new_spans = []
            for s, e, i in moved:
                entry = dict(raw["spans"][i])
                entry.update(start=s, end=e)
                new_spans.append(entry)
            fout.write(json.dumps({**raw, "text": text, "spans": new_spans}, ensure_ascii=False) + "\n")
