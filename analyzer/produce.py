"""One bundle in, rendered reports out: the step `analyze`, `batch` and `serve` share.

Everything returned is already redacted and rendered, so a caller in another process (a pool or
Dask worker, the web server's job runner) only has to write text to files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from analyzer.limits import Limits
from analyzer.model import Fact
from analyzer.pipeline import Analysis, analyse
from analyzer.redact import Redactor
from analyzer.result import build_result
from analyzer.timezone import TimeZoneInfo
from reports.html import render_html
from reports.json import render_json
from reports.summary import render_summary
from reports.view import build_view


@dataclass
class ReportRequest:
    lang: str = "en"
    html: bool = True
    json: bool = True
    summary: str | None = None  # "text" | "markdown"
    tz: TimeZoneInfo | None = None
    backup_time: tuple[datetime, datetime] | None = None
    job_error: str | None = None
    key: bytes | None = None  # batch-wide redaction key; None: derived from the input bytes
    extra_facts: list[Fact] = field(default_factory=list)  # e.g. cross-bundle facts from a batch


@dataclass
class Produced:
    result: dict[str, Any]  # the design §4 object (not yet redacted: render through `redactor`)
    redactor: Redactor
    html: str | None = None
    json: str | None = None
    summary: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)  # what `inspect` returned


def produce(
    inputs: Iterable[str | Path],
    limits: Limits,
    request: ReportRequest,
    inspect: Any = None,
) -> Produced:
    """Analyse one bundle and render what ``request`` asks for.

    ``inspect(analysis, result, redactor) -> dict`` runs while the analysis is open (batch uses it
    to take cross-bundle facts); its answer is returned in ``extras``.
    """
    with analyse(
        inputs,
        limits,
        request.tz,
        backup_time=request.backup_time,
        job_error=request.job_error,
        extra_facts=request.extra_facts,
    ) as analysis:
        result = build_result(analysis, lang=request.lang)
        redactor = Redactor(request.key or analysis.bundle.redaction_key or None)
        view = build_view(analysis, result, request.lang, redactor) if request.html else None
        extras = inspect(analysis, result, redactor) if inspect is not None else {}
    out = Produced(result, redactor, extras=extras)
    if request.json:
        out.json = render_json(result, redactor)
    if request.html:
        out.html = render_html(result, redactor, request.lang, view)
    if request.summary:
        out.summary = render_summary(result, redactor, request.lang, request.summary)
    return out


__all__ = ["Analysis", "Produced", "ReportRequest", "produce"]
