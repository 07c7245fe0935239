"""Fixtures for the daemon tests: a study in tmp_path, the real daemon around the session model."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from daemon_kit import DaemonThread, Study


@pytest.fixture
def study(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Study:
    for name in ("ANONYMIZER_CONFIG", "CREDENTIALS_DIRECTORY"):
        monkeypatch.delenv(name, raising=False)
    return Study(tmp_path / "study")


@pytest.fixture
def engine_parts(session_engine):
    """The session's rulebook and loaded pipeline; each daemon builds its engine around them
    with its own vault key store."""
    return session_engine


@pytest.fixture
def daemon(study: Study, engine_parts, caplog: pytest.LogCaptureFixture
           ) -> Callable[..., DaemonThread]:
    """``with daemon() as d:`` runs the real daemon on ``study`` in a thread."""
    caplog.set_level(logging.INFO, logger="anonymizer.daemon")

    def make(**kwargs) -> DaemonThread:  # noqa: ANN003
        return DaemonThread(study, engine_parts, **kwargs)

    return make

