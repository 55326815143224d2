"""systemd unit state lines of the system logs ("Started …", "<unit>: Main process exited …").

The state is parsed declaratively (:data:`UNIT_PATTERNS`), then mapped by *which* unit it is: the
agent unit, its firewall unit, an extension scope started by the agent through ``systemd-run``,
anything else (:func:`unit_role`, :func:`unit_kind`).  Part of :mod:`parsers.system_messages`.
"""

from __future__ import annotations

from typing import Any

import regex

from analyzer.model import EventKind
from parsers.patterns import Pattern, PatternSet

K = EventKind
VMSNAPSHOT_HANDLER = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
AGENT_UNITS = ("walinuxagent", "waagent")
AGENT_DESCRIPTION = "Azure Linux Agent"
AGENT_NET_UNIT = "waagent-network-setup"
AGENT_NET_DESCRIPTION = "Setup network rules for WALinuxAgent"


def to_int(value: str) -> int:
    return int(value)


def to_float(value: str) -> float:
    return float(value)


# --------------------------------------------------------------------------------------------
# 1. systemd unit state lines.  Kind ROUTINE is a placeholder: unit_kind() decides by unit role.
# --------------------------------------------------------------------------------------------
_U = K.ROUTINE
UNIT_PATTERNS = PatternSet(
    [
        Pattern("unit-started", _U, ("Started ",), r"^Started (?P<desc>.+?)\.?$", {"unit_state": "started"}),
        Pattern(
            "unit-starting", _U, ("Starting ",), r"^Starting (?P<desc>.+?)(?:\.\.\.|…)?$", {"unit_state": "starting"}
        ),
        Pattern("unit-stopped", _U, ("Stopped ",), r"^Stopped (?P<desc>.+?)\.?$", {"unit_state": "stopped"}),
        Pattern(
            "unit-stopping", _U, ("Stopping ",), r"^Stopping (?P<desc>.+?)(?:\.\.\.|…)?$", {"unit_state": "stopping"}
        ),
        Pattern(
            "unit-failed-start",
            _U,
            ("Failed to start ",),
            r"^Failed to start (?P<desc>.+?)\.?$",
            {"unit_state": "failed_start"},
        ),
        Pattern(
            "unit-main-exited",
            _U,
            ("Main process exited",),
            r"^(?P<unit>\S+): Main process exited, code=(?P<exit_how>\w+), status=(?P<status_num>\d+)"
            r"(?:/(?P<status_name>\w+))?",
            {"unit_state": "exited"},
        ),
        Pattern(
            "unit-failed-result",
            _U,
            ("Failed with result",),
            r"^(?P<unit>\S+): Failed with result '(?P<result>[^']+)'",
            {"unit_state": "failed"},
        ),
        Pattern(
            "unit-entered-failed",
            _U,
            ("entered failed state",),
            r"^(?:Unit (?P<unit>\S+) entered failed state|(?P<unit2>\S+): Unit entered failed state)",
            {"unit_state": "failed"},
        ),
        Pattern(
            "unit-old-failed", _U, (".service failed.",), r"^(?P<unit>\S+\.service) failed\.$", {"unit_state": "failed"}
        ),
        Pattern(
            "unit-restart",
            _U,
            ("Scheduled restart job", "holdoff time over"),
            r"^(?P<unit>\S+?):? (?:Scheduled restart job(?:, restart counter is at (?P<restart_count>\d+))?"
            r"|holdoff time over)",
            {"unit_state": "restart"},
            {"restart_count": to_int},
        ),
        Pattern(
            "unit-start-limit",
            _U,
            ("Start request repeated too quickly",),
            r"^(?P<unit>\S+?):? Start request repeated too quickly",
            {"unit_state": "start_limit"},
        ),
        Pattern(
            "unit-oom",
            _U,
            ("killed by the OOM killer",),
            r"^(?P<unit>\S+): A process of this unit has been killed by the OOM killer",
            {"unit_state": "oom"},
        ),
        Pattern(
            "unit-stop-timeout",
            _U,
            ("timed out. Killing", "timed out. Terminating"),
            r"^(?P<unit>\S+): State '(?P<state>[^']+)' timed out",
            {"unit_state": "stop_timeout"},
        ),
        Pattern(
            "unit-inactive",
            _U,
            ("Succeeded.", "Deactivated successfully."),
            r"^(?P<unit>\S+): (?:Succeeded|Deactivated successfully)\.",
            {"unit_state": "inactive"},
        ),
        Pattern("unit-consumed", _U, ("Consumed ",), r"^(?P<unit>\S+): Consumed ", {"unit_state": "consumed"}),
        Pattern(
            "unit-killing",
            _U,
            ("Killing process",),
            r"^(?P<unit>\S+): Killing process (?P<pid>\d+) \((?P<process>[^)]*)\) with signal (?P<signal>\w+)",
            {"unit_state": "killing"},
            {"pid": to_int},
        ),
    ]
)

# The agent runs each extension command through
# `systemd-run --unit=<cmd>_<uuid> --scope --slice=azure-vmextensions-<Handler>.slice <path>/<cmd>`
# (azurelinuxagent/ga/cgroupapi.py), so systemd announces the scope and its command line.
_EXT_SCOPE = regex.compile(r"^(?P<operation>install|enable|disable|uninstall|update)_[0-9a-f-]{36}\.scope\b")
_EXT_PATH = regex.compile(
    r"/var/lib/waagent/(?P<handler>[^/\s]+?)-(?P<version>\d+(?:\.\d+)+)/\S*(?:\s+-?(?P<op>install|enable|disable"
    r"|uninstall|update)\b)?"
)
EXT_SLICE = regex.compile(r"azure-vmextensions-(?P<handler>[^/\s]+?)(?:_(?P<version>\d+(?:\.\d+)+))?\.slice")
_UNIT_NAME = regex.compile(r"^[\w@:.\\-]+\.(?:service|scope|slice|target|mount|socket|timer|path|swap|device)$")
_EXT_KIND = {
    "install": K.EXT_INSTALL,
    "enable": K.EXT_ENABLE,
    "disable": K.EXT_DISABLE,
    "uninstall": K.EXT_UNINSTALL,
    "update": K.EXT_UPDATE,
}
_AGENT_STATE_KIND = {
    "started": K.AGENT_START,
    "stopped": K.AGENT_STOP,
    "stop_timeout": K.AGENT_STOP,
    "failed_start": K.AGENT_CRASH,
    "failed": K.AGENT_CRASH,
    "restart": K.AGENT_CRASH,
    "start_limit": K.AGENT_CRASH,
    "oom": K.OOM,
}
_FAILED_STATES = {"failed_start", "failed", "start_limit"}


def unit_role(name: str) -> str:
    """agent | agent_net | ext | other, from a unit name or a unit description."""
    base = name.split(" - ", 1)[0]
    stem = base.removesuffix(".service")
    if stem in AGENT_UNITS or name == AGENT_DESCRIPTION or name.endswith(" - " + AGENT_DESCRIPTION):
        return "agent"
    if stem == AGENT_NET_UNIT or AGENT_NET_DESCRIPTION in name:
        return "agent_net"
    if _EXT_SCOPE.match(base) or "azure-vmextensions-" in base or "/var/lib/waagent/" in name:
        return "ext"
    return "other"


def unit_kind(attrs: dict[str, Any], unit_hint: str | None) -> tuple[EventKind, str | None]:
    """Kind for a parsed unit state line, and the agent unit name when the line is about it."""
    name = attrs.pop("unit2", None) or attrs.get("unit") or attrs.get("desc") or ""
    if name and "unit" not in attrs:
        head = name.split(" - ", 1)[0]
        if _UNIT_NAME.match(head):
            attrs["unit"] = head
        else:
            attrs["unit_description"] = name
    role = unit_role(name)
    if role == "other" and unit_hint:  # journal UNIT= field: "Started Azure Linux Agent." carries only text
        role = unit_role(unit_hint)
        if role != "other":
            attrs["unit"] = unit_hint
    state = attrs["unit_state"]
    if state == "exited":
        how, num = attrs.pop("exit_how", ""), attrs.pop("status_num", "0")
        name_ = attrs.pop("status_name", None)
        if how == "exited":
            attrs["exit_code"] = int(num)
        else:
            attrs["signal"] = name_ or num
        ok = how == "exited" and num == "0"
        state = "exited_ok" if ok else "exited_error"
    attrs.pop("desc", None)
    if role == "agent":
        attrs["unit_role"] = "agent"
        unit = attrs.get("unit", "")
        agent_unit = unit.removesuffix(".service") if unit.removesuffix(".service") in AGENT_UNITS else None
        if state == "exited_ok":
            return K.AGENT_STOP, agent_unit
        if state == "exited_error":
            return K.AGENT_CRASH, agent_unit
        return _AGENT_STATE_KIND.get(state, K.ROUTINE), agent_unit
    if role == "agent_net":
        attrs["unit_role"] = "agent_net"
        return (K.FIREWALL if state in _FAILED_STATES or state == "exited_error" else K.ROUTINE), None
    if role == "ext":
        attrs["unit_role"] = "ext"
        m = _EXT_PATH.search(name)
        if m:
            attrs["handler"], attrs["version"] = m.group("handler"), m.group("version")
        s = _EXT_SCOPE.match(name)
        op = (s.group("operation") if s else None) or (m.group("op") if m else None)
        if op:
            attrs["operation"] = op
        if state == "oom":
            return K.OOM, None
        if state == "started" and op:
            return _EXT_KIND[op], None
        return K.ROUTINE, None
    if state == "oom":
        return K.OOM, None
    if state in _FAILED_STATES or state == "exited_error":
        attrs["event"] = "unit_failed"
        return K.OTHER, None
    return K.ROUTINE, None
