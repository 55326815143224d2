"""Syslog framing, year inference and the golden syslog files."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from analyzer.model import Clock, EventKind
from parsers import registry, syslog
from parsers.testing import parse_text

K = EventKind
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "parsers" / "system"
VMSNAP = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"


def _load(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _facts(ctx, key):
    return [f for f in ctx.facts if f.key == key]


# ---------------------------------------------------------------- golden: Ubuntu syslog
@pytest.fixture(scope="module")
def ubuntu():
    # No hint: the year must come from the agent's own ISO stamps inside the file.
    return parse_text("syslog", _load("syslog-ubuntu.log"), path="var/log/syslog")


def test_ubuntu_every_record_classified(ubuntu):
    events, ctx = ubuntu
    assert ctx.unclassified == 0
    assert ctx.warnings == []
    assert not [e for e in events if e.kind is K.OTHER and not e.attrs.get("event")]
    # 3 continuation lines of the "Command:" record are folded into it
    assert ctx.records == len(events) == len(_load("syslog-ubuntu.log").splitlines()) - 3


def test_ubuntu_year_rollover(ubuntu):
    events, _ctx = ubuntu
    local = [e for e in events if e.clock is Clock.LOCAL]
    assert all(e.attrs.get("year_inferred") for e in local)
    assert local[0].wall == datetime(2023, 12, 31, 23, 58, 1)
    assert local[-1].wall == datetime(2024, 1, 1, 0, 34, 47)
    assert all(e.wall is not None for e in events)
    # embedded agent records keep their own UTC stamp, not the inferred local one
    agent = [e for e in events if e.attrs.get("embedded") == "agent"]
    assert agent and all(e.clock is Clock.UTC and "year_inferred" not in e.attrs for e in agent)
    assert agent[0].wall == datetime(2023, 12, 31, 15, 58, 17, 402611)


def test_ubuntu_clock_pair_and_facts(ubuntu):
    _events, ctx = ubuntu
    pair = _facts(ctx, "clock.pair")
    assert [f.value for f in pair] == ["+08:00"]
    assert pair[0].attrs == {"utc": "2023-12-31T15:58:17.402611", "local": "2023-12-31T23:58:17"}
    assert [f.value for f in _facts(ctx, "agent.service")] == ["walinuxagent"]
    assert [f.value for f in _facts(ctx, "os.kernel")] == ["5.15.0-1052-azure"]


def test_ubuntu_embedded_agent_records(ubuntu):
    events, _ctx = ubuntu
    command = next(e for e in events if e.message.startswith("2023-12-31T16:30:16.515230Z"))
    assert command.kind is K.EXT_COMMAND_RESULT
    assert command.handler == VMSNAP and command.handler_version == "1.0.9225.0"
    assert command.message.splitlines()[1:] == [
        "[stdout]",
        "Mon Jan  1 00:30:13 CST 2024- ConfigSequenceNumber from environment variable 25",
        "[stderr]",
    ]
    assert command.attrs["program"] == "python3" and command.attrs["syslog_time"] == "Jan  1 00:30:16"
    kinds = [e.kind for e in events if e.attrs.get("embedded") == "agent"]
    assert kinds[:4] == [K.HEARTBEAT, K.EXT_STATUS, K.EXT_ENABLE, K.EXT_ENABLE]
    assert K.AGENT_VERSION in kinds


def test_ubuntu_oom_kill_of_the_backup_daemon(ubuntu):
    events, _ctx = ubuntu
    oom = [e for e in events if e.kind is K.OOM]
    assert [e.attrs["oom"] for e in oom] == ["invoked", "summary", "killed", "reaped"]
    summary = oom[1]
    assert summary.handler == VMSNAP and summary.attrs["pid"] == 23456 and summary.attrs["process"] == "python3"
    assert summary.wall == datetime(2024, 1, 1, 0, 31, 40)
    assert oom[2].attrs["uptime_s"] == pytest.approx(812345.123788)


def test_ubuntu_reboot_during_backup_and_agent_stop(ubuntu):
    events, _ctx = ubuntu
    enable = next(e for e in events if e.kind is K.EXT_ENABLE and e.attrs.get("unit_role") == "ext")
    assert enable.handler == VMSNAP and enable.attrs["operation"] == "enable"
    reboot = next(e for e in events if e.attrs.get("event") == "reboot")
    boot = next(e for e in events if e.attrs.get("event") == "boot")
    assert enable.wall < reboot.wall < boot.wall
    stops = [e for e in events if e.kind is K.AGENT_STOP]
    assert [e.attrs.get("unit_state") for e in stops] == [None, "stopped"]  # agent's own record, then systemd
    assert stops[1].attrs["unit_role"] == "agent" and stops[1].attrs["unit_description"] == "Azure Linux Agent"
    starts = [e for e in events if e.kind is K.AGENT_START]
    assert len(starts) == 1 and starts[0].wall == datetime(2024, 1, 1, 0, 34, 47)
    dhcp = next(e for e in events if e.kind is K.DHCP)
    assert dhcp.attrs["server"] == "168.63.129.16" and dhcp.attrs["dhcp_event"] == "bound"


# ---------------------------------------------------------------- golden: RHEL messages
@pytest.fixture(scope="module")
def rhel():
    return parse_text("syslog", _load("messages-rhel.log"), path="var/log/messages", hints={"year": 2024})


def test_rhel_every_record_classified(rhel):
    events, ctx = rhel
    assert ctx.unclassified == 0 and ctx.warnings == []
    assert len(events) == ctx.records == len(_load("messages-rhel.log").splitlines())


def test_rhel_security_and_freeze_evidence(rhel):
    events, ctx = rhel
    by_event = Counter(e.attrs.get("event") for e in events if e.kind is K.OTHER)
    assert by_event == Counter({"time_jump": 2, "selinux_denial": 2, "fapolicyd_denial": 1, "hung_task": 2})
    hung = [e.attrs["process"] for e in events if e.attrs.get("event") == "hung_task"]
    assert hung == ["fapolicyd", "safefreeze"]
    fapo = next(e for e in events if e.attrs.get("event") == "fapolicyd_denial")
    assert fapo.attrs["waagent"] is True and fapo.attrs["file"].endswith("/safefreeze/bin/safefreeze")
    full = next(e for e in events if e.kind is K.DISK_FULL)
    assert full.attrs == {**full.attrs, "errno": 28, "file": "/var/log/messages"}
    assert [f.value for f in _facts(ctx, "dhcp.option_245")] == ["a8:3f:81:10"]
    assert [f.value for f in _facts(ctx, "agent.service")] == ["waagent"]
    assert [f.value for f in _facts(ctx, "clock.pair")] == ["+00:00"]


def test_rhel_agent_stopped_by_admin(rhel):
    events, _ctx = rhel
    stopped = [e for e in events if e.kind is K.AGENT_STOP and e.attrs.get("unit_state") == "stopped"]
    assert len(stopped) == 1
    assert stopped[0].attrs["unit"] == "waagent.service" and stopped[0].wall == datetime(2024, 5, 1, 10, 24, 59)
    scope = next(e for e in events if e.attrs.get("unit_role") == "ext")
    assert scope.kind is K.EXT_ENABLE and scope.attrs["unit"].startswith("enable_") and scope.handler == VMSNAP


# ---------------------------------------------------------------- framing
def test_high_precision_iso_is_utc_with_offset_fact():
    text = ("2024-05-01T18:15:02.118562+08:00 vm-backup01 systemd[1]: Stopped Azure Linux Agent.\n"
            "2024-05-01T18:15:03.000001+08:00 vm-backup01 kernel: [  12.5] Out of memory: Killed process 9 (python3)\n")
    events, ctx = parse_text("syslog", text)
    assert [e.wall for e in events] == [datetime(2024, 5, 1, 10, 15, 2, 118562), datetime(2024, 5, 1, 10, 15, 3, 1)]
    assert all(e.clock is Clock.UTC and "year_inferred" not in e.attrs for e in events)
    assert events[0].time_raw == "2024-05-01T18:15:02.118562+08:00"
    offsets = _facts(ctx, "clock.offset")
    assert [(f.value, f.line) for f in offsets] == [("+08:00", 1)]
    assert events[1].attrs["uptime_s"] == 12.5 and events[1].kind is K.OOM


def test_split_line_shapes():
    fr = syslog.split_line("May  1 10:15:02 host CRON[12]: (root) CMD (x)")
    assert (fr.month, fr.day, fr.host, fr.program, fr.pid, fr.message) == (5, 1, "host", "CRON", 12, "(root) CMD (x)")
    fr = syslog.split_line("May 01 10:15:02.118562 host kernel: hv_vmbus: Vmbus version:5.2")
    assert fr.tod == (10, 15, 2, 118562) and fr.program == "kernel" and fr.pid is None
    fr = syslog.split_line("May  1 10:15:02 host -- MARK --")
    assert fr.program == "" and fr.message == "-- MARK --"
    assert syslog.split_line("2024-05-01T10:15:02.118562Z INFO ExtHandler ExtHandler x").program == ""
    assert syslog.split_line("Mayday 1 is not a stamp at all") is None
    assert syslog.split_line("") is None


def test_hint_year_walks_back_over_rollover():
    text = ("Dec 31 23:59:58 host CRON[1]: (root) CMD (a)\n"
            "Jan  1 00:00:01 host CRON[1]: (root) CMD (b)\n")
    events, ctx = parse_text("syslog", text, hints={"year": 2025})
    assert [e.wall.year for e in events] == [2024, 2025]
    assert ctx.warnings == []


def test_anchor_beats_hint_and_local_utc_month_boundary():
    # local Jan 1 00:30 (+08:00) is Dec 31 16:30 UTC: the anchor says 2023, the local year is 2024
    text = ("Jan  1 00:30:12 host python3[7]: 2023-12-31T16:30:12.118562Z INFO ExtHandler ExtHandler Goal state x\n"
            "Jan  1 00:30:13 host CRON[1]: (root) CMD (b)\n")
    events, _ctx = parse_text("syslog", text, hints={"year": 2030})
    assert events[1].wall == datetime(2024, 1, 1, 0, 30, 13)


def test_no_year_at_all_warns():
    events, ctx = parse_text("syslog", "May  1 10:15:02 host CRON[1]: (root) CMD (a)\n")
    assert events[0].wall is not None and events[0].attrs["year_inferred"] is True
    assert any("no year known" in w.message for w in ctx.warnings)


def test_impossible_date_is_none_with_warning():
    events, ctx = parse_text("syslog", "Feb 29 10:15:02 host CRON[1]: (root) CMD (a)\n", hints={"year": 2023})
    assert events[0].wall is None
    assert any("impossible timestamp" in w.message for w in ctx.warnings)


def test_unframed_lines_boot_log():
    text = "[  OK  ] Started Azure Linux Agent.\n[FAILED] Failed to start Setup network rules for WALinuxAgent.\n"
    events, ctx = parse_text("syslog", text, path="var/log/boot.log")
    assert [e.kind for e in events] == [K.AGENT_START, K.FIREWALL]
    assert all(e.wall is None for e in events) and ctx.unclassified == 0


def test_order_kept_while_waiting_for_year():
    text = ("stray unframed line\n"
            "May  1 10:15:02 host CRON[1]: (root) CMD (a)\n"
            "another stray line\n"
            "May  1 10:15:03 host python3[7]: 2024-05-01T10:15:03.000001Z INFO ExtHandler ExtHandler Goal state x\n")
    events, _ctx = parse_text("syslog", text)
    assert [e.line for e in events] == [1, 2, 3, 4]
    assert events[1].wall == datetime(2024, 5, 1, 10, 15, 2)


def test_buffer_cap_settles_early(monkeypatch):
    monkeypatch.setattr(syslog, "BUFFER_CAP", 3)
    text = "".join(f"May  1 10:15:0{i} host CRON[1]: (root) CMD ({i})\n" for i in range(6))
    events, ctx = parse_text("syslog", text, hints={"year": 2024})
    assert len(events) == 6 and all(e.wall.year == 2024 for e in events)
    assert any("guessed before the end" in w.message for w in ctx.warnings)


def test_garbage_never_raises():
    text = "\x00\x01\n" + "May 99 99:99:99 h p: x\n" + "Jan  1 00:00:00\n" + "x" * 5000 + "\n"
    events, _ctx = parse_text("syslog", text, hints={"year": 2024})
    assert len(events) == 4


# ---------------------------------------------------------------- detection
@pytest.mark.parametrize(
    "path",
    ["var/log/syslog", "var/log/messages", "var/log/kern.log", "var/log/daemon.log", "var/log/boot.log",
     "case/vm1/var/log/syslog"],
)
def test_paths_are_syslog(path):
    assert registry.kind_from_path(path) == "syslog"


def test_sniffers():
    assert syslog.sniff(_load("syslog-ubuntu.log")[:4096])
    assert syslog.sniff(_load("messages-rhel.log")[:4096])
    assert registry.detect_kind("ticket/attachment-3.log", _load("messages-rhel.log")[:4096]) == "syslog"
    waagent = "2024-05-01T10:15:02.118562Z INFO ExtHandler ExtHandler Goal state\n" * 5
    assert not syslog.sniff(waagent)
    assert not syslog.sniff("just some text\nand more text\n")


def _one_event(line: str, path: str) -> Any:
    (event,) = parse_text("syslog", line, path=path, hints={"year": 2024})[0]
    return event


def test_an_apparmor_denial_of_the_freeze_binary_is_recognised() -> None:
    """security-software-blocking needs AppArmor (Ubuntu, SUSE) as it has SELinux and fapolicyd."""
    line = (
        'Mar 10 01:03:16 vm1 kernel: [ 1239.000000] audit: type=1400 audit(1710032596.000:100): apparmor="DENIED" '
        'operation="exec" profile="/usr/sbin/x" name="/var/lib/waagent/Microsoft.Azure.RecoveryServices.'
        'VMSnapshotLinux-1.0.9225.0/main/safefreeze/bin/safefreeze" pid=4501 comm="python3" requested_mask="x" '
        'denied_mask="x" fsuid=0 ouid=0\n'
    )
    event = _one_event(line, "var/log/kern.log")
    assert event.attrs["event"] == "apparmor_denial" and event.attrs["operation"] == "exec"
    assert event.attrs["file"].endswith("/safefreeze") and event.attrs["pid"] == 4501


def test_an_agent_record_copied_into_syslog_names_its_extension_as_in_waagent_log() -> None:
    """'Event: name=…VMSnapshotLinux, op=Enable' has no [Name-Version] prefix: waagent.log's parser
    takes the handler from the text, the syslog copy did not (review finding), so a bundle with
    syslog but no waagent.log lost the backup extension's records."""
    line = (
        "Mar 10 01:05:05 vm1 python3[1234]: 2024-03-10T01:05:05.683027Z ERROR ExtHandler ExtHandler "
        "Event: name=Microsoft.Azure.RecoveryServices.VMSnapshotLinux, op=Enable, message=[ExtensionOperationError] "
        "Non-zero exit code: 1, /var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/main/"
        "handle.sh enable, duration=1180\n"
    )
    event = _one_event(line, "var/log/syslog")
    assert event.handler == "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
    assert event.attrs["embedded"] == "agent"
