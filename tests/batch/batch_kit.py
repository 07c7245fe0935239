"""Helpers for the batch tests: a study with a vault (key file: no scrypt) and registered
participants, a small archive whose transcripts share people and places (so the driver's checks
are exercised, not skipped), and the comparison with ``anonymizer run``. Names are invented."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

from anonymizer.cli import main
from vault import Secret, Vault, generate_key_file

PROJECT = "batch-2026"
REGISTERED = {1: ("Sigrun Haldorsen", "Sigrun"), 2: ("Halvard Brekke",)}
SPEAKERS = ["Sigrun Haldorsen", "Ragnhild Oftedal", "Halvard Brekke", "Torvald Ims",
            "Ragnhild Oftedal", "Liv Aamodt"]
FRIENDS = ["Erik Lunde", "Mona Sætre", "Erik", "Dr. Hansen", "Peter Smith", "Anna Berg"]
PLACES = ["Trondheim", "Leeds", "Bergen", "Manchester"]
NAMES = sorted({*SPEAKERS, *FRIENDS, "Haldorsen", "Oftedal", "Sætre"} - {"Erik", "Dr. Hansen"})


def make_study(root: Path, project: str = PROJECT) -> Path:
    """A study folder with its settings and vault; the settings file's path."""
    root.mkdir(parents=True)
    key = generate_key_file(root / "vault.key")
    with Vault.create(root / "keys", project, Secret.from_key_file(key)) as vault:
        for number, names in REGISTERED.items():
            vault.add("participant", list(names), number=number)
    config = root / "anonymizer.toml"
    config.write_text(f'[project]\nid = "{project}"\nlanguage = "en"\n\n'
                      '[vault]\nbackend = "vault"\ndir = "keys"\nkey_file = "vault.key"\n',
                      encoding="utf-8")
    return config


def copy_study(config: Path, root: Path) -> Path:
    shutil.copytree(config.parent, root)
    return root / config.name


def transcript(i: int) -> str:
    speaker = SPEAKERS[i % len(SPEAKERS)]
    friend, other = FRIENDS[i % len(FRIENDS)], FRIENDS[(i * 5 + 1) % len(FRIENDS)]
    place = PLACES[i % len(PLACES)]
    return (f"Interviewer: Thank you for coming in today, {speaker.split()[0]}.\n"
            f"{speaker}: I moved to {place} with my husband. {friend} helps me every week.\n"
            "Interviewer: How did that go?\n"
            f"{speaker}: She was kind. I told her about {other}, and he called me on "
            f"915 55 12{i % 10}.\n"
            f"Interviewer: Thank you, that is all for today, number {i}.\n")


def make_archive(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True)
    paths = []
    for i in range(count):
        path = folder / f"{SPEAKERS[i % len(SPEAKERS)]} {i:02d}.txt"  # a name in a file name
        path.write_text(transcript(i), encoding="utf-8")
        paths.append(path)
    subtitle = folder / "zz cue.vtt"
    subtitle.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Mona Sætre>I live in "
                        "Leeds with Erik Lunde.\n\n00:00:05.000 --> 00:00:08.000\n"
                        "<v Interviewer>Thank you, Mona.\n", encoding="utf-8")
    (folder / "zz empty.txt").write_bytes(b"")  # refused (empty), the batch goes on
    return sorted([*paths, subtitle, folder / "zz empty.txt"])


def run_reference(config: Path, files: list[Path], out: Path) -> int:
    """``anonymizer run`` on the same files in the batch's order (a fresh copy of the vault)."""
    return main(["-c", str(config), "run", *map(str, files), "-o", str(out)])


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def identities(config: Path) -> list[tuple[str, int, tuple[str, ...]]]:
    project = tomllib.loads(config.read_text(encoding="utf-8"))["project"]["id"]
    with Vault.open(config.parent / "keys", project,
                    Secret.from_key_file(config.parent / "vault.key")) as vault:
        return sorted((e.kind.value, e.number, tuple(e.names)) for e in vault.entries(None))


def assert_same_as_run(batch_out: Path, batch_config: Path, run_out: Path, run_config: Path
                       ) -> None:
    got, want = outputs(batch_out), outputs(run_out)
    assert sorted(got) == sorted(want)
    for name in want:
        assert got[name] == want[name], name
    assert identities(batch_config) == identities(run_config)


# Every name of the archive (registered, gold, each part of them) and its places.
ALL_NAMES = sorted({*NAMES, *PLACES, *(n for names in REGISTERED.values() for n in names),
                    *(part for n in NAMES for part in n.split() if len(part) > 3)})
_ANY_NAME = re.compile("|".join(rf"\b{re.escape(n.casefold())}\b" for n in ALL_NAMES))


def names_in(data: bytes) -> list[str]:
    """Which of the archive's names ``data`` holds as whole words, in any case (the raw bytes
    read as UTF-8: a name in a binary file shows too)."""
    return sorted(set(_ANY_NAME.findall(data.decode("utf-8", "replace").casefold())))


def assert_no_names_in(folder: Path) -> None:
    """No name of the archive in any file under ``folder`` (the work record, Ray's leftovers)."""
    for path in folder.rglob("*"):
        if path.is_file():
            assert names_in(path.read_bytes()) == [], f"{path.relative_to(folder)} holds a name"
