"""Helpers of the workbench tests: the app built over a study, clients logged in per role."""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient

PASSWORDS = {"stella": "steward password 1", "conrad": "committee password 2",
             "astrid": "assistant password 3"}
ROLES = {"stella": "steward", "conrad": "committee", "astrid": "assistant"}


def cheap_hasher():
    from argon2 import PasswordHasher, Type

    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)


def add_accounts(settings) -> None:
    from anonymizer.web.accounts import Accounts, Role

    accounts = Accounts.of(settings, hasher=cheap_hasher())
    for name, role in ROLES.items():
        accounts.add(name, Role(role), PASSWORDS[name])


CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


def build(study: Any, **kwargs: Any) -> Any:
    from anonymizer.web.accounts import Accounts
    from anonymizer.web.app import build_app
    from anonymizer.web.events import audit_key

    settings = study.settings()
    if not (study.data / "web" / "accounts.json").exists():
        add_accounts(settings)
    return build_app(settings, audit_key(settings),
                     accounts=Accounts.of(settings, hasher=cheap_hasher()), **kwargs)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def client(app: Any, account: str | None = None, *, scheme: str = "http"
           ) -> tuple[TestClient, str]:
    """A client (logged in as ``account`` if given) and its session's CSRF token."""
    web = TestClient(app, base_url=f"{scheme}://127.0.0.1", follow_redirects=False)
    page = web.get("/login")
    token = csrf_of(page.text)
    if account is None:
        return web, token
    done = web.post("/login", data={"name": account, "password": PASSWORDS[account],
                                    "csrf": token})
    assert done.status_code == 303, done.text
    home = web.get(done.headers["location"])
    return web, csrf_of(home.text)


def daemon(study: Any, session_engine: Any) -> Any:
    """The real daemon over the study (the session's model, the study's vault), not started."""
    from anonymizer.audit.log import open_audit_log
    from anonymizer.daemon import Daemon
    from anonymizer.engine.engine import Engine
    from anonymizer.keys.vault_adapter import open_vault_keystore

    settings = study.settings()
    keystore = open_vault_keystore(settings, interactive=False)
    engine = Engine(settings, session_engine.rulebook, session_engine.pipeline, keystore)
    audit = open_audit_log(settings, keystore.vault.audit_key())
    return Daemon(settings, engine, keystore, audit, polling=True)
