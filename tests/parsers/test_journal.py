"""journalctl exports: short-iso golden file, JSON golden file, short / verbose / json-pretty shapes."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from analyzer.model import Clock, EventKind
from parsers import journal, registry
from parsers.testing import parse_text

K = EventKind
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "parsers" / "system"
VMSNAP = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"


def _load(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _facts(ctx, key):
    return [f.value for f in ctx.facts if f.key == key]


# ---------------------------------------------------------------- golden: -o short-iso
@pytest.fixture(scope="module")
def short_iso():
    return parse_text("journal", _load("journal-short-iso.txt"), path="sos_commands/logs/journalctl_--no-pager")


def test_short_iso_classified_and_utc(short_iso):
    events, ctx = short_iso
    assert ctx.unclassified == 0 and ctx.warnings == []
    framed = [e for e in events if not e.attrs.get("embedded")]
    assert all(e.clock is Clock.UTC for e in framed)
    assert events[0].wall == datetime(2024, 5, 1, 10, 15, 1) and events[0].time_raw == "2024-05-01T15:45:01+0530"
    assert _facts(ctx, "clock.offset") == ["+05:30"]
    assert _facts(ctx, "clock.zone_abbrev") == ["IST"]
    assert _facts(ctx, "agent.service") == ["walinuxagent"]


def test_short_iso_legacy_daemon_pairs_local_and_utc(short_iso):
    events, ctx = short_iso
    daemon = next(e for e in events if e.kind is K.AGENT_VERSION and e.attrs.get("role") == "daemon")
    assert daemon.clock is Clock.LOCAL and daemon.wall == datetime(2024, 5, 1, 15, 45, 2, 118562)
    assert _facts(ctx, "clock.pair") == ["+05:30"]


def test_short_iso_crash_loop(short_iso):
    events, _ctx = short_iso
    unit = [e for e in events if e.attrs.get("unit_role") == "agent" and e.kind is K.AGENT_CRASH]
    assert [e.attrs["unit_state"] for e in unit] == ["exited", "failed", "restart"]
    assert unit[0].attrs["exit_code"] == 1 and unit[2].attrs["restart_count"] == 1
    crash = next(e for e in events if e.kind is K.AGENT_CRASH and e.attrs.get("embedded"))
    assert crash.component == "ExtHandler" and crash.level == "WARNING"
    traceback = next(e for e in events if e.message.startswith("2024-05-01T10:15:40.119002Z"))
    assert traceback.kind is K.DISK_FULL and traceback.message.count("\n") == 4


def test_short_iso_shutdown_and_reboot_marker(short_iso):
    events, _ctx = short_iso
    shutdown = [e for e in events if e.attrs.get("event") == "shutdown"]
    assert shutdown[0].attrs["initiator"] == "host"
    marker = next(e for e in events if e.message == "-- Reboot --")
    assert marker.kind is K.OTHER and marker.attrs == {"event": "reboot", "time_from": "next_record"}
    boot = next(e for e in events if e.attrs.get("event") == "boot")
    assert marker.wall == boot.wall == datetime(2024, 5, 1, 10, 31, 30)
    assert events[-1].kind is K.AGENT_START


# ---------------------------------------------------------------- golden: -o json
@pytest.fixture(scope="module")
def jsonl():
    return parse_text("journal", _load("journal.json"), path="journal.json")


def test_json_classified(jsonl):
    events, ctx = jsonl
    assert ctx.unclassified == 0 and ctx.warnings == []
    assert all(e.clock is Clock.UTC and e.wall is not None for e in events)
    assert events[0].wall == datetime(2024, 5, 1, 10, 15, 2, 118562)
    assert events[0].time_raw == "2024-05-01T10:15:02.118562Z"  # the agent's own stamp
    assert events[0].handler == VMSNAP and events[0].kind is K.EXT_STATUS
    assert _facts(ctx, "agent.service") == ["waagent"]


def test_json_levels_oom_and_units(jsonl):
    events, _ctx = jsonl
    killed = next(e for e in events if e.attrs.get("oom") == "killed")
    assert killed.level == "ERROR" and killed.attrs["pid"] == 23456
    summary = next(e for e in events if e.attrs.get("oom") == "summary")
    assert summary.handler == VMSNAP
    stopped = next(e for e in events if e.kind is K.AGENT_STOP)
    assert stopped.attrs["unit"] == "waagent.service" and stopped.attrs["unit_description"] == "Azure Linux Agent"
    scope = next(e for e in events if e.attrs.get("unit_role") == "ext")
    assert "unit" not in scope.attrs  # pid 1's own init.scope is not the unit the line is about


def test_json_byte_array_message_and_boot_change(jsonl):
    events, _ctx = jsonl
    rebooting = next(e for e in events if e.message == "System is rebooting.")
    assert rebooting.attrs["event"] == "reboot"
    new_boot = next(e for e in events if e.message.startswith("-- Boot "))
    assert new_boot.attrs["boot_id"] == "9a8b7c6d5e4f40312a1b2c3d4e5f6a7b"
    assert new_boot.wall == datetime(2024, 5, 1, 10, 21, 30, 1)
    multi = next(e for e in events if e.kind is K.DISK_FULL)
    assert multi.message.count("\n") == 3 and multi.line == 8


def test_json_bad_lines_warn_and_continue():
    good = json.dumps({"__REALTIME_TIMESTAMP": "1714558502118562", "SYSLOG_IDENTIFIER": "systemd", "_PID": "1",
                       "MESSAGE": "Started Azure Linux Agent."})
    events, ctx = parse_text("journal", '{"__REALTIME_TIMESTAMP": "17145\n' + good + "\n[1, 2]\n")
    assert [e.kind for e in events] == [K.AGENT_START, K.ROUTINE]  # a stray non-object line is kept as text
    assert len(ctx.warnings) == 1


def test_json_pretty():
    text = json.dumps({"__REALTIME_TIMESTAMP": "1714558502118562", "SYSLOG_IDENTIFIER": "kernel",
                       "PRIORITY": "3", "MESSAGE": "INFO: task safefreeze:41 blocked for more than 120 seconds."},
                      indent=8)
    events, _ctx = parse_text("journal", text)
    assert len(events) == 1 and events[0].attrs["event"] == "hung_task" and events[0].line == 1


# ---------------------------------------------------------------- short and verbose
def test_short_header_gives_the_year():
    text = ("-- Journal begins at Fri 2023-12-29 08:00:01 UTC, ends at Mon 2024-01-01 00:20:00 UTC. --\n"
            "Dec 31 23:59:59 vm systemd[1]: Stopped Azure Linux Agent.\n"
            "Jan 01 00:00:01 vm systemd[1]: Started Azure Linux Agent.\n"
            "-- No entries --\n")
    events, ctx = parse_text("journal", text)
    assert [e.wall for e in events] == [datetime(2023, 12, 31, 23, 59, 59), datetime(2024, 1, 1, 0, 0, 1)]
    assert all(e.clock is Clock.LOCAL for e in events) and ctx.warnings == []


def test_verbose_uses_the_realtime_field():
    text = ("Wed 2024-05-01 18:15:02.118562 CST [s=8f3c;i=1a2b;b=3f2e9c1d;m=5f5e100;t=61761c27724a2;x=9a8b]\n"
            "    _TRANSPORT=stdout\n    PRIORITY=6\n    SYSLOG_IDENTIFIER=python3\n    _PID=1187\n"
            "    _SYSTEMD_UNIT=walinuxagent.service\n"
            "    MESSAGE=2024-05-01T10:15:02.118562Z INFO ExtHandler ExtHandler Goal State Period: 6 sec. This "
            "indicates how often the agent checks for new goal states and reports status.\n"
            "Wed 2024-05-01 18:15:03.000000 CST [s=8f3c;i=1a2c;b=4a4a4a4a;m=5f5e101]\n"
            "    SYSLOG_IDENTIFIER=kernel\n    MESSAGE=Linux version 5.15.0-1064-azure (buildd@lcy02) #73\n")
    events, ctx = parse_text("journal", text)
    assert events[0].wall == datetime(2024, 5, 1, 10, 15, 2, 118562) and events[0].attrs["embedded"] == "agent"
    assert _facts(ctx, "agent.service") == ["walinuxagent"]
    assert [e.attrs.get("event") for e in events[1:]] == ["reboot", "boot"]
    assert events[2].wall == datetime(2024, 5, 1, 18, 15, 3) and events[2].clock is Clock.LOCAL


# ---------------------------------------------------------------- detection
@pytest.mark.parametrize(
    "path",
    ["sos_commands/logs/journalctl_--no-pager", "sosreport-vm1/sos_commands/logs/journalctl_--all_--this-boot",
     "journal.txt", "journalctl-b.log", "journal.json"],
)
def test_paths_are_journal(path):
    assert registry.kind_from_path(path) == "journal"


@pytest.mark.parametrize("name", ["journal-short-iso.txt", "journal.json"])
def test_sniff_fixtures(name):
    head = _load(name)[:4096]
    assert journal.sniff(head)
    assert registry.detect_kind("attachment.log", head) == "journal"


def test_sniff_rejects_rsyslog_and_text():
    assert not journal.sniff(_load("syslog-ubuntu.log")[:4096])
    assert not journal.sniff("2024-05-01T10:15:02.1+08:00 vm systemd[1]: x\n" * 4)
    assert not journal.sniff("hello\nworld\n")
