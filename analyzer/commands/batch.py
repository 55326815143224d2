"""`snapdiag batch`: many bundles → per-bundle reports, summary.csv/json, index.html (design §6)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import click

from analyzer.batch.engines import DaskEngine, Engine, EngineError, Interrupted, LocalEngine
from analyzer.batch.inputs import discover
from analyzer.batch.model import BundleOutcome
from analyzer.batch.output import batch_key
from analyzer.batch.runner import run_batch
from analyzer.batch.worker import WorkerSettings
from analyzer.limits import Limits
from analyzer.textio import terminal_safe


@dataclass
class BatchCommand:
    outdir: Path
    jobs: int | None = None
    scheduler: str | None = None
    lang: str = "en"
    resume: bool = False
    quiet: bool = False


def _engine(command: BatchCommand, settings: WorkerSettings, jobs: int, interrupted: Interrupted) -> Engine:
    from analyzer.cli import EXIT_USAGE, Fail

    try:
        if command.scheduler is not None:
            return DaskEngine(command.scheduler, settings, command.outdir, interrupted)
        return LocalEngine(jobs, settings)
    except EngineError as exc:
        raise Fail(str(exc), EXIT_USAGE) from exc


def run_batch_command(inputs: list[Path], limits: Limits, command: BatchCommand) -> int:
    from analyzer.cli import EXIT_BATCH_PARTIAL, EXIT_INTERRUPTED, EXIT_UNREADABLE, EXIT_USAGE, Fail

    outdir = command.outdir
    if outdir.exists() and not outdir.is_dir():
        raise Fail(f"-o {outdir}: exists and is not a folder", EXIT_USAGE)
    discovery = discover(inputs, outdir)
    if not discovery.jobs:
        why = f" ({'; '.join(discovery.skipped)[:300]})" if discovery.skipped else ""
        raise Fail(terminal_safe(f"no bundle found in the inputs{why}"), EXIT_UNREADABLE)
    outdir.mkdir(parents=True, exist_ok=True)
    settings = WorkerSettings(key=batch_key(outdir), lang=command.lang, limits=limits)
    jobs = min(command.jobs or os.cpu_count() or 1, len(discovery.jobs))
    bar = _progress_bar(len(discovery.jobs), command.quiet)
    with Interrupted() as interrupted:
        engine = _engine(command, settings, jobs, interrupted)
        engine.interrupted = interrupted
        try:
            interrupted.check()
            report = run_batch(
                discovery.jobs,
                outdir,
                engine,
                lang=command.lang,
                resume=command.resume,
                skipped=discovery.skipped,
                progress=bar.update_outcome if bar else None,
            )
        except BaseException as exc:
            if bar:
                bar.close()
            clean = engine.close(cancel=True)
            if isinstance(exc, KeyboardInterrupt):
                message = "interrupted; finished bundles are kept, --resume continues"
                if not clean:
                    _exit_now(message, EXIT_INTERRUPTED)
                raise Fail(message, EXIT_INTERRUPTED) from exc
            raise
    if bar:
        bar.close()
    engine.close()
    for line in discovery.skipped:
        click.echo(terminal_safe(f"snapdiag: skipped {line}"), err=True)
    failed = report.failed
    if not command.quiet:
        click.echo(
            f"{len(report.outcomes)} bundles: {len(report.outcomes) - len(failed)} analysed "
            f"({report.resumed} resumed), {len(failed)} failed; {len(report.groups)} concurrent-backup groups, "
            f"{len(report.templates)} unexplained-error templates → {outdir / 'index.html'}",
            err=True,
        )
    for outcome in failed:
        click.echo(terminal_safe(f"snapdiag: {outcome.job.input}: {outcome.error}"), err=True)
    return EXIT_BATCH_PARTIAL if failed else 0


def _exit_now(message: str, code: int) -> NoReturn:
    """End the process without the interpreter's exit steps, which would wait for a pool thread
    stuck on a killed worker's half-sent result.  Every finished bundle is already on disk."""
    click.echo(f"snapdiag: {message}", err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class _Bar:
    def __init__(self, total: int) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=total, unit="bundle", file=sys.stderr, dynamic_ncols=True)
        self._failed = 0

    def update_outcome(self, outcome: BundleOutcome) -> None:
        self._failed += bool(outcome.error)
        self._bar.set_postfix(failed=self._failed, refresh=False)
        self._bar.update(1)

    def close(self) -> None:
        self._bar.close()


def _progress_bar(total: int, quiet: bool) -> _Bar | None:
    """A bar with counts, rate and ETA on a terminal; nothing otherwise (design §2)."""
    if quiet or not sys.stderr.isatty():
        return None
    return _Bar(total)
