"""Server-side sessions: the cookie holds a random token and nothing else.

A session ends after ``idle`` seconds without a request and after ``lifetime`` seconds in any
case (both from ``[web]``), at logout, when its account is disabled, and when the server stops
(they live in memory only). A login replaces the anonymous session that carried the login form's
CSRF token with a new one (no session fixation). Each session has its own CSRF token, compared in
constant time.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from anonymizer.web.accounts import Role

COOKIE = "workbench_session"


@dataclass(frozen=True)
class Session:
    token: str
    csrf: str
    created: float
    seen: float
    account: str | None = None  # None: not logged in (the login form's session)
    role: Role | None = None

    def csrf_ok(self, submitted: str | None) -> bool:
        return bool(submitted) and hmac.compare_digest(self.csrf.encode(),
                                                       str(submitted).encode())


class Sessions:
    def __init__(self, *, idle: float, lifetime: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.idle = idle
        self.lifetime = lifetime
        self._clock = clock
        self._by_token: dict[str, Session] = {}
        self._lock = threading.Lock()

    def new(self, account: str | None = None, role: Role | None = None) -> Session:
        now = self._clock()
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), now, now,
                          account, role)
        with self._lock:
            self._sweep(now)
            self._by_token[session.token] = session
        return session

    def get(self, token: str | None) -> Session | None:
        """The live session of ``token`` (its idle clock restarted), or None."""
        if not token:
            return None
        now = self._clock()
        with self._lock:
            session = self._by_token.get(token)
            if session is None:
                return None
            if now - session.seen > self.idle or now - session.created > self.lifetime:
                del self._by_token[token]
                return None
            session = replace(session, seen=now)
            self._by_token[token] = session
            return session

    def end(self, token: str | None) -> None:
        with self._lock:
            self._by_token.pop(token or "", None)

    def end_account(self, account: str) -> None:
        with self._lock:
            for token in [t for t, s in self._by_token.items() if s.account == account]:
                del self._by_token[token]

    def _sweep(self, now: float) -> None:
        for token in [t for t, s in self._by_token.items()
                      if now - s.seen > self.idle or now - s.created > self.lifetime]:
            del self._by_token[token]
