"""The VM's UTC offset, inferred per bundle from paired evidence (design §3)."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from analyzer.model import Clock, Event, Fact

_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
_MAX_OFFSET = timedelta(hours=14)
# std name (letters, or <...> quoted), then the offset west of UTC: hh[:mm[:ss]]; nothing after it
_POSIX_RULE = re.compile(r"(?:[A-Za-z]{3,}|<[A-Za-z0-9+-]{1,}>)([+-]?)(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?")
_PAIRABLE_PARSERS = ("waagent_log", "command_execution_log", "syslog", "journal")
# Files appended in real time where UTC and local records interleave (mixed-era waagent.log: a 2.2.45
# daemon next to an ISO ExtHandler; extension.log: Python 3 records next to local ``ERROR:`` lines).
_ORDERED_PARSERS = ("waagent_log", "vmsnapshot_extension_log")
# Processes appending to one file without locking may swap two records stamped close together.
_ORDER_SLACK = timedelta(seconds=60)
_QUARTER = timedelta(minutes=15)
_CANDIDATES = tuple(timedelta(minutes=15 * n) for n in range(-56, 57))


class TimeZoneError(ValueError):
    """A --tz value that is neither an offset nor a known zone name."""


@dataclass
class TimeZoneInfo:
    offset: timedelta | None  # None: a named zone (DST-aware) is used instead
    # "tz-option" | "zone-file" | "clock-pair" | "paired-records" | "file-order" | "assumed-utc"
    basis: str
    evidence: list[str] = field(default_factory=list)
    zone: ZoneInfo | None = None

    @property
    def assumed(self) -> bool:
        return self.basis == "assumed-utc"

    def offset_text(self) -> str:
        if self.zone is not None:
            return self.zone.key
        return format_offset(self.offset or timedelta(0))

    def to_utc(self, wall: datetime) -> datetime:
        if self.zone is not None:
            try:
                return wall.replace(tzinfo=self.zone).astimezone(UTC).replace(tzinfo=None)
            except (OverflowError, ValueError):
                return wall
        try:
            return wall - (self.offset or timedelta(0))
        except OverflowError:
            return wall


def format_offset(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def parse_offset(text: str) -> timedelta | None:
    m = _OFFSET.match(text.strip())
    if not m:
        return None
    delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
    return -delta if m.group(1) == "-" else delta


def parse_tz_option(text: str) -> TimeZoneInfo:
    if text.upper() in ("Z", "UTC"):
        return TimeZoneInfo(timedelta(0), "tz-option", [f"--tz {text}"])
    delta = parse_offset(text)
    if delta is not None:
        if abs(delta) > _MAX_OFFSET:
            raise TimeZoneError(f"--tz offset out of range: {text}")
        return TimeZoneInfo(delta, "tz-option", [f"--tz {text}"])
    try:
        return TimeZoneInfo(None, "tz-option", [f"--tz {text}"], zone=ZoneInfo(text))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise TimeZoneError(
            f"--tz needs an offset like +08:00 or a zone name like Asia/Shanghai, got {text!r}"
        ) from exc


def posix_offset(rule: str) -> timedelta | None:
    """The UTC offset of a POSIX TZ rule without daylight saving (``CST-8``, ``<+0530>-5:30``, ``UTC0``).

    The sign is the reverse of ISO's (``CST-8`` is UTC+8).  A rule with a daylight-saving part is
    None: one fixed offset would be wrong half the year.
    """
    m = _POSIX_RULE.fullmatch(rule.strip())
    if not m:
        return None
    delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0), seconds=int(m.group(4) or 0))
    delta = delta if m.group(1) == "-" else -delta
    return delta if abs(delta) <= _MAX_OFFSET else None


def _as_time(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo is None else parsed.replace(tzinfo=None)
    return None


def _round_quarter(delta: timedelta) -> timedelta:
    minutes = round(delta.total_seconds() / 900) * 15
    return timedelta(minutes=minutes)


def infer(facts: list[Fact], events: list[Event]) -> TimeZoneInfo:
    """Strongest evidence first: a zone name, explicit offsets and exact clock pairs, the same record in
    two clocks, then bounds from the order of local and UTC records in one file; else UTC is assumed."""
    for fact in facts:
        if fact.key == "time_zone.name" and isinstance(fact.value, str):
            try:
                zone = ZoneInfo(fact.value)
            except (ZoneInfoNotFoundError, ValueError):
                continue
            said = str(fact.attrs.get("source") or "")
            source = f" ({said})" if said and said not in fact.member else ""  # "(localtime link)", not a path again
            return TimeZoneInfo(None, "zone-file", [f"{fact.member}: time zone {fact.value}{source}"], zone=zone)
    for fact in facts:
        delta = posix_offset(fact.value) if fact.key == "time_zone.posix" and isinstance(fact.value, str) else None
        if delta is not None:
            where = f"{fact.member}:{fact.line}" if fact.line else fact.member
            return TimeZoneInfo(delta, "zone-file", [f"{where}: TZ rule {fact.value} (no daylight saving)"])
    offsets: Counter[timedelta] = Counter()
    evidence: dict[timedelta, list[str]] = {}
    readings: dict[str, Fact] = {}
    for fact in facts:
        delta = None
        if fact.key in ("clock.offset", "time_zone.offset") and isinstance(fact.value, str):
            delta = parse_offset(fact.value)
        elif fact.key == "clock.pair":
            utc, local = _as_time(fact.attrs.get("utc")), _as_time(fact.attrs.get("local"))
            if utc is not None and local is not None:
                delta = _round_quarter(local - utc)
            elif isinstance(fact.value, str):
                delta = parse_offset(fact.value)
        elif fact.key in ("clock.local", "clock.utc"):
            readings.setdefault(fact.key, fact)
        if delta is not None and abs(delta) <= _MAX_OFFSET:
            offsets[delta] += 1
            where = f"{fact.member}:{fact.line}" if fact.line else fact.member
            evidence.setdefault(delta, []).append(f"{where}: {fact.key} {fact.value!s}"[:200])
    local, utc = readings.get("clock.local"), readings.get("clock.utc")
    if local is not None and utc is not None:
        lt, ut = _as_time(local.value), _as_time(utc.value)
        if lt is not None and ut is not None and abs(lt - ut) <= _MAX_OFFSET + timedelta(minutes=10):
            delta = _round_quarter(lt - ut)
            offsets[delta] += 1
            evidence.setdefault(delta, []).append(
                f"{local.member}:{local.line} local {local.value} ~ {utc.member}:{utc.line} UTC {utc.value}"
            )
    if offsets:
        delta, _ = offsets.most_common(1)[0]
        return TimeZoneInfo(delta, "clock-pair", evidence[delta][:5])
    paired = _paired_records(events)
    if paired is not None:
        return paired
    ordered = _file_order(events)
    if ordered is not None:
        return ordered
    return TimeZoneInfo(timedelta(0), "assumed-utc", ["no paired evidence: local times assumed to be UTC"])


def _paired_records(events: list[Event]) -> TimeZoneInfo | None:
    """The same record written once in UTC and once in local time (e.g. waagent.log and syslog)."""
    utc_once: dict[str, Event | None] = {}
    local_once: dict[str, Event | None] = {}
    for ev in events:
        if ev.wall is None or ev.parser not in _PAIRABLE_PARSERS or len(ev.message) < 20:
            continue
        table = utc_once if ev.clock == Clock.UTC else local_once if ev.clock == Clock.LOCAL else None
        if table is None:
            continue
        key = ev.message[:300]
        table[key] = None if key in table else ev
    votes: Counter[timedelta] = Counter()
    examples: dict[timedelta, list[str]] = {}
    for key, local_ev in local_once.items():
        utc_ev = utc_once.get(key)
        if local_ev is None or utc_ev is None or local_ev.member == utc_ev.member:
            continue
        assert local_ev.wall is not None and utc_ev.wall is not None
        delta = _round_quarter(local_ev.wall - utc_ev.wall)
        if abs(delta) <= _MAX_OFFSET:
            votes[delta] += 1
            local_at = f"{local_ev.member}:{local_ev.line} {local_ev.time_raw}"
            examples.setdefault(delta, []).append(f"{local_at} = {utc_ev.member}:{utc_ev.line} {utc_ev.time_raw}")
    if not votes:
        return None
    delta, count = votes.most_common(1)[0]
    if count < 2 and len(votes) > 1:
        return None
    return TimeZoneInfo(delta, "paired-records", examples[delta][:5])


@dataclass(slots=True)
class _Bound:
    """The offset is at most (upper) or at least (lower) ``value``: local record vs a UTC neighbour."""

    value: timedelta
    local: Event
    utc: Event


def _file_order(events: list[Event]) -> TimeZoneInfo | None:
    """Offset bounded by file order: a local record written after a UTC record cannot be earlier.

    In an append-only file, a local record L after a UTC record U gives offset <= L - U, and before
    one gives offset >= L - U.  Every quarter-hour offset is scored by the bounds it keeps; the
    answer must be the only best one (so bounds on both sides pin it) and break few bounds.
    """
    by_member: dict[str, list[Event]] = {}
    for ev in events:
        if ev.wall is None or ev.parser not in _ORDERED_PARSERS or ev.clock not in (Clock.UTC, Clock.LOCAL):
            continue
        if ev.component == "safefreeze" or ev.attrs.get("buffered"):
            continue  # stamped earlier than the record that logged them
        by_member.setdefault(ev.member, []).append(ev)
    uppers: list[_Bound] = []
    lowers: list[_Bound] = []
    for member_events in by_member.values():
        member_events.sort(key=lambda e: e.line)
        _collect_bounds(member_events, uppers, lowers)
    reach = _MAX_OFFSET + _ORDER_SLACK
    uppers = [b for b in uppers if -reach <= b.value < reach]  # the others rule out all or no offsets
    lowers = [b for b in lowers if -reach < b.value <= reach]
    if not uppers or not lowers:
        return None
    upper_values = sorted(b.value for b in uppers)
    lower_values = sorted(b.value for b in lowers)
    scores = {
        c: len(upper_values)
        - bisect_left(upper_values, c - _ORDER_SLACK)
        + bisect_right(lower_values, c + _ORDER_SLACK)
        for c in _CANDIDATES
    }
    best = max(scores.values())
    winners = [c for c, n in scores.items() if n == best]
    total = len(uppers) + len(lowers)
    if len(winners) != 1 or (total - best) * 10 > total:
        return None
    delta = winners[0]
    upper = min((b for b in uppers if b.value + _ORDER_SLACK >= delta), key=lambda b: b.value)
    lower = max((b for b in lowers if b.value - _ORDER_SLACK <= delta), key=lambda b: b.value)
    evidence = [
        f"file order: {best} of {total} bounds from local records next to UTC records in the same file allow only "
        f"{format_offset(delta)}",
        f"{_where(lower.local)} is before {_where(lower.utc)}: offset >= {_span(lower.value)}",
        f"{_where(upper.local)} is after {_where(upper.utc)}: offset <= {_span(upper.value)}",
    ]
    return TimeZoneInfo(delta, "file-order", evidence)


def _collect_bounds(member_events: list[Event], uppers: list[_Bound], lowers: list[_Bound]) -> None:
    last_utc: Event | None = None
    for ev in member_events:
        if ev.clock == Clock.UTC:
            last_utc = ev
        elif last_utc is not None:
            uppers.append(_Bound(_gap(ev, last_utc), ev, last_utc))
    next_utc: Event | None = None
    for ev in reversed(member_events):
        if ev.clock == Clock.UTC:
            next_utc = ev
        elif next_utc is not None:
            lowers.append(_Bound(_gap(ev, next_utc), ev, next_utc))


def _gap(local: Event, utc: Event) -> timedelta:
    assert local.wall is not None and utc.wall is not None
    try:
        return local.wall - utc.wall
    except OverflowError:
        return _MAX_OFFSET * 4


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else "+"
    seconds = abs(seconds)
    return f"{sign}{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _where(ev: Event) -> str:
    return f"{ev.member}:{ev.line} {ev.time_raw}"
