"""A study holding both Norwegian written standards (``project.standards = ["nb", "nn"]``), end
to end through the daemon: each inbox file is read in the standard its name names or its text
shows, else in the study's language; the choice is in the sidecar and the audit log as codes and
counts, and both engines number through one vault. Transcripts: tests/fixtures/standards (our
own, invented names)."""

from __future__ import annotations

from pathlib import Path

import pytest
from daemon_kit import DaemonThread, check_store, files_holding, sha256, wait_until

from anonymizer.settings import Settings

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "standards"
WRITTEN_AS = "Solveig Brekkhus"  # the fixtures' speaker; each drop gives a registered one


def transcript(fixture: str, speaker: str) -> str:
    return (FIXTURES / fixture).read_text(encoding="utf-8").replace(WRITTEN_AS, speaker)


@pytest.fixture(scope="module")
def standard_engines(_shared_gazetteers):
    from anonymizer.engine.engine import Engine

    return {code: Engine.from_settings(Settings.model_validate({"project": {"language": code}}))
            for code in ("nb", "nn")}


def test_each_file_is_read_in_its_own_standard(study, standard_engines) -> None:
    study.write_config(project={"language": "nb", "standards": ["nb", "nn"]})
    drops = {
        "Torunn Vikås t1.txt": transcript("nynorsk_intervju.txt", "Torunn Vikås"),
        "Sigrun Haldorsen t1.txt": transcript("bokmal_intervju.txt", "Sigrun Haldorsen"),
        "Eirik Moldestad t1 nynorsk.txt": transcript("kort_intervju.txt", "Eirik Moldestad"),
        "Liv Aamodt t1.txt": transcript("kort_intervju.txt", "Liv Aamodt"),
    }
    raws = {}
    with DaemonThread(study, None, standards=standard_engines):
        for name, body in drops.items():
            raw = study.drop(name, body)
            raws[sha256(raw)] = raw
        wait_until(lambda: study.settled(len(drops)), what="four releases")
    assert study.reports() == []
    metas = {meta["participant"]: (sidecar, meta) for sidecar, meta in study.sidecars()}
    expected = {3: ("nn", "detected"), 1: ("nb", "detected"), 4: ("nn", "file_name"),
                5: ("nb", "undecided")}
    chosen = {p: (m["language"], m["standard"]["source"]) for p, (_, m) in metas.items()}
    assert chosen == expected
    # codes and counts only: no word of a transcript in the sidecar's record of the choice
    nynorsk = metas[3][1]["standard"]
    assert set(nynorsk) == {"code", "source", "markers", "rules_digest"}
    assert nynorsk["markers"]["nn"] >= 5 and nynorsk["markers"]["nb"] == 0
    assert metas[4][1]["standard"]["markers"] == {}  # the name decided: nothing was counted
    assert metas[5][1]["standard"]["markers"] == {"nb": 0, "nn": 0}

    def clean(number: int) -> str:
        sidecar, meta = metas[number]
        return (sidecar.parent / f"P{number:02d}_wave1.txt").read_text(encoding="utf-8")

    # each standard's own labels and slash forms
    assert clean(3).splitlines()[1].startswith("Deltakar 3: Ikkje så verst.")
    assert "[Stad" in clean(3) and "han/ho sa" in clean(3)
    assert clean(1).splitlines()[1].startswith("Deltaker 1: Ikke så verst.")
    assert "[Sted" in clean(1) and "han/hun sa" in clean(1)
    assert clean(4).splitlines()[0].startswith("Intervjuer:")  # a role label, kept as written
    assert "Deltakar 4:" in clean(4) and "Deltaker 5:" in clean(5)
    # one vault: the neighbour named in both transcripts is one person, one number
    assert "[Person 1]" in clean(3) and "[Person 1]" in clean(1)
    secrets = ["Torunn", "Vikås", "Sigrun", "Haldorsen", "Eirik", "Moldestad", "Aamodt",
               "Arnfinn", "Tveråen", "Levanger", "Førde"]
    assert files_holding(study.store, secrets) == []
    check_store(study, raws)

    events = study.audit_events()
    started = [f for e, f in events if e == "daemon_started"][-1]
    assert started["language"] == "nb" and started["standard_languages"] == ["nb", "nn"]
    released = {f["participant"]: f for e, f in events if e == "released"}
    assert {p: (f["language"], f["standard_source"]) for p, f in released.items()} == expected
    assert released[3]["standard_markers"] == nynorsk["markers"]


def test_a_study_with_one_standard_records_no_choice(study, standard_engines) -> None:
    study.write_config(project={"language": "nn"})
    with DaemonThread(study, standard_engines["nn"]):
        study.drop("Torunn Vikås t1.txt", transcript("bokmal_intervju.txt", "Torunn Vikås"))
        wait_until(lambda: study.settled(1), what="the release")
    (_, meta), = study.sidecars()
    assert meta["language"] == "nn" and "standard" not in meta
    released = [f for e, f in study.audit_events() if e == "released"]
    assert "standard_source" not in released[0]


def test_a_rerun_keeps_the_standard_the_file_name_named(study, standard_engines, capsys) -> None:
    """The inbox name is gone after the claim; the sidecar's record of the choice is what a
    rerun (``store rerun``, which loads its own engines from the settings) reads it in again."""
    from anonymizer.cli import main

    study.write_config(project={"language": "nb", "standards": ["nb", "nn"]})
    # bokmål words, but the steward named it nynorsk: the name wins, then and at the rerun
    study.drop("Eirik Moldestad t1 nynorsk.txt",
               transcript("bokmal_intervju.txt", "Eirik Moldestad"))
    with DaemonThread(study, None, standards=standard_engines, oneshot=True) as running:
        assert running.finish().released == 1
    (_, first), = study.sidecars()
    assert (first["language"], first["standard"]["source"]) == ("nn", "file_name")
    capsys.readouterr()
    assert main(["--config", str(study.config), "store", "rerun", "P04_wave1", "--yes"]) == 0
    (sidecar, second), = study.sidecars()
    assert second["version"] == 2 and second["supersedes"] == first["job_id"]
    assert (second["language"], second["standard"]) == ("nn", first["standard"])
    assert "Deltakar 4:" in (sidecar.parent / "P04_wave1.txt").read_text(encoding="utf-8")
