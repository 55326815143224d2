"""Extension status files: ``<handler dir>/status/<seq>.status`` (older ones renamed ``<seq>_status``).

The document is a JSON list whose first element is ``{version, timestampUTC, status: {name,
operation, status, code, formattedMessage, substatus, taskId, …}}``.  For VMSnapshotLinux
(Azure Backup) three quirks matter (vmsnapshot-extension.md §5):

- code ``"4"`` (ExtensionTempTerminalState) is written with status ``success`` while the run is
  still going: the run is *unfinished*, whatever the status says;
- on ARM VMs a terminal status in the file is forced to ``success``: the real outcome is the
  code and the status of the uploaded document embedded in ``substatus[0].name`` (a JSON string
  whose ``timestampUTC`` is ``\\/Date(<ms>)\\/``);
- ``formattedMessage.message`` is itself JSON (``messageStr`` …) in newer versions, plain text
  ending in ``key=value, `` telemetry pairs in older ones.

So ``attrs["status"]`` is the *effective* status (``transitioning`` for code 4, else the embedded
document's status, else derived from the code) and ``attrs["file_status"]`` what the file says.
:func:`describe_status` is shared with the agent's aggregate status parser.  A truncated or
malformed file gives one warning and a best-effort event (``attrs["partial"]``) from the fields
that can still be read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from analyzer.model import Clock, Event, EventKind
from parsers import registry
from parsers._state_common import (
    BAD,
    as_int,
    bounded,
    guarded,
    handler_from_path,
    load_json,
    name_of,
    opt_text,
    parse_ms_date,
    parse_utc_stamp,
    read_doc,
    scrub_urls,
    short,
    ticks_to_wall,
)
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.patterns import Sample

KIND = "handler_status_file"
VMSNAPSHOT = "VMSnapshot"
_SUCCESS_CODES = {"0", "1", "3"}  # app-consistent, fs-consistent, same taskId already processed
# The extension appends "key=value, " pairs for these keys only; literal names keep the scan linear.
_TELEMETRY_PAIR = re.compile(
    r"\b(statusBlobUploadError|snapshotCreator|hostStatusCodePreSnapshot|hostStatusCodeDoSnapshot)=([^,]{0,100}),"
)
_TELEMETRY_ATTRS = {
    "hostStatusCodePreSnapshot": "host_status_presnapshot",
    "hostStatusCodeDoSnapshot": "host_status_dosnapshot",
    "snapshotCreator": "snapshot_creator",
    "statusBlobUploadError": "status_blob_upload_error",
    "extErrorCode": "ext_error_code",
    "extensionVersion": "extension_version",
    "guestAgentVersion": "guest_agent_version",
    "pythonVersion": "python_version",
    "FreezeTime": "freeze_time",
    "ThawTime": "thaw_time",
    "snapshotTimeTaken": "snapshot_time_taken",
    "osVersion": "os_version",
    "kernelVersion": "kernel_version",
    "networkFSTypePresentInMount": "network_fs_in_mount",
    "consistencyType": "consistency_type",
}
_INT_TELEMETRY = {"host_status_presnapshot", "host_status_dosnapshot"}
_SEQ = re.compile(r"(?:^|\.)(\d+)[._]status$")


def seq_from_path(path: str) -> int | None:
    m = _SEQ.search(name_of(path))
    return int(m.group(1)) if m else None


def _json_text(value: Any) -> Any:
    """Decode a JSON document held in a string field; None when it is not one."""
    if not isinstance(value, str):
        return None
    stripped = value.strip()
    if not stripped or stripped[0] not in "[{":
        return None
    try:
        return json.loads(stripped)
    except (ValueError, RecursionError):
        return None


def _message(fm: Any) -> str:
    if isinstance(fm, dict):
        msg = fm.get("message")
        return msg if isinstance(msg, str) else ""
    return fm if isinstance(fm, str) else ""


def _add_telemetry(attrs: dict[str, Any], key: str, value: Any) -> None:
    name = _TELEMETRY_ATTRS.get(key)
    if name is None or value is None:
        return
    text = str(value).strip()
    if name in _INT_TELEMETRY:
        attrs[name] = as_int(text) if as_int(text) is not None else text
    elif name == "status_blob_upload_error":
        attrs[name] = text.lower() == "true"
    else:
        attrs[name] = short(text, 120)


def _embedded(status: dict[str, Any]) -> dict[str, Any] | None:
    """The uploaded document the extension embeds in a substatus (first one that decodes)."""
    subs = status.get("substatus")
    for sub in subs if isinstance(subs, list) else []:
        if not isinstance(sub, dict):
            continue
        for candidate in (sub.get("name"), _message(sub.get("formattedMessage"))):
            doc = _json_text(candidate)
            if isinstance(doc, list) and doc and isinstance(doc[0], dict):
                doc = doc[0]
            if isinstance(doc, dict) and isinstance(doc.get("status"), dict):
                return doc
    return None


def describe_status(status: dict[str, Any], handler: str | None = None) -> tuple[dict[str, Any], str]:
    """(attrs, summary text) of one extension status object (the ``status`` member)."""
    name = opt_text(status.get("name"))
    attrs: dict[str, Any] = {}
    file_status = str(status.get("status") or "").lower() or None
    code = status.get("code")
    code = str(code) if code is not None and not isinstance(code, (dict, list)) else None
    operation = status.get("operation")
    if isinstance(operation, str) and operation:
        attrs["operation"] = operation.lower()
    task = status.get("taskId")
    if isinstance(task, str) and task:
        attrs["task_id"] = task
    start = ticks_to_wall(status.get("commandStartTimeUTCTicks"))
    if start:
        attrs["command_start"] = start.isoformat() + "Z"
    raw_message = _message(status.get("formattedMessage"))
    inner_message = _json_text(raw_message)
    text_message = raw_message
    if isinstance(inner_message, dict):
        # newer VMSnapshot: {"messageStr": …, "snapshotConsistency": …, "jobMessage": …}
        text_message = str(inner_message.get("messageStr") or "")
        if inner_message.get("jobMessage"):
            attrs["job_message"] = short(scrub_urls(str(inner_message["jobMessage"])), 300)
    for key, value in _TELEMETRY_PAIR.findall(text_message):
        _add_telemetry(attrs, key, value)
    embedded = _embedded(status)
    real_status = None
    if embedded is not None:
        inner = embedded["status"]
        real_status = str(inner.get("status") or "").lower() or None
        inner_code = inner.get("code")
        if inner_code is not None:
            attrs["embedded_code"] = str(inner_code)
        when = parse_ms_date(embedded.get("timestampUTC"))
        if when:
            attrs["embedded_time"] = when.isoformat() + "Z"
        health = inner.get("vmHealthInfo")
        if isinstance(health, dict):
            if as_int(health.get("vmHealthStatusCode")) is not None:
                attrs["vm_health_code"] = as_int(health.get("vmHealthStatusCode"))
            if as_int(health.get("vmHealthState")) is not None:
                attrs["vm_health_state"] = as_int(health.get("vmHealthState"))
        telemetry = inner.get("telemetryData")
        for item in telemetry if isinstance(telemetry, list) else []:
            if isinstance(item, dict):
                _add_telemetry(attrs, str(item.get("Key")), item.get("Value"))
        snaps = inner.get("snapshotInfo")
        if isinstance(snaps, list):
            ok = [s for s in snaps if isinstance(s, dict) and str(s.get("isSuccessful")).lower() == "true"]
            attrs["snapshots_ok"] = len(ok)
            attrs["snapshots_failed"] = len(snaps) - len(ok)
            errors = [s.get("errorMessage") for s in snaps if isinstance(s, dict) and s.get("errorMessage")]
            if errors:
                attrs["snapshot_error"] = short(scrub_urls(str(errors[0])), 300)
        if not text_message:
            text_message = _message(inner.get("formattedMessage"))
    who = name or handler or ""
    is_snapshot = VMSNAPSHOT in who or embedded is not None or "task_id" in attrs
    if is_snapshot and code == "4":
        effective = "transitioning"
    elif real_status:
        effective = real_status
    elif is_snapshot:
        # Without a code the file's own status proves nothing (forced to success on ARM VMs).
        effective = None if code is None else "success" if code in _SUCCESS_CODES else "error"
    else:
        effective = file_status
    if code is not None:
        attrs["code"] = code
    if effective:
        attrs["status"] = effective
    if file_status:
        attrs["file_status"] = file_status
    attrs["outcome"] = {"transitioning": "unfinished", "success": "succeeded", "error": "failed"}.get(
        effective or "", effective or "unknown"
    )
    summary = (
        f"{who or 'extension'} operation={status.get('operation')} status={file_status} code={code}"
        + (f" taskId={task}" if "task_id" in attrs else "")
        + (f" (embedded status={real_status})" if real_status else "")
        + (f": {short(scrub_urls(text_message), 400)}" if text_message.strip() else "")
    )
    return bounded(attrs), short(summary, 1500)


_SALVAGE = {
    "timestampUTC": re.compile(r'"timestampUTC"\s*:\s*"([^"\\]+)"'),
    "operation": re.compile(r'"operation"\s*:\s*"([^"\\]+)"'),
    "status": re.compile(r'"status"\s*:\s*"([^"\\]+)"'),
    "taskId": re.compile(r'"taskId"\s*:\s*"([^"\\]+)"'),
    "name": re.compile(r'"name"\s*:\s*"([^"\\\[{]+)"'),
}
# An unescaped "code" not opening a substatus entry ({"code": "0", "name": "[{\"version…).
_SALVAGE_CODE = re.compile(r'"code"\s*:\s*(?:"(\d+)"|(\d+))(?!\s*,\s*"name"\s*:\s*"\[)')


def _salvage(text: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, rx in _SALVAGE.items():
        m = rx.search(text)
        if m:
            found[key] = m.group(1)
    codes = [quoted or bare for quoted, bare in _SALVAGE_CODE.findall(text)]
    if codes:
        found["code"] = codes[-1]
    return found


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    return guarded(_parse(reader, ctx), ctx)


def _parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    text = read_doc(reader)
    ctx.records += 1
    seq = seq_from_path(ctx.path) if ctx.path else None
    path_name, path_version = handler_from_path(ctx.path, ctx.member)
    doc = load_json(text, ctx, "status file")
    partial = False
    if doc is BAD:
        if not text.strip():
            return
        partial = True
        found = _salvage(text)
        top: dict[str, Any] = {"timestampUTC": found.pop("timestampUTC", None), "status": found}
    else:
        top = doc[0] if isinstance(doc, list) and doc else doc
        if not isinstance(top, dict) or not isinstance(top.get("status"), dict):
            ctx.warn("status file: no status object in the document", 1)
            ctx.unclassified += 1
            return
    status = top["status"]
    attrs, summary = describe_status(status, path_name)
    # The handler directory names the extension reliably; the document's name is the fallback.
    handler = path_name or opt_text(status.get("name"))
    version = attrs.get("extension_version") if isinstance(attrs.get("extension_version"), str) else path_version
    if seq is not None:
        attrs["seq"] = seq
    if partial:
        attrs["partial"] = True
    if name_of(ctx.path).endswith("_status"):
        attrs["superseded"] = True  # renamed by the extension when a newer seq arrived
    raw_time = opt_text(top.get("timestampUTC"), 60) or ""
    wall = parse_utc_stamp(raw_time) if raw_time else None
    if raw_time and wall is None:
        ctx.warn(f"status file: impossible timestampUTC {short(raw_time, 60)!r}", 1)
    if "code" in attrs:
        ctx.fact(
            "status.code",
            attrs["code"],
            line=1,
            time_raw=raw_time,
            seq=seq,
            name=handler,
            status=attrs.get("status"),
            outcome=attrs.get("outcome"),
            task_id=attrs.get("task_id"),
        )
    if isinstance(attrs.get("extension_version"), str) and handler:
        ctx.fact("extension.version", attrs["extension_version"], line=1, name=handler, source="status telemetry")
    if isinstance(attrs.get("python_version"), str):
        ctx.fact("extension.python", attrs["python_version"], line=1, name=handler)
    prefix = f"status file seq={seq}: " if seq is not None else "status file: "
    yield Event(
        line=1,
        kind=EventKind.EXT_STATUS,
        message=prefix + summary,
        wall=wall,
        clock=Clock.UTC if wall else Clock.UNKNOWN,
        time_raw=raw_time,
        handler=handler,
        handler_version=version,
        attrs=attrs,
    )


def _sniff(head: str) -> bool:
    start = head.lstrip()[:1]
    return (
        start == "["
        and '"timestampUTC"' in head
        and '"status"' in head
        and '"aggregateStatus"' not in head
        and ('"operation"' in head or '"formattedMessage"' in head)
    )


_ARM_FAILED = (
    '[{"version": "1.0", "timestampUTC": "2024-03-05T02:41:07Z", "status": {"name": '
    '"Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "operation": "Enable", "status": "success", '
    '"substatus": [{"code": "0", "name": "[{\\"version\\": \\"1.0\\", '
    '\\"timestampUTC\\": \\"\\\\/Date(1709606467000)\\\\/\\", '
    '\\"status\\": {\\"name\\": \\"Microsoft.Azure.RecoveryServices.VMSnapshotLinux\\", \\"operation\\": \\"Enable\\", '
    '\\"status\\": \\"error\\", \\"code\\": \\"122\\", \\"taskId\\": \\"3f2c9d1e-7b54-4c1a-9e0f-5d6a7b8c9d0e\\", '
    '\\"telemetryData\\": [{\\"Value\\": \\"1.0.9225.0\\", \\"Key\\": \\"extensionVersion\\"}], '
    '\\"vmHealthInfo\\": {\\"vmHealthState\\": 128, \\"vmHealthStatusCode\\": 122}}}]", "status": "success", '
    '"formattedMessage": null}], "code": "122", "taskId": "3f2c9d1e-7b54-4c1a-9e0f-5d6a7b8c9d0e", '
    '"formattedMessage": {"lang": "en-US", "message": "{\\"messageStr\\": \\"snapshotCreator=backupHostService, '
    'hostStatusCodePreSnapshot=200, \\", \\"snapshotConsistency\\": 0, \\"jobMessage\\": \\"\\", '
    '\\"isSizeComputationFailed\\": false}"}, "commandStartTimeUTCTicks": "638452026000000000", '
    '"telemetryData": null, "snapshotInfo": null, "vmHealthInfo": null}}]'
)
_TRANSITIONING = (
    '[{"version": "1.0", "timestampUTC": "2024-03-05T02:30:12Z", "status": {"name": '
    '"Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "operation": "Enable", "status": "success", '
    '"substatus": [], "code": "4", "taskId": "3f2c9d1e-7b54-4c1a-9e0f-5d6a7b8c9d0e", "formattedMessage": '
    '{"lang": "en-US", "message": "{\\"messageStr\\": \\"Transitioning state in extension\\", '
    '\\"snapshotConsistency\\": 0, \\"jobMessage\\": \\"\\", \\"isSizeComputationFailed\\": false}"}}}]'
)
_HANDLER_DIR = "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/status/"

registry.register(
    ParserSpec(
        name="Extension status file (<seq>.status)",
        kind=KIND,
        parse=parse,
        paths=(
            "var/lib/waagent/*/status/*.status",
            "var/lib/waagent/*/status/*_status",
            "*/status/*.status",
            "*/status/*_status",
            "[0-9]*.status",
            "[0-9]*_status",
        ),
        sniff=_sniff,
        priority=60,
        description="extension status documents; VMSnapshot code 4, ARM success quirk, embedded upload",
        samples=(
            Sample(
                text=_ARM_FAILED,
                kind=EventKind.EXT_STATUS,
                handler="Microsoft.Azure.RecoveryServices.VMSnapshotLinux",
                attrs={
                    "seq": 17,
                    "code": "122",
                    "status": "error",
                    "file_status": "success",
                    "outcome": "failed",
                    "task_id": "3f2c9d1e-7b54-4c1a-9e0f-5d6a7b8c9d0e",
                    "operation": "enable",
                    "host_status_presnapshot": 200,
                    "vm_health_code": 122,
                },
                path=_HANDLER_DIR + "17.status",
            ),
            Sample(
                text=_TRANSITIONING,
                kind=EventKind.EXT_STATUS,
                attrs={"seq": 18, "code": "4", "status": "transitioning", "outcome": "unfinished"},
                path=_HANDLER_DIR + "18.status",
            ),
        ),
    )
)
