"""File names said in an interview: detection shows them, policy replaces or keeps them, and
verification objects to exactly what detection would act on (issue 17, item 2).

Before: "I saved it as interview.docx" was dropped by detection (not shown by scan) while
verification, re-running the URL recognizer on the clean text, refused to release it."""

from __future__ import annotations

from pathlib import Path

import pytest

from anonymizer.detectors.file_names import is_file_name
from anonymizer.findings import EntityKind
from anonymizer.rulebook import load_rulebook

SAID = [
    pytest.param("I saved it as interview.docx on the laptop.", "interview.docx", id="docx"),
    pytest.param("They sent me the photo.jpg last night.", "photo.jpg", id="jpg"),
    pytest.param("My son wrote a script.py for it.", "script.py", id="py"),
    pytest.param("It opened index.html, nothing else.", "index.html", id="html before a comma"),
    pytest.param("The form is called Skjema_2019.PDF.", "Skjema_2019.PDF", id="upper-case pdf"),
    pytest.param("I named it margaret_notes.txt, silly really.", "margaret_notes.txt",
                 id="a name inside"),
]


@pytest.mark.parametrize(("text", "name"), SAID)
def test_scan_shows_a_file_name_and_run_replaces_it(make_engine, text: str, name: str) -> None:
    engine = make_engine()
    scan = engine.scan(text)
    start = text.index(name)
    assert [(r.start, r.end, r.entity) for r in scan.replacements] == \
        [(start, start + len(name), EntityKind.FILE_NAME)]
    outcome = engine.anonymize(text)  # verification passes: nothing left to object to
    assert outcome.clean_text == text.replace(name, "[file name]")


@pytest.fixture
def keep_file_names(rules_copy: Path) -> Path:
    policy = rules_copy / "policy.toml"
    text = policy.read_text()
    block = text.index("[entities.FILE_NAME]")
    action = text.index('action = "label"', block)
    policy.write_text(text[:action] + 'action = "keep"' + text[action + len('action = "label"'):])
    return rules_copy


@pytest.mark.parametrize(("text", "name"), SAID[:4])
def test_a_kept_file_name_is_released_and_still_shown(make_engine, keep_file_names: Path,
                                                      text: str, name: str) -> None:
    engine = make_engine(rulebook=load_rulebook(keep_file_names, "en"))
    scan = engine.scan(text)
    assert scan.replacements == ()
    assert {(f.entity, text[f.start:f.end]) for f in scan.kept} == {(EntityKind.FILE_NAME, name)}
    assert engine.anonymize(text).clean_text == text


def test_a_kept_file_name_does_not_hide_an_address_beside_it(make_engine,
                                                             keep_file_names: Path) -> None:
    engine = make_engine(rulebook=load_rulebook(keep_file_names, "en"))
    text = "I saved notes.docx and put it on www.margaretsgarden.co.uk for the group."
    clean = engine.anonymize(text).clean_text
    assert "notes.docx" in clean and "margaretsgarden" not in clean


@pytest.mark.parametrize(
    ("surface", "expected"),
    [("report.docx", True), ("photo.JPG.", True), ("a.b.c.pdf", True),
     ("nav.no", False), ("www.nav.no/a.pdf", False), ("https://x.org/a.pdf", False),
     ("kari@uio.no", False), ("C:\\Users\\kari\\a.docx", False), ("docx", False)],
)
def test_what_a_file_name_is(surface: str, expected: bool) -> None:
    assert is_file_name(surface) is expected
