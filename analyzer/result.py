"""The result object of design §4, built once and rendered by every report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from analyzer import __version__
from analyzer.pipeline import Analysis
from analyzer.runs import Run
from analyzer.timeline import format_time

SCHEMA = "snapdiag.report/1"
KNOWLEDGE_VERSION = "0"


def _sources(analysis: Analysis) -> list[dict[str, Any]]:
    spans: dict[str, list[datetime]] = {}
    for ev, when in zip(analysis.timeline.events, analysis.timeline.times, strict=True):
        if when is not None:
            span = spans.setdefault(ev.member, [when, when])
            span[0] = min(span[0], when)
            span[1] = max(span[1], when)
    rows = []
    for st in analysis.parsed.stats:
        src = st.source
        first, last = spans.get(src.member, [None, None])
        rows.append(
            {
                "path": src.path,
                "member": src.member,
                "kind": src.kind,
                "bytes": src.bytes,
                "lines": st.lines,
                "truncated": src.truncated,
                "first": format_time(first),
                "last": format_time(last),
                "unclassified_lines": st.unclassified,
                "also_in": list(src.also_in),
            }
        )
    rows.sort(key=lambda r: (r["path"], r["member"]))
    return rows


def _run(run: Run) -> dict[str, Any]:
    return {
        "seq": run.seq,
        "task_id": run.task_id,
        "handler_version": run.handler_version,
        "enable_time": format_time(run.enable_time),
        "last_phase": run.last_phase,
        "final_code": run.final_code,
        "outcome": run.outcome,
        "status_uploaded": run.status_uploaded,
    }


def build_result(analysis: Analysis, generated_at: datetime | None = None) -> dict[str, Any]:
    bundle = analysis.bundle
    tl = analysis.timeline
    warnings = list(bundle.warnings)
    for st in analysis.parsed.stats:
        warnings.extend(st.warnings)
    warnings.extend(tl.warnings)
    now = generated_at or datetime.now(UTC)
    return {
        "schema": SCHEMA,
        "generated_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tool": {"name": "snapdiag", "version": __version__, "knowledge_version": KNOWLEDGE_VERSION},
        "result": {"status": "no-data", "top_cause": "none"},
        "bundle": {
            "inputs": [p.rsplit("/", 1)[-1] for p in bundle.inputs],
            "sha256": bundle.sha256,
            "layout": bundle.layout,
            "sources": _sources(analysis),
            "missing": [],
            "warnings": warnings,
        },
        "vm": {
            "time_zone": {
                "offset": tl.time_zone.offset_text(),
                "basis": tl.time_zone.basis,
                "evidence": tl.time_zone.evidence,
            },
        },
        "runs": [_run(r) for r in analysis.runs],
        "window": {
            "start": format_time(analysis.window[0]) if analysis.window else None,
            "end": format_time(analysis.window[1]) if analysis.window else None,
            "basis": analysis.window_basis,
            "backup_time": format_time(analysis.backup_time[0]) if analysis.backup_time else None,
        },
        "coverage": {"covers_window": bool(tl.events), "verbose_logging": False, "notes": []},
        "findings": [],
        "ruled_out": [],
        "not_evaluable": [],
        "not_applicable": [],
        "collect_next": [],
        "timeline": {
            "events": len(tl.events),
            "routine_counted": sum(tl.routine_counts.values()),
            "first": format_time(tl.first),
            "last": format_time(tl.last),
        },
    }
