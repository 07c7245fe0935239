"""The batch tests' shared archive and ``anonymizer run``'s result on it (once per module)."""

from __future__ import annotations

import pytest

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
