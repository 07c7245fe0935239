"""HTML shared by the steward's review page and the ethics report: one self-contained file each.

Every page is a single document with its CSS inline and no script at all (the jump list is plain
anchors), made from the templates in ``anonymizer/pages/templates`` (``page_base.html``). The
first thing in ``<head>`` after the charset is a Content-Security-Policy that forbids every load
(``default-src 'none'``): no image, font, script, frame, form target or prefetch can reach the
network even if a transcript's text somehow smuggled markup past the escaping -- which it
cannot, because the templates escape every piece of text as ``escape`` does.

Print: the side list and the buttons are hidden, the text runs full width, and marks keep a
border or underline style of their own, so replacements and flags stay apart in black and white.
"""

from __future__ import annotations

import contextlib
import html
import os
import tempfile
from pathlib import Path

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; font-src 'none'; "
       "script-src 'none'; connect-src 'none'; frame-src 'none'; media-src 'none'; "
       "object-src 'none'; base-uri 'none'; form-action 'none'")

BASE_CSS = """
:root { --ink: #1a1a1a; --muted: #555; --line: #c8c8c8; --paper: #fff;
  --rep-bg: #dbeafe; --rep-edge: #1d4ed8; --flag-bg: #ffedd5; --flag-edge: #c2410c;
  --orig-bg: #fde2e2; --orig-edge: #b91c1c; --ok: #166534; --bad: #b91c1c; }
* { box-sizing: border-box; }
html { font-size: 15px; }
body { margin: 0; color: var(--ink); background: var(--paper);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  line-height: 1.45; }
h1 { font-size: 1.35rem; margin: 0 0 .25rem; }
h2 { font-size: 1.1rem; margin: 1.2rem 0 .5rem; }
h3 { font-size: 1rem; margin: .8rem 0 .3rem; }
code, pre, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: .9rem; }
.page { max-width: 100%; padding: .8rem 1.2rem; }
.meta { color: var(--muted); margin: 0; }
.meta span + span::before { content: " · "; }
.warning { border: 2px solid var(--bad); color: var(--bad); padding: .4rem .6rem; margin: .5rem 0;
  font-weight: 600; }
.ok { color: var(--ok); font-weight: 600; }
.bad { color: var(--bad); font-weight: 600; }
.chips { display: flex; flex-wrap: wrap; gap: .3rem .4rem; margin: .4rem 0; padding: 0;
  list-style: none; }
.chips li { border: 1px solid var(--line); border-radius: .8rem; padding: .05rem .55rem;
  font-size: .85rem; white-space: nowrap; }
table { border-collapse: collapse; margin: .4rem 0 1rem; font-size: .9rem; }
th, td { border: 1px solid var(--line); padding: .2rem .5rem; text-align: left;
  vertical-align: top; }
th { background: #f3f4f6; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.scroll-x { overflow-x: auto; max-width: 100%; }
.cmd { display: block; white-space: pre-wrap; overflow-wrap: anywhere; background: #f3f4f6;
  border: 1px solid var(--line); padding: .3rem .5rem; margin: .25rem 0; }
@media print {
  html { font-size: 11pt; }
  .no-print { display: none !important; }
  .page { padding: 0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
  table { page-break-inside: auto; }
  tr { page-break-inside: avoid; }
}
"""


def escape(text: object) -> str:
    """Text for element content or a double-quoted attribute."""
    return html.escape(str(text), quote=True)


def document(title: str, body: str, *, css: str = "", lang: str = "en") -> str:
    """A whole page around ``body`` (HTML already: a test's page, say): charset, the CSP, a
    viewport, the styles. The pages of the program are templates that extend the same
    ``page_base.html`` (``anonymizer.pages``)."""
    from markupsafe import Markup

    from anonymizer.pages import render

    return render("document.html", title=title, body=Markup(body), css=Markup(BASE_CSS + css),
                  csp=CSP, lang=lang)


def write_page(path: Path, page: str, *, mode: int) -> None:
    """Write atomically with ``mode`` from the start (a hidden temp file in the target folder,
    fsynced, renamed over ``path``): a page with names is never readable by others, not even
    for an instant."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, temp = tempfile.mkstemp(prefix=".page-", suffix=".part", dir=folder)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(page.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)  # the new file has the temp file's mode, never the old one's
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
