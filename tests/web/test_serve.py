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
