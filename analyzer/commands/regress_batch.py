"""Multi-bundle regression cases (design §7): every bundle of the case analysed in one batch.

Batch-only causes (``concurrent-backups``) exist only when several bundles are seen together, so
such a case passes when every one of its bundles passes in one batch run.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from analyzer.batch.engines import LocalEngine
from analyzer.batch.inputs import job_for
from analyzer.batch.runner import run_batch
from analyzer.batch.worker import WorkerSettings
from analyzer.corpus import Case, CaseError, pack
from analyzer.limits import Limits


def _sub_case(case: Case, entry: dict[str, Any]) -> Case:
    if not isinstance(entry, dict) or not isinstance(entry.get("bundle"), str):
        raise CaseError(f"{case.name}: every entry of bundles needs a bundle path")
    return Case(
        name=f"{case.name}-{Path(entry['bundle']).name}",
        folder=case.folder,
        cause=str(entry.get("cause", "none")),
        accept=list(entry.get("accept", [])),
        bundle=entry["bundle"],
        pack=str(entry.get("pack", "none")),
        must_rule_out=list(entry.get("must_rule_out", [])),
    )


def _problems(sub: Case, row: dict[str, str], report: dict[str, Any] | None) -> list[str]:
    if row.get("error"):
        return [f"{sub.bundle}: {row['error']}"]
    top, status = row["top_cause"], row["status"]
    problems = []
    if sub.cause == "none":
        if status == "diagnosed":
            problems.append(f"{sub.bundle}: expected no diagnosis, got {top}")
    elif top not in sub.accepted:
        problems.append(f"{sub.bundle}: top cause {top} ({status})")
    ruled_out = {r["cause"] for r in (report or {}).get("ruled_out", [])}
    missing = [c for c in sub.must_rule_out if c not in ruled_out]
    if missing:
        problems.append(f"{sub.bundle}: not ruled out: {', '.join(missing)}")
    return problems


def run_multi_bundle_case(case: Case, workdir: Path, limits: Limits) -> Any:
    from analyzer.commands.regress import Outcome

    started = time.monotonic()
    try:
        subs = [_sub_case(case, entry) for entry in case.bundles or []]
        if len(subs) < 2:
            raise CaseError(f"{case.name}: a multi-bundle case needs at least two bundles")
        jobs = []
        for sub in subs:
            inputs = pack(sub, workdir / case.name)
            jobs.append(job_for(inputs[0], sub.bundle or sub.name))
    except (CaseError, OSError) as exc:
        return Outcome(case.name, "batch", "-", "error", None, str(exc), time.monotonic() - started)
    outdir = workdir / f"{case.name}.batch"
    outdir.mkdir(parents=True, exist_ok=True)
    engine = LocalEngine(min(len(jobs), os.cpu_count() or 1), WorkerSettings(key=os.urandom(32), limits=limits))
    try:
        report = run_batch(jobs, outdir, engine)
    finally:
        engine.close()
    rows = {o.job.input: o.row for o in report.outcomes}
    problems: list[str] = []
    got = []
    for sub in subs:
        row = rows[sub.bundle or sub.name]
        path = outdir / row["report"].replace("report.html", "report.json") if row["report"] else None
        document = json.loads(path.read_text(encoding="utf-8")) if path and path.is_file() else None
        problems += _problems(sub, row, document)
        got.append(f"{row['top_cause'] or 'error'}")
    expected = "|".join(sorted({c for sub in subs for c in sub.accepted}))
    return Outcome(
        case.name,
        expected,
        ", ".join(got),
        "fail" if problems else "pass",
        None,
        "; ".join(problems),
        time.monotonic() - started,
    )
