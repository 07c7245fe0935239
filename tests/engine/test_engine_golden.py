"""Golden transcripts: tests/golden/<lang>/NAME.txt through the engine must give exactly
NAME.clean.txt, and the clean text through the engine again must not change.

The expected files were generated once and then read line by line; where the engine was wrong
the INPUT was changed (a name the small model mislabels), except in ``known_bugs_*`` files, whose
expected output is the correct one and which are strict xfails until the bugs are fixed.
To add a transcript: write NAME.txt (invented names only), run the engine, read every line of
the output, and commit it as NAME.clean.txt.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "en"
INPUTS = sorted(p for p in GOLDEN.glob("*.txt") if not p.name.endswith(".clean.txt"))

# Transcripts whose expected output the engine does not reach yet (a strict xfail each).
KNOWN_BUGS: dict[str, str] = {}


def _cases():
    for path in INPUTS:
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[path.stem])] \
            if path.stem in KNOWN_BUGS else []
        yield pytest.param(path, marks=marks, id=path.stem)


def _expected(path: Path) -> str:
    return path.with_name(path.stem + ".clean.txt").read_text(encoding="utf-8")


def test_there_are_golden_transcripts() -> None:
    assert len(INPUTS) - len(KNOWN_BUGS) >= 4
    assert set(KNOWN_BUGS) <= {p.stem for p in INPUTS}


@pytest.mark.parametrize("path", INPUTS, ids=[p.stem for p in INPUTS])
def test_golden_files_are_plain_and_paired(path: Path) -> None:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw  # formats' business
    text = raw.decode("utf-8")
    assert 20 <= len(text.splitlines()) <= 60
    expected = _expected(path)
    assert len(expected.splitlines()) == len(text.splitlines())
    assert text.endswith("\n") and expected.endswith("\n")


@pytest.mark.parametrize("path", list(_cases()))
def test_golden_transcript(make_engine, path: Path) -> None:
    clean = make_engine().anonymize(path.read_text(encoding="utf-8")).clean_text
    assert clean.splitlines() == _expected(path).splitlines()
    assert clean == _expected(path)


@pytest.mark.parametrize("path", list(_cases()))
def test_golden_output_is_a_fixed_point(make_engine, path: Path) -> None:
    expected = _expected(path)
    assert make_engine().anonymize(expected).clean_text == expected
