"""`snapdiag regress CORPUS [--junit PATH]`: every corpus case, packed and analysed (design §7)."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import click

from analyzer.bundle import BundleError
from analyzer.corpus import Case, CaseError, discover, load_case, pack
from analyzer.limits import Limits
from analyzer.pipeline import analyse
from analyzer.report_parts import result_status


@dataclass
class Outcome:
    name: str
    expected: str
    got: str
    status: str  # pass | fail | error | skip
    confidence: float | None
    message: str
    seconds: float


def run_case(case: Case, workdir: Path, limits: Limits) -> Outcome:
    from analyzer.commands.timeline import parse_instant

    started = time.monotonic()
    expected = "|".join(sorted(case.accepted))
    if case.bundles is not None:
        from analyzer.commands.regress_batch import run_multi_bundle_case

        return run_multi_bundle_case(case, workdir, limits)
    try:
        inputs = pack(case, workdir)
        backup = None
        if case.backup_time:
            lo, _, hi = case.backup_time.partition("/")
            first = parse_instant(lo, "backup_time")
            backup = (first, parse_instant(hi, "backup_time") if hi else first)
        with analyse(inputs, limits, backup_time=backup, job_error=case.job_error) as analysis:
            status = result_status(analysis)
            diagnosis = analysis.diagnosis
    except (CaseError, BundleError) as exc:
        return Outcome(case.name, expected, "-", "error", None, str(exc), time.monotonic() - started)
    top = status["top_cause"]
    confidence = diagnosis.top.confidence if diagnosis.top else None
    problems = []
    if case.cause == "none":
        if status["status"] == "diagnosed":
            problems.append(f"expected no diagnosis, got {top} ({status['status']})")
    elif top not in case.accepted:
        problems.append(f"top cause {top} ({status['status']})")
    ruled_out = {c.id for c, _ in diagnosis.ruled_out}
    not_ruled = [cid for cid in case.must_rule_out if cid not in ruled_out]
    if not_ruled:
        problems.append(f"not ruled out: {', '.join(not_ruled)}")
    return Outcome(
        case.name,
        expected,
        f"{top} ({status['status']})",
        "fail" if problems else "pass",
        confidence,
        "; ".join(problems),
        time.monotonic() - started,
    )


def write_junit(path: Path, outcomes: list[Outcome]) -> None:
    failures = sum(o.status == "fail" for o in outcomes)
    errors = sum(o.status == "error" for o in outcomes)
    skipped = sum(o.status == "skip" for o in outcomes)
    rows = [
        f'<testsuite name="snapdiag-regress" tests="{len(outcomes)}" failures="{failures}" errors="{errors}" '
        f'skipped="{skipped}">'
    ]
    for o in outcomes:
        rows.append(f'  <testcase classname="regress" name={quoteattr(o.name)} time="{o.seconds:.3f}">')
        if o.status == "fail":
            rows.append(f"    <failure message={quoteattr(o.message)}>{escape(o.message)}</failure>")
        elif o.status == "error":
            rows.append(f"    <error message={quoteattr(o.message)}>{escape(o.message)}</error>")
        elif o.status == "skip":
            rows.append(f"    <skipped message={quoteattr(o.message)}/>")
        rows.append("  </testcase>")
    rows.append("</testsuite>")
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + "\n".join(rows) + "\n", encoding="utf-8")


def run_regress(corpus: Path, junit: str | None, limits: Limits) -> int:
    from analyzer.cli import EXIT_EXPECTATION, EXIT_UNREADABLE, Fail

    if not corpus.is_dir():
        raise Fail(f"corpus not found: {corpus}", EXIT_UNREADABLE)
    folders = discover(corpus)
    if not folders:
        raise Fail(f"no case (folder with expected.json) under {corpus}", EXIT_UNREADABLE)
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="snapdiag-regress-") as tmp:
        for folder in folders:
            try:
                case = load_case(folder)
            except CaseError as exc:
                outcomes.append(Outcome(folder.name, "?", "-", "error", None, str(exc), 0.0))
                continue
            outcomes.append(run_case(case, Path(tmp), limits))
    width = max(len(o.name) for o in outcomes)
    click.echo(f"{'case':{width}}  {'expected':40}  {'got':44}  status  confidence")
    for o in outcomes:
        conf = f"{o.confidence:.2f}" if o.confidence is not None else "-"
        click.echo(
            f"{o.name:{width}}  {o.expected[:40]:40}  {o.got[:44]:44}  {o.status:6}  {conf}"
            + (f"  {o.message}" if o.message else "")
        )
    counts = {s: sum(o.status == s for o in outcomes) for s in ("pass", "fail", "error", "skip")}
    click.echo(f"{counts['pass']} passed, {counts['fail'] + counts['error']} failed, {counts['skip']} skipped")
    if junit:
        write_junit(Path(junit), outcomes)
    if counts["error"]:
        return EXIT_UNREADABLE
    return EXIT_EXPECTATION if counts["fail"] else 0
