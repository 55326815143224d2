"""HTML report: one self-contained page rendered from the (redacted) result and view model.

No HTML is built here: the page is ``templates/report.html.j2`` (autoescaped).  The page's own CSS
and JS (``templates/report.css``, ``templates/report.js``) are inlined and allowed by their sha256
hashes in a strict Content-Security-Policy, so the output is deterministic and requests nothing.
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from analyzer.redact import Redactor
from reports.i18n import note, status_note, strings

_ENV = Environment(
    loader=PackageLoader("reports", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.globals["status_note"] = status_note
_TICKS = re.compile(r"`([^`\n]+)`")


def _ticks(text: str) -> Markup:
    """Remedy texts mark file names and settings with backticks (they also go to Markdown
    summaries): shown as code here, everything else escaped."""
    return Markup(_TICKS.sub(lambda m: f"<code>{m.group(1)}</code>", str(escape(text))))


_ENV.filters["ticks"] = _ticks


def _asset(name: str) -> str:
    return resources.files("reports").joinpath("templates", name).read_text(encoding="utf-8")


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy(css: str, js: str) -> str:
    return (
        f"default-src 'none'; style-src {_hash(css)}; script-src {_hash(js)}; img-src data:; "
        "connect-src 'none'; font-src 'none'; base-uri 'none'; form-action 'none'; object-src 'none'"
    )


def _empty_view() -> dict[str, Any]:
    return {"rows": [], "counts": {"window": 0, "alerts": 0, "outside": 0, "capped": 0}, "routine": 0,
            "filters": {"level": [], "kind": [], "component": []}, "anchors": {}, "lanes": None,
            "checklist": [], "remedies": {}, "links": [], "runs": [], "vmsnapshot": None,
            "other_extensions": []}  # fmt: skip


def render_html(
    result: dict[str, Any], redactor: Redactor, lang: str = "en", view: dict[str, Any] | None = None
) -> str:
    """The page for ``result``; ``view`` comes from :func:`reports.view.build_view` (already redacted)."""
    css, js = _asset("report.css"), _asset("report.js")
    template = _ENV.get_template("report.html.j2")
    return template.render(
        result=redactor.deep(result),
        view=redactor.deep(view) if view is not None else _empty_view(),
        lang="zh-CN" if lang.lower().startswith("zh") else "en",
        t=strings(lang),
        note=lambda text: note(text, lang),
        css=Markup(css),  # our own file, hashed into the CSP
        js=Markup(js),  # our own file, hashed into the CSP
        csp=content_security_policy(css, js),
    )
