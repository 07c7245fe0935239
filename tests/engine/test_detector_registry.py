"""One detector interface (issue 13.2): each detector reads one DetectionInput, and adding one
is a module with ``build(kit)`` plus one line in ``detectors/registry.py``."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable

import pytest

import anonymizer.detectors as detectors_package
from anonymizer.detectors import DetectionInput, DetectorKit, registry
from anonymizer.findings import EntityKind, Finding


def test_every_detector_module_is_registered_once() -> None:
    with_build = set()
    for info in pkgutil.iter_modules(detectors_package.__path__):
        module = importlib.import_module(f"anonymizer.detectors.{info.name}")
        if callable(getattr(module, "build", None)):
            with_build.add(module.build)
    registered = list(registry.BUILDERS)
    assert len(registered) == len(set(registered))
    assert set(registered) == with_build


def test_every_built_detector_reads_one_input(session_engine) -> None:
    assert session_engine.detectors
    for detector in session_engine.detectors:
        assert callable(detector.find), type(detector).__name__


class _Codenames:
    """A detector of this test's own: a study's code word for a treatment ("the X protocol")."""

    def find(self, source: DetectionInput) -> list[Finding]:
        return [Finding(m.start(1), m.end(1), EntityKind.ID_NUMBER, "codename", 1.0)
                for m in re.finditer(r"the (\w+) protocol", source.text)]


def test_a_new_detector_is_one_registration_line(
        make_engine: Callable[..., object], monkeypatch: pytest.MonkeyPatch) -> None:
    text = "We used the tangerine protocol at the clinic.\n"
    before = make_engine().anonymize(text).clean_text
    assert "tangerine" in before  # the stock detectors do not know code names

    def build(kit: DetectorKit) -> _Codenames:
        return _Codenames()

    monkeypatch.setattr(registry, "BUILDERS", (*registry.BUILDERS, build))
    after = make_engine().anonymize(text).clean_text
    assert "tangerine" not in after
    assert re.search(r"the \[[A-Za-z ]+ ?\d*\] protocol", after), after
