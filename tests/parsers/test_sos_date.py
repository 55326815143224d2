"""Clock readings and time zone evidence."""

from __future__ import annotations

from datetime import datetime

import pytest

from analyzer.model import Clock
from parsers import registry
from parsers.sos_date import read_date
from parsers.testing import parse_text

KIND = "sos_date"


def _facts(ctx):
    return {f.key: f for f in ctx.facts}


def test_sos_local_and_utc_files():
    events, ctx = parse_text(KIND, "Tue Mar  5 10:22:33 CST 2024\n", path="sosreport-vm/sos_commands/date/date")
    assert events[0].clock == Clock.LOCAL and events[0].wall == datetime(2024, 3, 5, 10, 22, 33)
    facts = _facts(ctx)
    assert facts["clock.local"].value == "2024-03-05T10:22:33" and facts["time_zone.abbrev"].value == "CST"
    assert "time_zone.offset" not in facts  # CST is ambiguous
    events, ctx = parse_text(KIND, "Tue Mar  5 02:22:33 UTC 2024\n", path="sosreport-vm/sos_commands/date/date_--utc")
    assert events[0].clock == Clock.UTC and _facts(ctx)["clock.utc"].value == "2024-03-05T02:22:33"


def test_pasted_pair_gives_offset():
    text = "$ date; date -u\nTue 05 Mar 2024 10:22:33 AM CST\nTue 05 Mar 2024 02:22:34 AM UTC\n"
    _events, ctx = parse_text(KIND, text, path="ticket/date.txt")
    pair = _facts(ctx)["clock.pair"]
    assert pair.value == "+08:00"
    assert pair.attrs == {"utc": "2024-03-05T02:22:34", "local": "2024-03-05T10:22:33"}
    assert ctx.unclassified == 1  # the prompt line


def test_negative_offset_pair():
    text = "Mon Mar  4 21:22:33 EST 2024\nTue Mar  5 02:22:33 UTC 2024\n"
    _, ctx = parse_text(KIND, text, path="date.txt")
    assert _facts(ctx)["clock.pair"].value == "-05:00"


def test_timedatectl():
    text = (
        "               Local time: Tue 2024-03-05 10:22:33 CST\n"
        "           Universal time: Tue 2024-03-05 02:22:33 UTC\n"
        "                 RTC time: Tue 2024-03-05 02:22:33\n"
        "                Time zone: Asia/Shanghai (CST, +0800)\n"
        "System clock synchronized: yes\n"
    )
    events, ctx = parse_text(KIND, text, path="sos_commands/systemd/timedatectl")
    facts = _facts(ctx)
    assert facts["time_zone.name"].value == "Asia/Shanghai" and facts["time_zone.offset"].value == "+08:00"
    assert facts["clock.pair"].value == "+08:00"
    assert [e.attrs.get("reading") for e in events[:3]] == ["local", "utc", "rtc"]


def test_zone_files():
    _, ctx = parse_text(KIND, "Europe/Berlin\n", path="etc/timezone")
    assert _facts(ctx)["time_zone.name"].value == "Europe/Berlin"
    tzif = "TZif2\x00\x00\x00garbage\x01\x02\nTZif2\x00\x00\x00more\n<+08>-8\n"
    _, ctx = parse_text(KIND, tzif, path="etc/localtime")
    assert _facts(ctx)["time_zone.posix"].value == "<+08>-8"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Tue, 05 Mar 2024 10:22:33 +0800", (datetime(2024, 3, 5, 10, 22, 33), None, 480)),
        ("2024-03-05T10:22:33+05:30", (datetime(2024, 3, 5, 10, 22, 33), None, 330)),
        ("2024-03-05 10:22:33.512345+08:00", (datetime(2024, 3, 5, 10, 22, 33), None, 480)),
        ("Tue 05 Mar 2024 10:22:33 PM CST  -0.891957 seconds", (datetime(2024, 3, 5, 22, 22, 33), "CST", None)),
        ("Tue Mar  5 12:22:33 AM UTC 2024", (datetime(2024, 3, 5, 0, 22, 33), "UTC", 0)),
        ("Tue Feb 30 10:22:33 UTC 2024", None),
        ("not a date", None),
    ],
)
def test_read_date(line, expected):
    assert read_date(line) == expected


def test_sniffer():
    assert registry.kind_from_content("Tue Mar  5 10:22:33 CST 2024\nTue Mar  5 02:22:33 UTC 2024\n") == KIND
    assert registry.kind_from_content("Tue Mar  5 10:22:33 CST 2024 plus text\n") != KIND
