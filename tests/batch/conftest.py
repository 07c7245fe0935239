"""The batch tests' shared archive and ``anonymizer run``'s result on it (once per module)."""

from __future__ import annotations

import os

import pytest

# Ray reads this when it is imported, and the in-process tests import it before any batch can
# set it: the batch's own local Ray then stays on the loopback address (it refuses to start
# otherwise). The tests that run the real command in a process of their own drop it.
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

pytest.register_assert_rewrite("batch_kit")  # its asserts say what differs
from batch_kit import copy_study, make_archive, make_study, run_reference  # noqa: E402

ARCHIVE_SIZE = 40  # long enough for a kill -9 to land while items are in flight


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """One archive and run's result on it, shared by a module's tests (each batch gets its
    own copy of the study's vault as it was before run)."""
    root = tmp_path_factory.mktemp("batch")
    config = make_study(root / "study")
    files = make_archive(root / "archive", ARCHIVE_SIZE)
    run_config = copy_study(config, root / "run-study")
    assert run_reference(run_config, files, root / "run-out") == 2  # the empty file
    return config, files, run_config, root / "run-out"
