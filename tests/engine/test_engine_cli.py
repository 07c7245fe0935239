"""The CLI over the engine, in-process (``anonymizer.cli.main``) with real files in tmp_path.

The spaCy model is loaded once per session (``cached_model``); everything else (settings,
rules, Presidio, the engine) is built by the command as in a real run. Subprocess runs, for
what only a real process shows, are in test_engine_process.py.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from anonymizer.cli import main
from anonymizer.errors import ExitCode

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cached_model")]

TRANSCRIPT = (
    "Interviewer: Thank you for coming, Kari. Where do you live now?\n"
    "Kari Nordmann: In Tromsø. My husband Ola Hansen and I moved there in 2015.\n"
    "Interviewer: How can we reach you?\n"
    "Kari Nordmann: Call 915 55 123 or write to kari.nordmann@example.no. She knows it too.\n"
)
NAMES = ("Kari", "Nordmann", "Ola", "Hansen", "Tromsø", "kari.nordmann@example.no", "915 55 123")


def no_names(text: str) -> bool:
    folded = text.casefold()
    return not [n for n in NAMES if n.casefold() in folded]


@pytest.fixture
def transcript(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "kari_nordmann_interview.txt"  # a name in the file name, as users do
    path.write_text(TRANSCRIPT, encoding="utf-8")
    return path


def clean_of(make_engine, text: str) -> str:
    return make_engine().anonymize(text).clean_text


# -- run ------------------------------------------------------------------------------------


def test_run_writes_a_file_named_by_checksum(transcript: Path, tmp_path: Path, capsys,
                                             make_engine) -> None:
    out = tmp_path / "out"
    assert main(["run", str(transcript), "-o", str(out)]) == ExitCode.OK
    written = list(out.iterdir())
    digest = hashlib.sha256(transcript.read_bytes()).hexdigest()[:12]
    assert [p.name for p in written] == [f"{digest}.clean.txt"]
    assert "kari" not in written[0].name.casefold() and "interview" not in written[0].name
    assert written[0].read_text(encoding="utf-8") == clean_of(make_engine, TRANSCRIPT)

    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == 1
    line = lines[0]
    assert line.startswith(f"{transcript} -> {written[0]}: ")
    summary = line.split(": ", 1)[1]
    assert re.search(r"\bPERSON \d+\b", summary) and re.search(r"\bPHONE 1\b", summary)
    assert re.search(r"\bEMAIL 1\b", summary) and "participants 1" in summary
    assert no_names(summary)
    assert captured.err == ""


def test_run_without_output_prints_the_clean_text(transcript: Path, capsys, make_engine) -> None:
    assert main(["run", str(transcript)]) == ExitCode.OK
    captured = capsys.readouterr()
    assert captured.out == clean_of(make_engine, TRANSCRIPT)
    assert no_names(captured.out)
    err = captured.err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"{transcript}: ")
    assert no_names(err[0].split(": ", 1)[1])


def test_run_several_files_reports_each_and_returns_the_worst(tmp_path: Path, transcript: Path,
                                                              capsys) -> None:
    empty = tmp_path / "in" / "empty.txt"
    empty.write_bytes(b"")
    out = tmp_path / "out"
    assert main(["run", str(empty), str(transcript), "-o", str(out)]) == ExitCode.BAD_INPUT
    assert len(list(out.iterdir())) == 1  # the good file is still released
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 1
    assert captured.err.splitlines() == [f"anonymizer: error: {empty}: is empty"]


# -- scan -----------------------------------------------------------------------------------


def test_scan_shows_kinds_replacements_offsets_and_scores_but_no_names(
    transcript: Path, capsys, make_engine
) -> None:
    assert main(["scan", str(transcript)]) == ExitCode.OK
    out = capsys.readouterr().out
    assert no_names(out.replace(str(transcript), ""))
    assert re.search(r"start\s+end\s+kind\s+replacement\s+score\s+detector", out)
    scan = make_engine().scan(TRANSCRIPT)
    for r in scan.replacements:
        row = rf"^\s+{r.start}\s+{r.end}\s+{r.entity.value}\s+{re.escape(r.text)}\s+" \
              rf"{r.score:.2f}\s+{re.escape(r.detector)}\s*$"
        assert re.search(row, out, re.MULTILINE), row
    speaker = TRANSCRIPT.index("Kari Nordmann:")
    assert re.search(rf"^\s+{speaker}\s+{speaker + 13}\s+PERSON\s+Participant 1\s", out,
                     re.MULTILINE)


def test_scan_does_not_write_anything(transcript: Path, tmp_path: Path) -> None:
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert main(["scan", str(transcript)]) == ExitCode.OK
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


RECORDS = [
    {"id": "r1", "text": "Kari said she would call Ola Hansen.", "source": "extra fields ignored"},
    {"id": 2, "text": "Write to ola@example.no or call +47 91555123. His car is his."},
    {"id": "r3", "text": "Nothing to see here."},
    {"id": "r4", "text": "Interviewer: And you?\nKari Nordmann: I told her things.\n"},
]


def _apply(text: str, findings: list[dict]) -> str:
    for f in sorted(findings, key=lambda f: f["start"], reverse=True):
        text = text[:f["start"]] + f["replacement"] + text[f["end"]:]
    return text


def test_scan_jsonl_writes_one_line_per_record(tmp_path: Path, capsys, make_engine) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS)
                      + "\n", encoding="utf-8")  # a blank line at the end is fine
    target = tmp_path / "out.jsonl"
    assert main(["scan", "--jsonl", str(source), "-o", str(target)]) == ExitCode.OK
    assert capsys.readouterr().out == ""
    lines = target.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(RECORDS)
    results = [json.loads(line) for line in lines]
    assert [r["id"] for r in results] == [r["id"] for r in RECORDS]
    for record, result in zip(RECORDS, results, strict=False):
        assert set(result) == {"id", "findings"}
        for finding in result["findings"]:
            assert set(finding) == {"start", "end", "entity", "replacement", "score", "detector"}
            assert 0 <= finding["start"] < finding["end"] <= len(record["text"])
        # exactly the decisions `run` applies, offsets into the original text
        assert _apply(record["text"], result["findings"]) == clean_of(make_engine,
                                                                       record["text"])
    pronouns = [(RECORDS[i]["text"][f["start"]:f["end"]], f["replacement"])
                for i, r in enumerate(results) for f in r["findings"] if f["entity"] == "PRONOUN"]
    assert pronouns == [("she", "he/she"), ("His", "His/her"), ("his", "his/hers"),
                        ("her", "him/her")]
    assert results[2]["findings"] == []


def test_scan_jsonl_to_standard_output(tmp_path: Path, capsys) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(RECORDS[0]) + "\n", encoding="utf-8")
    assert main(["scan", "--jsonl", str(source)]) == ExitCode.OK
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and json.loads(out[0])["id"] == "r1"


# -- exit codes -----------------------------------------------------------------------------


def test_no_command_prints_help_and_exits_with_usage(capsys) -> None:
    assert main([]) == ExitCode.USAGE
    assert "usage:" in capsys.readouterr().out


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("anonymizer: error: ")
    return lines[0]


def test_bad_settings_exit_3_naming_the_key(tmp_path: Path, transcript: Path, capsys) -> None:
    config = tmp_path / "anonymizer.toml"
    config.write_text("[rewrite]\npronoun = false\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    assert main(["--config", str(config), "run", str(transcript), "-o", str(out)]) == 3
    line = _one_error_line(capsys)
    assert str(config) in line and "rewrite.pronoun" in line
    assert list(out.iterdir()) == []


def test_missing_rules_exit_3_naming_the_file(tmp_path: Path, transcript: Path, capsys,
                                              rules_copy: Path) -> None:
    (rules_copy / "en" / "speakers.toml").unlink()
    config = tmp_path / "anonymizer.toml"
    config.write_text(f"[rules]\ndir = '{rules_copy}'\n", encoding="utf-8")
    assert main(["-c", str(config), "scan", str(transcript)]) == ExitCode.BAD_CONFIG
    assert str(rules_copy / "en" / "speakers.toml") in _one_error_line(capsys)


def test_verification_refusal_exits_5_and_writes_nothing(tmp_path: Path, transcript: Path,
                                                         capsys, rules_copy: Path) -> None:
    # A project that (wrongly) keeps phone numbers: the number is left in the text, and
    # verification, which always re-checks contact data, refuses to release the file.
    policy = rules_copy / "policy.toml"
    text = policy.read_text(encoding="utf-8")
    assert '[entities.PHONE]\naction = "label"' in text
    policy.write_text(text.replace('[entities.PHONE]\naction = "label"',
                                   '[entities.PHONE]\naction = "keep"'), encoding="utf-8")
    config = tmp_path / "anonymizer.toml"
    config.write_text(f"[rules]\ndir = '{rules_copy}'\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    code = main(["-c", str(config), "run", str(transcript), "-o", str(out)])
    assert code == ExitCode.VERIFICATION
    line = _one_error_line(capsys)
    assert "contact data or ID number" in line and "nothing was written" in line
    assert no_names(line.replace(str(transcript), ""))
    assert list(out.iterdir()) == []


# -- bad input ------------------------------------------------------------------------------


def _bad_inputs(folder: Path) -> dict[str, tuple[Path, str]]:
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4)
    (folder / "latin1.txt").write_bytes("Kari bor på Røros.\n".encode("latin-1"))
    (folder / "a_folder.txt").mkdir()
    return {
        "empty file": (folder / "empty.txt", "is empty"),
        "binary file": (folder / "binary.txt", "not plain text"),
        "undecodable text": (folder / "latin1.txt", "not valid UTF-8"),
        "a directory": (folder / "a_folder.txt", "is a directory"),
        "a missing path": (folder / "missing.txt", "does not exist"),
    }


BAD_KINDS = ["empty file", "binary file", "undecodable text", "a directory", "a missing path"]


def _state(path: Path) -> tuple | None:
    if not path.exists():
        return None
    if path.is_dir():
        return ("dir", sorted(p.name for p in path.iterdir()), path.stat().st_mtime_ns)
    return (path.read_bytes(), path.stat().st_mtime_ns)


@pytest.mark.parametrize("command", ["run", "scan"])
@pytest.mark.parametrize("kind", BAD_KINDS)
def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path: Path, capsys, kind: str,
                                                      command: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    path, reason = _bad_inputs(folder)[kind]
    before = _state(path)
    out = tmp_path / "out"
    out.mkdir()
    args = ["run", str(path), "-o", str(out)] if command == "run" else ["scan", str(path)]
    assert main(args) == ExitCode.BAD_INPUT
    line = _one_error_line(capsys)
    assert line == f"anonymizer: error: {path}: {line.split(f'{path}: ', 1)[1]}"
    assert reason in line
    assert list(out.iterdir()) == []
    assert _state(path) == before
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"id": 1, "text": "fine"}\nnot json at all\n', "line 2: not valid JSON"),
        (b'{"id": 1, "text": "fine"}\n["a", "list"]\n', "line 2: needs an object"),
        (b'{"id": 1}\n', "line 1: needs an object"),
        (b'{"text": "no id"}\n', "line 1: needs an object"),
        (b'{"id": 1, "text": 42}\n', "line 1: needs an object"),
        ('{"id": 1, "text": "Røros"}\n'.encode("latin-1"), "not UTF-8"),
    ],
    ids=["not JSON", "not an object", "no text", "no id", "text not a string", "not UTF-8"],
)
def test_bad_jsonl_is_one_line_exit_2_nothing_written(tmp_path: Path, capsys, content: bytes,
                                                      reason: str) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(content)
    before = _state(source)
    out = tmp_path / "out"
    out.mkdir()
    code = main(["scan", "--jsonl", str(source), "-o", str(out / "result.jsonl")])
    assert code == ExitCode.BAD_INPUT
    line = _one_error_line(capsys)
    assert line.startswith(f"anonymizer: error: {source}: ") and reason in line
    assert list(out.iterdir()) == []
    assert _state(source) == before


@pytest.mark.parametrize("kind", ["a directory", "a missing path"])
def test_bad_jsonl_paths(tmp_path: Path, capsys, kind: str) -> None:
    path = tmp_path / ("folder.jsonl" if kind == "a directory" else "missing.jsonl")
    if kind == "a directory":
        path.mkdir()
    assert main(["scan", "--jsonl", str(path)]) == ExitCode.BAD_INPUT
    line = _one_error_line(capsys)
    assert line.startswith(f"anonymizer: error: {path}: ")


def test_an_input_named_like_an_output_is_left_alone(tmp_path: Path, transcript: Path) -> None:
    """Running over a folder's files must never overwrite an input: outputs go to -o only."""
    out = tmp_path / "out"
    assert main(["run", str(transcript), "-o", str(out)]) == ExitCode.OK
    first = next(out.iterdir())
    copy = tmp_path / "in" / first.name
    shutil.copyfile(first, copy)
    before = _state(copy)
    assert main(["run", str(copy), "-o", str(out)]) == ExitCode.OK
    assert _state(copy) == before


@pytest.mark.parametrize(("outside", "expected"), [
    (1, "dropped: 1 text block outside cues"),
    (2, "dropped: 2 text blocks outside cues"),
])
def test_run_summary_says_what_was_dropped_as_counts(tmp_path: Path, capsys, outside: int,
                                                     expected: str) -> None:
    stray = "".join(f"Ola Hansen said {i}\n\n" for i in range(outside))
    path = tmp_path / "cues.vtt"
    path.write_text(f"WEBVTT\n\n{stray}00:00:01.000 --> 00:00:02.000\nInterviewer: Hello.\n",
                    encoding="utf-8")
    assert main(["run", str(path), "-o", str(tmp_path / "out")]) == ExitCode.OK
    line = capsys.readouterr().out.strip()
    assert line.endswith(f"; {expected}") and no_names(line)


@pytest.mark.parametrize("first_cells", [("Content", "Name"), ("Name", "Content")])
def test_run_never_reads_table_cells_as_speakers(tmp_path: Path, capsys,
                                                 first_cells: tuple[str, ...]) -> None:
    from docx import Document

    document = Document()
    document.add_paragraph("Interviewer: Thank you for coming, Kari.")
    document.add_paragraph("Kari Nordmann: You are welcome.")
    grid = document.add_table(rows=len(first_cells), cols=2)
    for row, cell in zip(grid.rows, first_cells, strict=True):
        row.cells[0].text = cell
        row.cells[1].text = "the garden"
    path = tmp_path / "t.docx"
    document.save(path)
    assert main(["run", str(path)]) == ExitCode.OK
    captured = capsys.readouterr()
    for cell in first_cells:
        assert f"{cell}\tthe garden" in captured.out
    assert "participants 1;" in captured.err or captured.err.rstrip().endswith("participants 1")


@pytest.mark.parametrize("fmt", ["vtt", "srt"])
def test_run_writes_clean_subtitles_in_the_input_format(tmp_path: Path, capsys, fmt: str) -> None:
    sep = "." if fmt == "vtt" else ","
    timings = [f"00:00:0{n}{sep}000 --> 00:00:0{n}{sep}900" for n in (1, 3)]
    lines = [TRANSCRIPT.splitlines()[0], TRANSCRIPT.splitlines()[1]]
    head = "WEBVTT\n\n" if fmt == "vtt" else ""
    path = tmp_path / f"kari.{fmt}"
    path.write_text(head + "".join(f"{n}\n{t}\n{line}\n\n" for n, (t, line)
                                   in enumerate(zip(timings, lines, strict=True), 1)), "utf-8")
    out = tmp_path / "out"
    assert main(["run", str(path), "-o", str(out)]) == ExitCode.OK
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    assert {p.name for p in out.iterdir()} == {f"{digest}.clean.{fmt}", f"{digest}.clean.txt"}
    from anonymizer.formats import read_transcript
    back = read_transcript(out / f"{digest}.clean.{fmt}")
    assert [b.timing for b in back.blocks] == [t.replace(",", ".") for t in timings]
    assert no_names((out / f"{digest}.clean.{fmt}").read_text("utf-8"))
    assert f".clean.{fmt}" in capsys.readouterr().out
