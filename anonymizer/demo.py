"""`make run`: prepare a demo data folder and run the main job on the bundled sample transcript."""

from __future__ import annotations

import shutil
import sys
from importlib import resources
from pathlib import Path

from anonymizer.cli import main as cli_main


def sample_transcript() -> Path:
    return Path(str(resources.files("anonymizer") / "data" / "sample_interview.txt"))


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "demo")
    (folder / "clean").mkdir(parents=True, exist_ok=True)
    source = folder / "sample_interview.txt"
    shutil.copyfile(sample_transcript(), source)
    print(f"Demo folder: {folder.resolve()}\nRaw transcript: {source}\n", file=sys.stderr)
    return cli_main(["run", str(source)])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
