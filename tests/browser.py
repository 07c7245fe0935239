"""A real headless Chromium for tests, driven over the Chrome DevTools Protocol on a pipe.

No WebDriver and no TCP port: Chromium is started with ``--remote-debugging-pipe`` and reads
commands from file descriptor 3 and writes replies and events to 4 (JSON, each message ended by a
NUL byte). Every wait has a deadline; nothing sleeps.

The browser is cut off from the network twice over: ``--host-resolver-rules="MAP * ~NOTFOUND"``
(no host name resolves) and the background/update/sync switches. And every request the page makes
is seen: ``Network.requestWillBeSent`` events are kept in ``Page.requests`` (the page's own
``file://`` document included), so a test can assert that a page loaded nothing else -- and a
control test shows that a page which does try to load something is caught.

Debian packages: ``chromium`` (and ``chromium-driver``, not needed by this helper). If no
Chromium is installed the tests that need it fail with a message saying what to install.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
DEFAULT_TIMEOUT = 30.0
LAPTOP = (1366, 768)


class BrowserError(RuntimeError):
    pass


def find_chromium() -> str:
    for name in CHROMIUM_CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    raise BrowserError("no Chromium found: install the Debian packages 'chromium' and "
                       "'chromium-driver' (apt-get install -y chromium chromium-driver)")


def chromium_args(binary: str, profile: Path, *, loopback: bool = False) -> list[str]:
    """``loopback``: 127.0.0.1 stays reachable (a test server there); no host name resolves."""
    rules = "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" if loopback else "MAP * ~NOTFOUND"
    return [
        binary, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--no-default-browser-check", "--disable-default-apps",
        "--disable-extensions", "--disable-client-side-phishing-detection",
        "--disable-domain-reliability", "--metrics-recording-only", "--mute-audio",
        f"--host-resolver-rules={rules}", "--disable-dev-shm-usage",
        f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank",
    ]


@dataclass
class Browser:
    process: subprocess.Popen[bytes]
    to_browser: int
    from_browser: int
    timeout: float = DEFAULT_TIMEOUT
    _next_id: int = 0
    _buffer: bytes = b""
    events: list[dict[str, Any]] = field(default_factory=list)

    # -- protocol ------------------------------------------------------------------------
    def send(self, method: str, params: dict[str, Any] | None = None, *,
             session: str | None = None, timeout: float | None = None) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method,
                                   "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        view = memoryview(data)
        while view:
            view = view[os.write(self.to_browser, view):]
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_for_event(self, method: str, *, session: str | None = None,
                       timeout: float | None = None) -> dict[str, Any]:
        """The first (kept or new) event ``method``; it is taken out of ``events``."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            for i, event in enumerate(self.events):
                if event["method"] == method and (session is None
                                                  or event.get("sessionId") == session):
                    return self.events.pop(i)
            message = self._read(deadline)
            if "method" in message:
                self.events.append(message)

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("Chromium did not answer before the deadline")
            ready, _, _ = select.select([self.from_browser], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.from_browser, 1 << 20)
            if not chunk:
                raise BrowserError(f"Chromium closed the pipe (exit {self.process.poll()})")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    # -- pages ---------------------------------------------------------------------------
    def new_page(self, width: int = LAPTOP[0], height: int = LAPTOP[1]) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget",
                            {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session, target)
        for domain in ("Page", "Runtime", "Network", "Log"):
            page.call(f"{domain}.enable")
        page.resize(width, height)
        return page

    def close(self) -> None:
        with suppress(BrowserError, OSError):
            self.send("Browser.close", timeout=10)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)
        for fd in (self.to_browser, self.from_browser):
            with suppress(OSError):
                os.close(fd)


@dataclass
class Page:
    browser: Browser
    session: str
    target: str
    url: str = ""

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.send(method, params, session=self.session)

    def resize(self, width: int, height: int) -> None:
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def open(self, path: Path) -> None:
        """Load a file and wait for its load event; earlier requests and messages are dropped."""
        self.url = Path(path).resolve().as_uri()
        self.browser.events[:] = [e for e in self.browser.events
                                  if e.get("sessionId") != self.session]
        self.call("Page.navigate", {"url": self.url})
        self.browser.wait_for_event("Page.loadEventFired", session=self.session)

    def goto(self, url: str) -> None:
        """Load ``url`` (an http:// address of a test server) and wait for its load event."""
        self.url = url
        self.navigating(lambda: self.call("Page.navigate", {"url": url}))

    def navigating(self, action: Any) -> None:
        """Do ``action`` (a click that submits a form, say) and wait for the next page's load
        event; earlier requests and messages are dropped."""
        self.browser.events[:] = [e for e in self.browser.events
                                  if e.get("sessionId") != self.session]
        action()
        self.browser.wait_for_event("Page.loadEventFired", session=self.session)

    def _mine(self, method: str) -> list[dict[str, Any]]:
        return [e["params"] for e in self.browser.events
                if e["method"] == method and e.get("sessionId") == self.session]

    def requests(self) -> list[str]:
        """URLs of every request the page made since ``open`` (its own document included)."""
        self.evaluate("1")  # a round trip: events sent before it have been read
        return [p["request"]["url"] for p in self._mine("Network.requestWillBeSent")]

    def messages(self) -> list[str]:
        """Console and browser log text since ``open`` (CSP violations are reported here)."""
        self.evaluate("1")
        found = [p["entry"].get("text", "") for p in self._mine("Log.entryAdded")]
        found += [" ".join(str(a.get("value", a.get("description", ""))) for a in p["args"])
                  for p in self._mine("Runtime.consoleAPICalled")]
        return found

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression,
                                                "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise BrowserError(f"script failed: {result['exceptionDetails'].get('text')} "
                               f"{result['exceptionDetails'].get('exception', {})}")
        return result["result"].get("value")

    def wait_until(self, expression: str, timeout: float = 10.0) -> Any:
        """Evaluate until truthy; a deadline, no sleep (each evaluation is a round trip)."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"still false after {timeout} s: {expression}")
            self.browser.send("Runtime.evaluate", {"expression": "new Promise(r => "
                              "requestAnimationFrame(() => r(1)))", "awaitPromise": True},
                              session=self.session)

    def click(self, selector: str) -> None:
        """A real mouse click in the middle of the element (scrolled into view first)."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            " return [r.left + r.width / 2, r.top + r.height / 2]; })()")
        x, y = box
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y,
                                                   "button": "left", "clickCount": 1})

    def media(self, media: str) -> None:
        """Emulate ``print`` or ``screen`` CSS media."""
        self.call("Emulation.setEmulatedMedia", {"media": media})

    def screenshot(self, path: Path, *, full_page: bool = False) -> Path:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.evaluate("[document.documentElement.scrollWidth,"
                                 " document.documentElement.scrollHeight]")
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": size[0], "height": size[1],
                                "scale": 1})
        data = self.call("Page.captureScreenshot", params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def print_pdf(self) -> bytes:
        return base64.b64decode(self.call("Page.printToPDF", {"printBackground": True})["data"])


def _high(fd: int) -> int:
    """A copy of ``fd`` numbered 10 or more (so the child's dup2 onto 3 and 4 never collides)."""
    copy = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return copy


def launch(profile: Path, *, timeout: float = DEFAULT_TIMEOUT, loopback: bool = False
           ) -> Browser:
    binary = find_chromium()
    profile.mkdir(parents=True, exist_ok=True)
    commands_r, commands_w = map(_high, os.pipe())
    replies_r, replies_w = map(_high, os.pipe())

    def wire() -> None:  # in the child, before exec: the pipe ends become fds 3 and 4
        os.dup2(commands_r, 3)
        os.dup2(replies_w, 4)

    env = {k: v for k, v in os.environ.items() if not k.endswith("_PROXY")
           and not k.endswith("_proxy")}
    process = subprocess.Popen(
        chromium_args(binary, profile, loopback=loopback), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        # close_fds=False: fds 3 and 4 are made in ``wire`` and must survive; Python's own fds
        # are close-on-exec (PEP 446), so nothing else leaks into the browser
        stderr=subprocess.DEVNULL, preexec_fn=wire, close_fds=False, env=env)
    os.close(commands_r)
    os.close(replies_w)
    browser = Browser(process, commands_w, replies_r, timeout=timeout)
    try:
        browser.send("Browser.getVersion")
    except BaseException:
        browser.close()
        raise
    return browser


@contextmanager
def chromium(profile: Path, *, loopback: bool = False) -> Iterator[Browser]:
    browser = launch(profile, loopback=loopback)
    try:
        yield browser
    finally:
        browser.close()


ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


# -- fixtures (imported by the conftest of tests/review and tests/report) ---------------------

@pytest.fixture(scope="module")
def chromium_browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """One headless Chromium per test module, with a fresh profile."""
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as browser:
        yield browser


@pytest.fixture
def page(chromium_browser: Browser) -> Iterator[Page]:
    """A new tab at 1366x768 (a laptop screen), closed after the test."""
    tab = chromium_browser.new_page()
    try:
        yield tab
    finally:
        chromium_browser.send("Target.closeTarget", {"targetId": tab.target})
        chromium_browser.events[:] = [e for e in chromium_browser.events
                                      if e.get("sessionId") != tab.session]


def artifact(name: str) -> Path:
    """Where a test saves a screenshot for people to look at (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


# What a page may load: nothing but itself.
def only_itself(page: Page) -> list[str]:
    return [url for url in page.requests() if url != page.url]
