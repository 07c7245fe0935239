"""A Norwegian project end to end: a bokmål transcript dropped in the inbox of a project set to
`nb` is released with participant numbers, [Sted N]-style labels, han/hun forms and no
identifiers, through our own Norwegian model loaded by name. Names are invented."""

from __future__ import annotations

import pytest
from daemon_kit import DaemonThread, check_store, files_holding, sha256, wait_until

from anonymizer.settings import Settings

pytestmark = pytest.mark.integration

TRANSCRIPT = """\
Intervjuer: Takk for at du kom. Hvordan har ryggen vært siden sist?
Sigrun Haldorsen: Bedre. Fysioterapeuten min, Henrik Aasen, holder til i Innherredsveien 7, \
7014 Trondheim. Han sa at jeg måtte trene hver dag.
Intervjuer: Og hjemme?
Sigrun Haldorsen: Mannen min hjelper til. Hun som bor ved siden av, Gunvor Rustad, kjører meg \
til Steinkjer av og til. Ring meg på 926 41 873 eller skriv til sigrun.h@eksempel.no. \
Fødselsnummeret mitt er 15076500565.
"""
SECRETS = ["Sigrun", "Haldorsen", "Henrik", "Aasen", "Innherredsveien", "Trondheim", "Gunvor",
           "Rustad", "Steinkjer", "926 41 873", "eksempel.no", "15076500565"]


@pytest.fixture(scope="module")
def nb_engine(_shared_gazetteers):
    from anonymizer.engine.engine import Engine

    return Engine.from_settings(Settings.model_validate({"project": {"language": "nb"}}))


def test_a_norwegian_transcript_is_released_clean(study, nb_engine) -> None:
    study.write_config(project={"language": "nb"})
    with DaemonThread(study, nb_engine):
        raw = study.drop("Sigrun Haldorsen intervju2.txt", TRANSCRIPT)
        wait_until(lambda: study.settled(1), what="the release")
    (sidecar, meta), = study.sidecars()
    assert (meta["participant"], meta["wave"], meta["language"]) == (1, "wave2", "nb")
    assert meta["model"]["name"] == "nb_transcript_ner"
    clean = (sidecar.parent / "P01_wave2.txt").read_text(encoding="utf-8")
    lines = clean.splitlines()
    assert lines[1].startswith("Deltaker 1: Bedre.")
    assert "[Sted" in clean and "[telefon]" in clean and "[e-post]" in clean
    assert "[ID-nummer]" in clean and "[adresse]" in clean
    assert "Han/hun sa" in clean and "Ektefellen min" in clean
    leftovers = [s for s in SECRETS if s.casefold() in clean.casefold()]
    assert leftovers == []
    check_store(study, {sha256(raw): raw})
    assert files_holding(study.store, SECRETS) == []
