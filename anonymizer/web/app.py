"""The workbench application: its routes, templates, headers and shared state.

``build_app(settings, key)`` gives a Starlette app; ``anonymizer.web.serve`` runs it under
uvicorn. Views live in ``login``, ``steward``, ``committee`` and ``assistant``, each a list of
``ROUTES`` (path, view, methods); every view is wrapped in ``auth.guard`` here, so none escapes
its role check. Pages are Jinja2 templates (autoescaped, undefined names are errors) in
``templates/``; the look is the static review page's CSS plus the workbench's own, served as
one stylesheet, and the only script is ``static/htmx.min.js`` (vendored from npm, licence
beside it) and ``static/workbench.js``. The Content-Security-Policy allows nothing from
anywhere else and no inline script or style.

URLs carry release names (``P07_wave2``), job ids and numbers, never a name: a search term and
a selected word travel in POST bodies only, so the access log holds nothing identifying.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from anonymizer.settings import Settings
from anonymizer.web.accounts import Accounts
from anonymizer.web.auth import Limiter, Who, guard
from anonymizer.web.events import Recorder
from anonymizer.web.sessions import Sessions

HERE = Path(__file__).resolve().parent
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


class SecurityHeaders:
    """The same headers on every answer, static files and errors included; pages are never
    cached (they may show originals)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.decode().lower() not in HEADERS]
                headers += [(k.encode(), v.encode()) for k, v in HEADERS.items()]
                headers.append((b"cache-control", b"max-age=3600" if static else b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


@dataclass(frozen=True)
class Workbench:
    """What every view shares (``request.app.state.workbench``)."""

    settings: Settings
    accounts: Accounts
    sessions: Sessions
    limiter: Limiter
    recorder: Recorder
    templates: Environment
    secure_cookies: bool

    def page(self, request: Request, who: Who | None, template: str,
             context: Mapping[str, Any] | None = None, *, status: int = 200) -> Response:
        values = {"who": who, "csrf": who.session.csrf if who is not None else "",
                  "project": self.settings.project, "ethics": self.settings.ethics,
                  "path": request.url.path, **(context or {})}
        body = self.templates.get_template(template).render(values)
        return HTMLResponse(body, status_code=status)


def templates() -> Environment:
    """The workbench's templates over the shared ones (``anonymizer.pages``)."""
    from anonymizer.pages import environment

    return environment(HERE / "templates")


def all_routes() -> list[tuple[str, Any, tuple[str, ...]]]:
    from anonymizer.web import (
        assistant,
        committee,
        login,
        steward,
        steward_identity,
        steward_original,
    )

    return [*login.ROUTES, *steward.ROUTES, *steward_identity.ROUTES, *steward_original.ROUTES,
            *committee.ROUTES, *assistant.ROUTES]


async def _refusal(request: Request, error: Exception) -> Response:
    """A user's bad input or a refusal: one name-free sentence, never a traceback."""
    from anonymizer.errors import AnonymizerError, InputError

    if isinstance(error, InputError):
        status, reason = 404 if "no released" in str(error) else 400, str(error)
    elif isinstance(error, AnonymizerError):
        status, reason = 503, str(error)
    else:  # vault.VaultError: its message is a code and a name-free detail
        status, reason = 503, f"the key vault refused: {error}"
    workbench: Workbench = request.app.state.workbench
    return workbench.page(request, None, "refused.html", {"reason": reason}, status=status)


def build_app(settings: Settings, key: bytes, *, accounts: Accounts | None = None,
              secure_cookies: bool = False, clock: Any = None) -> Starlette:
    from starlette.formparsers import MultiPartParser

    web = settings.web
    # An uploaded transcript stays in memory (up to max_upload_mb, checked before parsing),
    # never in a spooled temp file on disk: it holds names. (A class setting of the parser.)
    MultiPartParser.spool_max_size = (web.max_upload_mb + 1) * 1024 * 1024
    timing = {} if clock is None else {"clock": clock}
    workbench = Workbench(
        settings=settings,
        accounts=accounts or Accounts.of(settings),
        sessions=Sessions(idle=web.idle_minutes * 60.0, lifetime=web.session_hours * 3600.0,
                          **timing),
        limiter=Limiter(web.login_attempts, web.lockout_minutes * 60.0, **timing),
        recorder=Recorder(settings, key),
        templates=templates(),
        secure_cookies=secure_cookies,
    )
    routes: list[Route | Mount] = [Route(path, guard(view), methods=list(methods))
                                   for path, view, methods in all_routes()]
    routes.append(Mount("/static", StaticFiles(directory=HERE / "static"), name="static"))
    from anonymizer.errors import AnonymizerError
    from vault import VaultError

    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)],
                    exception_handlers={AnonymizerError: _refusal, VaultError: _refusal})
    app.state.workbench = workbench
    return app
