"""``host_based_extension.log``: the VMSnapshot restore-point polling daemon (``handle_host_daemon.py``).

Only present when the CRP flag ``EnableVMSnapshotExtensionPolling`` made enable start the daemon
(2024+).  Same record format as ``extension.log`` (its own copy of ``log_py3``: Python-3 records,
UTC), so the framing of :mod:`parsers.vmsnapshot_extension_log` is reused.  Its own messages are
``[Class.method] -> text``; it polls ``168.63.129.16`` (``comp=xdisksvc&type=checkforsnapshot``)
every 300 s and logs safefreeze output line by line without the "Binary output traces" markers.
Messages it shares with the main extension fall back to :mod:`parsers.vmsnapshot_messages`.
"""

from __future__ import annotations

import re

from analyzer.model import EventKind
from parsers import registry
from parsers.base import ParserSpec
from parsers.patterns import Pattern, PatternSet, Sample
from parsers.vmsnapshot_codes import HANDLER
from parsers.vmsnapshot_extension_log import LOG_DIR, make_parse
from parsers.vmsnapshot_messages import Classified, match

KIND = "host_based_extension_log"
K = EventKind
_WS = "168.63.129.16"

_PATTERNS = PatternSet(
    [
        Pattern("poll_none", K.ROUTINE, ("[main] -> no new snapshot requests at this time",)),
        Pattern("poll_bad_status", K.HTTP_ERROR, ("[main] -> invalid response code",),
                attrs={"host": _WS, "call": "checkforsnapshot", "error": "bad_status"}),
        Pattern("poll_exception", K.HTTP_ERROR, ("Exception making a http request",),
                attrs={"host": _WS, "call": "checkforsnapshot", "error": "exception"}),
        Pattern("main_exception", K.PYTHON, ("[main] -> Unexpected expcetion occured",), attrs={"error": "exception"}),
        Pattern("request_invalid", K.SNAPSHOT_CALL, ("[take_new_snapshot] -> SnapshotRequest object initialized with",),
                attrs={"path": "host_poll", "error": "invalid_request"}),
        Pattern("request_failed", K.SNAPSHOT_RESULT, ("[take_new_snapshot] -> Unexpected error occurred",),
                attrs={"path": "host_poll", "status": "error", "error": "exception"}),
        Pattern("nothing_to_freeze", K.FREEZE, ("[SnapshotRequest.freeze_mounts] -> nothing to freeze",),
                attrs={"phase": "prepare", "skip_freeze": True}),
        Pattern("mounts_failed", K.FREEZE, ("[SnapshotRequest.freeze_mounts] -> get_mounts failed",
                "[SnapshotRequest.get_mounts] -> Unexpected error",
                "[SnapshotRequest.freeze_mounts] -> unexpected error"),
                attrs={"phase": "prepare", "error": "mounts_unreadable"}),
        Pattern("resource_disk_error", K.FREEZE, ("unable to detect disk topology",
                "[SnapshotRequest.get_resource_disk_mountpoint] -> unexpected error"),
                attrs={"phase": "prepare", "error": "disk_topology"}),
        Pattern("device_search", K.ROUTINE, ("device_for_ide_port] -> ",),
                regex=r"^\[Snapsho?s?tRequest\.device_for_ide_port\]"),
    ]
)


def classify(message: str) -> Classified | None:
    """The daemon's own ``[Class.method] -> …`` messages first, then the shared extension patterns."""
    text = message.strip()
    m = _PATTERNS.match(text) if text else None
    if m is not None:
        return Classified(m.pattern.kind, dict(m.attrs), m.pattern.id)
    found = match(message)
    if found is not None and found.kind not in (K.ROUTINE, K.OTHER):
        found.attrs.setdefault("path", "host_poll")
    return found


_SNIFF = re.compile(r"VMSnapshotLinux-\d+(?:\.\d+)*\]\[(?:main|take_new_snapshot|Snapsho?s?tRequest\.\w+)\] -> ")


def sniff(head: str) -> bool:
    """A loose host_based_extension.log: extension records carrying the daemon's ``[x] -> `` tags."""
    return _SNIFF.search(head) is not None


_P = f"2024-05-30 13:15:45.123456 [{HANDLER}-1.0]"
registry.register(
    ParserSpec(
        name="VMSnapshot host_based_extension.log",
        kind=KIND,
        parse=make_parse(classify),
        paths=(f"{LOG_DIR}/host_based_extension.log", f"{LOG_DIR}/host_based_extension.log.*"),
        sniff=sniff,
        priority=71,
        description="restore-point polling daemon of the VMSnapshotLinux extension",
        samples=(
            Sample(f"{_P}[main] -> no new snapshot requests at this time", K.ROUTINE, handler=HANDLER),
            Sample(f"{_P}[main] -> invalid response code: ", K.HTTP_ERROR, attrs={"host": _WS}),
            Sample(f"{_P}Exception making a http request", K.HTTP_ERROR, attrs={"error": "exception"}),
            Sample(f"{_P}[main] -> Unexpected expcetion occured", K.PYTHON),
            Sample(f"{_P}[take_new_snapshot] -> SnapshotRequest object initialized with invalid data: ",
                   K.SNAPSHOT_CALL, attrs={"error": "invalid_request"}),
            Sample(f"{_P}[take_new_snapshot] -> Unexpected error occurred: ", K.SNAPSHOT_RESULT,
                   attrs={"status": "error"}),
            Sample(f"{_P}[SnapshotRequest.freeze_mounts] -> nothing to freeze", K.FREEZE, attrs={"skip_freeze": True}),
            Sample(f"{_P}[SnapshotRequest.get_mounts] -> Unexpected error: [Errno 2] No such file or directory: "
                   "'lsblk'", K.FREEZE, attrs={"error": "mounts_unreadable"}),
            Sample(f"{_P}unable to detect disk topology", K.FREEZE, attrs={"error": "disk_topology"}),
            Sample(f"{_P}[SnapshotRequest.device_for_ide_port] -> Found device: sdb", K.ROUTINE),
            Sample(f"{_P}2024-05-30 13:15:40 Freezing: /data", K.FREEZE, component="safefreeze",
                   attrs={"mount": "/data", "path": "host_poll"}),
            Sample(f"{_P}freeze timed-out", K.FREEZE, attrs={"code": "122", "path": "host_poll"}),
        ),
    )
)
