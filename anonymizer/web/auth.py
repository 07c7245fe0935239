"""Who may do what: role checks on every route, CSRF on every POST, the login rate limit.

Every view is declared with ``@allow(Role...)`` (or ``@public``), which sets ``view.roles``; the
app wraps each one in ``guard``, so a view cannot be reached without its check, and the route x
role test reads ``roles`` off ``app.routes`` (a route without it fails that test). ``guard``:

* finds the session from the cookie (expired or of a disabled account: none);
* GET of a role-only view without a login -> redirect to ``/login``; any other refusal is 403;
* a POST must say its length (at most ``web.max_upload_mb``): uploads are held in memory,
  never spooled to a temp file (``app.build_app`` sets the form parser's spool size), since
  a transcript holds names;
* a POST (every state change is a POST) needs the session's CSRF token, in the form field
  ``csrf`` or the ``X-CSRF-Token`` header (htmx sends it) -> else 403;
* then runs the view in a worker thread (the views read files and may open the vault); an
  unexpected exception is logged by its type and route only (its message might quote a
  transcript) and answered with a 500 page, never a traceback.

``Limiter`` counts failed logins per account name and per client address: after
``login_attempts`` failures within ``lockout_minutes`` further tries are refused (429) until the
oldest failure is that old.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from anonymizer.errors import AnonymizerError
from anonymizer.web.accounts import Role
from anonymizer.web.sessions import COOKIE, Session
from vault import VaultError

log = logging.getLogger("anonymizer.web")
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Who:
    session: Session
    account: str | None
    role: Role | None


@dataclass(frozen=True)
class Call:
    """What a view gets: the request, who asks, and the form of a POST (empty for a GET)."""

    request: Request
    who: Who
    form: Mapping[str, Any]

    @property
    def app(self) -> Any:
        return self.request.app.state.workbench

    def field(self, name: str, limit: int = 200) -> str:
        value = self.form.get(name, "")
        return value[:limit] if isinstance(value, str) else ""


View = Callable[[Call], Response]


def allow(*roles: Role) -> Callable[[View], View]:
    def mark(view: View) -> View:
        view.roles = frozenset(roles)  # type: ignore[attr-defined]
        return view
    return mark


def public(view: View) -> View:
    view.roles = None  # type: ignore[attr-defined]
    return view


class Limiter:
    def __init__(self, attempts: int, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.attempts = attempts
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, *keys: str) -> bool:
        now = self._clock()
        with self._lock:
            return any(len(self._recent(key, now)) >= self.attempts for key in keys)

    def failed(self, *keys: str) -> None:
        now = self._clock()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times


def current(request: Request) -> Who | None:
    workbench = request.app.state.workbench
    session = workbench.sessions.get(request.cookies.get(COOKIE))
    if session is None:
        return None
    if session.account is not None:
        account = workbench.accounts.get(session.account)
        if account is None or account.disabled or account.role is not session.role:
            workbench.sessions.end_account(session.account)
            return None
    return Who(session, session.account, session.role)


def refused(request: Request, status: int, reason: str, who: Who | None = None) -> Response:
    return request.app.state.workbench.page(request, who, "refused.html",
                                            {"reason": reason}, status=status)


def guard(view: View) -> Callable[[Request], Awaitable[Response]]:
    roles: frozenset[Role] | None = view.roles  # type: ignore[attr-defined]

    async def endpoint(request: Request) -> Response:
        who = current(request)
        if roles is not None:
            if who is None or who.role is None:
                if request.method == "GET":
                    return RedirectResponse("/login", status_code=303)
                return refused(request, 403, "not logged in")
            if who.role not in roles:
                return refused(request, 403, "your role may not open this page", who)
        form: FormData | dict[str, Any] = {}
        if request.method in STATE_CHANGING:
            limit = request.app.state.workbench.settings.web.max_upload_mb * 1024 * 1024
            length = request.headers.get("content-length")
            if length is None or not length.isdigit():
                return refused(request, 411, "a form without a Content-Length is refused")
            if int(length) > limit + 65536:
                return refused(request, 413, "the upload is larger than web.max_upload_mb")
            form = await request.form(max_files=50, max_fields=200)
            token = form.get("csrf") or request.headers.get("x-csrf-token")
            if who is None or not who.session.csrf_ok(token if isinstance(token, str)
                                                      else None):
                return refused(request, 403, "the form's security token is missing or "
                               "stale; reload the page and try again")
        assert who is not None or roles is None
        call = Call(request, who or Who(_no_session(), None, None), form)
        try:
            return await run_in_threadpool(view, call)
        except (AnonymizerError, VaultError):
            raise  # the app's handlers: one name-free sentence
        except Exception as error:  # noqa: BLE001 - a bug: its message may quote a transcript
            log.error("internal error (%s) in %s %s", type(error).__name__, request.method,
                      request.url.path)
            return refused(request, 500, f"internal error ({type(error).__name__}); please "
                           "report it with the time", who)

    endpoint.roles = roles  # type: ignore[attr-defined]
    endpoint.__name__ = getattr(view, "__name__", "view")
    return endpoint


def _no_session() -> Session:
    return Session("", "", 0.0, 0.0)
