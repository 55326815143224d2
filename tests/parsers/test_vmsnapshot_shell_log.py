"""shell.log of the VMSnapshot extension (parsers/vmsnapshot_shell_log.py), one golden file per era."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from analyzer.model import Clock, EventKind
from parsers import registry
from parsers.testing import parse_text
from parsers.vmsnapshot_shell_log import parse_date_text

K = EventKind
KIND = "vmsnapshot_shell_log"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "parsers" / "vmsnapshot"
PATH = "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/shell.log"
ERAS = ("shell-2017.log", "shell-2019.log", "shell-2020.log", "shell-2024-utc.log", "shell-2026-12h.log")


def _parse(name: str):
    return parse_text(KIND, (FIXTURES / name).read_text(encoding="utf-8"), path=PATH)


def _results(events):
    return [(e.attrs["operation"], e.attrs["exit_code"]) for e in events if e.kind is K.EXT_COMMAND_RESULT]


@pytest.mark.parametrize("name", ERAS)
def test_every_era_is_fully_classified(name):
    events, ctx = _parse(name)
    assert ctx.unclassified == 0 and ctx.warnings == []
    assert ctx.records == len(events) > 0
    assert all(e.wall is not None for e in events)
    assert registry.kind_from_content((FIXTURES / name).read_text(encoding="utf-8")[:2048]) == KIND


def test_path_detection():
    assert registry.kind_from_path(PATH) == KIND


def test_2017_daemon_line_after_enable_returned():
    events, ctx = _parse("shell-2017.log")
    assert _results(events) == [("enable", 0), ("daemon", 0)]
    assert all(e.clock is Clock.LOCAL and e.attrs.get("tz") == "EDT" for e in events)
    assert [f.value for f in ctx.facts if f.key == "extension.python"] == ["python 2"]


def test_2019_enable_daemon_and_no_python():
    events, _ = _parse("shell-2019.log")
    assert _results(events) == [("enable", 0), ("daemon", 0), ("enable", 3)]
    missing = next(e for e in events if e.kind is K.PYTHON and e.attrs.get("error") == "python_missing")
    assert missing.wall == datetime(2019, 2, 12, 3, 27, 44)
    assert events[-1].attrs["status"] == "error"


def test_2020_fallback_within_one_invocation_and_numeric_zone():
    events, ctx = _parse("shell-2020.log")
    assert _results(events) == [("install", 0), ("enable", 0), ("daemon", 0), ("install", 0), ("enable", 0),
                                ("daemon", 0), ("update", 0)]
    late = [e for e in events if e.kind is K.EXT_COMMAND_RESULT and e.attrs.get("interpreter")]
    assert late[-1].attrs["interpreter"] == "python3"  # python3.8 failed, python3 worked
    assert [f.value for f in ctx.facts if f.key == "clock.offset"] == ["+08:00"]
    assert [f.value for f in ctx.facts if f.key == "extension.python"] == ["python3.6", "python3"]


def test_2024_utc_seq_and_a_daemon_that_never_returned():
    events, _ = _parse("shell-2024-utc.log")
    assert all(e.clock is Clock.UTC for e in events)
    results = [(e.attrs["operation"], e.attrs.get("seq"), e.attrs["exit_code"]) for e in events
               if e.kind is K.EXT_COMMAND_RESULT]
    assert results == [("disable", None, 0), ("install", None, 0), ("enable", 41, 0), ("enable", 42, 0),
                       ("daemon", 42, 0), ("enable", -1, 0)]
    starts = [(e.attrs["seq"], e.attrs["operation"]) for e in events if e.kind is K.SNAPSHOT_ENABLE]
    assert starts[:4] == [(41, "enable"), (41, "daemon"), (42, "enable"), (42, "daemon")]


def test_2026_twelve_hour_and_locale_stamps_and_host_daemon():
    events, ctx = _parse("shell-2026-12h.log")
    first = events[0]
    assert first.wall == datetime(2026, 3, 10, 14, 41, 5) and first.clock is Clock.UTC
    assert first.time_raw == "Tue Mar 10 02:41:05 PM UTC 2026"
    assert _results(events) == [("enable", 1), ("host_daemon", 0), ("enable", 1), ("enable", 1)]
    host = next(e for e in events if e.attrs.get("operation") == "host_daemon" and e.kind is K.EXT_COMMAND_RESULT)
    assert host.wall == datetime(2026, 3, 10, 14, 41, 9, 402113)
    zh = events[-1]
    assert zh.wall == datetime(2026, 3, 10, 15, 11, 6) and zh.attrs["seq"] == 7
    assert not [f for f in ctx.facts if f.key == "extension.python"]  # nothing ever returned 0


@pytest.mark.parametrize(
    ("text", "wall", "zone"),
    [
        ("Wed Feb  5 03:27:44 CST 2020", datetime(2020, 2, 5, 3, 27, 44), "CST"),
        ("Tue Mar 10 12:41:07 AM UTC 2026", datetime(2026, 3, 10, 0, 41, 7), "UTC"),
        ("Tue 10 Mar 14:41:07 UTC 2026", datetime(2026, 3, 10, 14, 41, 7), "UTC"),
        ("Di 10. Mär 14:41:07 CET 2026", datetime(2026, 3, 10, 14, 41, 7), "CET"),
        ("mar. 10 févr. 2026 14:41:07 UTC", datetime(2026, 2, 10, 14, 41, 7), "UTC"),
        ("Tue Mar 10 14:41:07 2026", datetime(2026, 3, 10, 14, 41, 7), None),
        ("Tue Feb 30 14:41:07 UTC 2026", None, "UTC"),
    ],
)
def test_date_text(text, wall, zone):
    assert parse_date_text(text) == (wall, zone)


def test_unreadable_date_and_garbage_lines():
    events, ctx = parse_text(KIND, "Tue Feb 30 14:41:07 UTC 2026- 0 returned from handle.py\nnot a wrapper line\n")
    assert events[0].wall is None and events[0].kind is K.EXT_COMMAND_RESULT
    assert events[1].kind is K.OTHER and ctx.unclassified == 1 and len(ctx.warnings) == 1
