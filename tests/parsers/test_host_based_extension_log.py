"""host_based_extension.log of the VMSnapshot polling daemon (parsers/host_based_extension_log.py)."""

from __future__ import annotations

from datetime import datetime

from analyzer.model import Clock, EventKind
from parsers import registry
from parsers.testing import parse_text
from parsers.vmsnapshot_codes import HANDLER

K = EventKind
KIND = "host_based_extension_log"
PATH = "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/host_based_extension.log"
P = f"[{HANDLER}-1.0]"
TEXT = f"""\
2024-05-30 13:10:45.118202 {P}[main] -> no new snapshot requests at this time
2024-05-30 13:15:45.120331 {P}Resource disk partition: /dev/sdb1
2024-05-30 13:15:45.121003 {P}[SnapshotRequest.device_for_ide_port] -> Found device: sdb
2024-05-30 13:15:52.402117 {P}2024-05-30 21:15:48 ****** 2. Binary Freeze Started
2024-05-30 13:15:52.402300 {P}2024-05-30 21:15:48 Freezing: /data
2024-05-30 13:15:52.402500 {P}2024-05-30 21:15:48 Freezing: /
2024-05-30 13:15:52.402700 {P}2024-05-30 21:15:48 ****** 3. Binary Freeze Completed
2024-05-30 13:15:52.402900 {P}2024-05-30 21:15:51 ****** 8. Binary Thaw Signal Received
2024-05-30 13:15:52.403100 {P}2024-05-30 21:15:52 Thawing: /
2024-05-30 13:15:52.403300 {P}2024-05-30 21:15:52 Thawing: /data
2024-05-30 13:20:45.119877 {P}Exception making a http request
2024-05-30 13:25:45.120001 {P}[main] -> invalid response code:
2024-05-30 13:30:45.121500 {P}freeze timed-out
2024-05-30 13:30:45.121800 {P}[take_new_snapshot] -> Unexpected error occurred:
"""


def test_polling_daemon_log():
    events, ctx = parse_text(KIND, TEXT, path=PATH)
    assert ctx.unclassified == 0 and ctx.warnings == [] and ctx.records == 14
    assert [e.kind for e in events[:3]] == [K.ROUTINE] * 3
    binary = [e for e in events if e.component == "safefreeze"]
    assert len(binary) == 7 and all(e.clock is Clock.LOCAL for e in binary)
    assert binary[1].wall == datetime(2024, 5, 30, 21, 15, 48) and binary[1].attrs["mount"] == "/data"
    assert binary[1].attrs["path"] == "host_poll"
    assert events[0].clock is Clock.UTC
    http = [e for e in events if e.kind is K.HTTP_ERROR]
    assert [e.attrs["error"] for e in http] == ["exception", "bad_status"]
    assert events[-2].kind is K.FREEZE and events[-2].attrs["code"] == "122"
    assert events[-1].kind is K.SNAPSHOT_RESULT and events[-1].attrs["status"] == "error"


def test_detection():
    assert registry.kind_from_path(PATH) == KIND
    assert registry.kind_from_content(TEXT) == KIND
