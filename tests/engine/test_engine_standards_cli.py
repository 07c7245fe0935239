"""`run` and `scan` in a study holding both Norwegian standards (``project.standards``): each
file (or JSONL record) is read in its own standard and says which and why; ``--lang`` is one
standard for the run; `batch` refuses to guess. In-process CLI, real model and files; the
transcripts are ours (tests/fixtures/standards)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from anonymizer.cli import main
from anonymizer.errors import ExitCode

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "standards"
NEUTRAL = {"nynorsk_intervju.txt": "intervju_1.txt", "bokmal_intervju.txt": "intervju_2.txt",
           "kort_intervju.txt": "intervju_3.txt"}


@pytest.fixture
def study(tmp_path: Path) -> Path:
    config = tmp_path / "anonymizer.toml"
    config.write_text('[project]\nlanguage = "nb"\nstandards = ["nb", "nn"]\n', encoding="utf-8")
    # names that name no standard ("nynorsk_intervju" would: the name beats the text)
    for name, copy in NEUTRAL.items():
        shutil.copy(FIXTURES / name, tmp_path / copy)
    return config


def test_run_reads_each_file_in_its_standard(study: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    files = [str(tmp_path / n) for n in NEUTRAL.values()]
    assert main(["--config", str(study), "run", *files, "-o", str(out)]) == ExitCode.OK
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert "; read as nn (detected, markers nb 0 / nn " in lines[0]
    assert "; read as nb (detected, markers nb " in lines[1] and lines[1].endswith("/ nn 0)")
    assert lines[2].endswith("; read as nb (undecided, markers nb 0 / nn 0)")
    cleans = {p.read_text(encoding="utf-8") for p in out.iterdir()}
    nynorsk = next(c for c in cleans if "Ikkje så verst" in c)
    bokmal = next(c for c in cleans if "Ikke så verst" in c)
    assert "[Stad " in nynorsk and "han/ho sa" in nynorsk
    assert "[Sted " in bokmal and "han/hun sa" in bokmal
    for clean in cleans:
        assert "Brekkhus" not in clean and "Tveråen" not in clean


def test_a_file_name_word_and_lang_override_the_text(study: Path, tmp_path: Path,
                                                     capsys) -> None:
    named = tmp_path / "P03 t1 nynorsk.txt"
    shutil.copy(FIXTURES / "bokmal_intervju.txt", named)
    assert main(["--config", str(study), "scan", str(named)]) == ExitCode.OK
    assert capsys.readouterr().out.splitlines()[0].endswith("; read as nn (file_name)")
    assert main(["--config", str(study), "scan", "--lang", "nb", str(named)]) == ExitCode.OK
    first = capsys.readouterr().out.splitlines()[0]
    assert "read as" not in first  # one standard for the run: nothing to choose


def test_scan_jsonl_reads_each_record_in_its_standard(study: Path, tmp_path: Path) -> None:
    records = tmp_path / "records.jsonl"
    with open(records, "w", encoding="utf-8") as fh:
        for i, name in enumerate(("nynorsk_intervju.txt", "bokmal_intervju.txt")):
            text = (FIXTURES / name).read_text(encoding="utf-8")
            fh.write(json.dumps({"id": str(i), "text": text}, ensure_ascii=False) + "\n")
    out = tmp_path / "findings.jsonl"
    assert main(["--config", str(study), "scan", "--jsonl", str(records), "-o", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["0", "1"]  # in input order, whatever the grouping
    replacements = [{f["replacement"] for f in r["findings"]} for r in rows]
    assert "han/ho" in replacements[0] and "[Stad 1]" in replacements[0]
    assert "han/hun" in replacements[1] and "[Sted 1]" in replacements[1]


def test_batch_refuses_a_study_of_two_standards_without_lang(study: Path, tmp_path: Path,
                                                             capsys) -> None:
    code = main(["--config", str(study), "batch", str(tmp_path), "-o", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == ExitCode.BAD_CONFIG
    assert "project.standards holds nb, nn" in err and "--lang" in err
    assert len(err.strip().splitlines()) == 1
