"""A study in tmp_path for the review-page and ethics-report tests: settings, a real vault (cheap
scrypt), transcripts anonymized by the real engine with that vault, released into a store laid out
as the daemon lays it out, with the audit records the daemon writes.

``StewardStudy.release`` writes what the daemon's release stage writes -- the clean ``.txt``,
``P07_wave2.review.json`` (``ReviewData.from_outcome``), the ``anonymizer-release/1`` sidecar,
the original sealed under the participant's vault key in
``originals/<project>/P07/<job>.txt.sealed`` and a ``released`` audit record -- in the daemon's
file format, by hand: fast, any participant and wave on demand, and free to leave the store in
states the daemon never would (a file deleted behind its back, a purge that did not run).
``quarantine`` and ``withdraw`` do the same for a quarantined input and a withdrawal with its
purge. ``tests/report/test_end_to_end.py`` uses the real daemon instead, which also checks that
the pages read what the daemon really writes. Every name is invented.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from vault import ScryptParams, Secret, Vault

PROJECT = "tinnitus-2031"
PASSPHRASE = "invented passphrase for the steward tests"
PASSPHRASE_ENV = "TEST_STEWARD_VAULT_PASSPHRASE"
CHEAP_KDF = ScryptParams.for_tests()

PARTICIPANTS = {
    1: ("Torvald Myrhaug", "Torvald"),
    2: ("Ragnhild Østerbø", "Ragnhild"),
    3: ("Eilif Sandvær", "Eilif"),
}
# Other people mentioned in the transcripts (found by the engine, not registered).
MENTIONED = ("Gudrun Lysvik", "Kolbein", "Brynjulf Haugtun", "Solveig")

TRANSCRIPTS = {
    (1, "wave1"): """\
Interviewer: Thank you for joining us today. How did the first months go?
Torvald Myrhaug: Slowly. My neighbour Gudrun Lysvik drove me to the clinic in Tromsø twice a week.
Interviewer: And at work?
Torvald Myrhaug: I went back in 2019, three days a week. The foreman, Kolbein, was patient with me.
""",
    (1, "wave2"): """\
Interviewer: Welcome back. What has changed since last time?
Torvald Myrhaug: The ringing is quieter. Gudrun Lysvik still drives me on Tuesdays.
Interviewer: Good to hear.
""",
    (2, "wave1"): """\
Interviewer: Could you tell me how it started?
Ragnhild Østerbø: After a concert in Bergen in 2017. My doctor, Brynjulf Haugtun, sent me \
to a specialist.
Interviewer: How did your family react?
Ragnhild Østerbø: My sister Solveig thought I was exaggerating at first.
""",
    (3, "wave1"): """\
Interviewer: Thank you for coming.
Eilif Sandvær: Glad to help. I have had the noise for 12 years, since I worked at the shipyard.
""",
    (3, "wave2"): """\
Interviewer: How are you now?
Eilif Sandvær: Much the same. I still work with Kolbein on Saturdays.
""",
}


def toml_value(value: Any) -> str:
    if isinstance(value, (Path, str)):
        return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value).lower() if isinstance(value, bool) else str(value)


def write_config(root: Path) -> Path:
    config = root / "anonymizer.toml"
    config.write_text(f"""\
[project]
id = "{PROJECT}"
title = "Living with tinnitus"
language = "en"

[ethics]
committee = "REK nord"
reference = "2031/4711"
approval_date = 2031-01-15
consent_scope = "research use by the project group"
retention_until = 2040-12-31

[rules]
project_allow = {toml_value(root / "project-allow.txt")}

[vault]
backend = "vault"
dir = {toml_value(root / "study-keys")}
passphrase_env = "{PASSPHRASE_ENV}"

[paths]
data_dir = {toml_value(root / "data")}
""", encoding="utf-8")
    return config


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Release:
    stem: str
    meta_path: Path
    clean_path: Path
    job: str
    outcome: Any


@dataclass
class StewardStudy:
    root: Path
    engine_factory: Any  # conftest's make_engine
    config: Path = field(init=False)
    releases: dict[tuple[int, str], Release] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.config = write_config(self.root)
        Vault.create(self.vault_dir, PROJECT, Secret.from_passphrase(PASSPHRASE),
                     kdf=CHEAP_KDF).close()
        with self.open_vault() as vault:
            for number, names in PARTICIPANTS.items():
                vault.add("participant", list(names), number)

    # -- places --------------------------------------------------------------------------
    @property
    def vault_dir(self) -> Path:
        return self.root / "study-keys"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def store(self) -> Path:
        return self.data / "store" / PROJECT

    @property
    def audit_path(self) -> Path:
        return self.data / "audit" / "audit.jsonl"

    def settings(self) -> Any:
        from anonymizer.settings import load_settings

        return load_settings(self.config)

    def open_vault(self) -> Vault:
        return Vault.open(self.vault_dir, PROJECT, Secret.from_passphrase(PASSPHRASE))

    def audit(self, vault: Vault) -> Any:
        from anonymizer.audit.log import open_audit_log

        return open_audit_log(self.settings(), vault.audit_key())

    def audit_events(self) -> list[tuple[str, dict[str, Any]]]:
        with self.open_vault() as vault:
            log = self.audit(vault)
            return [(getattr(r.event, "value", r.event), dict(r.fields)) for r in log.records()]

    # -- what the daemon does ------------------------------------------------------------
    def release(self, participant: int, wave: str, text: str | None = None) -> Release:
        from anonymizer.audit.log import AuditEvent
        from anonymizer.keys.vault_adapter import VaultKeyStore
        from anonymizer.settings import OriginalsPolicy
        from anonymizer.store.review_marks import ReviewData

        text = text if text is not None else TRANSCRIPTS[(participant, wave)]
        job = uuid.uuid4().hex
        original = text.encode("utf-8")
        settings = self.settings()
        vault = self.open_vault()
        with VaultKeyStore(vault) as keystore:
            engine = self.engine_factory(keystore=keystore, settings=settings)
            outcome = engine.anonymize(text)
            folder = self.store / f"P{participant:02d}" / wave
            folder.mkdir(parents=True, exist_ok=True, mode=0o750)
            stem = f"P{participant:02d}_{wave}"
            clean = (outcome.clean_text if outcome.clean_text.endswith("\n")
                     else outcome.clean_text + "\n").encode("utf-8")
            (folder / f"{stem}.txt").write_bytes(clean)
            (folder / f"{stem}.review.json").write_text(
                ReviewData.from_outcome(outcome).to_json(), encoding="utf-8")
            sealed = f"P{participant:02d}/{job}.txt.sealed"
            target = self.data / "originals" / PROJECT / sealed
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            target.write_bytes(vault.seal_blob(participant, original, job))
            meta = self._meta(settings, engine, outcome, job=job, participant=participant,
                              wave=wave, stem=stem, clean=clean, original=original,
                              sealed=sealed)
            meta_path = folder / f"{stem}.meta.json"
            meta_path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n",
                                 encoding="utf-8")
            vault.note_wave(participant, wave)
            self.audit(vault).append(
                AuditEvent.RELEASED, job_id=job, participant=participant,
                participants=meta["participants"], wave=wave, input_sha256=_sha(original),
                output_sha256s=[_sha(clean)], counts=meta["replacements"]["by_kind"],
                flag_count=meta["residual_risk_flags"], rules_digest=meta["rules_digest"],
                model=meta["model"]["name"], model_version=meta["model"]["version"],
                tool_version=meta["tool"]["version"], language=meta["language"],
                original_policy=OriginalsPolicy.SEAL, resumed=False)
        release = Release(stem, meta_path, folder / f"{stem}.txt", job, outcome)
        self.releases[(participant, wave)] = release
        return release

    def _meta(self, settings: Any, engine: Any, outcome: Any, *, job: str, participant: int,
              wave: str, stem: str, clean: bytes, original: bytes, sealed: str
              ) -> dict[str, Any]:
        from anonymizer import __version__
        from anonymizer.findings import EntityKind

        counts = outcome.scan.counts
        by_kind = {kind.value: int(counts.get(kind.value, 0)) for kind in EntityKind}
        ethics = settings.ethics
        return {
            "format": "anonymizer-release/1",
            "job_id": job,
            "project": {"id": settings.project.id, "title": settings.project.title},
            "ethics": {"committee": ethics.committee, "reference": ethics.reference,
                       "registry_entry": f"{ethics.committee} {ethics.reference}",
                       "approval_date": str(ethics.approval_date)},
            "participant": participant,
            "participants": sorted(set(outcome.scan.participants) | {participant}),
            "wave": wave,
            "consent": {"status": "given", "scope": "interviews"},
            "anonymized_at": _stamp(datetime.now(UTC)),
            "retention_until": str(ethics.retention_until),
            "tool": {"name": "transcript-anonymizer", "version": __version__},
            "language": engine.language,
            "rules_digest": engine.rules_digest,
            "naming_rules_digest": "ab" * 32,
            "model": {"name": str(engine.pipeline.model_name),
                      "version": str(engine.pipeline.model_version)},
            "replacements": {"total": sum(by_kind.values()), "by_kind": by_kind},
            "residual_risk_flags": len(outcome.scan.flags),
            "files": [{"name": f"{stem}.txt", "format": "txt", "sha256": _sha(clean)}],
            "input": {"sha256": _sha(original), "bytes": len(original), "format": "txt"},
            "original": {"policy": "seal", "file": sealed},
        }

    def quarantine(self, reason: str = "zip_bomb", stage: str = "read") -> str:
        from anonymizer.audit.log import AuditEvent

        data = os.urandom(64)
        sha, job = _sha(data), uuid.uuid4().hex
        now = datetime.now(UTC)
        folder = self.data / "quarantine"
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        name = f"{now:%Y%m%dT%H%M%SZ}-{sha[:16]}.docx"
        (folder / name).write_bytes(data)
        report = {"v": 1, "reason": reason, "stage": stage, "time": _stamp(now),
                  "tool_version": "0.1.0", "job_id": job, "input_sha256": sha,
                  "input_bytes": len(data), "participant": None, "detail": "",
                  "what_to_do": "the document's package is implausibly compressed; refused"}
        (folder / f"{name}.report.json").write_text(json.dumps(report, indent=2),
                                                     encoding="utf-8")
        with self.open_vault() as vault:
            self.audit(vault).append(AuditEvent.QUARANTINED, job_id=job, reason=reason,
                                     stage=stage, input_sha256=sha, participant=None,
                                     resumed=False)
        return sha

    def withdraw(self, participant: int) -> None:
        """The vault forgets the participant; the store is purged, as the daemon's purge does."""
        from anonymizer.audit.log import AuditEvent

        with self.open_vault() as vault, vault.transaction():
            receipt = vault.withdraw(participant)
            self.audit(vault).append(AuditEvent.WITHDRAWN, kind="participant",
                                     number=receipt.number, wave_count=len(receipt.waves))
        removed = 0
        for path in sorted((self.store / f"P{participant:02d}").rglob("*")):
            if path.is_file():
                path.unlink()
                removed += 1
        originals = self.data / "originals" / PROJECT / f"P{participant:02d}"
        for path in sorted(originals.glob("*")):
            path.unlink()
            removed += 1
        with self.open_vault() as vault:
            self.audit(vault).append(AuditEvent.PURGED, participant=participant,
                                     file_count=removed)

    def cli(self, capsys: Any, *argv: str | Path) -> tuple[int, str, str]:
        from anonymizer.cli import main

        capsys.readouterr()
        try:
            code = main(["--config", str(self.config), *map(str, argv)])
        except SystemExit as done:
            code = int(done.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err


def all_names() -> list[str]:
    """Every invented name and name part of the study, for byte scans."""
    names = [n for pair in PARTICIPANTS.values() for n in pair] + list(MENTIONED)
    parts = {part for name in names for part in name.split()}
    return sorted(set(names) | parts)


# -- fixtures (imported by the conftest of tests/review and tests/report) ---------------------

COMMANDS = "anonymizer.cli.review_cmds"


def engine_factory(session_engine: Any) -> Any:
    """Engines around the session's loaded model and rules, each with its own key store."""
    from anonymizer.engine.engine import Engine

    def build(keystore: Any, settings: Any = None) -> Any:
        return Engine(settings or session_engine.settings, session_engine.rulebook,
                      session_engine.pipeline, keystore)

    return build


@pytest.fixture(autouse=True)
def steward_commands_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Until the CLI root lists these commands, add them for these tests (a no-op after)."""
    from anonymizer import cli

    if COMMANDS not in cli.COMMAND_MODULES:
        monkeypatch.setattr(cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, COMMANDS))


@pytest.fixture
def steward_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ANONYMIZER_CONFIG", "CREDENTIALS_DIRECTORY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)


@pytest.fixture
def empty_study(tmp_path: Path, session_engine: Any, steward_env: None) -> StewardStudy:
    """Settings and a vault with three participants; nothing released yet."""
    return StewardStudy(tmp_path, engine_factory(session_engine))


@pytest.fixture
def study(empty_study: StewardStudy) -> StewardStudy:
    """Five transcripts released (participants 1-3, waves 1-2), one input quarantined."""
    for participant, wave in TRANSCRIPTS:
        empty_study.release(participant, wave)
    empty_study.quarantine()
    return empty_study
