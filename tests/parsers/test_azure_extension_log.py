"""Other extensions' logs under /var/log/azure/ (parsers/azure_extension_log.py)."""

from __future__ import annotations

from datetime import datetime

from analyzer.model import Clock, EventKind
from parsers import registry
from parsers.testing import parse_text

K = EventKind
KIND = "azure_extension_log"


def test_go_logfmt_handler_log():
    text = (
        "time=2024-01-14T21:55:02Z version=v2.1.10/git@a1b2c3d-clean operation=enable seq=3 event=start\n"
        "time=2024-01-14T21:55:02Z version=v2.1.10/git@a1b2c3d-clean operation=enable seq=3 event=\"executing command\""
        " output=/var/lib/waagent/custom-script/download/3\n"
        "time=2024-01-14T23:25:02Z version=v2.1.10/git@a1b2c3d-clean operation=enable seq=3 event=\"failed to handle\""
        " error=\"command timed out\" level=error\n"
    )
    events, ctx = parse_text(KIND, text, path="var/log/azure/custom-script/handler.log")
    assert [e.kind for e in events] == [K.EXT_ENABLE, K.EXT_ENABLE, K.EXT_ENABLE]
    assert events[0].wall == datetime(2024, 1, 14, 21, 55, 2) and events[0].clock is Clock.UTC
    assert events[0].handler == "custom-script" and events[0].attrs["seq"] == 3
    assert events[2].level == "ERROR" and events[2].attrs["event"] == "failed to handle"
    assert ctx.unclassified == 0


def test_old_handler_util_style_with_every_line_stamped():
    h = "[Microsoft.Azure.RecoveryServices.SiteRecovery.Linux-1.0]"
    text = (
        f"2024/01/14 22:10:01 {h}Enable,transitioning,0,Launching the script...\n"
        f"2024/01/14 22:10:05 ERROR:{h}Failed to freeze: Traceback (most recent call last):\n"
        "2024/01/14 22:10:05 ERROR:  File \"/var/lib/waagent/x/main.py\", line 3, in run\n"
        "2024/01/14 22:10:05 ERROR:OSError: [Errno 16] Device or resource busy\n"
        f"2024/01/14 22:12:00 {h}Daemon,error,1,script exited with exit code 1\n"
        f"2024/01/14 22:12:01 {h}something odd failed here\n"
        f"2024/01/14 22:12:02 {h}routine line without level\n"
    )
    path = "var/log/azure/Microsoft.Azure.RecoveryServices.SiteRecovery.Linux/extension.log"
    events, ctx = parse_text(KIND, text, path=path)
    assert [e.kind for e in events] == [K.EXT_STATUS, K.PYTHON, K.EXT_STATUS, K.OTHER, K.ROUTINE]
    assert all(e.clock is Clock.LOCAL and e.handler_version is None for e in events)
    assert events[0].handler == "Microsoft.Azure.RecoveryServices.SiteRecovery.Linux"
    assert events[1].level == "ERROR" and events[1].attrs["exception"] == "OSError"
    assert events[1].message.count("\n") == 2
    assert events[2].attrs["operation"] == "daemon" and events[2].attrs["code"] == "1"
    assert ctx.unclassified == 1 and ctx.records == 5


def test_iso_offsets_continuations_and_errors():
    text = (
        "2024-01-14T22:10:01.5+08:00 INFO starting\n"
        "2024-01-14 22:10:02,120 ERROR Download failed, HTTP Error 404: Not Found\n"
        "  detail line\n"
        "2024-01-14 22:10:03 WARN Failed to connect: [Errno 111] Connection refused\n"
        "2024-01-14 22:10:04 ERROR [Errno 28] No space left on device\n"
    )
    events, ctx = parse_text(KIND, text, path="var/log/azure/Microsoft.Azure.Monitor.AzureMonitorLinuxAgent/x.log")
    assert events[0].clock is Clock.UTC and events[0].wall == datetime(2024, 1, 14, 14, 10, 1, 500000)
    assert events[0].kind is K.ROUTINE
    assert events[1].kind is K.HTTP_ERROR and events[1].attrs["http_status"] == 404 and events[1].clock is Clock.UNKNOWN
    assert events[1].message.endswith("detail line")
    assert events[2].kind is K.HTTP_ERROR and events[2].level == "WARNING"
    assert events[3].kind is K.DISK_FULL
    assert ctx.unclassified == 0


def test_path_priority_leaves_vmsnapshot_files_to_their_parsers():
    base = "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/"
    assert registry.kind_from_path(base + "extension.log") == "vmsnapshot_extension_log"
    assert registry.kind_from_path(base + "shell.log") == "vmsnapshot_shell_log"
    assert registry.kind_from_path("var/log/azure/custom-script/handler.log") == KIND
    assert registry.kind_from_content("time=2024-01-14T21:55:02Z operation=enable") != KIND


def test_garbage_never_raises():
    events, ctx = parse_text(KIND, "\x00\x01 binary junk\n2024-99-99 10:00:00 ERROR x\n", path="var/log/azure/a/b.log")
    assert len(events) == 2 and events[1].wall is None and len(ctx.warnings) == 1
