"""``anonymizer serve``: check where it may listen, open the vault once for the audit key, run
uvicorn.

Bind rules: a loopback address (127.0.0.0/8, ::1, ``localhost``) is always allowed; any other
needs ``web.tls_cert`` and ``web.tls_key`` (uvicorn serves HTTPS) or ``web.behind_proxy = true``
(a proxy on this machine terminates TLS; forwarded headers are trusted from 127.0.0.1 only).
Otherwise the command stops with a settings error (exit 3) before it opens anything. Cookies are
``Secure`` under TLS and behind a proxy.

The access log holds method, path, status and client address; paths hold release names and
numbers only (``anonymizer.web.app``).
"""

from __future__ import annotations

import ipaddress
import sys

from anonymizer.errors import SettingsError
from anonymizer.settings import Settings, WebSettings


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(web: WebSettings, host: str) -> bool:
    """Whether cookies must be Secure; ``SettingsError`` if ``host`` may not be bound."""
    tls = web.tls_cert is not None or web.tls_key is not None
    if tls and (web.tls_cert is None or web.tls_key is None):
        raise SettingsError("web.tls_cert and web.tls_key: set both or neither")
    if tls:
        for name, path in (("tls_cert", web.tls_cert), ("tls_key", web.tls_key)):
            if path is not None and not path.is_file():
                raise SettingsError(f"web.{name}: {path} is not a file")
    if not is_loopback(host) and not tls and not web.behind_proxy:
        raise SettingsError(f"web.host: {host} is not a loopback address; set web.tls_cert "
                            "and web.tls_key, or web.behind_proxy = true for a TLS proxy on "
                            "this machine")
    return tls or web.behind_proxy


def serve(settings: Settings, *, host: str | None = None, port: int | None = None) -> int:
    import uvicorn

    from anonymizer.web.app import build_app
    from anonymizer.web.events import audit_key

    web = settings.web
    host = host or web.host
    port = port or web.port
    secure = check_bind(web, host)
    app = build_app(settings, audit_key(settings), secure_cookies=secure)
    scheme = "https" if web.tls_cert else "http"
    print(f"workbench on {scheme}://{host}:{port}/ (Ctrl-C stops it)", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, ssl_certfile=web.tls_cert, ssl_keyfile=web.tls_key,
                proxy_headers=web.behind_proxy, forwarded_allow_ips="127.0.0.1",
                server_header=False, date_header=False, log_level="info")
    return 0
