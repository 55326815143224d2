"""Message classification shared by the system-log formats (syslog, journal, dmesg, loose text).

The framing (timestamps, host, program) differs per format; what a message *means* does not, so
it is decided here once.  Three layers, cheapest first:

1. systemd unit state lines ("Started …", "<unit>: Main process exited …"): the state is parsed
   declaratively, then mapped by *which* unit it is (the agent unit, its firewall unit, an
   extension scope started by the agent through ``systemd-run``, anything else);
2. kernel and daemon messages (OOM, boot/shutdown, hung tasks, I/O errors, disk full, SELinux,
   fapolicyd, noexec, time jumps, DHCP) in one :class:`PatternSet`;
3. a default: messages with an error word that nothing understood are ``other`` and counted as
   unclassified; the rest of a system log is ``routine`` (counted, not stored, by the timeline).

Agent records copied behind a syslog/journal header (the agent's stdout appender) and the
VMSnapshot console format are recognised by :class:`SystemEmitter`, which also regroups the
continuation lines of a multi-line agent record (each physical line gets its own syslog header).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import regex

from analyzer.model import Clock, Event, EventKind
from parsers.base import ParseContext
from parsers.patterns import Pattern, PatternSet, Sample

K = EventKind
VMSNAPSHOT_HANDLER = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
AGENT_UNITS = ("walinuxagent", "waagent")
AGENT_DESCRIPTION = "Azure Linux Agent"
AGENT_NET_UNIT = "waagent-network-setup"
AGENT_NET_DESCRIPTION = "Setup network rules for WALinuxAgent"


def _int(value: str) -> int:
    return int(value)


def _float(value: str) -> float:
    return float(value)


# --------------------------------------------------------------------------------------------
# 1. systemd unit state lines.  Kind ROUTINE is a placeholder: _unit_kind() decides by unit role.
# --------------------------------------------------------------------------------------------
_U = K.ROUTINE
UNIT_PATTERNS = PatternSet(
    [
        Pattern("unit-started", _U, ("Started ",), r"^Started (?P<desc>.+?)\.?$", {"unit_state": "started"}),
        Pattern("unit-starting", _U, ("Starting ",), r"^Starting (?P<desc>.+?)(?:\.\.\.|…)?$",
                {"unit_state": "starting"}),
        Pattern("unit-stopped", _U, ("Stopped ",), r"^Stopped (?P<desc>.+?)\.?$", {"unit_state": "stopped"}),
        Pattern("unit-stopping", _U, ("Stopping ",), r"^Stopping (?P<desc>.+?)(?:\.\.\.|…)?$",
                {"unit_state": "stopping"}),
        Pattern("unit-failed-start", _U, ("Failed to start ",), r"^Failed to start (?P<desc>.+?)\.?$",
                {"unit_state": "failed_start"}),
        Pattern("unit-main-exited", _U, ("Main process exited",),
                r"^(?P<unit>\S+): Main process exited, code=(?P<exit_how>\w+), status=(?P<status_num>\d+)"
                r"(?:/(?P<status_name>\w+))?",
                {"unit_state": "exited"}),
        Pattern("unit-failed-result", _U, ("Failed with result",),
                r"^(?P<unit>\S+): Failed with result '(?P<result>[^']+)'", {"unit_state": "failed"}),
        Pattern("unit-entered-failed", _U, ("entered failed state",),
                r"^(?:Unit (?P<unit>\S+) entered failed state|(?P<unit2>\S+): Unit entered failed state)",
                {"unit_state": "failed"}),
        Pattern("unit-old-failed", _U, (".service failed.",), r"^(?P<unit>\S+\.service) failed\.$",
                {"unit_state": "failed"}),
        Pattern("unit-restart", _U, ("Scheduled restart job", "holdoff time over"),
                r"^(?P<unit>\S+?):? (?:Scheduled restart job(?:, restart counter is at (?P<restart_count>\d+))?"
                r"|holdoff time over)",
                {"unit_state": "restart"}, {"restart_count": _int}),
        Pattern("unit-start-limit", _U, ("Start request repeated too quickly",),
                r"^(?P<unit>\S+?):? Start request repeated too quickly", {"unit_state": "start_limit"}),
        Pattern("unit-oom", _U, ("killed by the OOM killer",),
                r"^(?P<unit>\S+): A process of this unit has been killed by the OOM killer",
                {"unit_state": "oom"}),
        Pattern("unit-stop-timeout", _U, ("timed out. Killing", "timed out. Terminating"),
                r"^(?P<unit>\S+): State '(?P<state>[^']+)' timed out", {"unit_state": "stop_timeout"}),
        Pattern("unit-inactive", _U, ("Succeeded.", "Deactivated successfully."),
                r"^(?P<unit>\S+): (?:Succeeded|Deactivated successfully)\.", {"unit_state": "inactive"}),
        Pattern("unit-consumed", _U, ("Consumed ",), r"^(?P<unit>\S+): Consumed ", {"unit_state": "consumed"}),
        Pattern("unit-killing", _U, ("Killing process",),
                r"^(?P<unit>\S+): Killing process (?P<pid>\d+) \((?P<process>[^)]*)\) with signal (?P<signal>\w+)",
                {"unit_state": "killing"}, {"pid": _int}),
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
_EXT_SLICE = regex.compile(r"azure-vmextensions-(?P<handler>[^/\s]+?)(?:_(?P<version>\d+(?:\.\d+)+))?\.slice")
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


def _unit_kind(attrs: dict[str, Any], unit_hint: str | None) -> tuple[EventKind, str | None]:
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


# --------------------------------------------------------------------------------------------
# 2. kernel and daemon messages.
# --------------------------------------------------------------------------------------------
_REBOOT_WORDS = ("reboot", "restart", "kexec")

SYSTEM_PATTERNS = PatternSet(
    [
        # ---- memory: the kernel OOM killer, systemd-oomd
        Pattern("oom-killed-process", K.OOM, ("Killed process", "Kill process"),
                r"(?:(?P<oom_scope>Memory cgroup out of memory|Out of memory)(?: \([^)]*\))?: )?"
                r"Kill(?:ed)? process (?P<pid>\d+) \((?P<process>[^)]*)\)",
                {"oom": "killed"},
                {"pid": _int, "oom_scope": lambda s: "memcg" if s.startswith("Memory") else "global"}),
        Pattern("oom-kill-summary", K.OOM, ("oom-kill:",), r"oom-kill:(?P<_kv>\S+)", {"oom": "summary"}),
        Pattern("oom-invoked", K.OOM, ("invoked oom-killer",), r"(?P<invoker>\S+) invoked oom-killer",
                {"oom": "invoked"}),
        Pattern("oom-reaper", K.OOM, ("oom_reaper:",), r"reaped process (?P<pid>\d+) \((?P<process>[^)]*)\)",
                {"oom": "reaped"}, {"pid": _int}),
        Pattern("oomd-killed", K.OOM, ("due to memory pressure",), r"Killed (?P<memcg>\S+) due to memory pressure",
                {"oom": "oomd"}),
        # ---- agent under upstart (Ubuntu 14.04): "walinuxagent main process (1234) terminated with status 1"
        Pattern("upstart-agent-exit", K.AGENT_CRASH, ("walinuxagent main process",),
                r"walinuxagent main process (?:\((?P<pid>\d+)\) )?(?:terminated with status (?P<exit_code>\d+)"
                r"|killed by (?P<signal>\w+) signal|ended, respawning)",
                {"unit": "walinuxagent", "unit_role": "agent"}, {"pid": _int, "exit_code": _int}),
        # ---- boot, shutdown, reboot (kind other: rules look for attrs event)
        Pattern("linux-version", K.OTHER, ("Linux version ",), r"^Linux version (?P<kernel>\S+)", {"event": "boot"}),
        Pattern("systemd-boot", K.OTHER, ("running in system mode",),
                r"^systemd (?P<systemd_version>\S+) running in system mode", {"event": "boot"}),
        Pattern("logind-reboot", K.OTHER, ("System is rebooting",), attrs={"event": "reboot"}),
        Pattern("logind-poweroff", K.OTHER, ("System is powering down", "System is halting"),
                attrs={"event": "shutdown"}),
        Pattern("power-key", K.OTHER, ("Power key pressed",), attrs={"event": "shutdown", "initiator": "power_key"}),
        # hv_utils: the host asked the guest to shut down (portal/API stop, host maintenance)
        Pattern("hv-shutdown", K.OTHER, ("Shutdown request received",),
                attrs={"event": "shutdown", "initiator": "host"}),
        Pattern("target-shutdown", K.OTHER, ("Reached target",),
                r"Reached target (?:[\w-]+\.target - )?(?:System )?"
                r"(?P<target>Shutdown|Reboot|Power[- ]Off|Halt|Kexec)\b",
                {"event": "shutdown"}),
        Pattern("systemd-shutting-down", K.OTHER, ("Shutting down.",), r"^Shutting down\.$", {"event": "shutdown"}),
        Pattern("systemd-shutdown", K.OTHER,
                ("Syncing filesystems and block devices", "Sending SIGTERM to remaining processes"),
                attrs={"event": "shutdown"}),
        Pattern("kernel-reboot", K.OTHER, ("reboot: Restarting system", "reboot: Power down", "reboot: System halted"),
                r"reboot: (?P<target>Restarting system|Power down|System halted)", {"event": "shutdown"}),
        # journalctl's boot separators ("-- Reboot --"; "-- Boot <id> --" in newer systemd)
        Pattern("journal-boot-marker", K.OTHER, ("-- Reboot --", "-- Boot "),
                r"^-- (?:Reboot|Boot (?P<boot_id>[0-9a-f]+)) --$", {"event": "reboot"}),
        Pattern("sysv-shutdown", K.OTHER, ("shutting down for system",),
                r"shutting down for system (?P<target>reboot|halt|power-off|poweroff)", {"event": "shutdown"}),
        Pattern("kernel-cmdline", K.ROUTINE, ("Command line: ",), r"^(?:Kernel )?[Cc]ommand line: "),
        # ---- stalls
        Pattern("hung-task", K.OTHER, ("blocked for more than",),
                r"task (?P<process>.+):(?P<pid>\d+) blocked for more than (?P<blocked_s>\d+) seconds",
                {"event": "hung_task"}, {"pid": _int, "blocked_s": _int}),
        Pattern("soft-lockup", K.OTHER, ("soft lockup",),
                r"soft lockup - CPU#(?P<cpu>\d+) stuck for (?P<stuck_s>\d+)s!(?: \[(?P<process>.+):(?P<pid>\d+)\])?",
                {"event": "soft_lockup"}, {"pid": _int, "stuck_s": _int, "cpu": _int}),
        Pattern("rcu-stall", K.OTHER, ("detected stalls", "self-detected stall"), attrs={"event": "rcu_stall"}),
        Pattern("kernel-panic", K.OTHER, ("Kernel panic", "kernel BUG at"), attrs={"event": "panic"}),
        # ---- storage
        Pattern("io-error-dev", K.OTHER, ("I/O error, dev",),
                r"I/O error, dev (?P<device>[^,\s]+)(?:, sector (?P<sector>\d+))?", {"event": "io_error"},
                {"sector": _int}),
        Pattern("buffer-io-error", K.OTHER, ("Buffer I/O error",),
                r"Buffer I/O error on dev(?:ice)? (?P<device>[^,\s]+)", {"event": "io_error"}),
        Pattern("ext4-error", K.OTHER, ("EXT4-fs error",), r"EXT4-fs error \(device (?P<device>[^)]+)\)",
                {"event": "fs_error", "fs": "ext4"}),
        Pattern("fs-readonly", K.OTHER, ("Remounting filesystem read-only",),
                r"(?P<fs>EXT[234])-fs \((?P<device>[^)]+)\): Remounting filesystem read-only",
                {"event": "fs_readonly"}),
        Pattern("journal-abort", K.OTHER, ("Aborting journal on device",),
                r"Aborting journal on device (?P<device>\S+?)\.?$", {"event": "fs_error"}),
        Pattern("xfs-error", K.OTHER, ("XFS (",),
                r"XFS \((?P<device>[^)]+)\): (?=.*(?:I/O error|Corruption|shut down|[Ff]ilesystem has been shut))",
                {"event": "fs_error", "fs": "xfs"}),
        Pattern("scsi-failed", K.OTHER, ("FAILED Result:",), r"\[(?P<device>sd\w+)\].*FAILED Result: (?P<result>.*)",
                {"event": "io_error"}),
        Pattern("no-space", K.DISK_FULL, ("No space left on device",), attrs={"errno": 28}),
        Pattern("errno-28", K.DISK_FULL, ("Errno 28",), attrs={"errno": 28}),
        # ---- access control: SELinux, fapolicyd, noexec
        Pattern("avc-denied", K.OTHER, ("avc:  denied", "avc: denied"),
                r"avc:\s+denied\s+\{ (?P<perm>[^}]*?) \}", {"event": "selinux_denial"}),
        Pattern("setroubleshoot", K.OTHER, ("SELinux is preventing",),
                r"SELinux is preventing (?P<exe>\S+) from (?:using the )?(?P<perm>[\w ,]+?) access on the "
                r"(?P<tclass>\w+) (?P<file>\S+?)\.?(?:\s|$)",
                {"event": "selinux_denial"}),
        Pattern("fapolicyd-deny", K.OTHER, ("dec=deny",),
                r"rule[=:](?P<rule>\d+) dec=(?P<decision>deny\w*) perm=(?P<perm>\w+)", {"event": "fapolicyd_denial"},
                {"rule": _int}),
        Pattern("noexec-mount", K.OTHER, ("noexec",),
                r"^(?P<device>\S+) on (?P<mount>/\S*) type (?P<fstype>\S+) \((?P<options>[^)]*\bnoexec\b[^)]*)\)",
                {"event": "noexec_mount"}),
        Pattern("fstab-noexec", K.OTHER, ("noexec",),
                r"^\s*(?P<device>[^#\s]\S*)\s+(?P<mount>/\S*)\s+(?P<fstype>\w+)\s+(?P<options>\S*\bnoexec\b\S*)",
                {"event": "noexec_mount"}),
        Pattern("permission-denied-waagent", K.OTHER, ("Permission denied",),
                r"(?P<file>/var/lib/waagent/[^\s:]+):?\s.*?Permission denied|Permission denied.*?(?P<file2>/var/lib/"
                r"waagent/[^\s:'\"]+)",
                {"event": "permission_denied", "errno": 13}),
        # ---- time
        Pattern("chrony-wrong", K.OTHER, ("System clock wrong by",),
                r"System clock wrong by (?P<offset_s>-?[\d.]+) seconds", {"event": "time_jump"}, {"offset_s": _float}),
        Pattern("chrony-stepped", K.OTHER, ("System clock was stepped by",),
                r"stepped by (?P<offset_s>-?[\d.]+) seconds", {"event": "time_jump"}, {"offset_s": _float}),
        Pattern("time-changed", K.OTHER, ("Time has been changed",), attrs={"event": "time_jump"}),
        Pattern("time-jumped", K.OTHER, ("Time jumped backwards",), attrs={"event": "time_jump",
                                                                          "direction": "backwards"}),
        Pattern("ntp-step", K.OTHER, ("step time server",),
                r"step time server (?P<server>\S+) offset (?P<offset_s>[-+]?[\d.]+) sec", {"event": "time_jump"},
                {"offset_s": _float}),
        Pattern("ntp-clock-step", K.OTHER, ("clock_step", "clock step"),
                r"clock[_ ]step(?:\s+(?P<offset_s>[-+]?\d+\.\d+) s)?", {"event": "time_jump"}, {"offset_s": _float}),
        # ---- DHCP clients (dhclient, NetworkManager, systemd-networkd, wicked)
        Pattern("dhclient-request", K.DHCP, ("DHCPREQUEST",),
                r"DHCPREQUEST (?:(?:for|of) (?P<ip>[\d.]+) )?on (?P<interface>\S+) to (?P<server>[\d.]+)",
                {"dhcp_event": "request"}),
        Pattern("dhclient-ack", K.DHCP, ("DHCPACK",), r"DHCPACK (?:of (?P<ip>[\d.]+) )?from (?P<server>[\d.]+)",
                {"dhcp_event": "ack"}),
        Pattern("dhclient-discover", K.DHCP, ("DHCPDISCOVER",), r"DHCPDISCOVER on (?P<interface>\S+)",
                {"dhcp_event": "discover"}),
        Pattern("dhclient-offer", K.DHCP, ("DHCPOFFER ",), r"DHCPOFFER (?:of (?P<ip>[\d.]+) )?from (?P<server>[\d.]+)",
                {"dhcp_event": "offer"}),
        Pattern("dhclient-nak", K.DHCP, ("DHCPNAK",), attrs={"dhcp_event": "nak"}),
        Pattern("dhclient-bound", K.DHCP, ("bound to ",),
                r"bound to (?P<ip>[\d.]+) -- renewal in (?P<renew_s>\d+) seconds", {"dhcp_event": "bound"},
                {"renew_s": _int}),
        Pattern("dhclient-no-offers", K.DHCP, ("No DHCPOFFERS received",), attrs={"dhcp_event": "no_offer"}),
        Pattern("nm-dhcp", K.DHCP, ("dhcp4 (",),
                r"dhcp4 \((?P<interface>[^)]+)\):\s+(?:option (?P<option>\S+)\s+=> '(?P<value>[^']*)'"
                r"|state changed (?P<state>.*))?",
                {"dhcp_event": "nm"}),
        Pattern("networkd-dhcp", K.DHCP, ("DHCPv4 address",),
                r"(?P<interface>\S+): DHCPv4 address (?P<ip>[\d.]+)(?:/\d+)?(?:, gateway (?P<gateway>[\d.]+))?"
                r"(?: via (?P<via>[\d.]+))?(?: acquired from (?P<server>[\d.]+))?",
                {"dhcp_event": "bound"}),
        Pattern("networkd-lease-lost", K.DHCP, ("DHCP lease lost",), attrs={"dhcp_event": "lost"}),
        Pattern("wicked-dhcp", K.DHCP, ("DHCPv4 lease",),
                r"(?P<interface>\S+): (?P<what>Committed|Request to acquire|Dropped|Released) DHCPv4 lease"
                r"(?: with address (?P<ip>[\d.]+))?",
                {"dhcp_event": "lease"}),
    ]
)

_KV = regex.compile(r"(\w+)=(\"[^\"]*\"|\S+)")
_FIRST_PATH = regex.compile(r"(?:^|[\s'\"(\[=])(/[\w.@+-]+(?:/[\w.@+-]+)*/?)")
_WAAGENT_HINTS = ("/var/lib/waagent", "waagent", "vmsnapshot", "safefreeze", "handle.sh", "handle.py")


def _kv(text: str) -> dict[str, str]:
    return {k: v.strip('"') for k, v in _KV.findall(text)}


def _memcg_handler(attrs: dict[str, Any]) -> None:
    """An OOM victim inside an extension's slice names the extension (handler, version)."""
    memcg = attrs.get("memcg") or ""
    m = _EXT_SLICE.search(memcg)
    if m:
        attrs["handler"] = m.group("handler")
        if m.group("version"):
            attrs["version"] = m.group("version")


def _post(pattern_id: str, message: str, attrs: dict[str, Any]) -> None:
    """Attr fix-ups a single regex cannot express (key=value lists, derived flags)."""
    if pattern_id == "oom-kill-summary":
        kv = dict(item.split("=", 1) for item in attrs.pop("_kv").split(",") if "=" in item)
        for src, dst in (("constraint", "constraint"), ("task_memcg", "memcg"), ("oom_memcg", "oom_memcg"),
                         ("task", "process")):
            if kv.get(src):
                attrs[dst] = kv[src]
        if kv.get("pid", "").isdigit():
            attrs["pid"] = int(kv["pid"])
    elif pattern_id in ("target-shutdown", "kernel-reboot", "sysv-shutdown"):
        target = attrs.pop("target", "").lower()
        attrs["event"] = "reboot" if any(w in target for w in _REBOOT_WORDS) else "shutdown"
    elif pattern_id == "avc-denied":
        kv = _kv(message)
        for key in ("comm", "scontext", "tcontext", "tclass"):
            if key in kv:
                attrs["process" if key == "comm" else key] = kv[key]
        if "path" in kv or "name" in kv:
            attrs["file"] = kv.get("path") or kv["name"]
        if kv.get("pid", "").isdigit():
            attrs["pid"] = int(kv["pid"])
        if kv.get("permissive") in ("0", "1"):
            attrs["permissive"] = kv["permissive"] == "1"
    elif pattern_id == "fapolicyd-deny":
        subject, _, obj = message.partition(" : ")
        kv, okv = _kv(subject), _kv(obj)
        if kv.get("pid", "").isdigit():
            attrs["pid"] = int(kv["pid"])
        if "exe" in kv:
            attrs["exe"] = kv["exe"]
        if "path" in okv or "file" in okv:
            attrs["file"] = okv.get("path") or okv["file"]
    elif pattern_id == "no-space":
        m = _FIRST_PATH.search(message)  # not a URL's path: a path starts after a blank, quote or bracket
        if m:
            attrs["file"] = m.group(1)
    elif pattern_id in ("noexec-mount", "fstab-noexec"):
        mount = attrs.get("mount", "")
        attrs["covers_waagent"] = mount in ("/", "/var", "/var/lib", "/var/lib/waagent")
    elif pattern_id == "permission-denied-waagent":
        if "file2" in attrs:
            attrs["file"] = attrs.pop("file2")
    elif pattern_id == "nm-dhcp":
        if attrs.get("state"):
            attrs["dhcp_event"] = "state"
        elif attrs.get("option"):
            attrs["dhcp_event"] = "option"
    elif pattern_id == "networkd-dhcp" and "via" in attrs:
        attrs["gateway"] = attrs.pop("via")
    if attrs.get("memcg"):
        _memcg_handler(attrs)
    if attrs.get("event") in ("selinux_denial", "fapolicyd_denial", "permission_denied"):
        low = message.lower()
        attrs["waagent"] = any(h in low for h in _WAAGENT_HINTS)


# --------------------------------------------------------------------------------------------
# 3. defaults by program, and the error-word test for the rest.
# --------------------------------------------------------------------------------------------
_PROGRAM_DEFAULTS: dict[str, tuple[EventKind, dict[str, Any]]] = {
    "fapolicyd": (K.OTHER, {"event": "fapolicyd"}),
    "dhclient": (K.DHCP, {"dhcp_event": "client"}),
    "dhcpcd": (K.DHCP, {"dhcp_event": "client"}),
}
_ERROR_WORDS = regex.compile(
    r"(?i)\b(?:errors?\b(?!=)|fail|failed|failure|denied|timed out|timeout|panic(?!=)|segfault|oops|fatal|critical"
    r"|unable|cannot|can't|refused|unreachable|corrupt\w*|abort\w*)\b"
)
_ANSI = r"(?:\x1b\[[\d;]*m)?"
_CONSOLE_STATUS = regex.compile(
    rf"^\[{_ANSI}\s*(?:OK|FAILED|DEPEND|TIME|\*+)\s*{_ANSI}\] |^\s+(?=Start|Stop|Reach|Fail)"
)


@dataclass(slots=True)
class Classified:
    kind: EventKind
    attrs: dict[str, Any]
    pattern_id: str | None  # None: the default (routine / unclassified other)
    unclassified: bool = False
    agent_unit: str | None = None  # "walinuxagent" / "waagent" when the line names the agent unit


def _systemd_like(program: str) -> bool:
    return not program or program.startswith("systemd") or program == "init"


_UNIT_VERBS = ("Started ", "Starting ", "Stopped ", "Stopping ", "Failed to start ", "Unit ")
_UNIT_SUFFIXES = (".service", ".scope", ".slice", ".mount", ".socket", ".timer", ".target", ".path", ".swap")


def _unit_gate(text: str) -> bool:
    """Cheap test before the unit patterns: a systemd verb first, or "<unit>:" / "<unit> failed."."""
    if text.startswith(_UNIT_VERBS):
        return True
    head = text.split(" ", 1)[0].rstrip(":")
    return head.endswith(_UNIT_SUFFIXES) or head == "walinuxagent"


def _gate(literals: list[str]) -> re.Pattern[str]:
    # One stdlib-re scan over all pattern literals before the PatternSet: most system-log lines hit
    # nothing, and a plain literal alternation is several times faster in `re` than in `regex`.
    return re.compile("|".join(re.escape(lit) for lit in sorted(set(literals), key=len, reverse=True)))


_SYSTEM_GATE = _gate([lit for p in SYSTEM_PATTERNS.patterns for lit in p.literals])
# Substrings of the error words: a cheap first test before the word-boundary regex.
_ERROR_STEMS = ("error", "fail", "denied", "time", "panic", "segfault", "oops", "fatal", "critical", "unable",
                "cannot", "can't", "refused", "unreachable", "corrupt", "abort")


def _has_error_word(message: str) -> bool:
    low = message.lower()
    return any(stem in low for stem in _ERROR_STEMS) and _ERROR_WORDS.search(message) is not None


def classify_message(message: str, program: str = "", unit: str | None = None,
                     level: str | None = None) -> Classified:
    """Meaning of one system-log message (no agent header: see :func:`split_embedded`)."""
    systemd_like = _systemd_like(program)
    if systemd_like:
        text = message
        if text.startswith(("[", " ")):
            # serial console: "[  OK  ] Started Azure Linux Agent." / "         Stopping …"
            m = _CONSOLE_STATUS.match(text)
            if m:
                text = text[m.end():]
        if _unit_gate(text):
            um = UNIT_PATTERNS.match(text)
            if um is not None:
                attrs = um.attrs
                kind, agent_unit = _unit_kind(attrs, unit)
                return Classified(kind, attrs, um.pattern.id, agent_unit=agent_unit)
    if _SYSTEM_GATE.search(message) is not None:
        m = SYSTEM_PATTERNS.match(message)
        if m is not None:
            attrs = m.attrs
            _post(m.pattern.id, message, attrs)
            return Classified(m.pattern.kind, attrs, m.pattern.id)
    default = _PROGRAM_DEFAULTS.get(program)
    if default is not None:
        return Classified(default[0], dict(default[1]), f"program:{program}")
    if level == "ERROR" or _has_error_word(message):
        return Classified(K.OTHER, {}, None, unclassified=True)
    return Classified(K.ROUTINE, {}, None)


# --------------------------------------------------------------------------------------------
# Embedded records: agent records behind a syslog header, VMSnapshot console lines.
# --------------------------------------------------------------------------------------------
_CONSOLE = regex.compile(
    r"^(?P<ts>\d{4}[/-]\d\d[/-]\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})?)  (?P<level>Info|Warning|Error)  (?P<msg>.*?) ?$"
)
_CONSOLE_LEVEL = {"Info": "INFO", "Warning": "WARNING", "Error": "ERROR"}


@dataclass(slots=True)
class Embedded:
    kind: str  # "agent" | "vmsnapshot"
    wall: datetime | None
    clock: Clock
    time_raw: str
    level: str | None
    component: str | None
    handler: str | None
    handler_version: str | None
    message: str  # the embedded record's own message (after its header)


def split_embedded(text: str) -> Embedded | None:
    """An agent header or a VMSnapshot console header at the start of ``text``, else None."""
    if len(text) < 20 or not text[:4].isdigit() or text[4] not in "-/":
        return None
    from parsers import agent_record  # lazy: written alongside this module

    h = agent_record.split_header(text)
    if h is not None:
        return Embedded("agent", h.wall, h.clock, h.time_raw, h.level, h.component, h.handler,
                        h.handler_version, h.message)
    m = _CONSOLE.match(text)
    if m is None:
        return None
    raw = m.group("ts")
    try:
        wall = datetime.fromisoformat(raw.replace("/", "-"))
    except ValueError:
        wall = None
    return Embedded("vmsnapshot", wall, console_clock(wall), raw, _CONSOLE_LEVEL[m.group("level")], None,
                    VMSNAPSHOT_HANDLER, None, m.group("msg"))


def classify_embedded(emb: Embedded, message: str) -> tuple[EventKind, dict[str, Any]]:
    """Kind and attrs of an embedded record through the agent / VMSnapshot classifiers."""
    if emb.kind == "agent":
        from parsers import agent_messages

        kind, attrs = agent_messages.classify(message, emb.level)
    else:
        from parsers import vmsnapshot_messages

        kind, attrs = vmsnapshot_messages.classify(message)
    return kind, dict(attrs or {})


def console_clock(wall: datetime | None) -> Clock:
    """Console stamps are utcnow() since the extension's 2021-09-02 change, local time before it."""
    try:
        from parsers.vmsnapshot_codes import era_clock
    except ImportError:  # pragma: no cover - the VMSnapshot tables ship with this package
        return Clock.UNKNOWN
    return era_clock(wall)


# --------------------------------------------------------------------------------------------
# The emitter: framed records in, events out (shared by syslog, journal, dmesg).
# --------------------------------------------------------------------------------------------
@dataclass(slots=True)
class SysRecord:
    """One framed system-log record, before classification."""

    line: int
    message: str
    wall: datetime | None = None
    clock: Clock = Clock.UNKNOWN
    time_raw: str = ""
    program: str = ""
    pid: int | None = None
    level: str | None = None
    unit: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    text: str = ""  # the whole record as written (e.g. the syslog line); defaults to ``message``


@dataclass(slots=True)
class _Pending:
    rec: SysRecord
    emb: Embedded
    lines: list[str]  # the agent record's message lines
    texts: list[str]  # the same lines as they appear in this source (the agent part of each)


_MAX_CONTINUATION = 400
# Without a program[pid] to go by (a serial console), only lines that look like the inside of a
# record continue it: indented lines, tracebacks, extension output blocks, exception lines.
_UNFRAMED_CONTINUATION = regex.compile(
    r"^(?:\s|Traceback \(|\[std(?:out|err)\]|Inner error:|[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt)\b)"
)
_CONTINUATION_GAP = timedelta(seconds=5)
_MAX_PAIRS = 16


class SystemEmitter:
    """Turns framed records into events; regroups multi-line agent records; records facts.

    A multi-line agent record reaches syslog as one line per physical line, each behind the same
    ``program[pid]`` header: lines of the same program and pid without an agent header, within a
    few seconds, are continuation lines of the pending record.
    """

    def __init__(self, ctx: ParseContext) -> None:
        self.ctx = ctx
        self._pending: _Pending | None = None
        self._seen_facts: set[tuple[str, Any]] = set()
        self._pairs = 0
        self._last_pair: str | None = None

    # -- facts
    def fact_once(self, key: str, value: Any, line: int | None, time_raw: str = "", **attrs: Any) -> None:
        if (key, value) in self._seen_facts:
            return
        self._seen_facts.add((key, value))
        self.ctx.fact(key, value, line=line, time_raw=time_raw, **attrs)

    def _clock_pair(self, rec: SysRecord, emb: Embedded) -> None:
        """One moment written in local time and in UTC (a local syslog stamp around the agent's UTC
        stamp, or a UTC journal stamp around a legacy agent's local stamp): the VM's offset."""
        if rec.wall is None or emb.wall is None:
            return
        if rec.clock is Clock.LOCAL and emb.clock is Clock.UTC:
            local, utc = rec.wall, emb.wall
        elif rec.clock is Clock.UTC and emb.clock is Clock.LOCAL:
            local, utc = emb.wall, rec.wall
        else:
            return
        minutes = round((local - utc).total_seconds() / 900) * 15
        if abs(minutes) > 14 * 60:
            return
        sign = "-" if minutes < 0 else "+"
        offset = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        if offset == self._last_pair or self._pairs >= _MAX_PAIRS:
            return
        self._last_pair = offset
        self._pairs += 1
        self.ctx.fact("clock.pair", offset, line=rec.line, time_raw=rec.time_raw,
                      utc=utc.isoformat(), local=local.isoformat())

    # -- records
    def feed(self, rec: SysRecord) -> list[Event]:
        """Events completed by this record (none while a multi-line agent record is still open)."""
        out: list[Event] = []
        emb = split_embedded(rec.message)
        p = self._pending
        if p is not None:
            if (
                emb is None
                and rec.program == p.rec.program
                and rec.pid == p.rec.pid
                and (rec.program or _UNFRAMED_CONTINUATION.match(rec.message))
                and len(p.lines) < _MAX_CONTINUATION
                and (rec.wall is None or p.rec.wall is None or abs(rec.wall - p.rec.wall) <= _CONTINUATION_GAP)
            ):
                p.lines.append(rec.message)
                p.texts.append(rec.message)
                return out
            self._pending = None
            out.append(self._agent_event(p))
        if emb is None:
            out.append(self.plain_event(rec))
            return out
        self._clock_pair(rec, emb)
        if rec.unit and unit_role(rec.unit) == "agent":
            self.fact_once("agent.service", rec.unit.removesuffix(".service"), rec.line)
        if emb.kind == "agent":
            self._pending = _Pending(rec, emb, [emb.message], [rec.message])
        else:
            out.append(self._embedded_event(rec, emb, emb.message, rec.message))
        return out

    def finish(self) -> list[Event]:
        """The record still open at the end of the source."""
        if self._pending is None:
            return []
        p, self._pending = self._pending, None
        return [self._agent_event(p)]

    def _agent_event(self, p: _Pending) -> Event:
        # The event's message is the agent record as the agent wrote it (header, message and its
        # continuation lines): the same text as in waagent.log, so the timeline can de-duplicate.
        return self._embedded_event(p.rec, p.emb, "\n".join(p.lines), "\n".join(p.texts))

    def _embedded_event(self, rec: SysRecord, emb: Embedded, inner: str, full: str) -> Event:
        try:
            kind, attrs = classify_embedded(emb, inner)
        except Exception as exc:  # a classifier bug must not stop the source  # noqa: BLE001
            self.ctx.warn(f"embedded {emb.kind} record not classified: {type(exc).__name__}: {exc}", rec.line)
            kind, attrs = K.OTHER, {}
        self.ctx.records += 1
        if kind is K.OTHER and not attrs:
            self.ctx.unclassified += 1
        wall, clock, time_raw = emb.wall, emb.clock, emb.time_raw
        if wall is None:  # an impossible embedded stamp: fall back to the framing's time
            wall, clock, time_raw = rec.wall, rec.clock, rec.time_raw
            attrs.update(rec.attrs)
        else:  # the framing's own time facts (year_inferred, uptime) do not describe this time
            attrs.update((k, v) for k, v in rec.attrs.items() if k not in ("year_inferred", "uptime_s"))
        attrs["embedded"] = emb.kind
        if rec.time_raw:
            attrs["syslog_time"] = rec.time_raw
        if rec.program:
            attrs["program"] = rec.program
        return Event(line=rec.line, kind=kind, message=full, wall=wall, clock=clock, time_raw=time_raw,
                     level=emb.level, component=emb.component, handler=emb.handler,
                     handler_version=emb.handler_version, attrs=attrs)

    def plain_event(self, rec: SysRecord) -> Event:
        c = classify_message(rec.message, rec.program, rec.unit, rec.level)
        self.ctx.records += 1
        if c.unclassified:
            self.ctx.unclassified += 1
        attrs = c.attrs
        if c.agent_unit:
            self.fact_once("agent.service", c.agent_unit, rec.line)
        if c.pattern_id == "linux-version":
            self.fact_once("os.kernel", attrs["kernel"], rec.line)
        elif c.pattern_id == "nm-dhcp" and attrs.get("option") in ("private_245", "unknown_245"):
            self.fact_once("dhcp.option_245", attrs.get("value"), rec.line)
        handler = attrs.pop("handler", None)
        version = attrs.pop("version", None) if handler else None
        attrs.update(rec.attrs)
        if rec.program:
            attrs["program"] = rec.program
            if rec.pid is not None:
                attrs["program_pid"] = rec.pid
        if rec.unit:
            attrs.setdefault("unit", rec.unit)
        return Event(line=rec.line, kind=c.kind, message=rec.text or rec.message, wall=rec.wall, clock=rec.clock,
                     time_raw=rec.time_raw, level=rec.level, handler=handler, handler_version=version, attrs=attrs)


# --------------------------------------------------------------------------------------------
# Sample messages (framing-free) that every system-log parser's samples are built from.
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MessageSample:
    program: str
    message: str
    kind: EventKind
    attrs: dict[str, Any] = field(default_factory=dict)
    handler: str | None = None


MESSAGE_SAMPLES: tuple[MessageSample, ...] = (
    MessageSample("systemd", "Started walinuxagent.service - Azure Linux Agent.", K.AGENT_START,
                  {"unit": "walinuxagent.service", "unit_state": "started"}),
    MessageSample("systemd", "Starting Azure Linux Agent...", K.ROUTINE, {"unit_state": "starting"}),
    MessageSample("systemd", "Stopped Azure Linux Agent.", K.AGENT_STOP, {"unit_state": "stopped"}),
    MessageSample("systemd", "Stopping waagent.service - Azure Linux Agent...", K.ROUTINE,
                  {"unit": "waagent.service", "unit_state": "stopping"}),
    MessageSample("systemd", "Failed to start Azure Linux Agent.", K.AGENT_CRASH, {"unit_state": "failed_start"}),
    MessageSample("systemd", "walinuxagent.service: Main process exited, code=exited, status=1/FAILURE",
                  K.AGENT_CRASH, {"exit_code": 1, "unit": "walinuxagent.service"}),
    MessageSample("systemd", "walinuxagent.service: Failed with result 'exit-code'.", K.AGENT_CRASH,
                  {"result": "exit-code"}),
    MessageSample("systemd", "Unit waagent.service entered failed state.", K.AGENT_CRASH,
                  {"unit": "waagent.service", "unit_state": "failed"}),
    MessageSample("systemd", "waagent.service failed.", K.AGENT_CRASH, {"unit_state": "failed"}),
    MessageSample("systemd", "walinuxagent.service: Scheduled restart job, restart counter is at 3.",
                  K.AGENT_CRASH, {"restart_count": 3, "unit_state": "restart"}),
    MessageSample("systemd", "waagent.service: Start request repeated too quickly.", K.AGENT_CRASH,
                  {"unit_state": "start_limit"}),
    MessageSample("systemd", "walinuxagent.service: A process of this unit has been killed by the OOM killer.",
                  K.OOM, {"unit": "walinuxagent.service", "unit_role": "agent"}),
    MessageSample("systemd", "walinuxagent.service: State 'stop-sigterm' timed out. Killing.", K.AGENT_STOP,
                  {"state": "stop-sigterm"}),
    MessageSample("systemd", "walinuxagent.service: Deactivated successfully.", K.ROUTINE,
                  {"unit_state": "inactive"}),
    MessageSample("systemd", "walinuxagent.service: Consumed 1min 12.345s CPU time.", K.ROUTINE,
                  {"unit_state": "consumed"}),
    MessageSample("systemd", "walinuxagent.service: Killing process 1187 (python3) with signal SIGKILL.", K.ROUTINE,
                  {"pid": 1187, "unit_state": "killing"}),
    MessageSample("systemd", "waagent-network-setup.service: Main process exited, code=exited, status=1/FAILURE",
                  K.FIREWALL, {"unit_role": "agent_net", "exit_code": 1}),
    MessageSample("systemd", "Started /var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/"
                  "main/handle.sh enable.", K.EXT_ENABLE,
                  {"operation": "enable"}, VMSNAPSHOT_HANDLER),
    MessageSample("systemd", "Started enable_7c5cab19-eb79-4661-95d9-9e5091bd5ae0.scope - /var/lib/waagent/"
                  "Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/main/handle.sh enable.",
                  K.EXT_ENABLE, {"operation": "enable"}),
    MessageSample("systemd", "chrony.service: Main process exited, code=killed, status=9/KILL", K.OTHER,
                  {"event": "unit_failed", "signal": "KILL"}),
    MessageSample("systemd", "Started Session 12 of User azureuser.", K.ROUTINE, {"unit_state": "started"}),
    MessageSample("kernel", "Out of memory: Killed process 23456 (python3) total-vm:812344kB, anon-rss:402332kB, "
                  "file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:1204kB oom_score_adj:0", K.OOM,
                  {"pid": 23456, "process": "python3", "oom": "killed", "oom_scope": "global"}),
    MessageSample("kernel", "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,"
                  "task_memcg=/azure.slice/azure-vmextensions.slice/azure-vmextensions-Microsoft.Azure."
                  "RecoveryServices.VMSnapshotLinux.slice,task=python3,pid=23456,uid=0", K.OOM,
                  {"pid": 23456, "process": "python3", "oom": "summary"}, VMSNAPSHOT_HANDLER),
    MessageSample("kernel", "python3 invoked oom-killer: gfp_mask=0x100cca(GFP_HIGHUSER_MOVABLE), order=0, "
                  "oom_score_adj=0", K.OOM, {"invoker": "python3", "oom": "invoked"}),
    MessageSample("kernel", "oom_reaper: reaped process 23456 (python3), now anon-rss:0kB, file-rss:0kB, "
                  "shmem-rss:0kB", K.OOM, {"pid": 23456, "oom": "reaped"}),
    MessageSample("systemd-oomd", "Killed /system.slice/walinuxagent.service due to memory pressure for "
                  "/system.slice being 91.23% > 80.00% for > 20s with reclaim activity", K.OOM,
                  {"memcg": "/system.slice/walinuxagent.service"}),
    MessageSample("init", "walinuxagent main process (1187) terminated with status 1", K.AGENT_CRASH,
                  {"exit_code": 1}),
    MessageSample("kernel", "Linux version 5.15.0-1064-azure (buildd@lcy02-amd64-021) (gcc (Ubuntu 11.4.0-1ubuntu1~"
                  "22.04) 11.4.0, GNU ld (GNU Binutils for Ubuntu) 2.38) #73-Ubuntu SMP Tue Apr 30 14:24:23 UTC 2024",
                  K.OTHER, {"event": "boot", "kernel": "5.15.0-1064-azure"}),
    MessageSample("systemd", "systemd 249.11-0ubuntu3.12 running in system mode (+PAM +AUDIT +SELINUX +APPARMOR)",
                  K.OTHER, {"event": "boot"}),
    MessageSample("systemd-logind", "System is rebooting.", K.OTHER, {"event": "reboot"}),
    MessageSample("systemd-logind", "System is powering down.", K.OTHER, {"event": "shutdown"}),
    MessageSample("systemd-logind", "Power key pressed short.", K.OTHER, {"event": "shutdown"}),
    MessageSample("kernel", "hv_utils: Shutdown request received - graceful shutdown initiated", K.OTHER,
                  {"event": "shutdown", "initiator": "host"}),
    MessageSample("systemd", "Reached target reboot.target - System Reboot.", K.OTHER, {"event": "reboot"}),
    MessageSample("systemd", "Reached target Shutdown.", K.OTHER, {"event": "shutdown"}),
    MessageSample("systemd", "Shutting down.", K.OTHER, {"event": "shutdown"}),
    MessageSample("systemd-shutdown", "Syncing filesystems and block devices.", K.OTHER, {"event": "shutdown"}),
    MessageSample("kernel", "reboot: Restarting system", K.OTHER, {"event": "reboot"}),
    MessageSample("", "-- Boot 3f2e9c1d7a8b4c5d9e0f1a2b3c4d5e6f --", K.OTHER,
                  {"event": "reboot", "boot_id": "3f2e9c1d7a8b4c5d9e0f1a2b3c4d5e6f"}),
    MessageSample("shutdown", "shutting down for system reboot", K.OTHER, {"event": "reboot"}),
    MessageSample("kernel", "INFO: task safefreeze:41235 blocked for more than 120 seconds.", K.OTHER,
                  {"event": "hung_task", "process": "safefreeze", "pid": 41235, "blocked_s": 120}),
    MessageSample("kernel", "watchdog: BUG: soft lockup - CPU#1 stuck for 23s! [fapolicyd:812]", K.OTHER,
                  {"event": "soft_lockup", "process": "fapolicyd"}),
    MessageSample("kernel", "rcu: INFO: rcu_sched self-detected stall on CPU", K.OTHER, {"event": "rcu_stall"}),
    MessageSample("kernel", "Kernel panic - not syncing: hung_task: blocked tasks", K.OTHER, {"event": "panic"}),
    MessageSample("kernel", "blk_update_request: I/O error, dev sdc, sector 2048 op 0x1:(WRITE) flags 0x800 "
                  "phys_seg 1 prio class 0", K.OTHER, {"event": "io_error", "device": "sdc", "sector": 2048}),
    MessageSample("kernel", "Buffer I/O error on dev sdc1, logical block 0, lost async page write", K.OTHER,
                  {"event": "io_error", "device": "sdc1"}),
    MessageSample("kernel", "EXT4-fs error (device sda1): ext4_find_entry:1455: inode #2: comm python3: reading "
                  "directory lblock 0", K.OTHER, {"event": "fs_error", "device": "sda1"}),
    MessageSample("kernel", "EXT4-fs (sdc1): Remounting filesystem read-only", K.OTHER,
                  {"event": "fs_readonly", "device": "sdc1"}),
    MessageSample("kernel", "Aborting journal on device sdc1-8.", K.OTHER, {"event": "fs_error", "device": "sdc1-8"}),
    MessageSample("kernel", "XFS (sdc1): metadata I/O error in \"xfs_trans_read_buf_map\" at daddr 0x2 len 1 error 5",
                  K.OTHER, {"event": "fs_error", "device": "sdc1"}),
    MessageSample("kernel", "sd 1:0:0:0: [sdb] tag#12 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_SENSE "
                  "cmd_age=0s", K.OTHER, {"event": "io_error", "device": "sdb"}),
    MessageSample("systemd-journald", "Failed to write entry (22 items, 812 bytes) to /var/log/journal/"
                  "3c1f/system.journal, ignoring: No space left on device", K.DISK_FULL, {"errno": 28}),
    MessageSample("python3", "OSError: [Errno 28] No space on the device", K.DISK_FULL, {"errno": 28}),
    MessageSample("kernel", "audit: type=1400 audit(1714557612.312:842): avc:  denied  { execute } for  pid=23510 "
                  "comm=\"handle.sh\" name=\"safefreeze\" dev=\"sda2\" ino=393310 scontext=system_u:system_r:"
                  "waagent_t:s0 tcontext=system_u:object_r:var_lib_t:s0 tclass=file permissive=0", K.OTHER,
                  {"event": "selinux_denial", "perm": "execute", "process": "handle.sh", "file": "safefreeze",
                   "permissive": False, "waagent": True}),
    MessageSample("setroubleshoot", "SELinux is preventing /usr/bin/bash from execute access on the file "
                  "/var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/main/safefreeze/"
                  "bin/safefreeze. For complete SELinux messages run: sealert -l 5d2c", K.OTHER,
                  {"event": "selinux_denial", "exe": "/usr/bin/bash", "perm": "execute", "tclass": "file"}),
    MessageSample("fapolicyd", "rule=13 dec=deny_audit perm=execute auid=-1 pid=23510 exe=/usr/bin/bash : "
                  "path=/var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/main/handle.sh "
                  "ftype=text/x-shellscript trust=0", K.OTHER,
                  {"event": "fapolicyd_denial", "perm": "execute", "exe": "/usr/bin/bash", "pid": 23510,
                   "waagent": True}),
    MessageSample("fapolicyd", "Starting to listen for events", K.OTHER, {"event": "fapolicyd"}),
    MessageSample("", "/dev/sdb1 on /var/lib/waagent type ext4 (rw,nosuid,nodev,noexec,relatime)", K.OTHER,
                  {"event": "noexec_mount", "mount": "/var/lib/waagent", "covers_waagent": True}),
    MessageSample("", "UUID=5a1c-77  /var  xfs  defaults,nodev,noexec  0 0", K.OTHER,
                  {"event": "noexec_mount", "mount": "/var", "covers_waagent": True}),
    MessageSample("python3", "/bin/sh: 1: /var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-"
                  "1.0.9225.0/main/handle.sh: Permission denied", K.OTHER,
                  {"event": "permission_denied", "waagent": True}),
    MessageSample("chronyd", "System clock wrong by 3602.114520 seconds, adjustment started", K.OTHER,
                  {"event": "time_jump", "offset_s": 3602.11452}),
    MessageSample("chronyd", "System clock was stepped by -3602.114520 seconds", K.OTHER,
                  {"event": "time_jump", "offset_s": -3602.11452}),
    MessageSample("systemd", "Time has been changed", K.OTHER, {"event": "time_jump"}),
    MessageSample("systemd-journald", "Time jumped backwards, rotating.", K.OTHER, {"event": "time_jump"}),
    MessageSample("ntpdate", "step time server 10.0.0.1 offset -3601.234567 sec", K.OTHER,
                  {"event": "time_jump", "offset_s": -3601.234567}),
    MessageSample("ntpd", "0.0.0.0 c61c 0c clock_step +3600.123456 s", K.OTHER,
                  {"event": "time_jump", "offset_s": 3600.123456}),
    MessageSample("dhclient", "DHCPREQUEST for 10.0.0.4 on eth0 to 168.63.129.16 port 67", K.DHCP,
                  {"dhcp_event": "request", "ip": "10.0.0.4", "interface": "eth0", "server": "168.63.129.16"}),
    MessageSample("dhclient", "DHCPACK of 10.0.0.4 from 168.63.129.16", K.DHCP,
                  {"dhcp_event": "ack", "server": "168.63.129.16"}),
    MessageSample("dhclient", "DHCPDISCOVER on eth0 to 255.255.255.255 port 67 interval 3 (xid=0x5a1b2c3d)", K.DHCP,
                  {"dhcp_event": "discover", "interface": "eth0"}),
    MessageSample("dhclient", "DHCPOFFER of 10.0.0.4 from 168.63.129.16", K.DHCP, {"dhcp_event": "offer"}),
    MessageSample("dhclient", "DHCPNAK from 168.63.129.16 (xid=0x5a1b2c3d)", K.DHCP, {"dhcp_event": "nak"}),
    MessageSample("dhclient", "bound to 10.0.0.4 -- renewal in 4294967295 seconds.", K.DHCP,
                  {"dhcp_event": "bound", "ip": "10.0.0.4"}),
    MessageSample("dhclient", "No DHCPOFFERS received.", K.DHCP, {"dhcp_event": "no_offer"}),
    MessageSample("dhclient", "Listening on LPF/eth0/00:0d:3a:12:34:56", K.DHCP, {"dhcp_event": "client"}),
    MessageSample("NetworkManager", "<info>  [1714557600.1234] dhcp4 (eth0): option private_245          => "
                  "'a8:3f:81:10'", K.DHCP, {"dhcp_event": "option", "option": "private_245", "value": "a8:3f:81:10"}),
    MessageSample("systemd-networkd", "eth0: DHCPv4 address 10.0.0.4/24, gateway 10.0.0.1 acquired from "
                  "168.63.129.16", K.DHCP, {"dhcp_event": "bound", "server": "168.63.129.16"}),
    MessageSample("systemd-networkd", "eth0: DHCP lease lost", K.DHCP, {"dhcp_event": "lost"}),
    MessageSample("wickedd-dhcp4", "eth0: Committed DHCPv4 lease with address 10.0.0.4 (lease time 4294967295 sec, "
                  "renew 2147483647 sec, rebind 3758096376 sec)", K.DHCP, {"dhcp_event": "lease", "ip": "10.0.0.4"}),
    MessageSample("kernel", "Command line: BOOT_IMAGE=/boot/vmlinuz-5.15.0-1052-azure root=PARTUUID=5d2c3a1e-01 ro "
                  "console=tty1 console=ttyS0 earlyprintk=ttyS0 panic=-1", K.ROUTINE),
    MessageSample("rsyslogd", "file '/var/log/messages'[7] write error - see https://www.rsyslog.com/solving-rsyslog-"
                  "write-errors/ for help OS error: No space left on device [v8.2102.0-117.el9 try https://www.rsyslog"
                  ".com/e/2027 ]", K.DISK_FULL, {"errno": 28, "file": "/var/log/messages"}),
    MessageSample("CRON", "(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)", K.ROUTINE),
    MessageSample("sshd", "error: kex_exchange_identification: Connection closed by remote host", K.OTHER),
)


def samples_for(frame: Callable[[MessageSample], str], **sample_kw: Any) -> tuple[Sample, ...]:
    """Registry samples of a system-log parser: every message sample inside that parser's framing."""
    return tuple(Sample(text=frame(s), kind=s.kind, attrs=dict(s.attrs), handler=s.handler, **sample_kw)
                 for s in MESSAGE_SAMPLES)
