"""`snapdiag analyze`: one bundle → HTML / JSON report or a short verdict on the terminal."""

from __future__ import annotations

import os
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
    from analyzer.cli import EXIT_USAGE, Fail

    if path == "-":
        sys.stdout.write(text)
        return
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise Fail(terminal_safe(f"cannot write {path}: {exc.strerror or exc}"), EXIT_USAGE) from exc


def check_output(path: str | None, option: str) -> None:
    """A mistyped output path is the user's error, found before a long analysis, not after it."""
    from analyzer.cli import EXIT_USAGE, Fail

    if path is None or path == "-":
        return
    target = Path(path)
    folder = target.parent
    why = None
    if target.is_dir():
        why = "is a folder"
    elif not folder.is_dir():
        why = f"no folder {folder}"
    elif not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        why = "permission denied"
    if why is not None:
        raise Fail(terminal_safe(f"{option} {path}: cannot write there ({why})"), EXIT_USAGE)


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
    check_output(html_out, "-o")
    check_output(json_out, "--json")
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
        # with the JSON on stdout, the summary goes to stderr: stdout stays one JSON document
        click.echo(terminal_safe(produced.summary), nl=False, err=json_out == "-")
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
