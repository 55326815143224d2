"""bundle → sources → parsers → timeline → (rules) → result: the one path every command takes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from analyzer.bundle import Bundle, open_bundle
from analyzer.limits import Limits
from analyzer.parse import ParseOutput, iter_events
from analyzer.runs import Run, assemble, select
from analyzer.timeline import Timeline, build
from analyzer.timezone import TimeZoneInfo

# A backup job's snapshot task can start a while after the scheduled time and run for hours.
_BACKUP_BEFORE = timedelta(hours=1)
_BACKUP_AFTER = timedelta(hours=3)


@dataclass
class Analysis:
    bundle: Bundle
    parsed: ParseOutput
    timeline: Timeline
    runs: list[Run]
    run: Run | None  # the analysed run
    window: tuple[datetime, datetime] | None
    window_basis: str
    backup_time: tuple[datetime, datetime] | None = None

    def close(self) -> None:
        self.bundle.close()

    def __enter__(self) -> Analysis:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def analyse(
    inputs: Iterable[str | Path],
    limits: Limits,
    tz: TimeZoneInfo | None = None,
    backup_time: tuple[datetime, datetime] | None = None,
) -> Analysis:
    """Open, parse and order one bundle, and pick the run to judge.  The caller closes it."""
    bundle = open_bundle(inputs, limits)
    try:
        parsed = ParseOutput()
        timeline = build(iter_events(bundle, limits, parsed), parsed.facts, tz_override=tz)
        runs = assemble(timeline)
        run, basis = select(runs, backup_time)
        if run is not None:
            window: tuple[datetime, datetime] | None = run.window()
        elif backup_time is not None:
            window = (backup_time[0] - _BACKUP_BEFORE, backup_time[1] + _BACKUP_AFTER)
        else:
            first, last = timeline.first, timeline.last
            window = (first, last) if first and last else None
    except BaseException:
        bundle.close()
        raise
    return Analysis(bundle, parsed, timeline, runs, run, window, basis, backup_time)
