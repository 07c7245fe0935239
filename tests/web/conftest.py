"""Fixtures of the workbench tests: a study with a real vault (``tests/steward_study.py``), its
accounts (real Argon2id, cheap parameters), the app served by a real uvicorn on a free loopback
port, and a headless Chromium (``tests/browser.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import Browser, Page, chromium
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


@pytest.fixture(scope="module")
def loopback_browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """A headless Chromium that reaches 127.0.0.1 (the test server) and resolves no name."""
    with chromium(tmp_path_factory.mktemp("chromium-profile"), loopback=True) as browser:
        yield browser


@pytest.fixture
def page(loopback_browser: Browser) -> Iterator[Page]:
    tab = loopback_browser.new_page()
    try:
        yield tab
    finally:
        loopback_browser.send("Target.closeTarget", {"targetId": tab.target})
        loopback_browser.events[:] = [e for e in loopback_browser.events
                                      if e.get("sessionId") != tab.session]
