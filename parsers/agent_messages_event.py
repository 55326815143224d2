"""The ``Event: name=…, op=…, message=…[, duration=…]`` record: the agent's echo of a telemetry event.

Since 2.2.31 only failures are echoed (as ERROR); older agents also echoed successes (INFO),
including heartbeats and ``ProcessGoalState``.  The handler name and the operation decide the
kind, then the embedded message (classified like any other) may refine it.  Format string:
``_EVENT_MSG`` in ``azurelinuxagent/common/event.py`` (v2.2.14: without ``duration``); operation
names: ``WALAEventOperation`` there.
"""

from __future__ import annotations

import re
from typing import Any

from analyzer.model import EventKind
from parsers.agent_messages import (
    ERROR_TAG_RE,
    OPERATION_KIND,
    WEAK_KINDS,
    V,
    enrich_exec,
    head_of,
    match_message,
)

K = EventKind

_DURATION_TAIL_RE = re.compile(r", duration=(?P<duration>-?\d+)\s*$")
_AGENT_NAME_RE = re.compile(rf"^(?:WALinuxAgent|WALA)(?:-(?P<version>{V}))?$")


def post_event(message: str, attrs: dict[str, Any], level: str | None) -> EventKind | None:
    """``Event: name=…, op=…, message=…[, duration=…]``: name and op decide, then the message."""
    name, op = attrs.get("name", ""), attrs.get("op", "")
    body = message.split("message=", 1)[1] if "message=" in message else ""
    m = _DURATION_TAIL_RE.search(body)
    if m is not None:
        attrs["duration_ms"] = m.group("duration")
        body = body[: m.start()]
    inner = match_message(body, level, _nested=True) if body.strip() else None
    if inner is not None:
        for key, value in inner.attrs.items():
            attrs.setdefault(key, value)
    if level == "ERROR" or (level is None and ERROR_TAG_RE.search(body)):
        attrs["status"] = "error"
    elif level in ("INFO", "VERBOSE"):
        attrs["status"] = "success"
    enrich_exec(head_of(body), attrs)
    inner_kind = inner.kind if inner is not None and inner.pattern_id else None
    opl = op.lower()
    agent = _AGENT_NAME_RE.match(name)
    if agent is None:
        if "exit_code" in attrs or "timeout_s" in attrs:
            attrs.setdefault("operation", _OP_NAMES.get(opl, opl))
            return K.EXT_COMMAND_RESULT
        if inner_kind in (K.CONFIG, K.DISK_FULL):
            return inner_kind
        if opl in _EXT_OPS:
            attrs.setdefault("operation", _OP_NAMES.get(opl, opl))
            return OPERATION_KIND[_OP_NAMES.get(opl, opl)]
        return K.EXT_STATUS
    if agent.group("version") and opl == "heartbeat":
        attrs.setdefault("version", agent.group("version"))
        attrs.setdefault("role", "goal_state")
    if inner_kind is not None and inner_kind not in WEAK_KINDS:
        return inner_kind
    kind = _AGENT_OP_KIND.get(opl)
    if kind is K.GOAL_STATE_FETCH and attrs.get("status") == "error":
        return K.GOAL_STATE_ERROR
    return kind if kind is not None else inner_kind


_OP_NAMES = {"uninstall": "uninstall", "download": "download"}
_EXT_OPS = frozenset(("download", "install", "enable", "disable", "uninstall", "update"))
_AGENT_OP_KIND: dict[str, EventKind] = {
    "heartbeat": K.HEARTBEAT,
    "processgoalstate": K.GOAL_STATE_PROCESS,
    "goalstate": K.GOAL_STATE_PROCESS,
    "fetchgoalstate": K.GOAL_STATE_FETCH,
    "goalstatecertificates": K.GOAL_STATE_ERROR,
    "goalstateunsupportedfeatures": K.GOAL_STATE_ERROR,
    "vmsettings": K.GOAL_STATE_FETCH,
    "vmsettingssummary": K.ROUTINE,
    "reportstatus": K.STATUS_UPLOAD,
    "reportstatusextended": K.STATUS_UPLOAD,
    "statusprocessing": K.EXT_STATUS,
    "extensionprocessing": K.EXT_STATUS,
    "unhandlederror": K.AGENT_CRASH,
    "restart": K.AGENT_CRASH,
    "enable": K.AGENT_START,
    "agentupgrade": K.AGENT_UPDATE,
    "update": K.AGENT_UPDATE,
    "download": K.AGENT_UPDATE,
    "downgrade": K.AGENT_UPDATE,
    "skipupdate": K.AGENT_UPDATE,
    "install": K.AGENT_UPDATE,
    "cgroupsinfo": K.CGROUP,
    "cgroupscleanup": K.CGROUP,
    "cgroupsdisabled": K.CGROUP,
    "cgroupslimitsCrossed".lower(): K.CGROUP,
    "setcgroupslimits": K.CGROUP,
    "extensionresourcegovernance": K.CGROUP,
    "agentmemory": K.CGROUP,
    "firewall": K.FIREWALL,
    "persistfirewallrules": K.FIREWALL,
    "resetfirewall": K.FIREWALL,
    "provision": K.PROVISIONING,
    "provisionguestagent": K.PROVISIONING,
    "provisionafterextensions": K.PROVISIONING,
    "activateresourcedisk": K.PROVISIONING,
    "customdata": K.PROVISIONING,
    "deploy": K.PROVISIONING,
    "hostnamepublishing": K.PROVISIONING,
    "cloudinit": K.PROVISIONING,
    "hostplugin": K.WIRESERVER,
    "hostpluginheartbeat": K.WIRESERVER,
    "hostpluginheartbeatextended": K.WIRESERVER,
    "initializehostplugin": K.WIRESERVER,
    "defaultchannelchange": K.WIRESERVER,
    "artifactsprofileblob": K.WIRESERVER,
    "protocolendpoint": K.WIRESERVER,
    "httperrors": K.HTTP_ERROR,
    "httpget": K.HTTP_ERROR,
    "configurationchange": K.CONFIG,
    "agentdisabled": K.CONFIG,
    "agentenabled": K.CONFIG,
    "policy": K.CONFIG,
    "extensionpolicy": K.CONFIG,
    "noexec": K.CONFIG,
    "reporteventerrors": K.ROUTINE,
    "reporteventunicodeerrors": K.ROUTINE,
    "collecteventerrors": K.ROUTINE,
    "collecteventunicodeerrors": K.ROUTINE,
    "extensiontelemetryeventprocessing": K.ROUTINE,
    "logcollection": K.ROUTINE,
    "log": K.ROUTINE,
    "osinfo": K.ROUTINE,
    "openssl": K.ROUTINE,
    "imdsheartbeat": K.ROUTINE,
    "healthcheck": K.ROUTINE,
    "healthobservation": K.ROUTINE,
    "metric": K.ROUTINE,
    "remoteaccesshandling": K.ROUTINE,
    "signaturevalidation": K.ROUTINE,
    "unknown": K.ROUTINE,
}
