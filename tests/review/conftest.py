"""Fixtures: a study with a real vault and transcripts released by the real engine
(``tests/steward_study.py``), and the steward commands registered."""

from steward_study import (  # noqa: F401 - fixtures
    empty_study,
    steward_commands_registered,
    steward_env,
    study,
)
