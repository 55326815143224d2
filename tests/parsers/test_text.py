"""The generic text fallback: ticket notes golden file, and what must not become events."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from analyzer.model import Clock, EventKind
from parsers import registry
from parsers.testing import parse_text

K = EventKind
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "parsers" / "system"
VMSNAP = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"


def _load(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def notes():
    return parse_text("text", _load("ticket-notes.txt"), path="ticket-notes.txt", hints={"year": 2024})


def test_notes_events(notes):
    events, ctx = notes
    got = [(e.line, e.kind) for e in events]
    assert got == [
        (5, K.OTHER), (8, K.OTHER), (9, K.OTHER),  # portal codes and message
        (21, K.AGENT_VERSION), (24, K.EXT_STATUS), (39, K.EXT_STATUS), (49, K.EXT_STATUS), (55, K.OTHER),
        (64, K.EXT_COMMAND_RESULT),  # the pasted agent record with its [stdout]/[stderr] block
        (73, K.PYTHON), (74, K.EXT_COMMAND_RESULT),  # shell.log lines
        (77, K.OTHER),  # noexec mount
        (80, K.PYTHON),  # traceback
        (86, K.OOM),  # syslog excerpt (the CRON line after it is routine: not an event here)
    ]
    assert ctx.records == len(events)
    assert ctx.unclassified == 0 and ctx.warnings == []


def test_notes_portal_codes(notes):
    events, _ctx = notes
    codes = [e.attrs["portal_code"] for e in events if "portal_code" in e.attrs]
    assert codes == ["GuestAgentSnapshotTaskStatusError", "UserErrorGuestAgentStatusUnavailable",
                     "UserErrorGuestAgentStatusUnavailable"]


def test_notes_instance_view(notes):
    events, _ctx = notes
    version = next(e for e in events if e.kind is K.AGENT_VERSION)
    assert version.attrs == {"version": "2.9.1.1", "source": "instance_view"}
    agent, ext, vm = [e for e in events if e.kind is K.EXT_STATUS]
    assert agent.attrs["target"] == "vmAgent" and agent.handler is None and agent.attrs["status"] == "succeeded"
    assert agent.wall == datetime(2024, 5, 1, 10, 20, 11) and agent.clock is Clock.UTC
    assert ext.handler == VMSNAP and ext.handler_version == "1.0.9225.0" and ext.level == "ERROR"
    assert ext.attrs == {**ext.attrs, "status": "failed", "code": "1", "display_status": "Provisioning failed",
                         "status_message": "Enable failed: exit code 3"}
    assert vm.handler is None and "target" not in vm.attrs  # the VM's own status, after the extensions list
    power = next(e for e in events if e.attrs.get("event") == "power_state")
    assert power.attrs["state"] == "running"


def test_notes_agent_record_and_python(notes):
    events, _ctx = notes
    rec = next(e for e in events if e.line == 64)
    assert rec.attrs["exit_code"] == 127 and rec.attrs["embedded"] == "agent" and rec.level == "ERROR"
    assert rec.wall == datetime(2024, 5, 1, 10, 15, 40, 118562) and rec.clock is Clock.UTC
    assert "/usr/bin/env: 'python': No such file or directory" in rec.message.splitlines()
    assert rec.message.splitlines()[-1] == ", duration=312"
    unknown = next(e for e in events if e.line == 73)
    assert unknown.attrs["error"] == "no_interpreter" and unknown.wall == datetime(2024, 5, 1, 10, 15, 39)
    assert unknown.clock is Clock.UTC
    assert next(e for e in events if e.line == 74).attrs["exit_code"] == 3
    tb = next(e for e in events if e.line == 80)
    assert tb.attrs["exception"] == "ModuleNotFoundError" and tb.attrs["module"] == "imp"
    assert tb.message.count("\n") == 3


def test_notes_noexec_and_oom(notes):
    events, _ctx = notes
    mount = next(e for e in events if e.attrs.get("event") == "noexec_mount")
    assert mount.attrs["mount"] == "/var/lib/waagent" and mount.attrs["covers_waagent"] is True
    oom = next(e for e in events if e.kind is K.OOM)
    assert oom.wall == datetime(2024, 5, 1, 10, 16, 10) and oom.attrs["year_inferred"] is True
    assert oom.clock is Clock.LOCAL and oom.attrs["pid"] == 23456


def test_prose_is_not_events():
    readme = ("# snapdiag\n\nThis tool reads logs. Run `make test` and exit when done.\n"
              "It explains failures; errors are shown in red.\nThe agent is started by systemd.\n\n"
              "Options:\n  --limit NAME=VALUE   raise a cap\n")
    events, ctx = parse_text("text", readme)
    assert events == [] and ctx.records == 0


@pytest.mark.parametrize(
    ("line", "kind", "attrs"),
    [
        ("/usr/bin/env: ‘python’: No such file or directory", K.PYTHON, {"interpreter": "python"}),
        ("2024-05-01T10:15:02+08:00 Backup failed: ExtensionSnapshotFailedNoNetwork", K.OTHER,
         {"portal_code": "ExtensionSnapshotFailedNoNetwork"}),
        ("Process exited with code 2", K.EXT_COMMAND_RESULT, {"exit_code": 2}),
        ("T:S freeze, timeout value 60", K.FREEZE, {"headerless": True}),
        ("[  OK  ] Started Azure Linux Agent.", K.AGENT_START, {}),
    ],
)
def test_single_lines(line, kind, attrs):
    events, ctx = parse_text("text", line)
    assert [e.kind for e in events] == [kind]
    for key, value in attrs.items():
        assert events[0].attrs.get(key) == value
    assert ctx.records == 1


def test_iso_prefix_time():
    events, ctx = parse_text("text", "2024-05-01T10:15:02+08:00 Backup failed: ExtensionSnapshotFailedNoNetwork")
    assert events[0].wall == datetime(2024, 5, 1, 2, 15, 2) and events[0].clock is Clock.UTC
    assert [f.value for f in ctx.facts if f.key == "clock.offset"] == ["+08:00"]
    events, _ctx = parse_text("text", "2024-05-01 10:15:02 Backup failed: UserErrorFsFreezeFailed")
    assert events[0].wall == datetime(2024, 5, 1, 10, 15, 2) and events[0].clock is Clock.UNKNOWN


def test_quoted_agent_record_groups_traceback():
    text = ("> 2024-05-01T10:15:40.118562Z WARNING ExtHandler ExtHandler Agent WALinuxAgent-2.9.1.1 failed with "
            "exception: boom\n> Traceback (most recent call last):\n>   File \"/x.py\", line 1, in <module>\n"
            "> RuntimeError: boom\n\nThanks!\n")
    events, _ctx = parse_text("text", text)
    assert len(events) == 1 and events[0].kind is K.AGENT_CRASH
    assert events[0].message.splitlines()[-1] == "RuntimeError: boom"


def test_text_is_the_fallback():
    spec = registry.get("text")
    assert spec is not None and spec.paths == () and spec.priority == min(s.priority for s in registry.specs())
    head = _load("ticket-notes.txt")[:4096]
    # none of the system-log sniffers claims ticket notes that quote a few of their lines
    assert not any(registry.get(kind).sniff(head) for kind in ("syslog", "journal", "dmesg"))
    assert registry.detect_kind("case/notes.txt", "Customer says the backup failed.\nPlease help.\n") == "text"


def test_headerless_matching_is_bounded(monkeypatch):
    from parsers import text as text_parser

    monkeypatch.setattr(text_parser, "_BARE_BUDGET", 3)
    events, ctx = parse_text("text", "T:S freeze, timeout value 60\n" * 5)
    assert len(events) == 3
    assert any("stopped after 3 lines" in w.message for w in ctx.warnings)
