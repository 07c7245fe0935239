"""`anonymizer store rerun`: a released transcript again, from its sealed original, with the
current rules and vault -- the end of a steward's correction.

Real daemon pieces, a real vault and the session's model: transcripts are released by the
daemon, corrected with the steward commands, and re-run by the CLI in this process. Every test
ends with the store's invariants (``check_store``): one release per input, catalog equal to the
sidecars, the original sealed once and opening to the dropped bytes. Names are invented.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from daemon_kit import Study, check_store, files_holding, sha256

pytestmark = pytest.mark.integration

MISSED = "Fjellkroa"  # a sentence-initial unknown word: flagged, not replaced
MISSES = ("Interviewer: Where did you grow up?\n"
          f"Sigrun Haldorsen: {MISSED}, every Sunday. My sister helped me with the garden.\n"
          "Interviewer: Thank you, that is all for today.\n")
FALSE_POSITIVE = "Ergometer"  # a capitalised word inside a sentence: replaced as a person
OVER_REPLACED = ("Interviewer: What helped?\n"
                 "Halvard Brekke: My physiotherapist was kind, and "
                 f"{FALSE_POSITIVE} training too.\n")


def cli(study: Study, capsys: pytest.CaptureFixture[str], *argv: str | Path
        ) -> tuple[int, str, str]:
    from anonymizer.cli import main

    capsys.readouterr()
    code = main(["--config", str(study.config), *map(str, argv)])
    out = capsys.readouterr()
    return code, out.out, out.err


def release(study: Study, daemon: Any, files: dict[str, str]) -> dict[str, bytes]:
    """Drop ``files`` and let the daemon (oneshot) release them; sha256 -> bytes."""
    raw = {name: study.drop(name, text) for name, text in files.items()}
    with daemon(oneshot=True) as running:
        summary = running.finish()
    assert summary.released == len(files), summary
    return {sha256(data): data for data in raw.values()}


def only_sidecar(study: Study) -> tuple[Path, dict[str, Any]]:
    (path, meta), = study.sidecars()
    return path, meta


def work_is_empty(study: Study) -> None:
    """No journal entry, no input, no temp file (a decrypted original) left in work/."""
    assert sorted(p.name for p in study.work.iterdir()) == [".daemon.lock"]


def sealed_originals(study: Study) -> list[Path]:
    return sorted(p for p in study.originals.rglob("*") if p.is_file())


def catalog_files(study: Study) -> list[tuple[str, str]]:
    rows = csv.DictReader(io.StringIO((study.store / "catalog.csv").read_text()))
    return [(r["file"], r["job_id"]) for r in rows]


def test_the_steward_loop_review_add_deny_rerun(study: Study, daemon, cached_model, capsys,
                                                tmp_path: Path) -> None:
    inputs = release(study, daemon, {"Sigrun t1.txt": MISSES})
    old_sidecar, old = only_sidecar(study)
    assert old_sidecar.name == "P01_wave1.meta.json"
    assert MISSED in old_sidecar.with_name("P01_wave1.txt").read_text(encoding="utf-8")

    # the review page flags the miss and shows both commands
    code, _, _ = cli(study, capsys, "review", "P01_wave1", "-o", tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert code == 0 and f"add-deny &quot;{MISSED}&quot;" in page
    assert "anonymizer store rerun P01_wave1" in page
    code, stdout, _ = cli(study, capsys, "rules", "add-deny", MISSED, "--kind", "place")
    assert code == 0 and "anonymizer store affected --since-correction" in stdout

    code, stdout, stderr = cli(study, capsys, "store", "rerun", "P01_wave1", "--yes")
    assert (code, stderr) == (0, ""), stderr
    new_sidecar, new = only_sidecar(study)
    assert stdout.startswith(f"re-ran P01_wave1 as P01_wave1 (job {new['job_id'][:12]}, in "
                             "place)")

    # the new version, in place: same folder, participant, wave and file names (a QDA project
    # that imported P01_wave1.txt keeps its link); the miss is replaced
    assert new_sidecar.relative_to(study.store).as_posix() == "P01/wave1/P01_wave1.meta.json"
    assert (old["version"], new["version"]) == (1, 2)
    clean = new_sidecar.with_name("P01_wave1.txt").read_text(encoding="utf-8")
    assert MISSED not in clean and "[Place 1]" in clean and "Participant 1:" in clean
    assert (new["participant"], new["wave"], new["supersedes"]) == (1, "wave1", old["job_id"])
    assert new["input"] == old["input"] and new["job_id"] != old["job_id"]
    assert new["replacements"]["by_kind"]["LOCATION"] == 1
    # the old version is gone: clean file, review data, sidecar, catalog rows; nothing staged
    assert sorted(p.name for p in new_sidecar.parent.iterdir()) == [
        "P01_wave1.meta.json", "P01_wave1.review.json", "P01_wave1.txt"]
    assert catalog_files(study) == [("P01/wave1/P01_wave1.txt", new["job_id"])]
    [row] = csv.DictReader(io.StringIO((study.store / "catalog.csv").read_text()))
    assert (row["version"], row["supersedes"]) == ("2", old["job_id"])
    # one sealed original, under the new job, opening to the bytes that were dropped
    assert [p.relative_to(study.originals).as_posix() for p in sealed_originals(study)] == [
        new["original"]["file"]] == [f"P01/{new['job_id']}.txt.sealed"]
    check_store(study, inputs)
    work_is_empty(study)

    events = study.audit_events()  # verifies the chain
    released = [f for e, f in events if e == "released"]
    assert [f.get("supersedes") for f in released] == [None, old["job_id"]]
    assert released[1]["job_id"] == new["job_id"] and released[1]["participant"] == 1
    [superseded] = [f for e, f in events if e == "superseded"]
    assert superseded == {
        "job_id": old["job_id"], "new_job_id": new["job_id"], "participant": 1,
        "wave": "wave1", "input_sha256": old["input"]["sha256"],
        "output_sha256s": [f["sha256"] for f in old["files"]],
        "new_output_sha256s": [f["sha256"] for f in new["files"]], "resumed": False}
    assert [e for e, _ in events].index("superseded") == len(events) - 1
    assert files_holding(study.data / "audit", [MISSED, "Sigrun", "Haldorsen"]) == []

    # "P01_wave1" names the latest version, for review and for a further rerun
    code, stdout, _ = cli(study, capsys, "review", "P01_wave1", "--accept")
    assert code == 0 and "P01_wave1 reviewed" in stdout
    # the same bytes dropped again are still a duplicate of the (new) release; another
    # transcript of the same wave does not take the name P01_wave1
    study.drop("Sigrun t1 again.txt", MISSES)
    other = study.drop("Sigrun t1 other.txt", MISSES.replace("Sunday", "Monday"))
    with daemon(oneshot=True) as running:
        summary = running.finish()
    assert (summary.released, summary.duplicates) == (1, 1)
    assert [p.name for p, _ in study.sidecars()] == ["P01_wave1.meta.json",
                                                     "P01_wave1_part2.meta.json"]
    check_store(study, {**inputs, sha256(other): other})
    code, stdout, _ = cli(study, capsys, "review", "P01_wave1", "-o", tmp_path / "r2.html")
    assert code == 0 and "P01_wave1" in stdout


def test_add_allow_then_rerun_keeps_the_word_and_each_rerun_is_the_next_version(
        study: Study, daemon, cached_model, capsys) -> None:
    allow = study.root / "project-allow.txt"
    study.write_config(rules={"project_allow": str(allow)})
    inputs = release(study, daemon, {"Halvard t2.txt": OVER_REPLACED})
    _, first = only_sidecar(study)
    assert FALSE_POSITIVE not in (study.store / "P02/wave2/P02_wave2.txt").read_text()

    code, stdout, stderr = cli(study, capsys, "rules", "add-allow", FALSE_POSITIVE)
    assert code == 0 and "anonymizer store affected --since-correction" in stdout, stderr
    code, stdout, _ = cli(study, capsys, "store", "rerun", "P02_wave2", "--yes")
    assert code == 0 and "as P02_wave2 " in stdout
    clean = (study.store / "P02/wave2/P02_wave2.txt").read_text(encoding="utf-8")
    assert f"{FALSE_POSITIVE} training" in clean and "Halvard" not in clean

    # again (by job id prefix): version 3 replaces 2, still one release and one sealed original
    _, second = only_sidecar(study)
    code, stdout, _ = cli(study, capsys, "store", "rerun", second["job_id"][:10], "--yes")
    assert code == 0 and "re-ran P02_wave2 as P02_wave2 " in stdout
    path, third = only_sidecar(study)
    assert third["supersedes"] == second["job_id"] and second["supersedes"] == first["job_id"]
    assert [m["version"] for m in (first, second, third)] == [1, 2, 3]
    assert path.name == "P02_wave2.meta.json"
    assert len(sealed_originals(study)) == 1
    check_store(study, inputs)
    work_is_empty(study)
    events = study.audit_events()
    assert [f["job_id"] for e, f in events if e == "superseded"] == [first["job_id"],
                                                                      second["job_id"]]


def test_what_cannot_be_re_run_is_refused_in_one_line(study: Study, daemon, cached_model,
                                                      capsys) -> None:
    inputs = release(study, daemon, {"Sigrun t1.txt": MISSES})
    check_store(study, inputs)
    before = sorted((p, p.read_bytes()) for p in study.data.rglob("*") if p.is_file())

    # unknown: exit 2, one line, never repeating what was typed (it may be a name)
    code, stdout, stderr = cli(study, capsys, "store", "rerun", "Sigrun Haldorsen t3", "--yes")
    assert (code, stdout) == (2, "") and stderr.count("\n") == 1
    assert "no released transcript matches" in stderr and "Sigrun" not in stderr
    # no --yes and no terminal to ask on
    code, _, stderr = cli(study, capsys, "store", "rerun", "P01_wave1")
    assert code == 2 and "confirm with --yes" in stderr
    # (a daemon running on the work folder is handed the rerun: test_daemon_requests)
    after = sorted((p, p.read_bytes()) for p in study.data.rglob("*") if p.is_file()
                   if p.parent.name != "audit")
    assert after == [(p, d) for p, d in before if p.parent.name != "audit"]

    # a withdrawn participant (their files not purged yet): refused, nothing changes
    with study.open_vault() as vault:
        vault.withdraw(1)
    code, _, stderr = cli(study, capsys, "store", "rerun", "P01_wave1", "--yes")
    assert code == 2 and "participant 1 withdrew" in stderr and stderr.count("\n") == 1
    assert only_sidecar(study)[0].name == "P01_wave1.meta.json"
    assert len(sealed_originals(study)) == 1
    work_is_empty(study)
    assert not [e for e, _ in study.audit_events() if e in ("superseded", "rerun_refused")]


def test_a_rerun_verification_refuses_leaves_the_old_release_as_it_was(
        study: Study, daemon, cached_model, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    from anonymizer.engine.engine import Engine
    from anonymizer.errors import VerificationError

    inputs = release(study, daemon, {"Sigrun t1.txt": MISSES})
    old_sidecar, old = only_sidecar(study)
    before = {p: p.read_bytes() for p in (*old_sidecar.parent.iterdir(),
                                          *sealed_originals(study))}

    def refuse(self: Engine, *args: object, **kwargs: object) -> None:
        # what a correction that made things worse looks like to the pipeline
        raise VerificationError("job: a registered name is left at offset 40")

    monkeypatch.setattr(Engine, "verify", refuse)
    code, stdout, stderr = cli(study, capsys, "store", "rerun", "P01_wave1", "--yes")
    assert (code, stdout) == (5, "")
    error = stderr.splitlines()[-1]
    assert error.startswith("anonymizer: error: the rerun of P01_wave1 was refused "
                            "(verification_refused at stage anonymize")
    assert error.endswith("P01_wave1 is unchanged (recorded in the audit log)")

    after = {p: p.read_bytes() for p in (*old_sidecar.parent.iterdir(),
                                         *sealed_originals(study))}
    assert after == before  # the same files, byte for byte; one sealed original
    assert catalog_files(study) == [("P01/wave1/P01_wave1.txt", old["job_id"])]
    assert list(study.quarantine.iterdir()) == []  # the decrypted copy went nowhere
    work_is_empty(study)
    check_store(study, inputs)
    events = study.audit_events()
    [refused] = [f for e, f in events if e == "rerun_refused"]
    assert refused["supersedes"] == old["job_id"] and refused["participant"] == 1
    assert (refused["reason"], refused["stage"]) == ("verification_refused", "anonymize")
    assert [e for e, f in events if e == "released"] == ["released"]  # the old one only
    assert "superseded" not in [e for e, _ in events]


def test_a_docx_release_reruns_to_a_clean_docx_again(study: Study, daemon, cached_model,
                                                     capsys) -> None:
    from docx import Document

    document = Document()
    for line in MISSES.splitlines():
        document.add_paragraph(line)
    document.save(study.root / "made.docx")
    raw = (study.root / "made.docx").read_bytes()
    study.drop("Sigrun t1.docx", raw)
    with daemon(oneshot=True) as running:
        assert running.finish().released == 1
    code, _, _ = cli(study, capsys, "rules", "add-deny", MISSED, "--kind", "place")
    assert code == 0
    code, _, stderr = cli(study, capsys, "store", "rerun", "P01_wave1", "--yes")
    assert code == 0, stderr
    _, meta = only_sidecar(study)
    assert [f["name"] for f in meta["files"]] == [
        "P01_wave1.txt", "P01_wave1.docx", "P01_wave1.review.json"]
    assert meta["input"]["format"] == "docx" and meta["original"]["file"].endswith(".docx.sealed")
    check_store(study, {sha256(raw): raw})
    work_is_empty(study)


def test_revision_names() -> None:
    from anonymizer.store.naming import revision_of, revision_stem

    assert revision_of("P07_wave2") == ("P07_wave2", 1)
    assert revision_of("P07_wave2_r2") == ("P07_wave2", 2)
    assert revision_of("P07_wave2_part2_r13") == ("P07_wave2_part2", 13)
    assert revision_of("P07_r2") == ("P07_r2", 1)  # wave "r2", never re-run
    assert revision_stem("P07_wave2", 2) == "P07_wave2_r2"


def test_a_rerun_journal_entry_round_trips() -> None:
    from anonymizer.daemon.journal import JobState, JournalEntry, Supersedes
    from anonymizer.refusals import Reason, Refusal, Stage
    from anonymizer.store.naming import NameClues

    entry = JournalEntry("a" * 32, JobState.DISCARDING, ".txt", "2031-01-15T10:00:00Z",
                         NameClues(7, "wave2"), supersedes=Supersedes(
                             "b" * 32, "P07/wave2", "P07_wave2", "P07_wave2.meta.json",
                             (("P07_wave2.txt", "c" * 64),), f"P07/{'b' * 32}.txt.sealed",
                             "d" * 64), refusal=Refusal(Reason.VERIFICATION_REFUSED, Stage.ANONYMIZE))
    data = json.loads(json.dumps(entry.to_json()))
    assert JournalEntry.from_json(data) == entry
    assert "Kari" not in json.dumps(data)
