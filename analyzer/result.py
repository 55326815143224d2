"""The result object of design §4, built once and rendered by every report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from analyzer import __version__
from analyzer.pipeline import Analysis
from analyzer.report_parts import (
    collect_next,
    coverage,
    missing_sources,
    render_evidence,
    render_findings,
    result_status,
    vm_section,
)
from analyzer.rules.base import localize, say
from analyzer.runs import Run
from analyzer.timeline import format_time

SCHEMA = "snapdiag.report/1"
_NO_EVIDENCE = say("no evidence for it in the analysed window", "所分析的时间窗口内没有支持它的证据")


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


def build_result(analysis: Analysis, generated_at: datetime | None = None, lang: str = "en") -> dict[str, Any]:
    bundle = analysis.bundle
    tl = analysis.timeline
    warnings = list(bundle.warnings)
    for st in analysis.parsed.stats:
        warnings.extend(st.warnings)
    warnings.extend(tl.warnings)
    now = generated_at or datetime.now(UTC)
    diagnosis = analysis.diagnosis
    vm = vm_section(analysis)
    findings = render_findings(analysis, lang, vm["cloud"])
    warnings.extend(diagnosis.rule_errors)
    return {
        "schema": SCHEMA,
        "generated_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tool": {"name": "snapdiag", "version": __version__, "knowledge_version": diagnosis.knowledge_version},
        "result": result_status(analysis),
        "bundle": {
            "inputs": [p.rsplit("/", 1)[-1] for p in bundle.inputs],
            "sha256": bundle.sha256,
            "layout": bundle.layout,
            "sources": _sources(analysis),
            "missing": missing_sources(analysis),
            "warnings": warnings,
        },
        "vm": vm,
        "runs": [_run(r) for r in analysis.runs],
        "window": {
            "start": format_time(analysis.window[0]) if analysis.window else None,
            "end": format_time(analysis.window[1]) if analysis.window else None,
            "basis": analysis.window_basis,
            "backup_time": format_time(analysis.backup_time[0]) if analysis.backup_time else None,
        },
        "coverage": coverage(analysis),
        "findings": findings,
        "ruled_out": [
            {
                "cause": c.id,
                "reason": localize(j.reason, lang) or _NO_EVIDENCE.get(lang),
                "evidence": [render_evidence(analysis, e, lang=lang) for e in j.counter],
            }
            for c, j in diagnosis.ruled_out
        ],
        "not_evaluable": [
            {"cause": c.id, "missing": [localize(m, lang) for m in missing]} for c, missing in diagnosis.not_evaluable
        ],
        "not_applicable": [{"cause": c.id, "reason": localize(reason, lang)} for c, reason in diagnosis.not_applicable],
        "collect_next": collect_next(analysis, lang),
        "timeline": {
            "events": len(tl.events),
            "routine_counted": sum(tl.routine_counts.values()),
            "first": format_time(tl.first),
            "last": format_time(tl.last),
        },
    }
