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


WATCH_COMMANDS = "anonymizer.cli.watch_cmds"


@pytest.fixture(autouse=True)
def watch_commands_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Until the CLI root lists the daemon's commands, add them for these tests (a no-op
    after). ``test_daemon_cli.py`` says whether the root lists them."""
    import anonymizer.cli as cli

    if WATCH_COMMANDS not in cli.COMMAND_MODULES:
        monkeypatch.setattr(cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, WATCH_COMMANDS))
