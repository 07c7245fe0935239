"""The workbench in a real headless Chromium against a real uvicorn on a loopback port, over a
study whose transcripts the real daemon released (the session's model, a real vault).

The issue's story, with the daemon running (watching, in a thread) the whole time: an
assistant uploads a transcript and sees its receipt turn into "released as P01 wave1"; a
steward finds the missed name "Poppy" (no detector and no flag caught it), selects it and
registers it as a person; "Apply" queues the re-run of every transcript that holds it, the page
shows the daemon doing them until done, and the released text has a label where the name was;
the audit log names the account. The committee reads the report and is refused the original and the search; a
wrong password and a POST without the CSRF token are refused. Screenshots go to
test-artifacts/ (git-ignored). Every page loads only from the server and breaks no CSP rule.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Iterator

import pytest
from browser import Page, artifact
from steward_study import StewardStudy
from workbench import PASSWORDS, build, daemon

MISSED = """\
Interviewer: And who helped you through the worst weeks?
Torvald Myrhaug: Mostly the dog. Poppy sleeps by the stove when the ringing is bad.
Interviewer: That sounds like a comfort.
"""


@pytest.fixture
def server(empty_study: StewardStudy) -> Iterator[str]:
    import uvicorn

    with empty_study.config.open("a", encoding="utf-8") as config:
        config.write("\n[watch]\nsettle_seconds = 0.0\npoll_seconds = 0.05\n")
    app = build(empty_study)
    # log_config None: uvicorn's records reach pytest's log capture (the access log is read)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="info", log_config=None,
                            access_log=True, lifespan="off")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    started = threading.Event()
    for _ in range(2000):  # a deadline of a few seconds, each wait a real condition
        if running.started:
            started.set()
            break
        thread.join(0.005)
    assert started.is_set(), "uvicorn did not start"
    port = running.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(10)


@pytest.fixture
def running_daemon(empty_study: StewardStudy, session_engine) -> Iterator[object]:
    worker = daemon(empty_study, session_engine)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        worker.stop()
        thread.join(30)
        worker.ctx.keystore.close()


def until(page: Page, url: str, expression: str, timeout: float = 60.0) -> None:
    """Reload ``url`` until ``expression`` holds (a deadline; each look a real page load)."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(url)
        if page.evaluate(expression):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        page.wait_until("new Promise(r => setTimeout(() => r(true), 200))")


def clean(page: Page, base: str) -> None:
    """Loaded from the server only, no name in any URL, and no CSP violation or script
    error."""
    urls = page.requests()
    assert [u for u in urls if not u.startswith(base)] == []
    assert [u for u in urls if any(n in u for n in ("Poppy", "Torvald", "Myrhaug"))] == []
    assert page.messages() == []


def login(page: Page, base: str, account: str, password: str | None = None) -> None:
    page.goto(f"{base}/login")
    page.evaluate(f"document.querySelector('#name').value = {json.dumps(account)};"
                  f"document.querySelector('#password').value = "
                  f"{json.dumps(password or PASSWORDS[account])}; 1")
    page.navigating(lambda: page.click("#login"))


def logout(page: Page) -> None:
    page.navigating(lambda: page.click("#logout"))
    assert page.evaluate("location.pathname") == "/login"


def text_of(page: Page, selector: str) -> str:
    return page.evaluate(f"document.querySelector({json.dumps(selector)}).textContent")


def post_without_token(page: Page, path: str) -> int:
    return page.evaluate(f"fetch({json.dumps(path)}, {{method: 'POST', body: new "
                         "URLSearchParams({reason: 'check a missed name'})}).then(r => r.status)")


def test_the_workbench_end_to_end(server: str, empty_study: StewardStudy, running_daemon,
                                  page: Page, caplog) -> None:
    study, base = empty_study, server
    caplog.set_level(logging.INFO, logger="uvicorn.access")

    # -- the assistant uploads, and sees what became of it -------------------------------
    login(page, base, "astrid")
    assert page.evaluate("location.pathname") == "/assistant"
    # a file dragged from the desktop and dropped on the drop zone (a real DragEvent with a
    # DataTransfer: the page's own handler puts it in the form and submits it)
    page.navigating(lambda: page.evaluate(f"""(() => {{
        const drop = new DataTransfer();
        drop.items.add(new File([{json.dumps(MISSED)}], 'P01_wave1.txt', {{type: 'text/plain'}}));
        const zone = document.querySelector('#dropzone');
        for (const kind of ['dragenter', 'dragover', 'drop'])
            zone.dispatchEvent(new DragEvent(kind, {{dataTransfer: drop, bubbles: true,
                                                     cancelable: true}}));
        return 1; }})()"""))
    assert "1 file(s) received" in text_of(page, "#message")
    assert text_of(page, "#receipts .fate") in (
        "waiting in the inbox for the daemon", "being processed (or handled by a steward)",
        "released as P01 wave1")
    clean(page, base)
    page.screenshot(artifact("workbench-assistant-upload.png"))
    until(page, f"{base}/assistant", "document.querySelector('#receipts .fate').textContent"
          " === 'released as P01 wave1'")
    page.screenshot(artifact("workbench-assistant-receipt.png"))
    logout(page)

    # -- the steward finds the missed name and registers it ------------------------------
    login(page, base, "stella")
    assert page.evaluate("location.pathname") == "/steward"
    page.navigating(lambda: page.click('a[href="/steward/t/P01_wave1"]'))
    released = text_of(page, "#clean-text")
    assert "Poppy" in released and "Participant 1" in released
    clean(page, base)
    page.click("#clean-text a.mark-link")
    page.wait_until("document.querySelector('#act-r1 details').open")
    page.screenshot(artifact("workbench-steward-transcript.png"))
    assert page.evaluate("document.querySelector('#selection-bar').classList.contains"
                         "('hidden')")
    page.evaluate("""(() => { const pre = document.querySelector('#clean-text');
        const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
        let node; while ((node = walker.nextNode()) && node.data.indexOf('Poppy') < 0) {}
        const range = document.createRange(), at = node.data.indexOf('Poppy');
        range.setStart(node, at); range.setEnd(node, at + 5);
        const s = document.getSelection(); s.removeAllRanges(); s.addRange(range); })()""")
    page.wait_until("!document.querySelector('#selection-bar').classList.contains('hidden')")
    assert text_of(page, "#selected-text") == "Poppy"
    page.screenshot(artifact("workbench-steward-selection.png"))
    page.navigating(lambda: page.click("#deny-person"))
    message = text_of(page, "#message")
    label = re.search(r"Registered as (Person \d+) in the key vault", message).group(1)
    assert text_of(page, "#affected").startswith("P01_wave1 (participant 1, wave1)")
    page.screenshot(artifact("workbench-steward-apply.png"))

    # a POST without the CSRF token is refused, and changes nothing
    assert post_without_token(page, "/steward/t/P01_wave1/reviewed") == 403

    # Apply: the daemon (running) does the re-run; the page shows it done
    page.navigating(lambda: page.click("#apply"))
    assert page.evaluate("location.pathname") == "/steward/requests"
    page.wait_until("document.querySelector('#requests-state').textContent === 'All done.'",
                    timeout=60)
    assert text_of(page, "#requests .state") == "done"
    clean(page, base)
    page.screenshot(artifact("workbench-steward-requests-done.png"))
    page.navigating(lambda: page.click("#requests a"))
    relabelled = text_of(page, "#clean-text")
    assert relabelled == released.replace("Poppy", f"[{label}]")
    assert f"[{label}]" in page.evaluate("[...document.querySelectorAll('#clean-text "
                                         "mark.rep')].map(m => m.textContent)")
    page.screenshot(artifact("workbench-steward-relabelled.png"))

    # mark it reviewed: the daemon (the store's one writer) puts it into the catalog
    page.navigating(lambda: page.click("#mark-reviewed"))
    assert "marked reviewed" in text_of(page, "#message")
    assert text_of(page, "#review-state") == "reviewed by stella"
    catalog = study.store / "catalog.csv"
    deadline = time.monotonic() + 60
    while "reviewed_by" not in catalog.read_text(encoding="utf-8") or \
            ",accepted,stella," not in catalog.read_text(encoding="utf-8"):
        assert time.monotonic() < deadline, "the daemon did not record the review"
        page.wait_until("new Promise(r => setTimeout(() => r(true), 100))")

    # the original beside it, behind a reason
    page.navigating(lambda: page.click("#show-original"))
    page.evaluate("document.querySelector('#reason').value = 'check the missed name'; 1")
    page.navigating(lambda: page.click("#open-original"))
    rows = page.evaluate("[...document.querySelectorAll('#aligned tbody tr')].map(r =>"
                         " [r.cells[1].textContent, r.cells[2].textContent])")
    assert [o for o, _ in rows] == MISSED.rstrip("\n").split("\n")
    assert [c for _, c in rows] == relabelled.rstrip("\n").split("\n")
    assert "Poppy" in rows[1][0] and "Poppy" not in rows[1][1]
    page.screenshot(artifact("workbench-steward-original.png"))
    logout(page)

    log = study.audit_path.read_text(encoding="utf-8").splitlines()
    for event in ("add_deny", "reidentified", "affected_listed"):
        assert any('"actor":"stella"' in line and f'"{event}"' in line for line in log), event
    assert all("Poppy" not in line and "Torvald" not in line for line in log)

    # -- the committee reads the report, and is refused the original and the search ------
    login(page, base, "conrad")
    assert page.evaluate("location.pathname") == "/committee"
    assert text_of(page, "#audit-status").startswith("Audit log verified: OK")
    assert "check the missed name" in text_of(page, "#reidentifications")
    report_text = text_of(page, "body")
    assert "Poppy" not in report_text and "Torvald" not in report_text
    clean(page, base)
    page.screenshot(artifact("workbench-committee-report.png"), full_page=True)
    page.goto(f"{base}/committee/history")
    assert "correction_" in text_of(page, ".versions")  # why the release was re-run
    page.screenshot(artifact("workbench-committee-history.png"), full_page=True)
    page.goto(f"{base}/steward/search")
    assert text_of(page, "#refused") == "your role may not open this page"
    token = page.evaluate("document.querySelector('meta[name=csrf-token]').content")
    status = page.evaluate(f"""fetch('/steward/t/P01_wave1/original', {{method: 'POST',
        body: new URLSearchParams({{csrf: {json.dumps(token)}, reason: 'just curious now'}})}})
        .then(r => r.status)""")
    assert status == 403
    page.screenshot(artifact("workbench-committee-refused.png"))
    logout(page)

    # -- a wrong password -------------------------------------------------------------
    login(page, base, "stella", "not the password")
    assert text_of(page, "#login-message") == "Wrong account name or password."
    page.screenshot(artifact("workbench-wrong-password.png"))

    # the access log: every request, and no name in any line
    access = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    assert len(access) > 30 and any('"POST /steward/t/P01_wave1/deny' in a for a in access)
    assert [a for a in access if any(n in a for n in ("Poppy", "Torvald", "Myrhaug"))] == []
