"""`snapdiag analyze`: one bundle → HTML / JSON report or a short verdict on the terminal."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import click

from analyzer.limits import Limits
from analyzer.pipeline import analyse
from analyzer.redact import Redactor
from analyzer.result import build_result
from analyzer.textio import terminal_safe
from analyzer.timezone import TimeZoneInfo
from reports.html import render_html
from reports.json import render_json
from reports.summary import render_summary
from reports.view import build_view


def _write(path: str, text: str) -> None:
    if path == "-":
        sys.stdout.write(text)
        return
    Path(path).write_text(text, encoding="utf-8")


@dataclass
class AnalyzeOptions:
    html_out: str | None = None
    json_out: str | None = None
    lang: str = "en"
    backup_time: tuple[datetime, datetime] | None = None
    job_error: str | None = None
    expect: str | None = None
    summary: str | None = None
    quiet: bool = False


def run_analyze(inputs: list[Path], limits: Limits, tz: TimeZoneInfo | None, options: AnalyzeOptions) -> int:
    from analyzer.cli import EXIT_EXPECTATION

    json_out, html_out, lang = options.json_out, options.html_out, options.lang
    with analyse(inputs, limits, tz, backup_time=options.backup_time, job_error=options.job_error) as analysis:
        result = build_result(analysis, lang=lang)
        redactor = Redactor(analysis.bundle.redaction_key or None)
        view = build_view(analysis, result, lang, redactor) if html_out else None
    if json_out:
        _write(json_out, render_json(result, redactor))
    if html_out:
        _write(html_out, render_html(result, redactor, lang, view))
    if options.summary:
        click.echo(terminal_safe(render_summary(result, redactor, lang, options.summary)), nl=False)
    if not json_out and not html_out and not options.summary:
        verdict = result["result"]
        click.echo(f"status: {verdict['status']}  top cause: {verdict['top_cause']}")
        click.echo(
            f"layout: {result['bundle']['layout']}  sources: {len(result['bundle']['sources'])}  "
            f"events: {result['timeline']['events']}"
        )
        for warning in result["bundle"]["warnings"][:10]:
            click.echo(terminal_safe(f"warning: {redactor(warning)}"))
    if options.expect is not None:
        top = result["result"]["top_cause"]
        met = result["result"]["status"] != "diagnosed" if options.expect == "none" else top == options.expect
        if not met:
            click.echo(f"snapdiag: expected {options.expect}, got {top} ({result['result']['status']})", err=True)
            return EXIT_EXPECTATION
    return 0
