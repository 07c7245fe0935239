"""`anonymizer review`: pages for transcripts released by the real engine with a real vault,
found by id or path; the page with the original only on request, 0600, and audited."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from steward_study import PARTICIPANTS, StewardStudy, all_names
from test_review_page import parse


def names_in(data: bytes) -> list[str]:
    lowered = data.lower()
    return [n for n in all_names() if n.encode("utf-8").lower() in lowered]


def test_the_clean_page_marks_every_replacement_and_flag_and_holds_no_name(
        study: StewardStudy, capsys, tmp_path: Path) -> None:
    release = study.releases[(2, "wave1")]
    out = tmp_path / "out" / "review.html"
    out.parent.mkdir()
    code, stdout, stderr = study.cli(capsys, "review", "P02_wave1", "-o", out)
    assert (code, stderr) == (0, "")
    scan = release.outcome.scan
    assert f"{len(scan.replacements)} replacements, {len(scan.flags)} flags" in stdout
    page = out.read_bytes()
    assert names_in(page) == []
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    tree = parse(page.decode("utf-8"))
    assert tree.text_of["clean-text"] == release.clean_path.read_text(encoding="utf-8")
    reps = [m for m in tree.find("mark", class_="rep") if "id" in m]  # not the legend's
    assert len(reps) == len(scan.replacements) > 0
    assert [r["data-kind"] for r in reps] == [r.entity.value for r in scan.replacements]
    assert [r["data-detector"] for r in reps] == [r.detector for r in scan.replacements]
    shown = [tree.text_of[r["id"]] for r in reps]
    assert shown == [r.text for r in scan.replacements]
    flags = [m for m in tree.find("mark", class_="flag") if "id" in m]
    assert len(flags) + len(tree.find("a", class_="anchor")) == len(scan.flags) > 0
    facts = tree.text_of["facts"]
    for fact in ("Participant 2", "wave wave1", "REK nord 2031/4711", "approved 2031-01-15",
                 "Living with tinnitus"):
        assert fact in facts
    assert "names-warning" not in tree.text_of and "original-text" not in tree.text_of
    assert study.audit_events()[-1][0] != "reidentified"


@pytest.mark.parametrize("how", ["stem", "lower", "txt", "meta", "review", "job", "sha"])
def test_a_transcript_is_found_by_id_or_path(study: StewardStudy, capsys, tmp_path: Path,
                                             how: str) -> None:
    release = study.releases[(3, "wave2")]
    import hashlib

    ref = {
        "stem": "P03_wave2", "lower": "p03_WAVE2", "txt": release.clean_path,
        "meta": release.meta_path,
        "review": release.meta_path.with_name("P03_wave2.review.json"),
        "job": release.job[:10],
        "sha": hashlib.sha256(release.clean_path.read_bytes()).hexdigest()[:12],
    }[how]
    code, stdout, _ = study.cli(capsys, "review", ref, "-o", tmp_path / "p.html")
    assert code == 0 and "P03_wave2" in stdout
    assert "Review of P03_wave2" in (tmp_path / "p.html").read_text(encoding="utf-8")


def test_an_unknown_id_is_refused_without_repeating_it(study: StewardStudy, capsys,
                                                       tmp_path: Path) -> None:
    code, _, stderr = study.cli(capsys, "review", "Torvald Myrhaug interview 1",
                                "-o", tmp_path / "p.html")
    assert code == 2
    assert "no released transcript matches" in stderr and "Torvald" not in stderr
    assert not (tmp_path / "p.html").exists()
    code, _, stderr = study.cli(capsys, "review", "P01_wave1")
    assert code == 2 and "-o FILE" in stderr


def test_the_page_with_the_original_is_private_warned_about_and_audited(
        study: StewardStudy, capsys, tmp_path: Path) -> None:
    release = study.releases[(1, "wave1")]
    out = tmp_path / "private.html"
    code, _, stderr = study.cli(capsys, "review", "P01_wave1", "-o", out, "--with-original")
    assert code == 0
    assert "ORIGINAL" in stderr and "names" in stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    page = out.read_text(encoding="utf-8")
    tree = parse(page)
    original = tree.text_of["original-text"]
    assert "Torvald Myrhaug" in original and "Gudrun Lysvik" in original
    assert tree.text_of["clean-text"] == release.clean_path.read_text(encoding="utf-8")
    scan = release.outcome.scan
    originals = tree.find("mark", class_="orig")
    assert [tree.text_of[m["id"]] for m in originals] == [
        original[r.start:r.end] for r in scan.replacements]
    assert "Torvald Myrhaug" in [tree.text_of[m["id"]] for m in originals]
    assert "Keep it to yourself" in tree.text_of["names-warning"]
    event, fields = study.audit_events()[-1]
    assert event == "reidentified"
    assert fields["command"] == "review_with_original" and fields["numbers"] == [1]
    assert fields["job_id"] == release.job and fields["wave"] == "wave1"
    assert names_in(study.audit_path.read_bytes()) == []


def test_the_page_with_names_is_never_written_into_the_store(study: StewardStudy, capsys
                                                            ) -> None:
    out = study.store / "P01" / "wave1" / "look.html"
    before = len(study.audit_events())
    code, _, stderr = study.cli(capsys, "review", "P01_wave1", "-o", out, "--with-original")
    assert code == 2 and "paths.store" in stderr
    assert not out.exists()
    assert len(study.audit_events()) == before


def test_a_withdrawn_participants_original_cannot_be_shown(study: StewardStudy, capsys,
                                                           tmp_path: Path) -> None:
    release = study.releases[(3, "wave1")]
    keep = {p: p.read_bytes() for p in release.meta_path.parent.iterdir()}
    study.withdraw(3)
    for path, data in keep.items():  # as if the purge had not reached the store yet
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    before = len(study.audit_events())
    code, _, stderr = study.cli(capsys, "review", "P03_wave1", "-o", tmp_path / "p.html",
                                "--with-original")
    assert code != 0
    assert not (tmp_path / "p.html").exists()
    assert len(study.audit_events()) == before


def test_a_changed_clean_file_or_missing_review_data_is_said_on_the_page(
        study: StewardStudy, capsys, tmp_path: Path) -> None:
    release = study.releases[(1, "wave2")]
    with release.clean_path.open("a", encoding="utf-8") as f:
        f.write("edited by hand\n")
    code, _, stderr = study.cli(capsys, "review", "P01_wave2", "-o", tmp_path / "a.html")
    assert code == 0 and "has changed since it was released" in stderr
    assert "has changed since it was released" in (tmp_path / "a.html").read_text("utf-8")
    release.meta_path.with_name("P01_wave2.review.json").unlink()
    code, _, stderr = study.cli(capsys, "review", "P01_wave2", "-o", tmp_path / "b.html")
    assert code == 0 and "no review data" in stderr
    tree = parse((tmp_path / "b.html").read_text(encoding="utf-8"))
    assert [m for m in tree.find("mark") if "id" in m] == []
    assert "edited by hand" in tree.text_of["clean-text"]


def test_accepting_records_a_review_decision(study: StewardStudy, capsys) -> None:
    release = study.releases[(2, "wave1")]
    code, stdout, _ = study.cli(capsys, "review", "P02_wave1", "--accept")
    assert code == 0 and "accepted" in stdout
    event, fields = study.audit_events()[-1]
    assert event == "review_decision"
    import hashlib

    assert fields == {
        "decision": "accepted", "participant": 2, "wave": "wave1", "job_id": release.job,
        "clean_sha256": hashlib.sha256(release.clean_path.read_bytes()).hexdigest(),
        "replacement_count": len(release.outcome.scan.replacements),
        "flag_count": len(release.outcome.scan.flags)}
    with release.clean_path.open("a", encoding="utf-8") as f:
        f.write("changed\n")
    code, _, stderr = study.cli(capsys, "review", "P02_wave1", "--accept")
    assert code == 2 and "cannot be accepted" in stderr


def test_participant_names_are_the_studys(study: StewardStudy) -> None:
    """The fixture's own check: the vault holds the invented participants."""
    with study.open_vault() as vault:
        assert {e.number: e.names for e in vault.entries("participant")} == PARTICIPANTS
