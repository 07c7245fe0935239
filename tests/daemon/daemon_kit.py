"""Helpers for the daemon tests (a unique module name: no clash with other test folders).

A ``Study`` is one project in ``tmp_path``: settings with ethics metadata, a vault unlocked by a
key file (cheap: HKDF, no scrypt), registered participants, and the data folder. ``DaemonThread``
runs the real daemon in a thread of the test process, around the session's loaded model.
``check_store`` asserts the invariants every test ends with. All names are invented.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anonymizer.settings import Settings, load_settings
from vault import Secret, Vault, generate_key_file

PROJECT = "lbp-2024"
KEY_FOLDER = "keys"  # not "vault": it would shadow the vault package for `python -m` run there
PARTICIPANTS = {
    1: ("Sigrun Haldorsen", "Sigrun"),
    2: ("Halvard Brekke", "Halvard"),
    3: ("Torunn Vikås", "Torunn"),
    4: ("Eirik Moldestad", "Eirik"),
    5: ("Liv Aamodt",),
}
ALL_NAMES = tuple(n for names in PARTICIPANTS.values() for n in names if " " in n)
NEVER_SEEN = "Ragnhild Oftedal"  # an interviewee nobody registered

BASE_CONFIG: dict[str, dict[str, Any]] = {
    "project": {"id": PROJECT, "title": "Living with low back pain", "language": "en"},
    "ethics": {"committee": "REK midt", "reference": "2013/2244",
               "approval_date": "2013-06-20", "retention_until": "2030-12-31",
               "consent_scope": "research use by the project group"},
    "vault": {"backend": "vault", "dir": KEY_FOLDER, "key_file": "vault.key"},
    "paths": {"data_dir": "data"},
    "watch": {"settle_seconds": 0.2, "poll_seconds": 0.05, "rescan_seconds": 2.0},
    "store": {},
}


def toml_value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):  # an inline table
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and text.replace("-", "").isdigit():
        return text  # a TOML date
    return json.dumps(text)


def render_config(sections: dict[str, dict[str, Any]]) -> str:
    lines = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        lines += [f"{k} = {toml_value(v)}" for k, v in values.items()]
        lines.append("")
    return "\n".join(lines)


def transcript(speaker: str, k: int, *, extra: str = "") -> str:
    """A short interview with ``speaker`` as the participant; ``k`` makes it unique."""
    return (
        "Interviewer: Thank you for meeting me again. How has the week been?\n"
        f"{speaker}: It was a long week, week number {k}. I walked to the shop every morning.\n"
        "Interviewer: And how is the pain now?\n"
        f"{speaker}: Better on most days. My sister helped me with the garden.{extra}\n"
        "Interviewer: Thank you, that is all for today.\n"
    )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def wait_until(condition: Callable[[], object], timeout: float = 90.0, what: str = "") -> None:
    """Poll ``condition`` until it is true; fail after ``timeout`` seconds (no fixed sleeps)."""
    pause = threading.Event()
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what or condition}")
        pause.wait(0.02)


@dataclass
class Study:
    root: Path
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.config = self.root / "anonymizer.toml"
        self.write_config()
        key = generate_key_file(self.root / "vault.key")
        with Vault.create(self.root / KEY_FOLDER, PROJECT, Secret.from_key_file(key)) as vault:
            for number, names in PARTICIPANTS.items():
                vault.add("participant", list(names), number=number)

    # -- settings ----------------------------------------------------------------------------
    def write_config(self, **sections: dict[str, Any]) -> None:
        for name, values in sections.items():
            self.overrides.setdefault(name, {}).update(values)
        merged = {k: {**v, **self.overrides.get(k, {})} for k, v in BASE_CONFIG.items()}
        for name, values in self.overrides.items():
            merged.setdefault(name, dict(values))
        self.config.write_text(render_config(merged), encoding="utf-8")

    def settings(self) -> Settings:
        return load_settings(self.config)

    # -- folders -----------------------------------------------------------------------------
    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def inbox(self) -> Path:
        return self.data / "inbox"

    @property
    def work(self) -> Path:
        return self.data / "work"

    @property
    def store(self) -> Path:
        return self.data / "store" / PROJECT

    @property
    def quarantine(self) -> Path:
        return self.data / "quarantine"

    @property
    def originals(self) -> Path:
        return self.data / "originals" / PROJECT

    def open_vault(self) -> Vault:
        return Vault.open(self.root / KEY_FOLDER, PROJECT,
                          Secret.from_key_file(self.root / "vault.key"))

    # -- dropping ----------------------------------------------------------------------------
    def drop(self, name: str, data: bytes | str) -> bytes:
        """Put a file into the inbox as a careful client does (a .part name, then rename)."""
        raw = data.encode("utf-8") if isinstance(data, str) else data
        self.inbox.mkdir(parents=True, exist_ok=True)
        partial = self.inbox / f"{name}.part"
        partial.write_bytes(raw)
        os.replace(partial, self.inbox / name)
        return raw

    # -- reading the outcome -----------------------------------------------------------------
    def sidecars(self) -> list[tuple[Path, dict[str, Any]]]:
        return [(p, json.loads(p.read_text(encoding="utf-8")))
                for p in sorted(self.store.glob("P*/*/*.meta.json"))]

    def reports(self) -> list[tuple[str, dict[str, Any]]]:
        return [(p.name[: -len(".report.json")], json.loads(p.read_text(encoding="utf-8")))
                for p in sorted(self.quarantine.glob("*.report.json"))]

    def reasons(self) -> list[str]:
        return [r["reason"] for _, r in self.reports()]

    def settled(self, count: int) -> bool:
        """``count`` inputs have ended up released or quarantined, and work/ is idle."""
        done = len(self.sidecars()) + len(self.reports())
        return done >= count and not list(self.work.glob("*.job.json"))

    def audit_events(self) -> list[tuple[str, dict[str, Any]]]:
        from anonymizer.audit.log import open_audit_log

        with self.open_vault() as vault:
            log = open_audit_log(self.settings(), vault.audit_key())
            assert log.verify().ok, log.verify()
            return [(getattr(r.event, "value", r.event), dict(r.fields)) for r in log.records()]


class DaemonThread:
    """The real daemon, in a thread of this process, sharing the session's loaded model."""

    def __init__(self, study: Study, engine_parts: Any, *, oneshot: bool = False,
                 polling: bool | None = None, standards: dict[str, Any] | None = None) -> None:
        """``standards``: engine parts per written standard (``project.standards``), each
        built around this daemon's key store; ``engine_parts`` is then ignored."""
        from anonymizer.audit.log import open_audit_log
        from anonymizer.daemon import Daemon
        from anonymizer.engine.engine import Engine
        from anonymizer.keys.vault_adapter import open_vault_keystore

        settings = study.settings()
        self.keystore = open_vault_keystore(settings, interactive=False)
        engines = None
        if standards:
            from anonymizer.engine.standards import StandardEngines
            from anonymizer.language.standard import Standards
            from anonymizer.rulebook import default_rules_dir

            built = {code: Engine(settings, parts.rulebook, parts.pipeline, self.keystore)
                     for code, parts in standards.items()}
            engines = StandardEngines(Standards.load(
                settings.rules.dir or default_rules_dir(), settings.project.standards,
                settings.project.language), built)
            engine = engines.default
        else:
            engine = Engine(settings, engine_parts.rulebook, engine_parts.pipeline,
                            self.keystore)
        audit = open_audit_log(settings, self.keystore.vault.audit_key())
        self.daemon = Daemon(settings, engine, self.keystore, audit, polling=polling,
                             engines=engines)
        self.oneshot = oneshot
        self.summary: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="daemon-under-test", daemon=True)

    def _run(self) -> None:
        try:
            self.summary = self.daemon.run(oneshot=self.oneshot)
        except BaseException as exc:  # noqa: BLE001 - the test reports it
            self.error = exc
            self.daemon.ready.set()

    def __enter__(self) -> DaemonThread:
        self.thread.start()
        wait_until(self.daemon.ready.is_set, what="the daemon to be ready")
        if self.error:
            raise self.error
        return self

    def __exit__(self, *exc: object) -> None:
        self.daemon.stop()
        self.thread.join(timeout=120)
        self.keystore.close()
        assert not self.thread.is_alive(), "the daemon did not stop"
        if self.error and not exc[0]:
            raise self.error

    def finish(self) -> Any:
        """For a oneshot run: wait for it to end by itself."""
        self.thread.join(timeout=300)
        if self.error:
            raise self.error
        return self.summary


def check_store(study: Study, dropped: dict[str, bytes] | None = None, *,
                final: bool = True) -> dict[str, str]:
    """The invariants, whatever happened before. Returns sha256 -> "released"|"quarantined"|
    "pending" for every dropped input.

    * every clean file of ours has a sidecar claiming it, with the checksum the sidecar names;
    * catalog.csv holds exactly the sidecars' rows;
    * each input is released at most once, and (if ``final``) released or quarantined, never
      both; every released input's original is sealed and opens to the same bytes;
    * nothing is lost: each input is in the inbox, in work/, in quarantine, or sealed.
    """
    from anonymizer.store.catalog import Catalog, rows_for

    sidecars = study.sidecars()
    claimed: dict[Path, str] = {}
    rows = []
    for path, meta in sidecars:
        for item in meta["files"]:
            clean = path.parent / item["name"]
            assert clean.is_file(), f"{clean} named by {path.name} is missing"
            assert sha256(clean.read_bytes()) == item["sha256"]
            claimed[clean] = item["sha256"]
        rows += rows_for(meta, path.parent.relative_to(study.store).as_posix(), path.name)
    if final:  # right after a crash one may be there; the restart must remove it
        for clean in study.store.glob("P*/*/*"):
            if clean.suffix in (".txt", ".docx") and not clean.name.startswith("."):
                assert clean in claimed, f"clean file without metadata: {clean.name}"
    if final:
        have = Catalog(study.store).read()
        key = lambda r: (r["file"], r["job_id"])  # noqa: E731
        assert sorted(have, key=key) == sorted(rows, key=key), "catalog.csv != sidecars"
    released = Counter(meta["input"]["sha256"] for _, meta in sidecars)
    assert all(n == 1 for n in released.values()), f"released twice: {released}"
    # a duplicate's copy in quarantine does not count: the same bytes were released once
    quarantined = {r.get("input_sha256") for _, r in study.reports()
                   if r["reason"] != "duplicate"}
    in_inbox = {sha256(p.read_bytes()) for p in study.inbox.glob("*") if p.is_file()
                and not p.is_symlink()}
    in_work = {sha256(p.read_bytes()) for p in study.work.glob("*") if p.is_file()
               and not p.name.startswith(".") and not p.name.endswith(".job.json")}
    in_quarantine = {sha256(p.read_bytes()) for p in study.quarantine.glob("*") if p.is_file()
                     and not p.is_symlink() and not p.name.endswith(".report.json")}
    fate: dict[str, str] = {}
    with study.open_vault() as vault:
        for _path, meta in sidecars:
            if meta["original"]["policy"] != "seal":
                continue
            sealed = study.originals / meta["original"]["file"]
            if sealed.exists():
                data = vault.open_blob(meta["participant"], sealed.read_bytes(), meta["job_id"])
                assert sha256(data) == meta["input"]["sha256"]
    sealed_inputs = {meta["input"]["sha256"] for path, meta in sidecars
                     if (study.originals / meta["original"].get("file", "-")).exists()}
    for sha in (dropped or {}):
        if sha in released:
            assert sha not in quarantined, "released and quarantined"
            if final:
                assert sha in sealed_inputs, "a released input's original was not sealed"
            else:
                assert sha in sealed_inputs or sha in in_work, "original lost"
            fate[sha] = "released"
        elif sha in quarantined:
            fate[sha] = "quarantined"
        else:
            assert not final, "an input was neither released nor quarantined"
            assert sha in in_inbox | in_work | in_quarantine, "an input was lost"
            fate[sha] = "pending"
    if final:
        assert not list(study.work.glob("*.job.json")), "journal entries left in work/"
        leftovers = [p.name for p in study.work.iterdir() if not p.name.startswith(".")]
        assert leftovers == [], leftovers
    return fate


def files_holding(root: Path, needles: Iterable[str], *, skip: Iterable[Path] = ()) -> list[str]:
    """Every file under ``root`` whose NAME or bytes hold a needle (UTF-8/16, any case)."""
    skipped = {p.resolve() for p in skip}
    hits = []
    for path in sorted(root.rglob("*")):
        for needle in needles:
            if needle.casefold() in path.name.casefold():
                hits.append(f"{path.relative_to(root)}: file name holds #{needle!r}")
        if not path.is_file() or path.is_symlink() or path.resolve() in skipped:
            continue
        data = path.read_bytes().lower()
        for needle in needles:
            for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
                if needle.lower().encode(encoding) in data:
                    hits.append(f"{path.relative_to(root)}: holds a name ({encoding})")
    return hits


def python() -> str:
    return sys.executable
