"""`snapdiag analyze`: one bundle → HTML / JSON report or a short verdict on the terminal."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import click

from analyzer.limits import Limits
from analyzer.produce import ReportRequest, produce
from analyzer.textio import terminal_safe
from analyzer.timezone import TimeZoneInfo


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
    request = ReportRequest(
        lang=lang,
        html=bool(html_out),
        json=bool(json_out),
        summary=options.summary,
        tz=tz,
        backup_time=options.backup_time,
        job_error=options.job_error,
    )
    produced = produce(inputs, limits, request)
    result, redactor = produced.result, produced.redactor
    if json_out and produced.json is not None:
        _write(json_out, produced.json)
    if html_out and produced.html is not None:
        _write(html_out, produced.html)
    if produced.summary is not None:
        click.echo(terminal_safe(produced.summary), nl=False)
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
