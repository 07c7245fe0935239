"""Fixtures of the workbench tests: a study with a real vault (``tests/steward_study.py``), its
accounts (real Argon2id, cheap parameters), the app served by a real uvicorn on a free loopback
port, and a headless Chromium (``tests/browser.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import chromium_browser, page  # noqa: F401 - fixtures
from steward_study import (  # noqa: F401 - fixtures
    StewardStudy,
    empty_study,
    steward_commands_registered,
    steward_env,
    study,
)


@pytest.fixture
def bare_study(tmp_path: Path, steward_env: None) -> StewardStudy:  # noqa: F811 - the fixture
    """Settings and a vault with three participants, no engine (nothing can be released)."""
    return StewardStudy(tmp_path, None)
