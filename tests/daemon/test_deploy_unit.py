"""The systemd unit in deploy/: what it promises, and that it agrees with the example settings.

`deploy/smoke-test-systemd.sh` boots systemd in a container and runs the unit for real (root, a
Debian tree and minutes); these read the file, and let systemd-analyze check it where present."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from anonymizer.errors import ExitCode
from anonymizer.settings import Settings

REPO = Path(__file__).resolve().parents[2]
UNIT = REPO / "deploy" / "anonymizer-watch.service"
EXAMPLE = REPO / "deploy" / "anonymizer.example.toml"


def directives(path: Path = UNIT) -> dict[str, dict[str, list[str]]]:
    """section -> key -> values in order (systemd keys may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def service() -> dict[str, list[str]]:
    return directives()["Service"]


@pytest.mark.parametrize(("key", "value"), [
    ("User", "anonymizer"),
    ("PrivateNetwork", "yes"),
    ("ProtectSystem", "strict"),
    ("ProtectHome", "yes"),
    ("NoNewPrivileges", "yes"),
    ("PrivateTmp", "yes"),
    ("CapabilityBoundingSet", ""),
    ("RestrictAddressFamilies", "AF_UNIX"),
    ("LimitCORE", "0"),
    ("UMask", "0027"),
    # SIGTERM to the daemon only: its parse workers help finish the transcript at hand
    ("KillMode", "mixed"),
    ("KillSignal", "SIGTERM"),
])
def test_the_unit_keeps_its_promise(key: str, value: str) -> None:
    assert service().get(key) == [value]


def test_the_unit_writes_only_where_the_example_settings_keep_data_and_keys() -> None:
    example = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    writable = service()["ReadWritePaths"][0].split()
    assert sorted(writable) == sorted([example["paths"]["data_dir"], example["vault"]["dir"]])


def test_the_passphrase_comes_as_the_credential_the_settings_read() -> None:
    example = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    name, _, source = service()["LoadCredential"][0].partition(":")
    assert name == example["vault"]["credential"] == Settings().vault.credential
    assert source.startswith("/etc/anonymizer/")
    assert not any(key.startswith("Environment") for key in service())  # never in the env


def test_the_unit_runs_the_daemon_with_the_installed_settings() -> None:
    command = service()["ExecStart"][0].split()
    assert command[1:] == ["--config", "/etc/anonymizer/anonymizer.toml", "watch"]
    header = UNIT.read_text(encoding="utf-8")
    assert "/etc/anonymizer/anonymizer.toml" in header.split("[Unit]")[0]  # the install steps


def test_a_steward_is_needed_after_a_settings_or_vault_refusal() -> None:
    assert service()["RestartPreventExitStatus"] == [
        f"{int(ExitCode.BAD_CONFIG)} {int(ExitCode.KEYSTORE)}"]
    assert service()["Restart"] == ["on-failure"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_analyze_accepts_the_unit(tmp_path: Path) -> None:
    # the unit names the installed program (/opt/anonymizer/...); point it at one that exists
    text = UNIT.read_text(encoding="utf-8")
    installed = service()["ExecStart"][0].split()[0]
    unit = tmp_path / UNIT.name
    unit.write_text(text.replace(installed, sys.executable), encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                            text=True, timeout=120)
    assert (result.returncode, result.stderr.strip()) == (0, "")
