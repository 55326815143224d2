"""Time-zone inference: file-order bounds in mixed-clock files, and evidence priorities."""

from __future__ import annotations

from datetime import datetime, timedelta

from analyzer.model import Clock, Event, EventKind, Fact
from analyzer.timeline import build
from analyzer.timezone import infer, parse_tz_option

T0 = datetime(2024, 3, 10, 1, 0, 0)
EIGHT = timedelta(hours=8)


def ev(line: int, wall: datetime, clock: Clock, member: str = "var/log/waagent.log", **kw: object) -> Event:
    return Event(
        line=line,
        kind=EventKind.OTHER,
        message=f"record {line}",
        wall=wall,
        clock=clock,
        time_raw=wall.isoformat(),
        source=member,
        member=member,
        parser=str(kw.get("parser", "waagent_log")),
        component=kw.get("component"),  # type: ignore[arg-type]
    )


def mixed_log(offset: timedelta, minutes: int = 12, start: datetime = T0, first_line: int = 1) -> list[Event]:
    """A 2.2.45 daemon (local) and an ISO ExtHandler (UTC) appending to one waagent.log, a minute apart."""
    events = []
    for i in range(minutes):
        utc = start + timedelta(minutes=i, seconds=1)
        events.append(ev(first_line + 2 * i, utc, Clock.UTC))
        events.append(ev(first_line + 2 * i + 1, utc + timedelta(seconds=2) + offset, Clock.LOCAL))
    return events


def test_offset_from_local_records_between_utc_records_of_one_file() -> None:
    tz = infer([], mixed_log(EIGHT))
    assert (tz.offset, tz.basis) == (EIGHT, "file-order")
    assert "allow only +08:00" in tz.evidence[0]
    assert any("offset >= +07:59" in e for e in tz.evidence) and any("offset <= +08:00" in e for e in tz.evidence)


def test_file_order_finds_negative_and_half_hour_offsets() -> None:
    for offset in (timedelta(hours=-5), timedelta(hours=5, minutes=30), timedelta(0)):
        assert infer([], mixed_log(offset)).offset == offset


def test_records_bounded_on_one_side_only_prove_nothing() -> None:
    daemon_then_exthandler = [ev(1, T0 + EIGHT, Clock.LOCAL), ev(2, T0 + EIGHT, Clock.LOCAL), ev(3, T0, Clock.UTC)]
    assert infer([], daemon_then_exthandler).assumed


def test_far_apart_neighbours_leave_several_offsets_open() -> None:
    # the daemon wrote once between UTC records five hours apart: +04:00 … +09:00 all fit
    events = [ev(1, T0, Clock.UTC), ev(2, T0 + EIGHT, Clock.LOCAL), ev(3, T0 + timedelta(hours=5), Clock.UTC)]
    assert infer([], events).assumed


def test_records_of_different_files_are_not_ordered_against_each_other() -> None:
    events = [ev(1, T0, Clock.UTC, member="a.log"), ev(1, T0 + EIGHT, Clock.LOCAL, member="b.log")]
    events += [ev(2, T0 + timedelta(seconds=5), Clock.UTC, member="a.log")]
    assert infer([], events).assumed


def test_safefreeze_lines_are_not_ordered() -> None:
    # binary output is logged after the binary ran: its local stamps are older than the records around them
    events = [ev(i, T0 + timedelta(seconds=i), Clock.UTC, parser="vmsnapshot_extension_log") for i in (1, 3, 5)] + [
        ev(
            i,
            T0 + EIGHT - timedelta(minutes=40),
            Clock.LOCAL,
            parser="vmsnapshot_extension_log",
            component="safefreeze",
        )
        for i in (2, 4)
    ]
    assert infer([], events).assumed


def test_a_few_stray_records_are_outvoted_but_many_disagreeing_ones_give_up() -> None:
    events = mixed_log(EIGHT, minutes=30)
    events.append(ev(100, T0 + timedelta(hours=3), Clock.UTC))
    events.append(ev(101, T0 + timedelta(hours=3, seconds=1) + timedelta(hours=9), Clock.LOCAL))  # clock jump
    events.append(ev(102, T0 + timedelta(hours=3, seconds=3), Clock.UTC))
    assert infer([], events).offset == EIGHT
    # a DST change half-way through: the bounds split evenly between two offsets
    summer = mixed_log(timedelta(hours=9), minutes=30, start=T0 + timedelta(days=120), first_line=1000)
    assert infer([], mixed_log(EIGHT, minutes=30) + summer).assumed


def test_an_exact_pair_beats_file_order_and_the_tz_option_beats_both() -> None:
    pair = Fact("clock.pair", "x", line=3, attrs={"utc": T0, "local": T0 + timedelta(hours=9)}, member="extension.log")
    tz = infer([pair], mixed_log(EIGHT))
    assert (tz.offset, tz.basis) == (timedelta(hours=9), "clock-pair")
    tl = build(mixed_log(EIGHT), [pair], tz_override=parse_tz_option("+07:00"))
    assert tl.time_zone.offset == timedelta(hours=7) and tl.time_zone.basis == "tz-option"
