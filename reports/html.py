"""HTML report: one self-contained page rendered from the (redacted) result object."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from analyzer.redact import Redactor

_ENV = Environment(
    loader=PackageLoader("reports", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_html(result: dict[str, Any], redactor: Redactor, lang: str = "en") -> str:
    template = _ENV.get_template("report.html.j2")
    return template.render(result=redactor.deep(result), lang=lang)
