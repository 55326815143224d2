"""One UTC timeline of a bundle (design §1): kept events in a DataFrame, routine lines counted.

Tier 1 keeps every classified event (any kind but ``routine``) and every WARNING/ERROR.  Tier 2
counts routine lines per source, kind and hour and keeps at most ``routine_keep`` of them so the
analysed window can still show them; memory does not grow with log size beyond that.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd

from analyzer.model import Clock, Event, EventKind, Fact, TimeBasis
from analyzer.timezone import TimeZoneInfo, infer

COLUMNS = (
    "time", "time_raw", "time_basis", "source", "member", "line", "parser", "component", "level", "kind",
    "handler", "handler_version", "message", "attrs", "also_in",
)  # fmt: skip
_DEDUP_PARSERS = {"waagent_log": 0, "command_execution_log": 1, "journal": 2, "syslog": 3}
_DEDUP_TOLERANCE = timedelta(seconds=2)
_MIN_TIME = datetime(1990, 1, 1)
_MAX_TIME = datetime(2100, 1, 1)


@dataclass
class Timeline:
    frame: pd.DataFrame  # one row per kept event, sorted by time then input order
    events: list[Event]  # the same events, aligned with frame rows
    times: list[datetime | None]  # UTC times aligned with ``events``
    bases: list[str]
    also_in: list[list[str]]
    time_zone: TimeZoneInfo
    routine_counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    routine: list[Event] = field(default_factory=list)
    routine_dropped: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def first(self) -> datetime | None:
        known = [t for t in self.times if t is not None]
        return min(known) if known else None

    @property
    def last(self) -> datetime | None:
        known = [t for t in self.times if t is not None]
        return max(known) if known else None


def _keep(ev: Event) -> bool:
    return ev.kind != EventKind.ROUTINE or ev.level in ("WARNING", "ERROR")


def utc_of(ev: Event, tz: TimeZoneInfo) -> tuple[datetime | None, str]:
    if ev.wall is None:
        return None, TimeBasis.UNKNOWN.value
    if ev.clock == Clock.UTC:
        when, basis = ev.wall, TimeBasis.UTC.value
    elif ev.clock == Clock.LOCAL:
        when = tz.to_utc(ev.wall)
        basis = TimeBasis.LOCAL_ASSUMED.value if tz.assumed else TimeBasis.LOCAL_INFERRED.value
    else:
        when, basis = ev.wall, TimeBasis.UNKNOWN.value
    if not (_MIN_TIME <= when < _MAX_TIME):
        return None, TimeBasis.UNKNOWN.value
    return when, basis


def build(
    events: Iterable[Event],
    facts: list[Fact],
    tz_override: TimeZoneInfo | None = None,
    routine_keep: int = 200_000,
) -> Timeline:
    kept: list[Event] = []
    routine: list[Event] = []
    routine_dropped = 0
    raw_counts: Counter[tuple[str, str, str, str]] = Counter()
    for ev in events:
        if _keep(ev):
            kept.append(ev)
            continue
        hour = ev.wall.strftime("%Y-%m-%dT%H") if ev.wall is not None else ""
        raw_counts[(ev.member, ev.kind.value, hour, ev.clock.value)] += 1
        if len(routine) < routine_keep:
            routine.append(ev)
        else:
            routine_dropped += 1

    tz = tz_override or infer(facts, kept)
    routine_counts: Counter[tuple[str, str, str]] = Counter()
    for (member, kind, hour, clock), n in raw_counts.items():
        if hour and clock == Clock.LOCAL.value:
            hour = tz.to_utc(datetime.strptime(hour, "%Y-%m-%dT%H")).strftime("%Y-%m-%dT%H")
        routine_counts[(member, kind, hour)] += n

    times, bases = zip(*(utc_of(ev, tz) for ev in kept), strict=True) if kept else ((), ())
    order = sorted(
        range(len(kept)), key=lambda i: (times[i] is None, times[i] or _MIN_TIME, kept[i].source_index, kept[i].line)
    )
    events_sorted = [kept[i] for i in order]
    times_sorted = [times[i] for i in order]
    bases_sorted = [bases[i] for i in order]
    events_sorted, times_sorted, bases_sorted, also = _dedupe(events_sorted, times_sorted, bases_sorted)
    frame = _frame(events_sorted, times_sorted, bases_sorted, also)
    warnings = []
    if routine_dropped:
        warnings.append(f"{routine_dropped} routine lines beyond {routine_keep} were counted, not kept")
    return Timeline(
        frame, events_sorted, times_sorted, bases_sorted, also, tz, routine_counts, routine, routine_dropped, warnings
    )


def _dedupe(
    events: list[Event], times: list[datetime | None], bases: list[str]
) -> tuple[list[Event], list[datetime | None], list[str], list[list[str]]]:
    """One record seen in waagent.log, CommandExecution.log and syslog is kept once (``also_in``)."""
    keep_ev: list[Event] = []
    keep_t: list[datetime | None] = []
    keep_b: list[str] = []
    also: list[list[str]] = []
    recent: dict[str, list[int]] = {}
    for ev, when, basis in zip(events, times, bases, strict=True):
        rank = _DEDUP_PARSERS.get(ev.parser)
        if rank is None or when is None:
            keep_ev.append(ev), keep_t.append(when), keep_b.append(basis), also.append([])
            continue
        key = ev.message.strip()[:500]
        dup_of = None
        for idx in recent.get(key, ()):
            other = keep_ev[idx]
            other_t = keep_t[idx]
            if other.member != ev.member and other_t is not None and abs(other_t - when) <= _DEDUP_TOLERANCE:
                dup_of = idx
                break
        if dup_of is None:
            recent.setdefault(key, []).append(len(keep_ev))
            keep_ev.append(ev), keep_t.append(when), keep_b.append(basis), also.append([])
            continue
        other = keep_ev[dup_of]
        if rank < _DEDUP_PARSERS.get(other.parser, 99):
            also[dup_of].append(other.member)
            keep_ev[dup_of], keep_t[dup_of], keep_b[dup_of] = ev, when, basis
        else:
            also[dup_of].append(ev.member)
    return keep_ev, keep_t, keep_b, also


def _frame(events: list[Event], times: list[datetime | None], bases: list[str], also: list[list[str]]) -> pd.DataFrame:
    data = {
        "time": pd.to_datetime(pd.Series(times, dtype="object"), utc=True),
        "time_raw": [e.time_raw for e in events],
        "time_basis": bases,
        "source": [e.source for e in events],
        "member": [e.member for e in events],
        "line": [e.line for e in events],
        "parser": [e.parser for e in events],
        "component": [e.component for e in events],
        "level": [e.level for e in events],
        "kind": [e.kind.value for e in events],
        "handler": [e.handler for e in events],
        "handler_version": [e.handler_version for e in events],
        "message": [e.message for e in events],
        "attrs": [e.attrs for e in events],
        "also_in": also,
    }
    return pd.DataFrame(data, columns=list(COLUMNS))


def format_time(when: datetime | None) -> str | None:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if when is not None else None
