"""Command line (design §2).  Every error is one line on stderr and a documented exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from analyzer import __version__
from analyzer.bundle import BundleError
from analyzer.limits import LimitError, Limits
from analyzer.model import LEVELS, EventKind
from analyzer.textio import terminal_safe
from analyzer.timezone import TimeZoneError, TimeZoneInfo, parse_tz_option

EXIT_OK = 0
EXIT_EXPECTATION = 1
EXIT_USAGE = 2
EXIT_UNREADABLE = 3
EXIT_BATCH_PARTIAL = 4
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130


class Fail(Exception):
    """A one-line failure with its exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _limits(items: tuple[str, ...]) -> Limits:
    try:
        return Limits.parse(items)
    except LimitError as exc:
        raise Fail(str(exc), EXIT_USAGE) from exc


def _tz(value: str | None) -> TimeZoneInfo | None:
    if not value:
        return None
    try:
        return parse_tz_option(value)
    except TimeZoneError as exc:
        raise Fail(str(exc), EXIT_USAGE) from exc


def _backup_time(value: str | None) -> tuple[Any, Any] | None:
    if not value:
        return None
    from analyzer.commands.timeline import parse_instant

    lo, _, hi = value.partition("/")
    first = parse_instant(lo, "--backup-time")
    second = parse_instant(hi, "--backup-time") if hi else first
    if second < first:
        raise Fail("--backup-time T/T2 needs T2 after T", EXIT_USAGE)
    return first, second


def _check_inputs(inputs: tuple[str, ...]) -> list[Path]:
    """Validated here rather than by click so that a missing path is exit 3 with one line."""
    paths = [Path(p) for p in inputs]
    missing = [str(p) for p in paths if not os.path.lexists(p)]
    if missing:
        raise Fail(f"input not found: {', '.join(missing)}", EXIT_UNREADABLE)
    return paths


def _guarded(fn: Callable[..., int | None]) -> Callable[..., None]:
    """Map failures to exit codes; never show a traceback (SNAPDIAG_DEBUG=1 shows it)."""

    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            code = fn(*args, **kwargs) or EXIT_OK
        except Fail as exc:
            click.echo(terminal_safe(f"snapdiag: {exc}"), err=True)
            code = exc.code
        except BundleError as exc:
            click.echo(terminal_safe(f"snapdiag: {exc}"), err=True)
            code = EXIT_UNREADABLE
        except BrokenPipeError:
            # the reader went away (``| head``): stop quietly, as other text tools do
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            code = EXIT_OK
        except KeyboardInterrupt:
            click.echo("snapdiag: interrupted", err=True)
            code = EXIT_INTERRUPTED
        except Exception as exc:
            if os.environ.get("SNAPDIAG_DEBUG"):
                raise
            first = (str(exc).splitlines() or [""])[0][:300]
            click.echo(
                f"snapdiag: internal error: {type(exc).__name__}: {first} (set SNAPDIAG_DEBUG=1 for details)", err=True
            )
            code = EXIT_INTERNAL
        sys.exit(code)

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="snapdiag")
def main() -> None:
    """Explain, with evidence, why Azure Backup of a Linux VM failed, from a log bundle."""


limit_option = click.option(
    "--limit",
    "limit",
    multiple=True,
    metavar="NAME=VALUE",
    help=f"raise or lower a safety cap ({', '.join(Limits.names())})",
)
quiet_option = click.option("--quiet", is_flag=True, help="no progress output")


def _job_error(value: str | None) -> str | None:
    """The portal code as codes.toml spells it (case and aliases forgiven).  An unknown one is kept
    but said to have no effect: a typo must not silently drop the prior the engineer meant."""
    if value is None:
        return None
    from analyzer.knowledge import load_codes

    entry = load_codes().portal(value)
    if entry is None:
        click.echo(
            terminal_safe(f"snapdiag: warning: --job-error {value}: not a portal error code snapdiag knows; not used"),
            err=True,
        )
        return value
    return entry.code


def _expect(value: str | None) -> str | None:
    from analyzer.knowledge import load_catalogue

    if value is None or value == "none" or value in load_catalogue().ids():
        return value
    raise Fail(terminal_safe(f"--expect {value}: not a cause id (see 'snapdiag causes'), nor 'none'"), EXIT_USAGE)


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "html_out", type=click.Path(dir_okay=False), help="write the HTML report here")
@click.option("--json", "json_out", help="write the JSON report to PATH, or - for stdout")
@click.option("--lang", type=click.Choice(["en", "zh-CN"]), default="en", show_default=True)
@click.option("--tz", "tz", metavar="ZONE", help="VM time zone: +08:00 or Asia/Shanghai (overrides inference)")
@click.option(
    "--backup-time",
    "backup_time",
    metavar="T[/T2]",
    help="when the failed backup ran, with an offset: 2024-05-01T10:00Z",
)
@click.option(
    "--job-error", "job_error", metavar="CODE", help="portal error code, e.g. GuestAgentSnapshotTaskStatusError"
)
@click.option("--expect", "expect", metavar="CAUSE", help="exit 1 unless the top cause is CAUSE (or none)")
@click.option("--summary", "summary", type=click.Choice(["text", "markdown"]), help="print a ticket-ready summary")
@limit_option
@quiet_option
@_guarded
def analyze(
    inputs: tuple[str, ...],
    html_out: str | None,
    json_out: str | None,
    lang: str,
    tz: str | None,
    backup_time: str | None,
    job_error: str | None,
    expect: str | None,
    summary: str | None,
    limit: tuple[str, ...],
    quiet: bool,
) -> int:
    """Analyse one bundle (several INPUTS = loose files of one ticket)."""
    from analyzer.commands.analyze import AnalyzeOptions, run_analyze

    options = AnalyzeOptions(
        html_out=html_out,
        json_out=json_out,
        lang=lang,
        backup_time=_backup_time(backup_time),
        job_error=_job_error(job_error),
        expect=_expect(expect),
        summary=summary,
        quiet=quiet,
    )
    limits, zone = _limits(limit), _tz(tz)
    return run_analyze(_check_inputs(inputs), limits, zone, options)


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "jsonl"]), default="table", show_default=True)
@click.option("--around", metavar="T", help="centre of the window (ISO time with offset)")
@click.option("--window", default="30m", show_default=True, help="half-width around --around: 30m, 2h, 1d")
@click.option("--kind", "kinds", multiple=True, type=click.Choice([k.value for k in EventKind]), metavar="KIND",
              help="only these event kinds")  # fmt: skip
@click.option("--level", "levels", multiple=True, type=click.Choice(LEVELS, case_sensitive=False), metavar="LEVEL",
              help="only these levels")  # fmt: skip
@click.option("--tz", "tz", metavar="ZONE")
@limit_option
@quiet_option
@_guarded
def timeline(
    inputs: tuple[str, ...],
    fmt: str,
    around: str | None,
    window: str,
    kinds: tuple[str, ...],
    levels: tuple[str, ...],
    tz: str | None,
    limit: tuple[str, ...],
    quiet: bool,
) -> int:
    """Print the merged events of a bundle in UTC."""
    from analyzer.commands.timeline import run_timeline

    return run_timeline(_check_inputs(inputs), _limits(limit), _tz(tz), fmt, around, window, kinds, levels)



@main.command()
@click.argument("corpus")
@click.option("--junit", metavar="PATH", help="write JUnit XML here")
@limit_option
@_guarded
def regress(corpus: str, junit: str | None, limit: tuple[str, ...]) -> int:
    """Run every case of a regression corpus; exit 1 when one fails."""
    from analyzer.commands.regress import run_regress

    return run_regress(Path(corpus), junit, _limits(limit))


@main.command()
@click.option("--lang", type=click.Choice(["en", "zh-CN"]), default="en", show_default=True)
@_guarded
def causes(lang: str) -> int:
    """List the catalogue of causes with their remedies."""
    from analyzer.commands.causes import run_causes

    return run_causes(lang)


@main.command()
@click.argument("scenario")
@click.option("-o", "out", required=True, metavar="PATH", help="folder, .tar.gz or .zip to write")
@click.option("--seed", type=int, default=0, show_default=True, help="same seed, same bundle")
@click.option("--size", metavar="BYTES", help="target of total log bytes: 500K, 64M, 1G (default 1M)")
@click.option(
    "--era", type=click.Choice(["2.0", "legacy", "2.2.46", "iso", "mixed"]), default="mixed", show_default=True
)
@click.option("--layout", type=click.Choice(["dir", "tar.gz", "logcollector-zip"]), default="dir", show_default=True)
@_guarded
def simulate(scenario: str, out: str, seed: int, size: str | None, era: str, layout: str) -> int:
    """Write a realistic synthetic bundle for SCENARIO (a cause id or `healthy`)."""
    from analyzer.commands.simulate import run_simulate

    return run_simulate(scenario, out, seed, size, era, layout)


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "outdir", required=True, metavar="OUTDIR", help="folder for the reports and the summary")
@click.option("--jobs", type=click.IntRange(min=1), help="worker processes (default: CPU count)")
@click.option("--scheduler", metavar="ADDRESS", help="run on an existing Dask cluster: tcp://host:port")
@click.option("--lang", type=click.Choice(["en", "zh-CN"]), default="en", show_default=True)
@click.option("--resume", is_flag=True, help="skip bundles whose reports exist for the same sha256")
@limit_option
@quiet_option
@_guarded
def batch(
    inputs: tuple[str, ...],
    outdir: str,
    jobs: int | None,
    scheduler: str | None,
    lang: str,
    resume: bool,
    limit: tuple[str, ...],
    quiet: bool,
) -> int:
    """Analyse many bundles: one report each, summary.csv/json and index.html (design §6)."""
    from analyzer.commands.batch import BatchCommand, run_batch_command

    command = BatchCommand(outdir=Path(outdir), jobs=jobs, scheduler=scheduler, lang=lang, resume=resume, quiet=quiet)
    return run_batch_command(_check_inputs(inputs), _limits(limit), command)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="address to bind (loopback by default)")
@click.option("--port", type=click.IntRange(min=0, max=65535), default=8080, show_default=True)
@click.option("--data", "data", metavar="DIR", help="history and reports folder (default: per-user data folder)")
@_guarded
def serve(host: str, port: int, data: str | None) -> int:
    """Serve the drop-a-bundle web page."""
    from analyzer.commands.serve import run_serve

    return run_serve(host, port, Path(data) if data else None)
