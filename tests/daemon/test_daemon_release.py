"""Inbox to store with the real daemon and the real model: what a release looks like."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import pytest
from daemon_kit import (
    ALL_NAMES,
    NEVER_SEEN,
    PROJECT,
    check_store,
    files_holding,
    sha256,
    transcript,
    wait_until,
)

pytestmark = pytest.mark.integration


def test_a_dropped_transcript_is_released_with_its_metadata(study, daemon) -> None:
    with daemon():
        raw = study.drop("Sigrun Haldorsen interview2.txt", transcript("Sigrun Haldorsen", 1))
        wait_until(lambda: study.settled(1), what="the release")
    (sidecar, meta), = study.sidecars()
    assert sidecar.relative_to(study.store).as_posix() == "P01/wave2/P01_wave2.meta.json"
    clean = sidecar.parent / "P01_wave2.txt"
    text = clean.read_text(encoding="utf-8")
    assert "Participant 1:" in text and "Sigrun" not in text
    assert meta["participant"] == 1 and meta["participants"] == [1] and meta["wave"] == "wave2"
    assert meta["ethics"] == {"committee": "REK midt", "reference": "2013/2244",
                              "registry_entry": "REK midt 2013/2244",
                              "approval_date": "2013-06-20"}
    assert meta["project"] == {"id": PROJECT, "title": "Living with low back pain"}
    assert meta["consent"] == {"status": "pending",
                               "scope": "research use by the project group"}
    assert meta["retention_until"] == "2030-12-31"
    assert meta["input"] == {"sha256": sha256(raw), "bytes": len(raw), "format": "txt"}
    review = clean.with_name("P01_wave2.review.json")
    assert meta["files"] == [{"name": "P01_wave2.txt", "format": "txt",
                              "sha256": sha256(clean.read_bytes())},
                             {"name": "P01_wave2.review.json", "format": "review",
                              "sha256": sha256(review.read_bytes())}]
    marks = json.loads(review.read_text(encoding="utf-8"))["replacements"]
    text = clean.read_text(encoding="utf-8")
    assert all(0 <= m["start"] < m["end"] <= len(text) for m in marks)
    people = {text[m["start"]:m["end"]] for m in marks if m["kind"] == "PERSON"}
    assert people and all(re.fullmatch(r"\[?(Participant|Person) \d+\]?", p) for p in people)
    assert meta["replacements"]["by_kind"]["PERSON"] >= 2
    assert meta["replacements"]["total"] == sum(meta["replacements"]["by_kind"].values())
    assert meta["model"]["name"] and meta["model"]["version"] and len(meta["rules_digest"]) == 64
    assert meta["tool"]["version"] and meta["anonymized_at"].endswith("Z")
    assert meta["original"] == {"policy": "seal", "file": f"P01/{meta['job_id']}.txt.sealed"}
    assert clean.stat().st_mode & 0o777 == 0o640
    check_store(study, {sha256(raw): raw})
    with study.open_vault() as vault:
        assert vault.get("participant", 1).waves == ("wave2",)
    rows = list(csv.DictReader(io.StringIO((study.store / "catalog.csv").read_text())))
    assert [(r["file"], r["participant"], r["wave"], r["ethics_reference"]) for r in rows] == [
        ("P01/wave2/P01_wave2.txt", "1", "wave2", "2013/2244")]
    events = [e for e, _ in study.audit_events()]
    assert events == ["daemon_started", "received", "released", "daemon_stopped"]


def test_docx_gives_a_clean_docx_without_authors_or_properties(study, daemon) -> None:
    from docx import Document

    document = Document()
    for line in transcript("Halvard Brekke", 2).splitlines():
        document.add_paragraph(line)
    document.core_properties.author = "Halvard Brekke"
    document.core_properties.last_modified_by = "Halvard Brekke"
    document.core_properties.title = "Interview with Halvard Brekke"
    path = study.root / "h.docx"
    document.save(path)
    with daemon():
        study.drop("Halvard_Brekke_t3.docx", path.read_bytes())
        wait_until(lambda: study.settled(1))
    (sidecar, meta), = study.sidecars()
    assert [f["name"] for f in meta["files"]] == ["P02_wave3.txt", "P02_wave3.docx",
                                                   "P02_wave3.review.json"]
    with zipfile.ZipFile(sidecar.parent / "P02_wave3.docx") as package:
        everything = b"".join(package.read(n) for n in package.namelist())
    assert b"Halvard" not in everything and b"Participant 2" in everything
    assert files_holding(study.store, ["Halvard"]) == []


def _subtitles(speaker: str, fmt: str) -> str:
    cues = [("00:00:01.000", "00:00:04.000", "Interviewer", "How has the week been?"),
            ("00:00:04.500", "00:00:09.250", speaker, "A long week. My sister helped me."),
            ("00:01:02.000", "00:01:05.000", "Interviewer", "Thank you, that is all.")]
    if fmt == "vtt":
        return "WEBVTT\n\n" + "\n\n".join(
            f"{a} --> {b}\n<v {who}>{said}" for a, b, who, said in cues) + "\n"
    return "\n\n".join(f"{i}\n{a.replace('.', ',')} --> {b.replace('.', ',')}\n{who}: {said}"
                       for i, (a, b, who, said) in enumerate(cues, 1)) + "\n"


@pytest.mark.parametrize("fmt", ["vtt", "srt"])
def test_subtitles_are_also_released_in_their_own_format_with_their_timings(
        study, daemon, fmt: str) -> None:
    with daemon():
        study.drop(f"Halvard Brekke t2.{fmt}", _subtitles("Halvard Brekke", fmt))
        wait_until(lambda: study.settled(1))
    (sidecar, meta), = study.sidecars()
    assert [(f["name"], f["format"]) for f in meta["files"]] == [
        ("P02_wave2.txt", "txt"), (f"P02_wave2.{fmt}", fmt),
        ("P02_wave2.review.json", "review")]
    clean = (sidecar.parent / f"P02_wave2.{fmt}").read_text("utf-8")
    sep = "." if fmt == "vtt" else ","
    assert f"00:00:04{sep}500 --> 00:00:09{sep}250" in clean
    assert f"00:01:02{sep}000 --> 00:01:05{sep}000" in clean
    assert "Participant 2" in clean and "Halvard" not in clean and "Brekke" not in clean
    assert clean.startswith("WEBVTT") == (fmt == "vtt")
    assert files_holding(study.store, ["Halvard", "Brekke"]) == []


def test_participant_from_speaker_labels_and_wave_by_default(study, daemon) -> None:
    with daemon():
        study.drop("recording 0042.txt", transcript("Torunn Vikås", 3))
        wait_until(lambda: study.settled(1))
    (sidecar, meta), = study.sidecars()
    assert (meta["participant"], meta["wave"]) == (3, "wave1")


def test_a_second_transcript_for_the_same_wave_gets_its_own_name(study, daemon) -> None:
    with daemon():
        study.drop("Eirik t2 part a.txt", transcript("Eirik Moldestad", 4))
        wait_until(lambda: study.settled(1))
        study.drop("Eirik t2 part b.txt", transcript("Eirik Moldestad", 5))
        wait_until(lambda: study.settled(2))
    names = sorted(p.name for p in (study.store / "P04" / "wave2").iterdir())
    assert names == ["P04_wave2.meta.json", "P04_wave2.review.json", "P04_wave2.txt",
                     "P04_wave2_part2.meta.json", "P04_wave2_part2.review.json",
                     "P04_wave2_part2.txt"]


@pytest.mark.parametrize("policy, expected", [("quarantine", "participant_unknown"),
                                              ("assign", None)])
def test_an_unregistered_interviewee(study, daemon, policy, expected) -> None:
    study.write_config(store={"unknown_participant": policy})
    with daemon():
        study.drop("new interview.txt", transcript(NEVER_SEEN, 6))
        wait_until(lambda: study.settled(1))
    with study.open_vault() as vault:
        found = vault.lookup("participant", NEVER_SEEN)
    if expected:
        assert study.reasons() == [expected] and study.sidecars() == []
        assert found is None, "a refused transcript must not leave a new number behind"
    else:
        (_, meta), = study.sidecars()
        assert found is not None and meta["participant"] == found.number == 6


def test_file_name_and_speakers_that_disagree_are_quarantined(study, daemon) -> None:
    with daemon():
        study.drop("Sigrun t1.txt", transcript("Halvard Brekke", 7))
        study.drop("P02 and Sigrun.txt", transcript("Halvard Brekke", 8))
        study.drop("Liv 6mnd t2.txt", transcript("Liv Aamodt", 9))
        wait_until(lambda: study.settled(3))
    assert sorted(study.reasons()) == ["participant_ambiguous", "participant_mismatch",
                                       "wave_ambiguous"]
    assert study.sidecars() == []


def test_focus_group_filed_by_its_name_lists_every_speaker(study, daemon) -> None:
    text = ("Moderator: Welcome, both of you.\n"
            "Sigrun Haldorsen: Thank you. Halvard and I met in the garden.\n"
            "Halvard Brekke: Yes, we grew potatoes there for years.\n")
    with daemon():
        study.drop("focus group 1.txt", text)
        study.drop("P01 focus group 2.txt", text + "Moderator: Thank you.\n")
        wait_until(lambda: study.settled(2))
    assert study.reasons() == ["participant_ambiguous"]
    (_, meta), = study.sidecars()
    assert (meta["participant"], meta["participants"]) == (1, [1, 2])


def test_files_already_in_the_inbox_are_processed_at_start_and_oneshot_ends(study, daemon
                                                                           ) -> None:
    inputs = {}
    for k in range(3):
        raw = study.drop(f"Liv Aamodt t{k + 1}.txt", transcript("Liv Aamodt", 10 + k))
        inputs[sha256(raw)] = raw
    study.drop("Thumbs.db", b"\0\1")
    study.drop("~$v Aamodt t1.docx", b"lock")
    study.drop(".hidden.txt", "Liv Aamodt: hidden")
    study.drop("half written.docx.tmp", b"PK")
    (study.inbox / "a folder").mkdir()
    summary = daemon(oneshot=True)
    with summary:
        result = summary.finish()
    assert (result.released, result.quarantined) == (3, 0)
    assert check_store(study, inputs) == dict.fromkeys(inputs, "released")
    assert sorted(p.name for p in study.inbox.iterdir()) == sorted(
        [".hidden.txt", "Thumbs.db", "a folder", "half written.docx.tmp", "~$v Aamodt t1.docx"])


def test_nothing_identifying_outside_inbox_quarantined_inputs_and_vault(study, daemon, caplog
                                                                        ) -> None:
    """Names (registered ones, the unregistered interviewee) and inbox file names never reach
    the store, sidecars, catalog, reports, originals, journal, audit log or log lines."""
    names = {
        "Sigrun Haldorsen t1.txt": transcript("Sigrun Haldorsen", 20),
        "Halvard Brekke int2.txt": transcript("Halvard Brekke", 21),
        "Ragnhild Oftedal t1.txt": transcript(NEVER_SEEN, 22),  # quarantined: unknown
        "Torunn Vikås follow-up.txt": transcript("Torunn Vikås", 23),
        "Eirik Moldestad empty.txt": "",
    }
    with daemon():
        for name, text in names.items():
            study.drop(name, text)
        wait_until(lambda: study.settled(len(names)))
    quarantined = [study.quarantine / n for n, _ in study.reports()]
    needles = [*ALL_NAMES, NEVER_SEEN, "Sigrun", "Halvard", "Torunn", "Oftedal", "Moldestad"]
    hits = files_holding(study.data, needles, skip=quarantined)
    assert hits == []
    log_text = "\n".join(r.getMessage() for r in caplog.records)
    assert not [n for n in needles if n.casefold() in log_text.casefold()]
    for _name, report in study.reports():
        assert set(report) == {"v", "reason", "stage", "time", "tool_version", "job_id",
                               "input_sha256", "input_bytes", "participant", "detail",
                               "what_to_do"}
        assert not any(n.casefold() in json.dumps(report).casefold() for n in needles)


@pytest.mark.parametrize(("stray", "expected"), [(0, {}), (2, {"outside_cue": 2})])
def test_the_sidecar_counts_what_the_reader_dropped(study, daemon, stray, expected) -> None:
    cues = "".join(f"00:00:{n:02d}.000 --> 00:00:{n:02d}.500\n{line}\n\n"
                   for n, line in enumerate(transcript("Sigrun Haldorsen", 1).splitlines()))
    outside = "".join(f"Sigrun Haldorsen note {i}\n\n" for i in range(stray))
    with daemon():
        study.drop("Sigrun Haldorsen interview2.vtt", f"WEBVTT\n\n{outside}{cues}")
        wait_until(lambda: study.settled(1), what="the release")
    (_, meta), = study.sidecars()
    assert meta["dropped"] == expected
    assert "Sigrun" not in json.dumps(meta)
