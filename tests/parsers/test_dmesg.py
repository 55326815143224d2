"""Kernel ring buffer dumps: relative, -T, iso, level prefixes, serial-console lines."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from analyzer.model import Clock, EventKind
from parsers import dmesg, registry
from parsers.testing import parse_text

K = EventKind
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "parsers" / "system"


def _load(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_golden_dmesg():
    events, ctx = parse_text("dmesg", _load("dmesg.txt"), path="sos_commands/kernel/dmesg")
    assert ctx.unclassified == 0 and ctx.warnings == []
    assert len(events) == ctx.records == len(_load("dmesg.txt").splitlines())
    assert all(e.wall is None and e.clock is Clock.UNKNOWN for e in events)
    assert all(e.attrs["boot"] == 0 and "uptime_s" in e.attrs for e in events)
    assert events[0].attrs["event"] == "boot" and events[0].time_raw == "[    0.000000]"
    by_event = Counter(e.attrs.get("event") for e in events if e.kind is K.OTHER)
    assert by_event == Counter({"boot": 1, "fs_error": 1, "io_error": 1, "hung_task": 2, "shutdown": 1})
    hung = [e for e in events if e.attrs.get("event") == "hung_task"]
    assert [(e.attrs["process"], e.attrs["uptime_s"]) for e in hung] == [("safefreeze", 3845.000101),
                                                                         ("fapolicyd", 3845.00023)]
    assert [e.attrs["oom"] for e in events if e.kind is K.OOM] == ["invoked", "killed"]
    assert [f.value for f in ctx.facts if f.key == "os.kernel"] == ["5.15.0-1064-azure"]


def test_boot_counter_on_uptime_reset():
    text = "[ 100.000000] a\n[ 200.000000] b\n[    0.000000] Linux version 6.8.0-1008-azure (x) #8\n[ 1.0] c\n"
    events, _ctx = parse_text("dmesg", text)
    assert [e.attrs["boot"] for e in events] == [0, 0, 1, 1]


def test_ctime_and_iso_and_prefixes():
    text = ("[Wed May  1 18:15:02 2024] INFO: task safefreeze:41 blocked for more than 120 seconds.\n"
            "2024-05-01T18:15:03,118562+08:00 reboot: Restarting system\n"
            "kern  :warn  : [ 4711.5] hv_utils: Shutdown request received - graceful shutdown initiated\n"
            "<3>[ 4712.0] EXT4-fs error (device sdc1): ext4_journal_check_start:83: Detected aborted journal\n"
            "[Wed Feb 30 18:15:02 2024] impossible\n")
    events, ctx = parse_text("dmesg", text)
    assert events[0].wall == datetime(2024, 5, 1, 18, 15, 2) and events[0].clock is Clock.LOCAL
    assert events[1].wall == datetime(2024, 5, 1, 10, 15, 3, 118562) and events[1].clock is Clock.UTC
    assert events[1].attrs["event"] == "reboot"
    assert events[2].level == "WARNING" and events[2].attrs["initiator"] == "host"
    assert events[3].level == "ERROR" and events[3].attrs["event"] == "fs_error"
    assert events[4].wall is None
    assert [f.value for f in ctx.facts if f.key == "clock.offset"] == ["+08:00"]
    assert any("impossible" in w.message for w in ctx.warnings)


def test_serial_console_capture():
    text = ("[    0.000000] Linux version 5.15.0-1064-azure (buildd@lcy02) #73\n"
            "[  OK  ] Started Azure Linux Agent.\n"
            "2024/05/01 10:15:02.118562  Info  T:S freeze, timeout value 60 \n"
            "2024-05-01T10:15:02.402998Z INFO Daemon Daemon End of log to /dev/console. The agent will now check "
            "for updates and then will process extensions.\n"
            "vm-backup01 login: \n")
    events, ctx = parse_text("dmesg", text, path="serialconsole.log")
    assert [e.kind for e in events][:3] == [K.OTHER, K.AGENT_START, K.FREEZE]
    freeze = events[2]
    assert freeze.handler == "Microsoft.Azure.RecoveryServices.VMSnapshotLinux" and freeze.level == "INFO"
    assert freeze.wall == datetime(2024, 5, 1, 10, 15, 2, 118562) and freeze.attrs["embedded"] == "vmsnapshot"
    assert events[3].attrs["embedded"] == "agent" and events[3].component == "Daemon"
    assert events[4].kind is K.ROUTINE
    assert ctx.unclassified == 0


@pytest.mark.parametrize(
    "path", ["var/log/dmesg", "sos_commands/kernel/dmesg", "sosreport-x/sos_commands/kernel/dmesg_-T"]
)
def test_paths(path):
    assert registry.kind_from_path(path) == "dmesg"


def test_sniff():
    assert dmesg.sniff(_load("dmesg.txt")[:4096])
    assert registry.detect_kind("notes/attachment.txt", _load("dmesg.txt")[:4096]) == "dmesg"
    assert dmesg.sniff("[Wed May  1 18:15:02 2024] a\n[Wed May  1 18:15:03 2024] b\n")
    assert not dmesg.sniff("[stdout]\nfoo\n[stderr]\nbar\n")
    assert not dmesg.sniff(_load("syslog-ubuntu.log")[:4096])
