"""`anonymizer store affected`: a correction reaches every transcript it concerns.

Real daemon, real vault, real sealed originals and the session's model: transcripts are
released, a steward corrects one miss, `store affected` finds every release whose original holds
the name (decrypted in memory, never written), and `--queue` hands their reruns to the daemon.
Names are invented.
"""

from __future__ import annotations

import io
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from daemon_kit import DaemonThread, Study, check_store, files_holding, sha256

pytestmark = pytest.mark.integration

MISSED = "Fjellkroa"  # a sentence-initial unknown word: flagged, not replaced
WITH_MISS = ("Interviewer: Where did you grow up?\n"
             f"{{who}}: {MISSED}, every Sunday. My sister helped me with the garden.\n"
             "Interviewer: Thank you, that is all for today.\n")
WITHOUT = ("Interviewer: Where did you grow up?\n"
           "{who}: By the sea, every Sunday. My sister helped me with the garden.\n")
FALSE_POSITIVE = "Ergometer"  # a capitalised word inside a sentence: replaced as a person


def cli(study: Study, capsys: pytest.CaptureFixture[str], *argv: str | Path
        ) -> tuple[int, str, str]:
    from anonymizer.cli import main

    capsys.readouterr()
    code = main(["--config", str(study.config), *map(str, argv)])
    out = capsys.readouterr()
    return code, out.out, out.err


def release_all(study: Study, engine_parts: Any, files: dict[str, str]) -> dict[str, bytes]:
    raw = {name: study.drop(name, text) for name, text in files.items()}
    with DaemonThread(study, engine_parts, oneshot=True) as running:
        assert running.finish().released == len(files)
    return {sha256(data): data for data in raw.values()}


def correction_of(stdout: str) -> int:
    found = re.search(r"--since-correction (\d+)", stdout)
    assert found, stdout
    return int(found.group(1))


def listing(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and "audit" not in p.parts and p.name != "audit.anchor"}


class Writes:
    """Every file this process opens for writing, creates, renames or makes a folder for while
    ``watching`` (a Python audit hook: it sees what the code does, wherever it writes)."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.watching = False
        sys.addaudithook(self._hook)  # cannot be removed: it is idle unless watching

    def _hook(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.watching:
            return
        if event == "open":
            path, mode, flags = args
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
            if writing and not isinstance(path, int):
                self.paths.append(os.fsdecode(path))
        elif event in ("os.mkdir", "os.rename", "os.replace", "os.link", "os.symlink"):
            self.paths.append(os.fsdecode(args[0]))


WRITES = Writes()


def clean_of(study: Study, stem: str) -> str:
    [path] = study.store.glob(f"P*/*/{stem}.txt")
    return path.read_text(encoding="utf-8")


def test_a_missed_name_reaches_every_transcript_that_holds_it(
        study: Study, engine_parts, cached_model, capsys) -> None:
    inputs = release_all(study, engine_parts, {
        "Sigrun t1.txt": WITH_MISS.format(who="Sigrun Haldorsen"),
        "Halvard t1.txt": WITHOUT.format(who="Halvard Brekke"),
        "Torunn t2.txt": WITH_MISS.format(who="Torunn Vikås"),
    })
    before = {p.name: m["job_id"] for p, m in study.sidecars()}
    assert MISSED in clean_of(study, "P01_wave1")

    code, stdout, _ = cli(study, capsys, "rules", "add-deny", MISSED, "--kind", "place")
    assert code == 0
    correction = correction_of(stdout)
    files_before = listing(study.root)

    WRITES.paths.clear()
    WRITES.watching = True
    try:
        code, stdout, stderr = cli(study, capsys, "store", "affected", "--since-correction",
                                   str(correction))
    finally:
        WRITES.watching = False
    assert (code, stderr) == (0, ""), stderr
    lines = stdout.splitlines()
    assert [line.split("\t")[:3] for line in lines[:-2]] == [
        ["P01_wave1", "participant 1", "wave1"], ["P03_wave2", "participant 3", "wave2"]]
    assert lines[-2] == "2 of 3 released transcript(s) concerned"
    assert MISSED.casefold() not in stdout.casefold()
    # nothing decrypted was written: the only writes were the audit record, its anchor and
    # their locks; the data folder is as it was but for the audit log
    audit, keys = str(study.data / "audit") + os.sep, str(study.root / "keys") + os.sep
    assert WRITES.paths and [p for p in WRITES.paths
                             if not p.startswith((audit, keys))] == [], WRITES.paths
    assert listing(study.root) == files_before
    [listed] = [f for e, f in study.audit_events() if e == "affected_listed"]
    assert (listed["correction_numbers"], listed["affected_count"], listed["release_count"],
            listed["queued_count"]) == ([correction], 2, 3, 0)
    assert files_holding(study.data / "audit", [MISSED]) == []

    # --queue: the daemon re-runs exactly those two, in place; the third is untouched
    code, stdout, _ = cli(study, capsys, "store", "affected", "--since-correction",
                          str(correction), "--queue")
    assert code == 0 and "queued 2 rerun(s); the daemon does them when it next starts" in stdout
    with DaemonThread(study, engine_parts, oneshot=True) as running:
        running.finish()
    after = {p.name: m for p, m in study.sidecars()}
    assert sorted(after) == sorted(before)
    assert after["P02_wave1.meta.json"]["job_id"] == before["P02_wave1.meta.json"]
    for name in ("P01_wave1.meta.json", "P03_wave2.meta.json"):
        assert after[name]["supersedes"] == before[name] and after[name]["version"] == 2
    for stem in ("P01_wave1", "P03_wave2"):
        assert MISSED.casefold() not in clean_of(study, stem).casefold()
        assert "[Place 1]" in clean_of(study, stem)
    check_store(study, inputs)
    asked = [f for e, f in study.audit_events() if e == "rerun_requested"]
    assert sorted(f["cause_code"] for f in asked) == [f"correction_{correction}"] * 2

    # nothing concerned any more? the originals still hold the name: both listed again
    code, stdout, _ = cli(study, capsys, "store", "affected", "--since-correction",
                          str(correction))
    assert code == 0 and stdout.splitlines()[-2] == "2 of 3 released transcript(s) concerned"


def test_an_allowed_word_and_a_name_from_stdin(study: Study, engine_parts, cached_model,
                                               capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    allow = study.root / "project-allow.txt"
    study.write_config(rules={"project_allow": str(allow)})
    release_all(study, engine_parts, {
        "Halvard t2.txt": ("Interviewer: What helped?\nHalvard Brekke: My physiotherapist "
                           f"was kind, and {FALSE_POSITIVE} training too.\n"),
        "Sigrun t1.txt": WITHOUT.format(who="Sigrun Haldorsen")})
    code, stdout, _ = cli(study, capsys, "rules", "add-allow", FALSE_POSITIVE)
    assert code == 0
    code, stdout, _ = cli(study, capsys, "store", "affected", "--since-correction",
                          str(correction_of(stdout)))
    assert code == 0 and stdout.splitlines()[0].startswith("P02_wave2\tparticipant 2\twave2")
    assert FALSE_POSITIVE not in stdout

    # a name given on stdin, whole words only: "Sunday" is there, "Sun" is not a word of it
    monkeypatch.setattr("sys.stdin", io.StringIO("sunday\n"))
    code, stdout, _ = cli(study, capsys, "store", "affected", "--name-from-stdin")
    assert code == 0 and stdout.splitlines()[0].startswith("P01_wave1\t")
    assert stdout.splitlines()[-2] == "1 of 2 released transcript(s) concerned"
    monkeypatch.setattr("sys.stdin", io.StringIO("Sun\n"))
    code, stdout, _ = cli(study, capsys, "store", "affected", "--name-from-stdin")
    assert code == 0 and stdout.splitlines() == ["0 of 2 released transcript(s) concerned"]


def test_what_is_not_a_correction_is_refused_in_one_line(study: Study, engine_parts,
                                                         capsys) -> None:
    release_all(study, engine_parts, {"Sigrun t1.txt": WITHOUT.format(who="Sigrun Haldorsen")})
    code, _, stderr = cli(study, capsys, "store", "affected", "--since-correction", "1")
    assert code == 2 and "audit record 1 is not a correction" in stderr
    assert stderr.count("\n") == 1
    code, _, stderr = cli(study, capsys, "store", "affected", "--since-correction", "999")
    assert code == 2 and "no correction numbered 999" in stderr


def test_the_matcher_takes_whole_words_of_the_normalised_text() -> None:
    from anonymizer.review.affected import matcher, normalise

    pattern = matcher(["Eve", "Nils  Arne", "A\u030angstrøm"])  # decomposed Å
    assert pattern.search(normalise("and then Eve said"))
    assert not pattern.search(normalise("Evening came"))
    assert pattern.search(normalise("NILS\n ARNE came"))
    assert pattern.search(normalise("ÅNGSTRØM, yes"))


def test_a_people_alias_reaches_the_transcripts_that_use_the_new_name(
        study: Study, engine_parts, cached_model, capsys) -> None:
    release_all(study, engine_parts, {
        "Sigrun t1.txt": WITH_MISS.format(who="Sigrun Haldorsen"),
        "Halvard t1.txt": WITH_MISS.format(who="Halvard Brekke").replace(MISSED, "Kroa"),
        "Torunn t1.txt": WITHOUT.format(who="Torunn Vikås")})
    code, stdout, _ = cli(study, capsys, "rules", "add-deny", MISSED, "--kind", "place")
    label = re.search(r"registered as Place (\d+)", stdout)
    assert code == 0 and label
    code, stdout, _ = cli(study, capsys, "people", "alias", f"place:{label.group(1)}", "Kroa")
    assert code == 0
    alias = correction_of(stdout)
    code, stdout, _ = cli(study, capsys, "store", "affected", "--since-correction", str(alias))
    # the place's names are Fjellkroa and Kroa now: both transcripts, not the third
    assert code == 0 and [line.split("\t")[0] for line in stdout.splitlines()[:2]] == [
        "P01_wave1", "P02_wave1"]
    assert stdout.splitlines()[2] == "2 of 3 released transcript(s) concerned"
    assert "Kroa" not in stdout
