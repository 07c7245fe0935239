"""Consent withdrawal: after the purge, no file of that participant remains anywhere."""

from __future__ import annotations

import csv
import io

import pytest
from daemon_kit import Study, check_store, files_holding, sha256, transcript, wait_until

from anonymizer.audit.log import open_audit_log
from anonymizer.store.purge import purge_participant

pytestmark = pytest.mark.integration

FOCUS = ("Moderator: Welcome, both of you.\n"
         "Sigrun Haldorsen: Thank you. Halvard and I met in the garden.\n"
         "Halvard Brekke: Yes, we grew potatoes there for years, every summer.\n")


def _docx(study: Study, text: str) -> bytes:
    from docx import Document

    document = Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    path = study.root / "made.docx"
    document.save(path)
    return path.read_bytes()


def _withdraw(study: Study, number: int):  # noqa: ANN202 - WithdrawalReceipt
    with study.open_vault() as vault:
        receipt = vault.withdraw(number)
        audit = open_audit_log(study.settings(), vault.audit_key())
        return receipt, audit


def test_purge_removes_every_file_of_the_participant(study: Study, daemon) -> None:
    drops = {
        "Sigrun t1.txt": transcript("Sigrun Haldorsen", 1).encode(),
        "Sigrun t2.docx": _docx(study, transcript("Sigrun Haldorsen", 2)),
        "P02 focus group.txt": FOCUS.encode(),  # filed under 2; Sigrun (1) speaks in it
        "Halvard t1.txt": transcript("Halvard Brekke", 3).encode(),
        "Sigrun t1 6mnd.txt": transcript("Sigrun Haldorsen", 4).encode(),  # quarantined
    }
    with daemon():
        for name, data in drops.items():
            study.drop(name, data)
        wait_until(lambda: study.settled(len(drops)))
    assert len(study.sidecars()) == 4 and study.reasons() == ["wave_ambiguous"]
    assert list(study.originals.glob("P01/*.sealed"))

    receipt, audit = _withdraw(study, 1)
    report = purge_participant(study.settings(), receipt, audit)

    assert (report.participant, report.transcripts, report.clean_files, report.catalog_rows,
            report.originals, report.quarantined) == (1, 3, 4, 4, 3, 1)
    assert not (study.store / "P01").exists() and not (study.originals / "P01").exists()
    assert len(list(study.originals.glob("P02/*.sealed"))) == 1  # the focus group's is gone
    (_, left), = study.sidecars()
    assert left["participant"] == 2 and left["participants"] == [2]
    rows = list(csv.DictReader(io.StringIO((study.store / "catalog.csv").read_text())))
    assert [r["file"] for r in rows] == ["P02/wave1/P02_wave1.txt"]
    assert study.reports() == []
    assert files_holding(study.data, ["Sigrun", "Haldorsen"]) == []
    purged = [f for e, f in study.audit_events() if e == "purged"]
    assert purged == [{"participant": 1, "transcript_count": 3, "file_count": 4,
                       "catalog_row_count": 4, "original_count": 3, "quarantined_count": 1,
                       "waves": ["wave1", "wave2"], "withdrawn_on": str(receipt.withdrawn_on)}]
    check_store(study, {sha256(drops["Halvard t1.txt"]): drops["Halvard t1.txt"]})

    # Running it again finds nothing more (a purge cut short is finished this way)
    again = purge_participant(study.settings(), receipt, audit)
    assert (again.transcripts, again.clean_files, again.originals) == (0, 0, 0)


def test_after_the_purge_the_same_bytes_or_the_name_are_not_released_again(study: Study,
                                                                          daemon) -> None:
    raw = transcript("Eirik Moldestad", 5).encode()
    with daemon():
        study.drop("Eirik t1.txt", raw)
        wait_until(lambda: study.settled(1))
        receipt, audit = _withdraw(study, 4)
        purge_participant(study.settings(), receipt, audit)
        assert study.sidecars() == []
        study.drop("Eirik t1 again.txt", raw)  # the very same file, dropped again
        study.drop("Eirik t2.txt", transcript("Eirik Moldestad", 6))  # a new one
        wait_until(lambda: len(study.reports()) == 2)
    assert sorted(study.reasons()) == ["participant_unknown", "withdrawn_input"]
    assert study.sidecars() == []
    with study.open_vault() as vault:
        assert vault.lookup("participant", "Eirik Moldestad") is None


def test_store_purge_command(study: Study, daemon, capsys) -> None:
    from anonymizer.cli import main

    with daemon():
        study.drop("Liv t1.txt", transcript("Liv Aamodt", 7))
        wait_until(lambda: study.settled(1))
    capsys.readouterr()
    assert main(["-c", str(study.config), "store", "purge", "5"]) == 2
    assert "has not withdrawn" in capsys.readouterr().err
    assert len(study.sidecars()) == 1
    with study.open_vault() as vault:
        vault.withdraw(5)
    assert main(["-c", str(study.config), "store", "purge", "5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("purged participant 5: 1 released transcript(s)")
    assert study.sidecars() == [] and not (study.originals / "P05").exists()
    assert main(["-c", str(study.config), "store", "purge", "5"]) == 0
    assert "0 released transcript(s)" in capsys.readouterr().out


def test_participants_withdraw_purges_the_store_at_once(study: Study, daemon, capsys) -> None:
    import json

    from anonymizer.cli import main

    with daemon():
        study.drop("Torunn t1.txt", transcript("Torunn Vikås", 8))
        study.drop("Halvard t1.txt", transcript("Halvard Brekke", 9))
        wait_until(lambda: study.settled(2))
    capsys.readouterr()
    assert main(["-c", str(study.config), "participants", "withdraw", "3", "--yes",
                 "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["participant"] == 3 and answer["purged"] == {
        "transcripts": 1, "clean_files": 1, "catalog_rows": 1, "originals": 1, "quarantined": 0}
    assert [meta["participant"] for _, meta in study.sidecars()] == [2]
    assert not (study.store / "P03").exists() and not (study.originals / "P03").exists()
    events = [e for e, _ in study.audit_events()]
    assert events[-2:] == ["withdrawn", "purged"]
