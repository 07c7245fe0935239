"""The detectors, in the order they run (a later one may read what earlier ones found)."""

from __future__ import annotations

from collections.abc import Callable

from anonymizer.detectors import (
    Detector,
    DetectorKit,
    file_names,
    gendered,
    institutions,
    names,
    places,
    presidio,
    roster,
    speakers,
    study_people,
    workplaces,
)

BUILDERS: tuple[Callable[[DetectorKit], Detector | None], ...] = (
    speakers.build,
    roster.build,
    study_people.build,
    presidio.build,
    file_names.build,
    gendered.build,
    workplaces.build,
    places.build,
    names.build,
    institutions.build,
)


def build_detectors(kit: DetectorKit) -> tuple[Detector, ...]:
    built = (build(kit) for build in BUILDERS)
    return tuple(detector for detector in built if detector is not None)
