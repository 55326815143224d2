"""One UTC timeline of a bundle (design §1): kept events in a DataFrame, routine lines counted.

Tier 1 keeps every classified event (any kind but ``routine``) and every WARNING/ERROR, but a
message that repeats within one hour of one source (a retry loop every 6 s for days) is kept only
its first few times and counted after that.  Tier 2 counts routine lines per source, kind and
hour.  Each source's hours are indexed to line ranges, so once the analysed window is known its
lines can be re-read and every event inside the window kept (:meth:`Timeline.add_window_events`).
Memory therefore grows with the variety of a bundle, not with its size.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd

from analyzer.model import Clock, Event, EventKind, Fact, TimeBasis
from analyzer.timezone import TimeZoneInfo, infer
from parsers.agent_record import split_header  # the agent header, to compare a syslog copy with its original

COLUMNS = (
    "time", "time_raw", "time_basis", "source", "member", "line", "parser", "component", "level", "kind",
    "handler", "handler_version", "message", "attrs", "also_in",
)  # fmt: skip
_DEDUP_PARSERS = {"waagent_log": 0, "command_execution_log": 1, "journal": 2, "syslog": 3}
_DEDUP_TOLERANCE = timedelta(seconds=2)
_MIN_TIME = datetime(1990, 1, 1)
_MAX_TIME = datetime(2100, 1, 1)
KEEP_REPEATS_PER_HOUR = 3
_MASK = re.compile(r"0x[0-9a-fA-F]+|[0-9a-fA-F]{8}-[0-9a-fA-F-]{27}|\d+")
HourKey = tuple[str, str]  # (clock, "YYYY-MM-DDTHH") of the wall time as written
# Enum members and values looked up once (attribute access on an enum class is slow per event).
_CLOCK_UTC, _CLOCK_LOCAL = Clock.UTC, Clock.LOCAL
_BASIS_UTC, _BASIS_UNKNOWN = TimeBasis.UTC.value, TimeBasis.UNKNOWN.value
_BASIS_LOCAL_ASSUMED, _BASIS_LOCAL_INFERRED = TimeBasis.LOCAL_ASSUMED.value, TimeBasis.LOCAL_INFERRED.value
_ROUTINE = EventKind.ROUTINE


def hour_of(wall: datetime) -> str:
    """``wall.strftime("%Y-%m-%dT%H")``, sliced from the ISO text when that is the same."""
    if type(wall) is datetime and wall.year >= 1000:
        return wall.isoformat()[:13]
    return wall.strftime("%Y-%m-%dT%H")


def template_of(message: str) -> str:
    """A message with its numbers and ids masked: repeats of one shape share a template."""
    return _MASK.sub("#", message[:200])


def utc_of(ev: Event, tz: TimeZoneInfo) -> tuple[datetime | None, str]:
    return utc_of_wall(ev.wall, ev.clock, tz)


def utc_of_wall(wall: datetime | None, clock: Clock, tz: TimeZoneInfo) -> tuple[datetime | None, str]:
    """:func:`utc_of` from an event's ``wall`` and ``clock`` alone."""
    if wall is None:
        return None, _BASIS_UNKNOWN
    if clock == _CLOCK_UTC:
        when, basis = wall, _BASIS_UTC
    elif clock == _CLOCK_LOCAL:
        when = tz.to_utc(wall)
        basis = _BASIS_LOCAL_ASSUMED if tz.assumed else _BASIS_LOCAL_INFERRED
    else:
        when, basis = wall, _BASIS_UNKNOWN
    if not (_MIN_TIME <= when < _MAX_TIME):
        return None, _BASIS_UNKNOWN
    return when, basis


@dataclass
class Timeline:
    frame: pd.DataFrame  # one row per kept event, sorted by time then input order
    events: list[Event]  # the same events, aligned with frame rows
    times: list[datetime | None]  # UTC times aligned with ``events``
    bases: list[str]
    also_in: list[list[str]]
    time_zone: TimeZoneInfo
    routine_counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    collapsed: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)  # member, kind, template, hour
    hour_lines: dict[str, dict[HourKey, list[int]]] = field(default_factory=dict)
    duplicates: set[tuple[str, int]] = field(default_factory=set)  # (member, line) of copies dropped
    warnings: list[str] = field(default_factory=list)

    @property
    def first(self) -> datetime | None:
        known = [t for t in self.times if t is not None]
        return min(known) if known else None

    @property
    def last(self) -> datetime | None:
        known = [t for t in self.times if t is not None]
        return max(known) if known else None

    @property
    def activity_end(self) -> datetime | None:
        """The end of the last hour any source wrote in, counted routine lines included: a bundle
        whose syslog goes on for hours of routine lines after the agent's last record ends there,
        not at that record."""
        last = self.last
        hour = self.last_routine_hour()
        if hour is not None:
            end = hour + timedelta(minutes=59, seconds=59)
            if last is None or end > last:
                return end
        return last

    def last_routine_hour(self, exclude: Collection[str] = ()) -> datetime | None:
        """The start of the last UTC hour with counted routine lines, in members not in ``exclude``."""
        hours = [h for member, _kind, h in self.routine_counts if h and member not in exclude]
        return datetime.strptime(max(hours), "%Y-%m-%dT%H") if hours else None

    def line_ranges(self, start: datetime, end: datetime) -> dict[str, tuple[int, int]]:
        """Per member, the line range whose wall hours may fall inside [start, end] (UTC)."""
        ranges: dict[str, tuple[int, int]] = {}
        for member, hours in self.hour_lines.items():
            lo = hi = None
            for (clock, hour), (first, last) in hours.items():
                wall = datetime.strptime(hour, "%Y-%m-%dT%H")
                begin = self.time_zone.to_utc(wall) if clock == Clock.LOCAL.value else wall
                if begin + timedelta(hours=1) < start or begin > end:
                    continue
                lo = first if lo is None else min(lo, first)
                hi = last if hi is None else max(hi, last)
            if lo is not None and hi is not None:
                ranges[member] = (lo, hi)
        return ranges

    def add_window_events(self, events: Iterable[Event], start: datetime, end: datetime) -> int:
        """Keep every event inside [start, end] that is not kept yet (re-read window lines)."""
        have = {(ev.member, ev.line, ev.kind) for ev in self.events}
        added = 0
        for ev in events:
            key = (ev.member, ev.line, ev.kind)
            when, basis = utc_of(ev, self.time_zone)
            if key in have or when is None or not (start <= when <= end):
                continue
            have.add(key)
            self.events.append(ev)
            self.times.append(when)
            self.bases.append(basis)
            self.also_in.append([])
            added += 1
        if added:
            self._reorder()
        return added

    def _reorder(self) -> None:
        order = _order(self.events, self.times)
        self.events = [self.events[i] for i in order]
        self.times = [self.times[i] for i in order]
        self.bases = [self.bases[i] for i in order]
        self.also_in = [self.also_in[i] for i in order]
        self.frame = _frame(self.events, self.times, self.bases, self.also_in)


def _order(events: list[Event], times: list[datetime | None]) -> list[int]:
    return sorted(
        range(len(events)),
        key=lambda i: (times[i] is None, times[i] or _MIN_TIME, events[i].source_index, events[i].line),
    )


class TimelineBuilder:
    """Consumes the event stream of a bundle in one pass."""

    def __init__(self) -> None:
        self.kept: list[Event] = []
        self.routine_raw: Counter[tuple[str, str, str, str]] = Counter()
        self.collapsed_raw: Counter[tuple[str, str, str, str, str]] = Counter()
        self._seen: Counter[tuple[str, str, str, str, str]] = Counter()
        self.hour_lines: dict[str, dict[HourKey, list[int]]] = {}

    def add(self, ev: Event) -> None:
        wall = ev.wall
        if wall is None:
            hour = ""
        elif type(wall) is datetime and wall.year >= 1000:
            hour = wall.isoformat()[:13]  # hour_of() inlined: this runs for every event
        else:
            hour = hour_of(wall)
        clock = ev.clock._value_  # .value, without the enum property's overhead
        if hour:
            hours = self.hour_lines.get(ev.member)
            if hours is None:
                hours = self.hour_lines[ev.member] = {}
            line = ev.line
            span = hours.get((clock, hour))
            if span is None:
                hours[(clock, hour)] = [line, line]
            elif line > span[1]:  # lines mostly grow: one comparison instead of min() and max()
                span[1] = line
            elif line < span[0]:
                span[0] = line
        if ev.kind == _ROUTINE and ev.level not in ("WARNING", "ERROR"):
            self.routine_raw[(ev.member, ev.kind._value_, hour, clock)] += 1
            return
        key = (ev.member, ev.kind._value_, template_of(ev.message), hour, clock)
        seen = self._seen[key] + 1
        self._seen[key] = seen
        if seen > KEEP_REPEATS_PER_HOUR and hour:
            self.collapsed_raw[key] += 1
            return
        self.kept.append(ev)

    def finish(self, facts: list[Fact], tz_override: TimeZoneInfo | None = None) -> Timeline:
        tz = tz_override or infer(facts, self.kept)

        def utc_hour(hour: str, clock: str) -> str:
            if hour and clock == Clock.LOCAL.value:
                return tz.to_utc(datetime.strptime(hour, "%Y-%m-%dT%H")).strftime("%Y-%m-%dT%H")
            return hour

        routine: Counter[tuple[str, str, str]] = Counter()
        for (member, kind, hour, clock), n in self.routine_raw.items():
            routine[(member, kind, utc_hour(hour, clock))] += n
        collapsed: Counter[tuple[str, str, str, str]] = Counter()
        for (member, kind, template, hour, clock), n in self.collapsed_raw.items():
            collapsed[(member, kind, template, utc_hour(hour, clock))] += n

        pairs = [utc_of(ev, tz) for ev in self.kept]
        times = [p[0] for p in pairs]
        order = _order(self.kept, times)
        events = [self.kept[i] for i in order]
        times_sorted = [times[i] for i in order]
        bases = [pairs[i][1] for i in order]
        duplicates: set[tuple[str, int]] = set()
        events, times_sorted, bases, also = _dedupe(events, times_sorted, bases, duplicates)
        frame = _frame(events, times_sorted, bases, also)
        return Timeline(frame, events, times_sorted, bases, also, tz, routine, collapsed, self.hour_lines, duplicates)


def build(events: Iterable[Event], facts: list[Fact], tz_override: TimeZoneInfo | None = None) -> Timeline:
    builder = TimelineBuilder()
    for ev in events:
        builder.add(ev)
    return builder.finish(facts, tz_override)


def _dedup_key(ev: Event) -> str:
    """The record's text as the agent wrote it after its header.  A syslog copy of an agent record
    keeps that header in its message (it is the whole syslog line); compared with it, the copy never
    matched its waagent.log original and one record counted as two pieces of evidence."""
    text = ev.message
    if ev.attrs.get("embedded") == "agent":
        first, sep, rest = text.partition("\n")
        header = split_header(first)
        if header is not None:
            text = header.message + sep + rest
    return text.strip()[:500]


def _dedupe(
    events: list[Event], times: list[datetime | None], bases: list[str], dropped: set[tuple[str, int]]
) -> tuple[list[Event], list[datetime | None], list[str], list[list[str]]]:
    """One record seen in waagent.log, CommandExecution.log and syslog is kept once (``also_in``)."""
    out_events: list[Event] = []
    out_times: list[datetime | None] = []
    out_bases: list[str] = []
    also: list[list[str]] = []
    recent: dict[str, deque[int]] = {}

    def keep(ev: Event, when: datetime | None, basis: str) -> int:
        out_events.append(ev)
        out_times.append(when)
        out_bases.append(basis)
        also.append([])
        return len(out_events) - 1

    for ev, when, basis in zip(events, times, bases, strict=True):
        rank = _DEDUP_PARSERS.get(ev.parser)
        if rank is None or when is None:
            keep(ev, when, basis)
            continue
        key = _dedup_key(ev)
        window = recent.get(key)
        # events arrive in time order: copies older than the tolerance can never match again
        while window and (t0 := out_times[window[0]]) is not None and when - t0 > _DEDUP_TOLERANCE:
            window.popleft()
        dup_of = next(
            (
                idx
                for idx in recent.get(key, ())
                if out_events[idx].member != ev.member
                and (t := out_times[idx]) is not None
                and abs(t - when) <= _DEDUP_TOLERANCE
            ),
            None,
        )
        if dup_of is None:
            recent.setdefault(key, deque()).append(keep(ev, when, basis))
            continue
        other = out_events[dup_of]
        if rank < _DEDUP_PARSERS.get(other.parser, 99):
            also[dup_of].append(other.member)
            dropped.add((other.member, other.line))
            out_events[dup_of], out_times[dup_of], out_bases[dup_of] = ev, when, basis
        else:
            also[dup_of].append(ev.member)
            dropped.add((ev.member, ev.line))
    return out_events, out_times, out_bases, also


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
    if when is None:
        return None
    if type(when) is datetime and when.tzinfo is None and when.year >= 1000:
        return when.isoformat(timespec="microseconds") + "Z"  # the same text as below, faster
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
