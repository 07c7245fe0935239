"""The templates every page of the program is made from: the steward's review page and the
ethics report (self-contained files: ``page_base.html``) and the workbench's pages
(``anonymizer/web/templates``, which extend these). Jinja2 with autoescape on for every template
and undefined names as errors, so no page is built from strings in code and no text reaches a
page unescaped. One look: the same CSS (``anonymizer.review.html.BASE_CSS`` and the pages' own)
and the same macros (``_marks.html``, ``report_body.html``) in a file and in the browser.
"""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _escaped(value: Any) -> Any:
    """Text escaped as ``anonymizer.review.html.escape`` does (``&quot;``, ``&#x27;``), before
    autoescape would: the same bytes whichever way a page is made."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return Markup(html.escape(value, quote=True))
    return value


def environment(*folders: Path) -> Environment:
    """An environment over ``folders`` first, then the shared templates."""
    return Environment(loader=FileSystemLoader([*map(str, folders), str(TEMPLATES)]),
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                       keep_trailing_newline=True, finalize=_escaped)


@cache
def _shared() -> Environment:
    return environment()


def render(template: str, **context: Any) -> str:
    return _shared().get_template(template).render(**context)
