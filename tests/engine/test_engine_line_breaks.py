"""No replacement spans a line or turn break (issue 17, item 1), and one file's failure in a
multi-file `anonymizer run` is that file's alone.

Real engine (the session's spaCy model), real .txt and .docx files, the real CLI in-process.
The texts are the shape that crashed real pandoc/POI documents: a date or a number at the end of
a line, a capitalised street-like phrase on the next."""

from __future__ import annotations

import hashlib
from pathlib import Path

import docx
import pytest

import anonymizer.formats as formats
import anonymizer.formats.outputs as outputs
from anonymizer.cli import main
from anonymizer.engine.resolve import split_at_line_breaks
from anonymizer.errors import ExitCode
from anonymizer.findings import EntityKind, Finding
from anonymizer.formats import read_transcript

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("cached_model")]

ACROSS = {
    "year then street": [
        "Interviewer: When did you move?",
        "Participant: It was in 1998",
        "Green Lane was where we lived, a quiet place.",
    ],
    "date then road": [
        "Interviewer: And the first appointment?",
        "Participant: I think it was on 12 May",
        "Park Road is where the clinic was, I walked there.",
    ],
    "number then street, as paragraphs": [
        "We counted 214",
        "Church Street houses in the survey that year.",
    ],
    "a cue line then a heading": [
        "Interview recorded 3 March 2021",
        "Station Road Surgery",
        "Interviewer: Thank you for coming in.",
    ],
}


def _docx(path: Path, lines: list[str]) -> Path:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    document.save(str(path))
    return path


@pytest.mark.parametrize("lines", ACROSS.values(), ids=ACROSS.keys())
def test_engine_keeps_every_line(make_engine, lines):
    text = "\n".join(lines)
    outcome = make_engine().anonymize(text)
    assert len(outcome.clean_text.split("\n")) == len(lines)
    for r in outcome.scan.replacements:
        assert "\n" not in text[r.start:r.end], (r.entity, r.start, r.end)


def test_a_pattern_is_matched_within_its_line(make_engine):
    """A year ending one line is a year, not the house number of the next line's street."""
    text = "\n".join(ACROSS["year then street"])
    clean = make_engine().anonymize(text).clean_text.split("\n")
    assert clean[1] == "Participant: It was in 1998"
    assert "Green Lane" not in clean[2]


@pytest.mark.parametrize("suffix", [".txt", ".docx"])
@pytest.mark.parametrize("lines", ACROSS.values(), ids=ACROSS.keys())
def test_run_writes_real_files_whose_lines_match(tmp_path, capsys, lines, suffix):
    source = tmp_path / f"interview{suffix}"
    if suffix == ".docx":
        _docx(source, lines)
    else:
        source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(source), "-o", str(out)]) == ExitCode.OK, capsys.readouterr().err
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:12]
    clean = (out / f"{digest}.clean.txt").read_text(encoding="utf-8").rstrip("\n").split("\n")
    assert len(clean) == len(lines)
    assert "Lane was" not in " ".join(clean) and "Road is" not in " ".join(clean)
    if suffix == ".docx":
        released = read_transcript(out / f"{digest}.clean.docx").text.rstrip("\n").split("\n")
        assert len(released) == len(lines)


@pytest.mark.parametrize("text, span, pieces", [
    ("in 1998\nGreen Lane was", (3, 18), ["1998", "Green Lane"]),
    ("Mark\n  Bentley said", (0, 14), ["Mark", "Bentley"]),
    ("a b\n\n\nc d", (2, 9), ["b", "c d"]),
    ("one line only", (4, 8), ["line"]),
])
def test_a_finding_across_lines_becomes_one_per_line(text, span, pieces):
    finding = Finding(span[0], span[1], EntityKind.ADDRESS, "pattern:test", 0.8)
    split = split_at_line_breaks(text, [finding])
    assert [text[f.start:f.end] for f in split] == pieces
    assert all((f.entity, f.detector, f.score) == (EntityKind.ADDRESS, "pattern:test", 0.8)
               for f in split)


# -- one file's failure is that file's ----------------------------------------------------------


def test_a_bug_on_one_file_fails_that_file_and_the_batch_goes_on(tmp_path, capsys, monkeypatch):
    files = []
    for k in range(3):
        path = tmp_path / f"t{k}.txt"
        path.write_text(f"Interviewer: How was week {k}?\nParticipant: Fine, thank you.\n",
                        encoding="utf-8")
        files.append(path)
    real = formats.write_clean_text

    def fails_on_the_second(clean, target, transcript):
        if "week 1" in clean:  # a fault injected at the writer's boundary
            raise RuntimeError("clean text of this transcript quoted here")
        real(clean, target, transcript)

    monkeypatch.setattr(outputs, "write_clean_text", fails_on_the_second)
    out = tmp_path / "out"
    code = main(["run", *map(str, files), "-o", str(out)])
    captured = capsys.readouterr()
    assert code == ExitCode.FAILED
    assert len(list(out.iterdir())) == 2  # the first and the third are written
    assert len(captured.out.splitlines()) == 2
    assert captured.err.splitlines() == [
        f"anonymizer: error: {files[1]}: internal error (RuntimeError); nothing was written for "
        "it; please report it with the file's checksum"]
    assert "quoted" not in captured.err  # the exception's text never reaches the user


def test_a_docx_whose_second_output_fails_leaves_no_first_output(tmp_path, capsys, monkeypatch):
    source = _docx(tmp_path / "a.docx", ["Interviewer: Hello.", "Participant: Hello to you."])

    def broken(clean, transcript, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outputs, "write_clean_docx", broken)
    out = tmp_path / "out"
    assert main(["run", str(source), "-o", str(out)]) == ExitCode.FAILED
    assert list(out.iterdir()) == []
    assert "internal error (OSError)" in capsys.readouterr().err
