"""tools/train_nb/train.py reads several NorNE train files, carves its early-stopping split
from each one, and refuses a dev file. Tiny corpora of our own in tmp_path (invented text); no
training runs here."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[1] / "tools" / "train_nb"
sys.path.append(str(TOOLS))
import train  # noqa: E402


def corpus(path: Path, prefix: str, sentence: str, name: str, records: int = 10) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(records):
            start = sentence.index(name)
            fh.write(json.dumps({"id": f"{prefix}{i:03d}", "text": sentence, "spans": [
                {"start": start, "end": start + len(name), "label": "PERSON",
                 "orig_label": "PER"}]}, ensure_ascii=False) + "\n")
    return path


def test_the_default_is_both_standards_and_a_dev_file_is_refused(capsys) -> None:
    args = train.parse_args([])
    assert [p.name for p in args.corpus] == ["norne_nob_train.jsonl", "norne_nno_train.jsonl"]
    with pytest.raises(SystemExit):
        train.parse_args(["--corpus", "x/norne_nno_dev.jsonl"])
    assert "a dev split is for measuring, never for training" in capsys.readouterr().err


def test_the_held_out_split_is_carved_from_each_corpus(tmp_path: Path) -> None:
    nob = corpus(tmp_path / "norne_nob_train.jsonl", "b", "Jeg traff Ola Brekke i går.",
                 "Ola Brekke")
    nno = corpus(tmp_path / "norne_nno_train.jsonl", "n", "Eg trefte Kari Li i går.", "Kari Li")
    args = train.parse_args(["--corpus", str(nob), "--corpus", str(nno), "--build",
                             str(tmp_path / "build"), "--heldout-fraction", "0.2"])
    info = train.convert(args)
    assert info["corpora"] == {
        "norne_nob_train.jsonl": {"train_records": 8, "heldout_records": 2},
        "norne_nno_train.jsonl": {"train_records": 8, "heldout_records": 2}}
    held = [json.loads(line)["id"] for line in
            (tmp_path / "build" / "heldout.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(i[0] for i in held) == ["b", "b", "n", "n"]
    assert train.corpus_title(nno) == "nynorsk" and train.corpus_title(nob) == "bokmål"
