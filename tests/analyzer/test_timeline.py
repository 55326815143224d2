"""Timeline: UTC conversion, tiers, hour repeats, de-duplication, window refill, merge order."""

from __future__ import annotations

from datetime import datetime, timedelta

from analyzer.merge import EventSpill
from analyzer.model import Clock, Event, EventKind, Fact
from analyzer.timeline import KEEP_REPEATS_PER_HOUR, build
from analyzer.timezone import infer, parse_tz_option


def ev(
    line: int,
    wall: datetime | None,
    kind: EventKind = EventKind.OTHER,
    *,
    clock: Clock = Clock.UTC,
    message: str = "m",
    member: str = "a.log",
    parser: str = "waagent_log",
    level: str | None = "INFO",
    index: int = 0,
) -> Event:
    return Event(
        line=line,
        kind=kind,
        message=message,
        wall=wall,
        clock=clock,
        time_raw=str(wall),
        level=level,
        source=member,
        member=member,
        parser=parser,
        source_index=index,
    )


T0 = datetime(2024, 5, 1, 10, 0, 0)


def test_local_times_assumed_utc_without_evidence() -> None:
    tl = build([ev(1, T0, clock=Clock.LOCAL)], [])
    assert tl.times == [T0]
    assert tl.bases == ["local-assumed"]
    assert tl.time_zone.assumed


def test_tz_option_converts_local_times() -> None:
    tl = build([ev(1, T0, clock=Clock.LOCAL)], [], tz_override=parse_tz_option("+08:00"))
    assert tl.times == [T0 - timedelta(hours=8)]
    assert tl.bases == ["local-inferred"]
    named = build([ev(1, T0, clock=Clock.LOCAL)], [], tz_override=parse_tz_option("Asia/Shanghai"))
    assert named.times == [T0 - timedelta(hours=8)]


def test_offset_inferred_from_clock_pair_fact() -> None:
    fact = Fact(
        "clock.pair",
        "x",
        line=1,
        attrs={"utc": T0, "local": T0 + timedelta(hours=5, minutes=30)},
        member="sos_commands/date/date",
    )
    tz = infer([fact], [])
    assert tz.offset == timedelta(hours=5, minutes=30)
    assert tz.basis == "clock-pair" and tz.evidence


def test_offset_inferred_from_paired_records() -> None:
    msg = "Agent WALinuxAgent-2.9.1.1 is running as the goal state agent unique text"
    msg2 = "ProcessExtensionsGoalState completed [incarnation_12 6567 ms] unique text"
    events = [
        ev(1, T0, message=msg, member="waagent.log"),
        ev(2, T0 + timedelta(minutes=1), message=msg2, member="waagent.log"),
        ev(7, T0 - timedelta(hours=3), clock=Clock.LOCAL, message=msg, member="syslog", parser="syslog"),
        ev(
            8,
            T0 - timedelta(hours=3) + timedelta(minutes=1),
            clock=Clock.LOCAL,
            message=msg2,
            member="syslog",
            parser="syslog",
        ),
    ]
    tz = infer([], events)
    assert tz.offset == timedelta(hours=-3)
    assert tz.basis == "paired-records"


def test_routine_counted_not_kept_but_errors_kept() -> None:
    events = [ev(i, T0 + timedelta(seconds=i), EventKind.ROUTINE) for i in range(1, 101)]
    events.append(ev(200, T0, EventKind.ROUTINE, level="ERROR"))
    tl = build(events, [])
    assert len(tl.events) == 1
    assert sum(tl.routine_counts.values()) == 100


def test_hour_repeats_collapsed() -> None:
    events = [
        ev(i, T0 + timedelta(seconds=30 * i), EventKind.HTTP_ERROR, message=f"[HTTP Failed] GET x -- try {i}")
        for i in range(1, 200)
    ]
    tl = build(events, [])
    assert len(tl.events) == KEEP_REPEATS_PER_HOUR * 2  # the 199 events span two wall hours
    assert sum(tl.collapsed.values()) == 199 - len(tl.events)


def test_same_record_in_two_sources_kept_once() -> None:
    msg = "[Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0] Enable extension: [main/handle.sh enable]"
    events = [
        ev(
            5,
            T0,
            EventKind.EXT_ENABLE,
            message=msg,
            member="var/log/azure/X/CommandExecution.log",
            parser="command_execution_log",
            index=0,
        ),
        ev(9, T0, EventKind.EXT_ENABLE, message=msg, member="var/log/waagent.log", index=1),
    ]
    tl = build(events, [])
    assert len(tl.events) == 1
    assert tl.events[0].member == "var/log/waagent.log"
    assert tl.also_in[0] == ["var/log/azure/X/CommandExecution.log"]
    assert ("var/log/azure/X/CommandExecution.log", 5) in tl.duplicates


def test_window_refill_adds_only_missing_events_inside() -> None:
    kept = ev(1, T0, EventKind.EXT_ENABLE)
    tl = build([kept], [])
    routine = [ev(2, T0 + timedelta(minutes=1), EventKind.ROUTINE), ev(3, T0 + timedelta(hours=5), EventKind.ROUTINE)]
    added = tl.add_window_events([kept, *routine], T0 - timedelta(hours=1), T0 + timedelta(hours=1))
    assert added == 1
    assert [e.line for e in tl.events] == [1, 2]
    assert len(tl.frame) == 2


def test_line_ranges_follow_wall_hours() -> None:
    events = [ev(i, T0 + timedelta(minutes=20 * i), EventKind.ROUTINE) for i in range(1, 13)]
    tl = build(events, [])
    lo, hi = tl.line_ranges(T0 + timedelta(hours=2), T0 + timedelta(hours=2, minutes=30))["a.log"]
    assert lo <= 6 and hi >= 7 and hi <= 11


def test_external_merge_sorts_across_chunks() -> None:
    spill = EventSpill(chunk=7)
    try:
        events = [ev(i, T0 + timedelta(seconds=(i * 37) % 101)) for i in range(1, 60)]
        events.append(ev(99, None))
        for e in events:
            spill.add(e)
        out = list(spill.sorted(parse_tz_option("Z")))
        times = [w for _, w, _ in out if w is not None]
        assert times == sorted(times)
        assert len(out) == 60 and out[-1][1] is None
    finally:
        spill.close()


def test_offset_from_sosreport_date_readings_in_two_files() -> None:
    local = Fact("clock.local", "2024-05-01T18:00:03", line=1, member="sos_commands/date/date")
    utc = Fact("clock.utc", "2024-05-01T10:00:02", line=1, member="sos_commands/date/date_--utc")
    tz = infer([local, utc], [])
    assert tz.offset == timedelta(hours=8)


def test_offset_from_pair_with_iso_strings() -> None:
    pair = Fact("clock.pair", "+05:30", line=3, attrs={"utc": "2024-05-01T10:00:00", "local": "2024-05-01T15:30:01"})
    assert infer([pair], []).offset == timedelta(hours=5, minutes=30)


def test_a_syslog_copy_of_an_agent_record_is_the_same_record() -> None:
    """rsyslog keeps the agent's header in the copy's message; compared as is, the copy never
    matched and one record counted as two pieces of evidence (review finding)."""
    when = datetime(2025, 6, 12, 23, 18, 40, 944231)
    text = "Download failed both on the primary and fallback channels."
    original = ev(196, when, EventKind.EXT_DOWNLOAD, message=text, member="var/log/waagent.log", level="WARNING")
    copy = ev(1408, when, EventKind.EXT_DOWNLOAD, member="var/log/syslog", parser="syslog", level="WARNING", index=1,
              message=f"2025-06-12T23:18:40.944231Z WARNING ExtHandler ExtHandler {text}")  # fmt: skip
    copy.attrs["embedded"] = "agent"
    tl = build([original, copy], [])
    assert [e.member for e in tl.events] == ["var/log/waagent.log"]
    assert tl.also_in[0] == ["var/log/syslog"]
