"""Fixtures: a study with a real vault and transcripts released by the real engine
(``tests/steward_study.py``), the steward commands registered, and a headless Chromium
(``tests/browser.py``)."""

from browser import chromium_browser, page  # noqa: F401 - fixtures
from steward_study import (  # noqa: F401 - fixtures
    empty_study,
    steward_commands_registered,
    steward_env,
    study,
)
