"""bundle → sources → parsers → timeline → (rules) → result: the one path every command takes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from analyzer.after_run import add_after_findings, after_window
from analyzer.bundle import Bundle, open_bundle
from analyzer.engine import Diagnosis, diagnose
from analyzer.limits import Limits
from analyzer.merge import EventSpill
from analyzer.model import Event, Fact
from analyzer.parse import ParseOutput, iter_events, reparse_slice
from analyzer.runs import Run, assemble, select
from analyzer.timeline import Timeline, TimelineBuilder
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
    diagnosis: Diagnosis = field(default_factory=Diagnosis)

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
    spill: EventSpill | None = None,
    job_error: str | None = None,
    extra_facts: list[Fact] | None = None,
) -> Analysis:
    """Open, parse and order one bundle, and pick the run to judge.  The caller closes it.

    With ``spill``, every parsed event is also written there (for a complete timeline output).
    ``extra_facts`` are facts learned outside the bundle (a batch's cross-bundle view) that rules
    may read like any other fact.
    """
    bundle = open_bundle(inputs, limits)
    try:
        parsed = ParseOutput()
        events: Iterable[Event] = iter_events(bundle, limits, parsed)
        if spill is not None:
            events = spill.add_all(events)
        builder = TimelineBuilder()
        for ev in events:
            builder.add(ev)
        if extra_facts:
            parsed.facts.extend(extra_facts)
        timeline = builder.finish(parsed.facts, tz)
        runs, run, basis, window = _choose(timeline, backup_time)
        if window is not None and basis != "whole-bundle" and _fill_window(parsed, timeline, window):
            runs, run, basis, window = _choose(timeline, backup_time)
        kinds = frozenset(st.source.kind for st in parsed.stats if st.source.bytes > 0)
        diagnosis = diagnose(timeline, runs, run, window, parsed.facts, kinds, job_error, backup_time)
        after = after_window(timeline, runs, run, backup_time)
        if after is not None and run is not None:
            later = diagnose(timeline, runs, None, after, parsed.facts, kinds, job_error, None)
            add_after_findings(diagnosis, later, run)
    except BaseException:
        bundle.close()
        raise
    return Analysis(bundle, parsed, timeline, runs, run, window, basis, backup_time, diagnosis)


def _choose(
    timeline: Timeline, backup_time: tuple[datetime, datetime] | None
) -> tuple[list[Run], Run | None, str, tuple[datetime, datetime] | None]:
    """The runs, the analysed one (an element of the runs) and the window to judge."""
    runs = assemble(timeline)
    run, basis = select(runs, backup_time)
    if run is not None:
        return runs, run, basis, run.window()
    if backup_time is not None:
        return runs, None, basis, (backup_time[0] - _BACKUP_BEFORE, backup_time[1] + _BACKUP_AFTER)
    first, last = timeline.first, timeline.activity_end
    return runs, None, basis, (first, last) if first and last else None


def _fill_window(parsed: ParseOutput, timeline: Timeline, window: tuple[datetime, datetime]) -> int:
    """Re-read the lines of the window so every event in it is kept, not just counted."""
    start, end = window
    by_member = {st.source.member: st for st in parsed.stats}
    added = 0
    for member, (lo, hi) in sorted(timeline.line_ranges(start, end).items()):
        stats = by_member.get(member)
        if stats is not None:
            added += timeline.add_window_events(reparse_slice(stats, lo, hi), start, end)
    return added
