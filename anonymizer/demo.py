"""`make run`: a demo study in ./demo, the daemon started on it, the bundled sample dropped in.

What it sets up (all invented; safe to delete, `make clean` does):

    demo/anonymizer.toml   settings: project "back-pain-demo", ethics "REK midt 2013/2244"
    demo/vault.key         a generated 256-bit key file (mode 0600) that unlocks ...
    demo/keys/             ... the demo vault, where participant 7 is registered
    demo/data/             inbox/ work/ store/ quarantine/ originals/ audit/

Then it starts the daemon (in this process), drops the sample transcript into the inbox under a
name a research assistant might use ("Ingrid Solberg interview 1.txt"), waits for the clean file
to appear in the store, prints it and its metadata, stops the daemon and says how to run it
yourself. A demo folder left by an earlier run is replaced (only if it is one: it has a marker).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import shutil
import sys
import threading
import time
from importlib import resources
from pathlib import Path

MARKER = ".anonymizer-demo"
PROJECT = "back-pain-demo"
PARTICIPANT = (7, ["Ingrid Solberg", "Ingrid"])  # invented, as is everyone in the sample
DROPPED_AS = "Ingrid Solberg interview 1.txt"
WAIT_SECONDS = 180.0

CONFIG = """\
# Demo settings written by `make run` (python -m anonymizer.demo). Every setting is explained in
# deploy/anonymizer.example.toml.

[project]
id = "{project}"
title = "Living with low back pain"
language = "en"

[ethics]
committee = "REK midt"
reference = "2013/2244"
approval_date = 2013-06-20
consent_scope = "research use by the project group; anonymized quotes in publications"
retention_until = 2030-12-31

[vault]
backend = "vault"
dir = "keys"
key_file = "vault.key"

[paths]
data_dir = "data"

[watch]
settle_seconds = 0.5

[store]
originals = "seal"
unknown_participant = "quarantine"
"""


def sample_transcript() -> Path:
    return Path(str(resources.files("anonymizer") / "data" / "sample_interview.txt"))


def prepare(folder: Path) -> Path:
    """A fresh demo study in ``folder``; returns its settings file."""
    from vault import Secret, Vault, generate_key_file

    if folder.exists():
        if not (folder / MARKER).exists():
            raise SystemExit(f"{folder} exists and is not a demo folder; choose another")
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / MARKER).write_text("made by `make run`; deleted by `make clean`\n")
    config = folder / "anonymizer.toml"
    config.write_text(CONFIG.format(project=PROJECT), encoding="utf-8")
    key = generate_key_file(folder / "vault.key")
    with Vault.create(folder / "keys", PROJECT, Secret.from_key_file(key)) as vault:
        number, names = PARTICIPANT
        vault.add("participant", names, number=number)
        vault.set_consent(number, "given", scope="interviews at three time points")
    return config


def drop(inbox: Path) -> None:
    """Copy the sample in the way a careful client does: a .part name, then a rename."""
    partial = inbox / (DROPPED_AS + ".part")
    shutil.copyfile(sample_transcript(), partial)
    os.replace(partial, inbox / DROPPED_AS)


def wait_for(condition, deadline: float, stop: threading.Event) -> bool:  # noqa: ANN001
    while time.monotonic() < deadline:
        if condition():
            return True
        if stop.wait(0.1):
            return condition()
    return condition()


def main(argv: list[str]) -> int:
    from anonymizer.daemon import open_daemon
    from anonymizer.settings import load_settings

    logging.basicConfig(stream=sys.stderr, format="  daemon: %(message)s", level=logging.WARNING)
    logging.getLogger("anonymizer.daemon").setLevel(logging.INFO)
    folder = Path(argv[0] if argv else "demo").absolute()
    config = prepare(folder)
    settings = load_settings(config)
    data = folder / "data"
    print(f"Demo study in {folder}\n  settings {config.name}, vault keys/ (key file vault.key), "
          f"participant {PARTICIPANT[0]} registered\nStarting the daemon (loading the model)...")
    daemon = open_daemon(settings)
    result: dict[str, object] = {}

    def run() -> None:
        try:
            result["summary"] = daemon.run()
        except BaseException as exc:  # noqa: BLE001 - reported below
            result["error"] = exc
            daemon.ready.set()

    thread = threading.Thread(target=run, name="daemon", daemon=True)
    thread.start()
    never = threading.Event()
    deadline = time.monotonic() + WAIT_SECONDS
    wait_for(daemon.ready.is_set, deadline, never)
    if "error" in result:
        print(f"the daemon failed to start: {result['error']}", file=sys.stderr)
        return 1
    drop(data / "inbox")
    print(f"Dropped the sample into {data / 'inbox'} as \"{DROPPED_AS}\"")
    store = data / "store" / PROJECT
    quarantine = data / "quarantine"

    def done() -> bool:
        return any(store.glob("*/*/*.meta.json")) or any(quarantine.glob("*.report.json"))

    ok = wait_for(done, deadline, never)
    daemon.stop()
    thread.join(timeout=60)
    daemon.ctx.keystore.close()
    sidecars = sorted(store.glob("*/*/*.meta.json"))
    if not ok or not sidecars:
        for report in sorted(quarantine.glob("*.report.json")):
            print(f"\nQuarantined instead: {report}\n{report.read_text()}")
        print("no clean file appeared", file=sys.stderr)
        return 1
    meta_path = sidecars[0]
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    clean = meta_path.parent / meta["files"][0]["name"]
    print(f"\nClean file: {clean}\n{'-' * 78}\n{clean.read_text(encoding='utf-8')}{'-' * 78}")
    print(f"\nMetadata: {meta_path}\n{meta_path.read_text(encoding='utf-8')}")
    print(f"Catalog: {store / 'catalog.csv'}")
    print(f"Original (sealed under participant {meta['participant']}'s vault key): "
          f"{data / 'originals' / PROJECT / meta['original']['file']}")
    print(f"Audit log: {data / 'audit' / 'audit.jsonl'}")
    _pages(config, folder, clean.stem)
    print("\nRun the daemon yourself (Ctrl-C stops it), then drop files into "
          f"{data / 'inbox'}:\n  .venv/bin/anonymizer -c {_shown(config)} watch\n"
          "Process what is there and exit:\n"
          f"  .venv/bin/anonymizer -c {_shown(config)} watch --oneshot")
    return 0


def _pages(config: Path, folder: Path, stem: str) -> None:
    """The steward's review page and the ethics committee's report, written for the demo."""
    from anonymizer.cli import main as cli

    review, report = folder / "review.html", folder / "report.html"
    with contextlib.redirect_stdout(io.StringIO()):
        codes = (cli(["-c", str(config), "review", stem, "-o", str(review)]),
                 cli(["-c", str(config), "report", "-o", str(report)]))
    shown = _shown(config)
    if codes == (0, 0):
        print(f"\nReview page (open in a browser): {review}\nEthics report: {report}")
    print(f"Check the audit log: .venv/bin/anonymizer -c {shown} audit verify\n"
          "  (change one byte of the log and run it again: it names the record)")


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
