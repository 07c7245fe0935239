"""Where ``anonymizer serve`` may listen: loopback always; another address only with TLS or
behind a proxy; a bad setting is one line and exit 3, before anything is opened."""

from __future__ import annotations

import pytest

from anonymizer.errors import SettingsError
from anonymizer.settings import WebSettings
from anonymizer.web.serve import check_bind, is_loopback


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.3.2.1", True), ("::1", True), ("[::1]", True),
    ("localhost", True), ("0.0.0.0", False), ("192.168.1.20", False), ("example.org", False),
])
def test_loopback(host, loopback) -> None:
    assert is_loopback(host) is loopback


def test_bind_rules(tmp_path) -> None:
    assert check_bind(WebSettings(), "127.0.0.1") is False  # plain HTTP, cookies not Secure
    with pytest.raises(SettingsError, match="not a loopback address"):
        check_bind(WebSettings(), "0.0.0.0")
    assert check_bind(WebSettings(behind_proxy=True), "0.0.0.0") is True
    cert, key = tmp_path / "web.crt", tmp_path / "web.key"
    cert.write_text("x")
    with pytest.raises(SettingsError, match="set both or neither"):
        check_bind(WebSettings(tls_cert=cert), "0.0.0.0")
    with pytest.raises(SettingsError, match="is not a file"):
        check_bind(WebSettings(tls_cert=cert, tls_key=key), "0.0.0.0")
    key.write_text("x")
    assert check_bind(WebSettings(tls_cert=cert, tls_key=key), "0.0.0.0") is True


def test_serve_refuses_an_open_address_in_one_line(bare_study, capsys) -> None:
    code, out, err = bare_study.cli(capsys, "serve", "--host", "0.0.0.0")
    assert code == 3 and out == ""
    assert err.count("\n") == 1 and "web.host: 0.0.0.0 is not a loopback address" in err


def _service(path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    section = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line
            continue
        if section == "[Service]":
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


def test_the_web_unit_listens_on_loopback_only_and_keeps_the_daemons_hardening() -> None:
    from pathlib import Path

    deploy = Path(__file__).resolve().parents[2] / "deploy"
    web, watch = (_service(deploy / name) for name in
                  ("anonymizer-web.service", "anonymizer-watch.service"))
    assert web["ExecStart"][0].endswith(" serve")
    assert web["IPAddressAllow"] == ["localhost"] and web["IPAddressDeny"] == ["any"]
    assert web["ReadWritePaths"] == watch["ReadWritePaths"]
    # everything the daemon's unit forbids, this one forbids too -- but the network
    network = {"PrivateNetwork", "RestrictAddressFamilies", "IPAddressDeny", "KillMode",
               "KillSignal", "TimeoutStopSec", "RestartSec", "ExecStart"}
    missing = {k: v for k, v in watch.items() if k not in network and web.get(k) != v}
    assert missing == {}
