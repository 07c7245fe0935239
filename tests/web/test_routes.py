"""Every route x every role, generated from the app's own routes: a new route without a role
check fails here. Plus the session, CSRF, rate-limit, cookie and header rules."""

from __future__ import annotations

import pytest
from starlette.routing import Mount, Route
from workbench import ROLES, build, client

from anonymizer.web.app import CSP

SAMPLE = {"stem": "P01_wave1", "n": "1"}


@pytest.fixture
def app(study):
    return build(study)


def _url(route: Route, study) -> str:
    params = dict(SAMPLE)
    held = sorted(p.name for p in (study.data / "quarantine").glob("*")
                  if not p.name.endswith(".report.json"))
    params["name"] = held[0] if held else "none"
    return route.path.format(**params)


def test_every_route_declares_its_roles_and_keeps_to_them(app, study) -> None:
    table = []
    for route in app.routes:
        if isinstance(route, Mount):
            assert route.name == "static", f"a mount other than /static: {route.path}"
            continue
        assert isinstance(route, Route)
        assert hasattr(route.endpoint, "roles"), f"{route.path} has no role check"
        roles = route.endpoint.roles
        for method in sorted(route.methods - {"HEAD"}):
            for account in (None, *ROLES):
                web, token = client(app, account)
                url = _url(route, study)
                answer = (web.get(url) if method == "GET"
                          else web.post(url, data={"csrf": token}))
                role = ROLES.get(account)
                if roles is None:
                    expected = "allowed"
                elif role is None:
                    expected = "login"
                else:
                    expected = "allowed" if role in {r.value for r in roles} else "refused"
                assert answer.status_code != 500, (method, route.path, account)
                got = ("refused" if answer.status_code == 403 else
                       "login" if answer.status_code == 303 and
                       answer.headers["location"] == "/login" and route.path != "/logout"
                       else "allowed")
                if expected == "login" and method == "POST":
                    expected = "refused"  # a POST without a login: 403, not a redirect
                table.append((method, route.path, account, expected, got))
    wrong = [row for row in table if row[3] != row[4]]
    assert wrong == []
    # the table covers what the issue names: originals and search are the steward's alone
    refused = {(m, p, a) for m, p, a, e, _ in table if e == "refused"}
    assert ("POST", "/steward/t/{stem}/original", "conrad") in refused
    assert ("POST", "/steward/search", "conrad") in refused
    assert ("GET", "/committee", "astrid") in refused
    assert len(table) > 80


def test_every_answer_has_the_security_headers(app) -> None:
    web, _ = client(app)
    for path in ("/login", "/static/htmx.min.js", "/look.css", "/nowhere"):
        answer = web.get(path)
        assert answer.headers["content-security-policy"] == CSP
        assert "unsafe-inline" not in CSP and "script-src 'self'" in CSP
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "no-referrer"


def test_the_session_cookie(app, study) -> None:
    web, token = client(app)
    done = web.post("/login", data={"name": "stella", "password": "steward password 1",
                                    "csrf": token})
    cookie = done.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    secure_app = build(study, secure_cookies=True)
    web, token = client(secure_app, scheme="https")
    done = web.post("/login", data={"name": "stella", "password": "steward password 1",
                                    "csrf": token})
    assert "secure" in done.headers["set-cookie"].lower()


def test_a_post_without_the_csrf_token_is_refused(app, study) -> None:
    web, token = client(app, "stella")
    before = study.audit_path.read_bytes()
    assert web.post("/steward/t/P01_wave1/reviewed", data={}).status_code == 403
    assert web.post("/steward/t/P01_wave1/reviewed",
                    data={"csrf": token[:-2] + "xx"}).status_code == 403
    assert study.audit_path.read_bytes() == before  # nothing was done
    assert web.post("/steward/t/P01_wave1/reviewed", data={"csrf": token}).status_code == 200
    assert web.post("/steward/t/P01_wave1/reviewed", data={},
                    headers={"X-CSRF-Token": token}).status_code == 200


def test_a_wrong_password_is_refused_and_logins_are_rate_limited(app, study) -> None:
    web, token = client(app)
    for _ in range(5):
        answer = web.post("/login", data={"name": "stella", "password": "wrong password!",
                                          "csrf": token})
        assert answer.status_code == 401 and "Wrong account name or password" in answer.text
    answer = web.post("/login", data={"name": "stella", "password": "steward password 1",
                                      "csrf": token})
    assert answer.status_code == 429  # even the right password, until the pause is over
    outcomes = [f["outcome"] for e, f in study.audit_events() if e == "web_login"]
    assert outcomes == ["refused"] * 5 + ["rate_limited"]
    assert "wrong password" not in study.audit_path.read_text()


def test_sessions_expire_on_the_server(study) -> None:
    now = [1000.0]
    app = build(study, clock=lambda: now[0])
    web, _ = client(app, "conrad")
    assert web.get("/committee").status_code == 200
    now[0] += 29 * 60
    assert web.get("/committee").status_code == 200
    now[0] += 31 * 60  # idle longer than web.idle_minutes
    assert web.get("/committee").headers["location"] == "/login"
    # busy all day: the session still ends after web.session_hours
    web, _ = client(app, "conrad")
    for _ in range(20):
        now[0] += 29 * 60
        assert web.get("/committee").status_code == 200
    now[0] += 29 * 60  # 10 h 10 min after the login
    assert web.get("/committee").headers["location"] == "/login"


def test_a_disabled_account_loses_its_session(app, study) -> None:
    from anonymizer.web.accounts import Accounts

    web, _ = client(app, "astrid")
    assert web.get("/assistant").status_code == 200
    Accounts.of(study.settings()).disable("astrid")
    assert web.get("/assistant").headers["location"] == "/login"


def test_a_bug_is_answered_without_its_message(app, monkeypatch, caplog) -> None:
    from anonymizer.web import study

    def broken(settings):
        raise ValueError("Torvald Myrhaug said so")  # a message that quotes a transcript

    monkeypatch.setattr(study, "quarantined", broken)
    web, _ = client(app, "stella")
    answer = web.get("/steward")
    assert answer.status_code == 500 and "internal error (ValueError)" in answer.text
    assert "Torvald" not in answer.text and "Traceback" not in answer.text
    assert "internal error (ValueError) in GET /steward" in caplog.text
    assert "Torvald" not in caplog.text
