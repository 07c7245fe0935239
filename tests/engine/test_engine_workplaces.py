"""Workplaces after a cue ("works at Telenor", "jobber på Rema 1000"): rules/<lang>/names.toml."""

from __future__ import annotations

import pytest

from anonymizer.detectors.workplaces import DETECTOR, WorkplaceDetector
from anonymizer.engine.engine import Engine
from anonymizer.findings import EntityKind
from anonymizer.keys.keystore import InMemoryKeyStore
from anonymizer.settings import Settings

pytestmark = pytest.mark.integration


def _found(engine: Engine, text: str) -> list[str]:
    chunks = engine.pipeline.analyse(text)
    return [text[f.start:f.end] for f in WorkplaceDetector(engine.rulebook.names).detect(
        chunks, cased=True)]


@pytest.mark.parametrize(("text", "expected"), [
    ("He works at Telenor.", ["Telenor"]),
    ("She works at the Oslo University Hospital now.", ["Oslo University Hospital"]),
    ("He is employed by the Bank of Norway, I think.", ["Bank of Norway"]),
    ("He worked for Barnes & Noble, then for McDonald's.", ["Barnes & Noble"]),  # "for" alone
    ("Her employer is McDonald's.", ["McDonald's"]),
    ("She is a nurse at St. Olav's Hospital in Trondheim.", ["St. Olav's Hospital"]),
    ("My son studies at NTNU.", ["NTNU"]),
    # no capitalised name after the cue: nothing
    ("I work at home most days.", []),
    ("She works at a school near us.", []),
    ("He works for the council.", []),
    ("I work at I don't know what.", []),
    ("He works at Christmas only.", []),  # a holiday, not a workplace (not_names)
])
def test_english_workplaces(session_engine: Engine, text: str, expected: list[str]) -> None:
    assert _found(session_engine, text) == expected


def test_lower_case_text_is_left_to_other_detectors(session_engine: Engine) -> None:
    chunks = session_engine.pipeline.analyse("he works at telenor now")
    assert WorkplaceDetector(session_engine.rulebook.names).detect(chunks, cased=False) == []


def test_the_workplace_is_replaced_as_an_organisation(make_engine) -> None:  # noqa: ANN001
    engine = make_engine()
    text = "P: My brother works at Rema 1000 on Saturdays."
    scan = engine.scan(text)
    kinds = {text[r.start:r.end]: (r.entity, r.detector) for r in scan.replacements}
    assert kinds["Rema"] == (EntityKind.ORGANISATION, DETECTOR)  # context beats the name list
    assert "Rema" not in engine.anonymize(text).clean_text


@pytest.fixture(scope="module")
def nb_engine(_shared_gazetteers) -> Engine:  # noqa: ANN001
    return Engine.from_settings(Settings.model_validate({"project": {"language": "nb"}}),
                                keystore=InMemoryKeyStore())


@pytest.mark.parametrize(("text", "expected"), [
    ("Han jobber på Rema 1000 i helgene.", ["Rema"]),
    ("Hun er ansatt i Telenor og trives.", ["Telenor"]),
    ("Han har jobbet i Dagbladet i mange år.", ["Dagbladet"]),
    # bokmål writes the rest of such a name in lower case: only the capitalised word is taken
    ("Jeg studerer ved Norges teknisk-naturvitenskapelige universitet.", ["Norges"]),
    ("Jeg jobber hjemme.", []),
    ("Hun jobber i barnehagen.", []),
])
def test_norwegian_workplaces(nb_engine: Engine, text: str, expected: list[str]) -> None:
    assert _found(nb_engine, text) == expected
