"""A batch from start to end: resume, analyse, cross-bundle pass, summaries (design §6).

The parent process owns the whole-batch steps; workers only ever see one bundle.  Cross-bundle
findings need every bundle's run times first, so affected bundles are analysed a second time with
the batch's facts (their reports then carry the finding like any other).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from analyzer.batch.engines import Engine, Task
from analyzer.batch.fleet import affected_inputs, concurrent_facts, find_concurrent, merge_for_display
from analyzer.batch.model import BundleJob, BundleOutcome, ConcurrentGroup, ErrorTemplate
from analyzer.batch.output import (
    key_id,
    load_finished,
    remove_stale,
    summary_document,
    write_outcome,
    write_summaries,
)
from analyzer.batch.templates import mine_templates
from analyzer.model import Fact
from reports.batch_index import render_batch_index

Progress = Callable[[BundleOutcome], None]


@dataclass
class BatchReport:
    outcomes: list[BundleOutcome] = field(default_factory=list)
    groups: list[ConcurrentGroup] = field(default_factory=list)
    templates: list[ErrorTemplate] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    resumed: int = 0
    reanalysed: int = 0  # second pass with cross-bundle facts
    tail_seconds: float = 0.0  # the serial part after the workers: grouping, clustering, summaries
    stale_removed: int = 0  # folders of an input's earlier bytes, replaced by this run

    @property
    def failed(self) -> list[BundleOutcome]:
        return [o for o in self.outcomes if o.error]


def unique_slugs(jobs: list[BundleJob]) -> list[BundleJob]:
    """Two inputs whose slugs collide (``a b.tgz`` and ``a-b.tgz`` with the same bytes) get -2, -3 …"""
    seen: dict[str, int] = {}
    out = []
    for job in jobs:
        n = seen.get(job.slug, 0) + 1
        seen[job.slug] = n
        out.append(job if n == 1 else BundleJob(**{**asdict(job), "slug": f"{job.slug}-{n}"}))
    return out


def facts_key(facts: list[Fact]) -> str:
    if not facts:
        return ""
    text = json.dumps([[f.key, f.value, f.attrs] for f in facts], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _cross_bundle_facts(outcomes: list[BundleOutcome]) -> tuple[list[ConcurrentGroup], dict[str, list[Fact]]]:
    """The batch's groups, and the facts for each bundle whose judged run a group can explain.

    Only those bundles are analysed again: a run that succeeded, or one no group holds, would get
    the same verdict, so its report stays as the first pass wrote it."""
    fleets = [o.fleet for o in outcomes if o.fleet is not None and not o.error]
    groups = find_concurrent(fleets)
    facts = {name: concurrent_facts(name, groups) for name in affected_inputs(fleets, groups)}
    return groups, {k: v for k, v in facts.items() if v}


def _templates(outcomes: list[BundleOutcome]) -> list[ErrorTemplate]:
    return mine_templates((o.job.input, s) for o in outcomes for s in o.unexplained)


def _index(
    rows: list[dict[str, str]], report: BatchReport, lang: str, generated_at: str, warnings: dict[str, int]
) -> str:
    return render_batch_index(
        rows, report.groups, report.templates, lang=lang, generated_at=generated_at, warnings=warnings
    )


def run_batch(
    jobs: list[BundleJob],
    outdir: Path,
    engine: Engine,
    *,
    lang: str = "en",
    resume: bool = False,
    skipped: list[str] | None = None,
    progress: Progress | None = None,
) -> BatchReport:
    """Analyse every job, write every output; raises KeyboardInterrupt untouched (the caller stops)."""
    report = BatchReport(skipped=list(skipped or []))
    jobs = unique_slugs(sorted(jobs, key=lambda j: j.input))
    # reports are reused only when made with the same key, language and limits
    limits = json.dumps(asdict(engine.settings.limits), sort_keys=True)
    key = f"{key_id(engine.settings.key)}/{engine.settings.lang}/{hashlib.sha256(limits.encode()).hexdigest()[:8]}"
    done: dict[str, BundleOutcome] = {}
    todo: list[Task] = []
    for job in jobs:
        finished = load_finished(outdir, job, key) if resume else None
        if finished is not None:
            done[job.input] = finished
            report.resumed += 1
            if progress:
                progress(finished)
        else:
            todo.append(Task(job))
    for outcome in engine.run(todo):
        write_outcome(outdir, outcome, key)
        done[outcome.job.input] = outcome
        if progress:
            progress(outcome)

    # Second pass: bundles whose cross-bundle facts differ from those their reports were made with.
    groups, facts = _cross_bundle_facts(list(done.values()))
    again = [
        Task(o.job, facts.get(o.job.input, []))
        for o in done.values()
        if not o.error and o.facts_key != facts_key(facts.get(o.job.input, []))
    ]
    for outcome in engine.run(again):
        outcome.facts_key = facts_key(facts.get(outcome.job.input, []))
        write_outcome(outdir, outcome, key)
        done[outcome.job.input] = outcome
    report.reanalysed = len(again)

    started = time.perf_counter()
    report.outcomes = [done[j.input] for j in jobs if j.input in done]
    report.stale_removed = remove_stale(outdir, {o.job.input: o.job.slug for o in report.outcomes})
    report.groups = merge_for_display(groups)
    report.templates = _templates(report.outcomes)
    rows = [o.row for o in report.outcomes]
    generated_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    warnings = {o.job.input: o.warnings for o in report.outcomes if o.warnings}
    document = summary_document(rows, report.groups, report.templates, report.skipped, warnings)
    write_summaries(outdir, document, _index(rows, report, lang, generated_at, warnings))
    report.tail_seconds = time.perf_counter() - started
    return report
