"""Print the benchmark figures: `python -m anonymizer.benchmarks [SECTION ...]`."""

from __future__ import annotations

import json
import subprocess
import sys

from anonymizer.benchmarks.daemon import daemon_section
from anonymizer.benchmarks.vault import vault_section


def _in_subprocess(module: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", module, *args], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def engine_section() -> None:
    print("== Engine speed (one process each, single core) ==")
    rows = {m: _in_subprocess("anonymizer.benchmarks.engine", m)
            for m in ("presidio", "scan", "run", "long")}
    base = rows["presidio"]["words_per_s"]
    print(f"corpus: {rows['scan']['corpus']} ({rows['scan']['words']} words)")
    print(f"{'configuration':<36} {'words/s':>9} {'× Presidio':>11} {'peak RSS MB':>12}")
    labels = {"presidio": "Presidio AnalyzerEngine.analyze only", "scan": "anonymizer scan",
              "run": "anonymizer run (rewrite + verify)", "long": "run, one 50,000-word transcript"}
    for mode, row in rows.items():
        ratio = row["words_per_s"] / base
        print(f"{labels[mode]:<36} {row['words_per_s']:>9} {ratio:>10.2f}× {row['peak_rss_mb']:>12}")
    print()


SECTIONS = {"engine": engine_section, "vault": vault_section, "daemon": daemon_section}


def main(argv: list[str]) -> int:
    for name in argv or list(SECTIONS):
        SECTIONS[name]()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
