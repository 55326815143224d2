"""Year inference of year-less syslog stamps: rotation-group bound, newest anchor, never after today."""

from __future__ import annotations

from datetime import datetime

import pytest

from analyzer.textio import StringLineReader
from parsers import syslog_years
from parsers.base import ParseContext
from parsers.syslog_group import GroupHints, first_record_time
from parsers.syslog_years import latest_year_not_after
from parsers.testing import parse_text

DEC = "Dec 31 23:50:00 vm1 systemd[1]: Started Session 5 of user azureuser.\n"
DEC2 = "Dec 31 23:55:00 vm1 systemd[1]: walinuxagent.service: Failed with result 'exit-code'.\n"
JAN = "Jan  1 00:00:06 vm1 systemd[1]: walinuxagent.service: Main process exited, code=killed, status=9/KILL\n"
TODAY = datetime(2026, 11, 26, 7, 0)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(syslog_years, "now", lambda: TODAY)


def _years(events) -> list[int]:
    return [e.wall.year for e in events]


def test_latest_year_not_after():
    assert latest_year_not_after((12, 31, (23, 55, 0, 0)), datetime(2025, 1, 2)) == 2024
    assert latest_year_not_after((1, 1, (0, 0, 6, 0)), datetime(2025, 1, 2)) == 2025
    assert latest_year_not_after((2, 29, (0, 0, 0, 0)), datetime(2027, 3, 1)) == 2024
    assert latest_year_not_after((2, 30, (0, 0, 0, 0)), datetime(2027, 3, 1)) is None


def test_older_rotated_file_ends_before_the_newer_files_first_record():
    # syslog.1 (December) next to a syslog whose first record is Jan 1 2025: December 2024, although
    # the newest year of the bundle (the hint) is 2025
    hints = {"year": 2025, "year_before": datetime(2025, 1, 1, 0, 0, 6)}
    events, ctx = parse_text("syslog", DEC + DEC2, path="var/log/syslog.1", hints=hints)
    assert [e.wall for e in events] == [datetime(2024, 12, 31, 23, 50), datetime(2024, 12, 31, 23, 55)]
    assert all(e.attrs["year_inferred"] for e in events)
    assert ctx.warnings == []


def test_bound_of_the_same_year_and_a_rollover_inside_the_older_file():
    text = "Nov 30 10:00:00 h CRON[1]: (root) CMD (a)\n" + JAN + "Jan  2 10:00:00 h CRON[1]: (root) CMD (b)\n"
    events, _ctx = parse_text("syslog", text, hints={"year_before": datetime(2025, 1, 5, 6, 25)})
    assert _years(events) == [2024, 2025, 2025]


def test_no_year_never_after_today():
    # today is 2026-11-26: a December stamp without any year source is December 2025, not 2026
    events, ctx = parse_text("syslog", DEC)
    assert events[0].wall == datetime(2025, 12, 31, 23, 50)
    assert any("no year known" in w.message and "2025" in w.message for w in ctx.warnings)
    events, _ctx = parse_text("syslog", "Nov 26 06:00:00 h CRON[1]: (root) CMD (a)\n")
    assert _years(events) == [2026]


def test_hint_year_capped_by_today():
    events, ctx = parse_text("syslog", DEC, hints={"year": 2026})
    assert _years(events) == [2025]
    assert any("after today" in w.message for w in ctx.warnings)


def test_hint_year_within_half_a_year_of_the_newest_dated_record():
    # a syslog ending Dec 31 next to an agent log ending 2025-01-01T00:10Z ends in 2024
    hints = {"year": 2025, "newest_anchor": datetime(2025, 1, 1, 0, 10)}
    events, ctx = parse_text("syslog", DEC + DEC2, hints=hints)
    assert _years(events) == [2024, 2024]
    assert any("half a year" in w.message for w in ctx.warnings)
    # a syslog starting Dec 31 and ending Jan 1 next to an agent log ending 2024-12-31T23:14Z: 2025
    hints = {"year": 2024, "newest_anchor": datetime(2024, 12, 31, 23, 14)}
    events, ctx = parse_text("syslog", DEC + JAN, hints=hints)
    assert _years(events) == [2024, 2025]
    # never after today, even when the anchor says so
    hints = {"year": 2026, "newest_anchor": datetime(2026, 11, 20)}
    events, ctx = parse_text("syslog", DEC, hints=hints)
    assert _years(events) == [2025]
    # a live syslog going on for months after the agent log stopped (a dead agent) keeps the year
    hints = {"year": 2024, "newest_anchor": datetime(2024, 3, 1, 8, 0)}
    events, ctx = parse_text("syslog", "May  1 10:15:02 h CRON[1]: (root) CMD (a)\n", hints=hints)
    assert _years(events) == [2024] and ctx.warnings == []


def test_first_record_time_dated_and_yearless():
    ctx = ParseContext(path="var/log/syslog", hints={})
    rfc = "2024-12-31T23:59:58.123456+05:30 vm1 systemd[1]: Started x.\n"
    first = first_record_time(StringLineReader("not framed\n" + rfc + JAN), ctx)
    assert first == datetime(2024, 12, 31, 23, 59, 58, 123456)
    ctx = ParseContext(path="var/log/syslog", hints={"year": 2025})
    assert first_record_time(StringLineReader(DEC + JAN), ctx) == datetime(2024, 12, 31, 23, 50)
    # an agent record inside dates the file without the hint, as the parse does
    agent = "Jan  1 08:00:00 vm1 python3[9]: 2023-01-01T00:00:00.000000Z INFO ExtHandler x\n"
    ctx = ParseContext(path="var/log/syslog", hints={"year": 2025})
    assert first_record_time(StringLineReader(DEC + agent), ctx) == datetime(2022, 12, 31, 23, 50)
    assert first_record_time(StringLineReader("nothing framed here\n"), ctx) is None


def test_first_record_time_agrees_with_the_parse():
    text = DEC + DEC2 + JAN
    hints = {"year": 2025, "newest_anchor": datetime(2025, 1, 1, 0, 10)}
    events, _ctx = parse_text("syslog", text, hints=dict(hints))
    first = first_record_time(StringLineReader(text), ParseContext(path="var/log/syslog", hints=dict(hints)))
    assert first == events[0].wall == datetime(2024, 12, 31, 23, 50)


def test_group_hints_ask_once_and_only_when_looked_up():
    calls: list[int] = []

    def bound() -> datetime:
        calls.append(1)
        return datetime(2025, 1, 1)

    hints = GroupHints({"year": 2025}, bound)
    assert hints["year"] == 2025 and calls == []
    assert hints.get("year_before") == datetime(2025, 1, 1)
    assert "year_before" in hints and hints.copy()["year_before"] == datetime(2025, 1, 1)
    assert calls == [1]
    assert dict(hints) == {"year": 2025, "year_before": datetime(2025, 1, 1)}
