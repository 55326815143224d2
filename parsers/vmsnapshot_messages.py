"""Classification of VMSnapshot (Azure Backup) extension messages: ``classify(message) -> (kind, attrs)``.

The message is what follows the record prefix (``[Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]``),
or an inner freeze-buffer / safefreeze line without its own stamp.  Patterns live in
:mod:`parsers.vmsnapshot_patterns` (one backup run) and :mod:`parsers.vmsnapshot_patterns_misc`
(settings, scripts, errors, chatter); this module adds what declarative patterns cannot: the JSON
status documents the extension logs after ``file status report message:``, per-pattern fix-ups, the
exception / errno of embedded tracebacks, and the promotion of "No space left on device" / memory
errors to ``disk_full`` / ``oom`` whatever the surrounding message was.

Trap kept out on purpose: ``Guest Agent Version is :WALinuxAgent-2.0.16`` is a constant of the
extension's bundled ``WaagentLib.py``; it is classified ``routine`` and never yields a version.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from analyzer.model import EventKind
from parsers.patterns import PatternSet
from parsers.vmsnapshot_codes import MsgSample, code_of, duration_s, parse_wall
from parsers.vmsnapshot_patterns import PATTERNS as RUN_PATTERNS
from parsers.vmsnapshot_patterns_misc import PATTERNS as MISC_PATTERNS
from parsers.vmsnapshot_patterns_misc import ROUTINE
from parsers.vmsnapshot_patterns_misc import SAMPLES as MISC_SAMPLES
from parsers.vmsnapshot_run_samples import SAMPLES as RUN_SAMPLES

K = EventKind
# Patterns are tried on the head of a message only: real messages say what they are at the start,
# and some shapes (two lazy groups) would cost quadratic time on a hostile megabyte line.
MATCH_LIMIT = 4096
PATTERN_SET = PatternSet([*RUN_PATTERNS, *MISC_PATTERNS, ROUTINE])

# Format strings of safefreeze.c (after its "%F %X " stamp): how a binary line is recognised
# outside the "Binary output traces" markers (the host-polling daemon prints no markers).
SAFEFREEZE_PREFIXES = (
    "Failed to open: ", "Failed to stat: ", "Path not a directory: ", "****** 2. Binary Freeze Started",
    "Freezing: ", "Failed to FIFREEZE: ", "****** 3. Binary Freeze Completed", "Failed to send FreezeCompletion",
    "****** 8. Binary Thaw Signal Received", "sleep for 1 second", "Failed to receive timely Thaw",
    "Inconsistent snapshot because of SLEEP failure", "Thawing: ", "Failed to FITHAW: ", "Usage: safefreeze",
    "Failed to setup signal handlers",
)

_EXC_LINE = re.compile(
    r"^(?P<exc>[A-Za-z_][\w.]*?(?:Error|Exception|Exit|Interrupt|Warning|timeout|error|Fault))(?::\s|:?$)", re.M
)
_ERRNO = re.compile(r"\[Errno (-?\d+)\]")
_MODULE = re.compile(r"No module named '?([\w.]+)'?")
_QUOTED = re.compile(r"'([^']*)'")
_STATUS_CODE_RX = re.compile(r'"code": "(\d+)", "taskId"')
_NOSPACE = ("No space left on device", "[Errno 28]")
_NOMEM = ("MemoryError", "Cannot allocate memory", "[Errno 12]")
_NO_PROMOTE = frozenset(("status_report", "disk_full", "out_of_memory"))
_TELEMETRY_KEYS = (
    "extensionVersion", "pythonVersion", "guestAgentVersion", "extErrorCode", "snapshotCreator",
    "hostStatusCodePreSnapshot", "hostStatusCodeDoSnapshot", "statusBlobUploadError", "osVersion", "kernelVersion",
    "FreezeTime", "ThawTime", "snapshotTimeTaken", "consistencyType",
)


@dataclass(frozen=True, slots=True)
class Classified:
    """The outcome of classifying one message: kind, attrs, and the id of the pattern that matched."""

    kind: EventKind
    attrs: dict[str, Any]
    pattern: str


def classify(message: str) -> tuple[EventKind, dict[str, Any]]:
    """Kind and attrs of one extension message; ``(other, {})`` when nothing matched."""
    found = match(message)
    return (found.kind, found.attrs) if found is not None else (K.OTHER, {})


def match(message: str) -> Classified | None:
    """Like :func:`classify` but says which pattern matched, and None when none did."""
    text = message.strip()
    if not text:
        # hutil.log("") of an empty commit buffer: the extension writes bare prefixes.
        return Classified(K.ROUTINE, {}, "empty")
    if text[0] == "[" and text.startswith(("[{", "[ {")):
        attrs = status_document(text)
        if attrs is not None:
            return Classified(K.STATUS_WRITE, attrs, "status_document")
    head = text[:MATCH_LIMIT]
    m = PATTERN_SET.match(head)
    if m is None:
        return None
    kind, attrs, pid = m.pattern.kind, m.attrs, m.pattern.id
    post = _POST.get(pid)
    if post is not None:
        kind = post(attrs, head) or kind
    if kind is not K.ROUTINE:
        _enrich(attrs, text)
        if pid not in _NO_PROMOTE:
            kind = _promote(kind, attrs, text)
    return Classified(kind, attrs, pid)


def is_safefreeze_message(text: str) -> bool:
    """True when ``text`` (after a ``YYYY-MM-DD HH:MM:SS `` stamp) is a safefreeze output line."""
    return text.startswith(SAFEFREEZE_PREFIXES)


def exception_of(text: str) -> str | None:
    """The exception type named on the last line of an embedded Python traceback, if any."""
    if "Traceback (most recent call last)" not in text:
        return None
    found = None
    for m in _EXC_LINE.finditer(text, text.find("Traceback")):
        found = m.group("exc")
    return found


def status_document(text: str) -> dict[str, Any] | None:
    """Attrs of a status document the extension logged (file ``[{"version"…}]`` or uploaded blob)."""
    try:
        doc = json.loads(text)
    except ValueError:
        m = _STATUS_CODE_RX.search(text)
        return {"code": m.group(1), "truncated": True} if m else None
    top = doc[0] if isinstance(doc, list) and doc and isinstance(doc[0], dict) else None
    st = top.get("status") if top is not None else None
    if not isinstance(st, dict):
        return None
    attrs: dict[str, Any] = {}
    if st.get("code") is not None:
        attrs["code"] = str(st["code"])
    if isinstance(st.get("status"), str):
        attrs["status"] = st["status"]
    if isinstance(st.get("operation"), str):
        attrs["operation"] = st["operation"].lower()
    if st.get("taskId"):
        attrs["task_id"] = str(st["taskId"])
    if isinstance(top, dict) and isinstance(top.get("timestampUTC"), str):
        attrs["status_time"] = top["timestampUTC"]
    _status_message(st, attrs)
    telemetry = _telemetry(st.get("telemetryData"))
    # The file copy embeds the uploaded document (real status, telemetry) as substatus[0].name;
    # for ARM VMs the file's own "status" is forced to success, so the embedded one is the truth.
    subs = st.get("substatus")
    if isinstance(subs, list) and subs and isinstance(subs[0], dict) and isinstance(subs[0].get("name"), str):
        inner = status_document(subs[0]["name"]) if subs[0]["name"].startswith("[") else None
        if inner:
            if "status" in inner:
                attrs["real_status"] = inner["status"]
            telemetry = {**inner.get("telemetry", {}), **telemetry}
            for key in ("disks", "disks_failed", "ext_error_code", "health_state"):
                if key in inner:
                    attrs[key] = inner[key]
    if telemetry:
        attrs["telemetry"] = telemetry
    infos = st.get("snapshotInfo")
    if isinstance(infos, list):
        attrs["disks"] = len(infos)
        attrs["disks_failed"] = sum(1 for i in infos if isinstance(i, dict) and i.get("isSuccessful") is False)
    health = st.get("vmHealthInfo")
    if isinstance(health, dict):
        if health.get("vmHealthStatusCode") is not None:
            attrs["ext_error_code"] = str(health["vmHealthStatusCode"])
        if health.get("vmHealthState") is not None:
            attrs["health_state"] = health["vmHealthState"]
    return attrs


def _status_message(st: dict[str, Any], attrs: dict[str, Any]) -> None:
    fm = st.get("formattedMessage")
    raw = fm.get("message") if isinstance(fm, dict) else None
    if not isinstance(raw, str):
        return
    text = raw
    try:
        inner = json.loads(raw)
        if isinstance(inner, dict) and isinstance(inner.get("messageStr"), str):
            text = inner["messageStr"]
    except ValueError:
        pass  # older releases put plain text there
    if "statusBlobUploadError=true" in text or "statusBlobUploadError=True" in text:
        attrs["status_blob_upload_error"] = True
    if text.strip():
        attrs["status_message"] = text.strip()[:300]


def _telemetry(data: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(data, list):
        for item in data:
            if isinstance(item, dict) and item.get("Key") in _TELEMETRY_KEYS and item.get("Value") is not None:
                out[str(item["Key"])] = str(item["Value"])
    return out


def _enrich(attrs: dict[str, Any], text: str) -> None:
    if "[Errno " in text and "errno" not in attrs:
        m = _ERRNO.search(text)
        if m:
            attrs["errno"] = int(m.group(1))
    if "exception" not in attrs:
        exc = exception_of(text)
        if exc:
            attrs["exception"] = exc
    if "No module named" in text and "module" not in attrs:
        m = _MODULE.search(text)
        if m:
            attrs["module"] = m.group(1)


def _promote(kind: EventKind, attrs: dict[str, Any], text: str) -> EventKind:
    """A full disk or exhausted memory is the finding whatever the message was about."""
    if kind not in (K.DISK_FULL, K.OOM):
        if any(s in text for s in _NOSPACE):
            attrs["context_kind"] = kind.value
            attrs.setdefault("errno", 28)
            return K.DISK_FULL
        if any(s in text for s in _NOMEM):
            attrs["context_kind"] = kind.value
            return K.OOM
    return kind


# --- per-pattern fix-ups (return a kind to override, or None) -------------------------------------

def _taken(attrs: dict[str, Any], _text: str) -> None:
    value = duration_s(attrs.pop("taken", ""))
    if value is not None:
        attrs["duration_s"] = value


def _snapshot_timing(attrs: dict[str, Any], text: str) -> None:
    attrs["path"] = str(attrs.get("path", "")).lower()
    _taken(attrs, text)


def _freeze_args(attrs: dict[str, Any], text: str) -> None:
    items = _QUOTED.findall(text)
    # [binary, timeout, mount…]: keep the mount points only
    attrs["mounts"] = [i for i in items[1:] if not i.isdigit()]


def _ok_from_errors(attrs: dict[str, Any], _text: str) -> None:
    errors = str(attrs.pop("errors", "")).strip()
    if errors != "None":
        attrs["ok"] = errors == ""


def _freeze_failed(attrs: dict[str, Any], text: str) -> None:
    if "already freezed" in text:
        attrs["error"] = "already_frozen"
    elif "file open failed" in text:
        attrs["error"] = "open_failed"


def _status_report(attrs: dict[str, Any], _text: str) -> None:
    attrs["operation"] = str(attrs.get("operation", "")).lower()
    if "status_message" in attrs:
        attrs["status_message"] = str(attrs["status_message"])[:300]


def _snapshot_uri(attrs: dict[str, Any], _text: str) -> None:
    attrs["success"] = attrs.pop("snapshot_uri", "None") != "None"


def _error_message(attrs: dict[str, Any], _text: str) -> None:
    msg = str(attrs.get("error_message", "")).strip()
    if msg in ("", "None"):
        attrs.pop("error_message", None)
    else:
        attrs["error_message"] = msg[:300]


def _params_failed(attrs: dict[str, Any], _text: str) -> None:
    key = str(attrs.pop("key", "")).strip()
    if key.isdigit():  # KeyError on an unmapped status code (e.g. 556): no final status is written
        attrs["code"] = key


def _script(attrs: dict[str, Any], text: str) -> None:
    which = str(attrs.pop("which", "")).lower()
    if which:
        attrs["operation"] = which + "script"
    pre = which == "pre"
    if "timed out." in text:
        attrs["code"] = "308" if pre else "309"
    elif "failed with error code:" in text:
        attrs["code"] = "300" if pre else "301"


def _http_result(attrs: dict[str, Any], _text: str) -> EventKind | None:
    return K.ROUTINE if attrs.get("result") == "1" else None


def _crash(attrs: dict[str, Any], _text: str) -> None:
    value = attrs.get("crash_consistent")
    if value in ("True", "False"):
        attrs["crash_consistent"] = value == "True"


def _crp_times(attrs: dict[str, Any], _text: str) -> None:
    """How late the extension ran (the 140-minute check; a huge or negative span hints at clock skew)."""
    start, now = parse_wall(str(attrs.get("command_start", ""))), parse_wall(str(attrs.get("utc_now", "")))
    if start is not None and now is not None:
        attrs["span_s"] = round((now - start).total_seconds(), 6)


def _lower_code(attrs: dict[str, Any], _text: str) -> None:
    if "code" in attrs:
        attrs["code"] = code_of(str(attrs["code"]))


_POST: dict[str, Callable[[dict[str, Any], str], EventKind | None]] = {
    "snapshot_timing": _snapshot_timing,
    "lock_wait": _taken,
    "freeze_timing": _taken,
    "freeze_args": _freeze_args,
    "freeze_result": _ok_from_errors,
    "thaw_result": _ok_from_errors,
    "freeze_failed_code": _freeze_failed,
    "status_report": _status_report,
    "blob_snapshot_uri": _snapshot_uri,
    "from_host": _error_message,
    "disk_result": _error_message,
    "bin_fifreeze_failed": _error_message,
    "bin_open_failed": _error_message,
    "bin_fithaw_failed": _error_message,
    "status_params_failed": _params_failed,
    "script_start": _script,
    "script_timeout": _script,
    "script_failed": _script,
    "script_retry": _script,
    "script_ok": _script,
    "plugin_finished": _script,
    "http_result": _http_result,
    "crash_consistent": _crash,
    "plugin_validate": _lower_code,
    "crp_times": _crp_times,
}

SAMPLES: list[MsgSample] = [
    *RUN_SAMPLES,
    *MISC_SAMPLES,
    MsgSample("empty", "", K.ROUTINE),
    MsgSample(
        "status_document",
        '[{"version": "1.0", "timestampUTC": "2024-01-14T22:16:45Z", "status": {"name": '
        '"Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "operation": "Enable", "status": "success", '
        '"substatus": [{"code": "0", "name": "[{\\"version\\": \\"1.0\\", \\"status\\": {\\"status\\": '
        '\\"success\\", \\"code\\": \\"4\\"}}]", "status": "success", "formattedMessage": null}], "code": "4", '
        '"taskId": "8b5f1c2e-4d3a-4b8e-9f10-2a6c7d8e9f01", "formattedMessage": {"lang": "en-US", "message": '
        '"{\\"messageStr\\": \\"Transitioning state in extension\\", \\"snapshotConsistency\\": 0}"}}}]',
        K.STATUS_WRITE,
        {"code": "4", "status": "success", "task_id": "8b5f1c2e-4d3a-4b8e-9f10-2a6c7d8e9f01"},
    ),
]
