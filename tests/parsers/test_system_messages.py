"""Shared system-log message classification: patterns, unit roles, embedded records, the emitter."""

from __future__ import annotations

from datetime import datetime

import pytest

from analyzer.model import Clock, EventKind
from parsers.base import ParseContext
from parsers.system_messages import (
    MESSAGE_SAMPLES,
    SYSTEM_PATTERNS,
    UNIT_PATTERNS,
    VMSNAPSHOT_HANDLER,
    SysRecord,
    SystemEmitter,
    classify_message,
    split_embedded,
    unit_role,
)

K = EventKind


@pytest.mark.parametrize("sample", MESSAGE_SAMPLES, ids=lambda s: s.message[:50])
def test_message_sample(sample):
    c = classify_message(sample.message, sample.program)
    assert c.kind == sample.kind, (sample.message, c)
    for key, value in sample.attrs.items():
        assert c.attrs.get(key) == value, (key, c.attrs)
    if sample.handler:
        assert c.attrs.get("handler") == sample.handler


def test_every_pattern_has_a_sample():
    hit = {classify_message(s.message, s.program).pattern_id for s in MESSAGE_SAMPLES}
    declared = {p.id for p in SYSTEM_PATTERNS.patterns} | {p.id for p in UNIT_PATTERNS.patterns}
    assert declared - hit == set()


def test_samples_are_classified_not_defaulted():
    """Apart from the two deliberate default samples, every sample is decided by a pattern."""
    defaulted = [s.message for s in MESSAGE_SAMPLES if classify_message(s.message, s.program).pattern_id is None]
    assert len(defaulted) == 2  # the CRON routine line and the sshd error line


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("walinuxagent.service", "agent"),
        ("waagent.service", "agent"),
        ("Azure Linux Agent", "agent"),
        ("waagent.service - Azure Linux Agent", "agent"),
        ("waagent-network-setup.service", "agent_net"),
        ("Setup network rules for WALinuxAgent", "agent_net"),
        ("enable_7c5cab19-eb79-4661-95d9-9e5091bd5ae0.scope", "ext"),
        ("azure-vmextensions-Microsoft.Azure.RecoveryServices.VMSnapshotLinux.slice", "ext"),
        ("chrony.service", "other"),
        ("Session 12 of User azureuser", "other"),
    ],
)
def test_unit_roles(name, role):
    assert unit_role(name) == role


def test_agent_unit_states():
    ok = classify_message("walinuxagent.service: Main process exited, code=exited, status=0/SUCCESS", "systemd")
    assert ok.kind is K.AGENT_STOP and ok.attrs["exit_code"] == 0 and ok.agent_unit == "walinuxagent"
    killed = classify_message("waagent.service: Main process exited, code=killed, status=9/KILL", "systemd")
    assert killed.kind is K.AGENT_CRASH and killed.attrs["signal"] == "KILL" and "exit_code" not in killed.attrs
    # A description-only line names no unit: the journal's UNIT field does.
    started = classify_message("Started Azure Linux Agent.", "systemd", unit="waagent.service")
    assert started.kind is K.AGENT_START and started.attrs["unit_description"] == "Azure Linux Agent"
    # The firewall unit of the agent is not the agent
    net = classify_message("Started waagent-network-setup.service - Setup network rules for WALinuxAgent.", "systemd")
    assert net.kind is K.ROUTINE and net.attrs["unit_role"] == "agent_net"


def test_unit_lines_only_from_systemd():
    assert classify_message("Started Azure Linux Agent.", "python3").kind is K.ROUTINE
    assert classify_message("Started Azure Linux Agent.", "systemd").kind is K.AGENT_START


def test_serial_console_status_prefix():
    c = classify_message("[\x1b[0;1;31mFAILED\x1b[0m] Failed to start Azure Linux Agent.", "")
    assert c.kind is K.AGENT_CRASH
    assert classify_message("         Stopping Azure Linux Agent...", "").attrs["unit_state"] == "stopping"


def test_error_words_default_and_option_words():
    assert classify_message("random daemon error: thing broke", "foo").unclassified
    assert not classify_message("EXT4-fs (sda1): mounted filesystem. Opts: errors=remount-ro.", "kernel").unclassified
    assert classify_message("everything fine", "foo").kind is K.ROUTINE
    assert classify_message("some line", "foo", level="ERROR").unclassified


def test_avc_waagent_flag_only_for_agent_paths():
    c = classify_message('audit: type=1400 audit(1.2:3): avc:  denied  { read } for  pid=1 comm="cupsd" '
                         'name="x" scontext=a tcontext=b tclass=file permissive=1', "kernel")
    assert c.attrs["event"] == "selinux_denial" and c.attrs["waagent"] is False and c.attrs["permissive"] is True


def test_noexec_elsewhere_does_not_cover_waagent():
    c = classify_message("tmpfs on /tmp type tmpfs (rw,nosuid,nodev,noexec,relatime)", "")
    assert c.attrs == {**c.attrs, "event": "noexec_mount", "mount": "/tmp", "covers_waagent": False}


def test_split_embedded_agent_and_console():
    agent = split_embedded("2024-05-01T10:15:02.118562Z INFO ExtHandler ExtHandler Goal state period: 6 sec")
    assert agent is not None and agent.kind == "agent" and agent.clock is Clock.UTC and agent.component == "ExtHandler"
    legacy = split_embedded("2019/04/17 08:12:09.403517 INFO Daemon Azure Linux Agent Version:2.2.38")
    assert legacy is not None and legacy.clock is Clock.LOCAL
    console = split_embedded("2024/05/01 10:15:02.118562  Info  T:S freeze, timeout value 60 ")
    assert console is not None and console.kind == "vmsnapshot" and console.level == "INFO"
    assert console.handler == VMSNAPSHOT_HANDLER and console.message == "T:S freeze, timeout value 60"
    assert console.clock is Clock.UTC  # dated after the extension's 2021-09-02 switch to utcnow()
    assert split_embedded("2024-05-01 the day things broke") is None
    assert split_embedded("Out of memory") is None


def _rec(line, message, program="python3", pid=1187, wall=None, clock=Clock.LOCAL):
    return SysRecord(line=line, message=message, wall=wall or datetime(2024, 5, 1, 18, 15, 2), clock=clock,
                     time_raw="May  1 18:15:02", program=program, pid=pid, text=message)


def test_emitter_regroups_agent_continuation_lines():
    ctx = ParseContext()
    em = SystemEmitter(ctx)
    out = []
    out += em.feed(_rec(1, "2024-05-01T10:15:02.118562Z WARNING ExtHandler ExtHandler Agent WALinuxAgent-2.9.1.1 "
                          "failed with exception: boom"))
    out += em.feed(_rec(2, "Traceback (most recent call last):"))
    out += em.feed(_rec(3, '  File "/x.py", line 1, in <module>'))
    out += em.feed(_rec(4, "RuntimeError: boom", pid=999))  # another process: not a continuation
    out += em.finish()
    assert [e.line for e in out] == [1, 4]
    first = out[0]
    assert first.message.splitlines()[1:] == [
        "Traceback (most recent call last):",
        '  File "/x.py", line 1, in <module>',
    ]
    assert first.clock is Clock.UTC and first.wall == datetime(2024, 5, 1, 10, 15, 2, 118562)
    assert first.attrs["embedded"] == "agent" and first.attrs["syslog_time"] == "May  1 18:15:02"
    assert ctx.records == 2
    pair = [f for f in ctx.facts if f.key == "clock.pair"]
    assert [f.value for f in pair] == ["+08:00"]


def test_emitter_continuation_needs_close_times():
    ctx = ParseContext()
    em = SystemEmitter(ctx)
    out = list(em.feed(_rec(1, "2024-05-01T10:15:02.118562Z INFO ExtHandler ExtHandler Goal state period: 6 sec")))
    out += em.feed(_rec(2, "unrelated stdout line", wall=datetime(2024, 5, 1, 18, 20, 0)))
    out += em.finish()
    assert [e.line for e in out] == [1, 2]
