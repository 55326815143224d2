"""`snapdiag analyze`: one bundle → HTML / JSON report or a short verdict on the terminal."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from analyzer.limits import Limits
from analyzer.pipeline import analyse
from analyzer.redact import Redactor
from analyzer.result import build_result
from analyzer.timezone import TimeZoneInfo
from reports.html import render_html
from reports.json import render_json


def _write(path: str, text: str) -> None:
    if path == "-":
        sys.stdout.write(text)
        return
    Path(path).write_text(text, encoding="utf-8")


def run_analyze(
    inputs: list[Path],
    limits: Limits,
    tz: TimeZoneInfo | None,
    html_out: str | None,
    json_out: str | None,
    lang: str,
    quiet: bool,
) -> int:
    redactor = Redactor()
    with analyse(inputs, limits, tz) as analysis:
        result = build_result(analysis)
    if json_out:
        _write(json_out, render_json(result, redactor))
    if html_out:
        _write(html_out, render_html(result, redactor, lang))
    if not json_out and not html_out:
        verdict = result["result"]
        click.echo(f"status: {verdict['status']}  top cause: {verdict['top_cause']}")
        click.echo(
            f"layout: {result['bundle']['layout']}  sources: {len(result['bundle']['sources'])}  "
            f"events: {result['timeline']['events']}"
        )
        for warning in result["bundle"]["warnings"][:10]:
            click.echo(f"warning: {redactor(warning)}")
    return 0
