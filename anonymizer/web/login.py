"""Logging in and out, the start page of each role, and the stylesheet.

A login is recorded (``web_login``, outcome ``ok``) with the account as actor; a refused one
with the actor ``web-anonymous`` and nothing of what was typed. Wrong name and wrong password
get the same answer.
"""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from anonymizer.audit.log import AuditEvent
from anonymizer.review.html import BASE_CSS
from anonymizer.review.page import PAGE_CSS
from anonymizer.web.accounts import Role
from anonymizer.web.auth import Call, Who, allow, public, refused
from anonymizer.web.events import ANONYMOUS
from anonymizer.web.sessions import COOKIE, Session

HOME = {Role.STEWARD: "/steward", Role.COMMITTEE: "/committee", Role.ASSISTANT: "/assistant"}

WEB_CSS = """
.page.workbench { max-width: none; margin: 0; }
.bar { display: flex; gap: 1rem; align-items: center; border-bottom: 1px solid var(--line);
  padding: .4rem 1.2rem; background: #f8fafc; }
.bar .who { margin-left: auto; color: var(--muted); }
.bar form { display: inline; }
.bar a { color: #1e3a8a; }
button, .button { font: inherit; padding: .15rem .6rem; border: 1px solid #64748b;
  border-radius: 3px; background: #fff; cursor: pointer; }
button.primary { background: #1d4ed8; color: #fff; border-color: #1d4ed8; }
button.danger { border-color: var(--bad); color: var(--bad); }
input[type=text], input[type=password], input[type=search], select { font: inherit;
  padding: .15rem .3rem; }
form.login { max-width: 22rem; display: grid; gap: .5rem; margin-top: 1rem; }
.notice { border-left: 4px solid var(--ok); padding: .3rem .6rem; background: #f0fdf4; }
.error { border-left: 4px solid var(--bad); padding: .3rem .6rem; background: #fef2f2; }
table.aligned td.text { white-space: pre-wrap; overflow-wrap: anywhere;
  font-family: Georgia, "DejaVu Serif", serif; width: 50%; }
table.aligned td.num { color: var(--muted); }
.actions { display: inline-flex; gap: .3rem; flex-wrap: wrap; }
.selection-bar { position: sticky; top: 0; background: #fffbeb; border: 1px solid #f59e0b;
  padding: .4rem .6rem; margin: .4rem 0; }
.hidden { display: none; }
.dropzone { border: 2px dashed #64748b; padding: 2rem; text-align: center; margin: .8rem 0; }
.dropzone.over { background: #eff6ff; border-color: #1d4ed8; }
mark.rep { cursor: pointer; }
a.mark-link { color: inherit; text-decoration: none; }
details.mark-actions { display: inline; }
"""


def _set_cookie(response: Response, session: Session, secure: bool) -> None:
    response.set_cookie(COOKIE, session.token, httponly=True, samesite="strict", secure=secure,
                        path="/")


@public
def look(call: Call) -> Response:
    from anonymizer.report.render import REPORT_CSS

    return Response(BASE_CSS + PAGE_CSS + REPORT_CSS + WEB_CSS, media_type="text/css")


@public
def login_form(call: Call) -> Response:
    workbench = call.app
    who = call.who
    if who.role is not None:
        return RedirectResponse(HOME[who.role], status_code=303)
    session = who.session if who.session.token else workbench.sessions.new()
    response = workbench.page(call.request, Who(session, None, None), "login.html",
                              {"message": ""})
    _set_cookie(response, session, workbench.secure_cookies)
    return response


@public
def login(call: Call) -> Response:
    workbench = call.app
    name, password = call.field("name", 64).strip(), call.field("password", 1024)
    client = call.request.client.host if call.request.client else "unknown"
    keys = (f"account:{name.casefold()}", f"client:{client}")
    if workbench.limiter.blocked(*keys):
        workbench.recorder.append(ANONYMOUS, AuditEvent.WEB_LOGIN, outcome="rate_limited")
        return refused(call.request, 429, "too many failed logins; wait and try again later")
    account = workbench.accounts.verify(name, password)
    if account is None:
        workbench.limiter.failed(*keys)
        workbench.recorder.append(ANONYMOUS, AuditEvent.WEB_LOGIN, outcome="refused")
        return workbench.page(call.request, call.who, "login.html",
                              {"message": "Wrong account name or password."}, status=401)
    workbench.limiter.succeeded(keys[0])
    workbench.sessions.end(call.who.session.token)
    session = workbench.sessions.new(account.name, account.role)
    workbench.recorder.append(account.name, AuditEvent.WEB_LOGIN, outcome="ok",
                              role=account.role)
    response = RedirectResponse(HOME[account.role], status_code=303)
    _set_cookie(response, session, workbench.secure_cookies)
    return response


@allow(Role.STEWARD, Role.COMMITTEE, Role.ASSISTANT)
def logout(call: Call) -> Response:
    workbench = call.app
    workbench.sessions.end(call.who.session.token)
    assert call.who.account is not None
    workbench.recorder.append(call.who.account, AuditEvent.WEB_LOGIN, outcome="logged_out")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@allow(Role.STEWARD, Role.COMMITTEE, Role.ASSISTANT)
def home(call: Call) -> Response:
    assert call.who.role is not None
    return RedirectResponse(HOME[call.who.role], status_code=303)


ROUTES = [
    ("/look.css", look, ("GET",)),
    ("/login", login_form, ("GET",)),
    ("/login", login, ("POST",)),
    ("/logout", logout, ("POST",)),
    ("/", home, ("GET",)),
]
