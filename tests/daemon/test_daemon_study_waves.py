"""A study's own waves ([study] waves): files fall into the study's waves, and a name that
matches none is quarantined with what to do (or gets the study's default wave)."""

from __future__ import annotations

import pytest
from daemon_kit import Study, check_store, transcript, wait_until

pytestmark = pytest.mark.integration

WAVES = [{"label": "wave1", "words": ["baseline", "before treatment"]},
         {"label": "wave2", "words": ["post-treatment", "after treatment"]},
         {"label": "wave3", "words": ["6 months", "six months"]}]


def test_files_fall_into_the_studys_waves(study: Study, daemon) -> None:
    study.write_config(study={"waves": WAVES})
    with daemon():
        study.drop("Sigrun baseline.txt", transcript("Sigrun Haldorsen", 1))
        study.drop("Sigrun Post Treatment.txt", transcript("Sigrun Haldorsen", 2))
        study.drop("Halvard - 6 months.txt", transcript("Halvard Brekke", 3))
        study.drop("Halvard t3.txt", transcript("Halvard Brekke", 4))  # not one of the words
        wait_until(lambda: study.settled(4), what="three releases and one refusal")
    waves = sorted((m["participant"], m["wave"]) for _, m in study.sidecars())
    assert waves == [(1, "wave1"), (1, "wave2"), (2, "wave3")]
    (name, report), = study.reports()
    assert report["reason"] == "wave_unknown"
    assert "wave1, wave2, wave3" in report["detail"] and "study.default_wave" in report["detail"]
    assert "halvard" not in name.casefold()
    check_store(study)


def test_the_studys_default_wave_takes_a_name_without_one(study: Study, daemon) -> None:
    study.write_config(study={"waves": WAVES, "default_wave": "wave1"})
    with daemon():
        study.drop("Sigrun.txt", transcript("Sigrun Haldorsen", 5))
        wait_until(lambda: study.settled(1))
    (_, meta), = study.sidecars()
    assert meta["wave"] == "wave1"
