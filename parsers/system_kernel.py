"""Kernel and daemon messages of the system logs: OOM, boot/shutdown, stalls, storage, access control, time, DHCP.

One :class:`~parsers.patterns.PatternSet` (:data:`SYSTEM_PATTERNS`) and the attr fix-ups a single
regex cannot express (:func:`post_process`).  Part of :mod:`parsers.system_messages`.
"""

from __future__ import annotations

from typing import Any

import regex

from analyzer.model import EventKind
from parsers.patterns import Pattern, PatternSet
from parsers.system_time_dhcp import TIME_AND_DHCP_PATTERNS
from parsers.system_units import EXT_SLICE, to_int

K = EventKind

# --------------------------------------------------------------------------------------------
# 2. kernel and daemon messages.
# --------------------------------------------------------------------------------------------
_REBOOT_WORDS = ("reboot", "restart", "kexec")

SYSTEM_PATTERNS = PatternSet(
    [
        # ---- memory: the kernel OOM killer, systemd-oomd
        Pattern(
            "oom-killed-process",
            K.OOM,
            ("Killed process", "Kill process"),
            r"(?:(?P<oom_scope>Memory cgroup out of memory|Out of memory)(?: \([^)]*\))?: )?"
            r"Kill(?:ed)? process (?P<pid>\d+) \((?P<process>[^)]*)\)",
            {"oom": "killed"},
            {"pid": to_int, "oom_scope": lambda s: "memcg" if s.startswith("Memory") else "global"},
        ),
        Pattern("oom-kill-summary", K.OOM, ("oom-kill:",), r"oom-kill:(?P<_kv>\S+)", {"oom": "summary"}),
        Pattern(
            "oom-invoked", K.OOM, ("invoked oom-killer",), r"(?P<invoker>\S+) invoked oom-killer", {"oom": "invoked"}
        ),
        Pattern(
            "oom-reaper",
            K.OOM,
            ("oom_reaper:",),
            r"reaped process (?P<pid>\d+) \((?P<process>[^)]*)\)",
            {"oom": "reaped"},
            {"pid": to_int},
        ),
        Pattern(
            "oomd-killed",
            K.OOM,
            ("due to memory pressure",),
            r"Killed (?P<memcg>\S+) due to memory pressure",
            {"oom": "oomd"},
        ),
        # ---- agent under upstart (Ubuntu 14.04): "walinuxagent main process (1234) terminated with status 1"
        Pattern(
            "upstart-agent-exit",
            K.AGENT_CRASH,
            ("walinuxagent main process",),
            r"walinuxagent main process (?:\((?P<pid>\d+)\) )?(?:terminated with status (?P<exit_code>\d+)"
            r"|killed by (?P<signal>\w+) signal|ended, respawning)",
            {"unit": "walinuxagent", "unit_role": "agent"},
            {"pid": to_int, "exit_code": to_int},
        ),
        # ---- boot, shutdown, reboot (kind other: rules look for attrs event)
        Pattern("linux-version", K.OTHER, ("Linux version ",), r"^Linux version (?P<kernel>\S+)", {"event": "boot"}),
        Pattern(
            "systemd-boot",
            K.OTHER,
            ("running in system mode",),
            r"^systemd (?P<systemd_version>\S+) running in system mode",
            {"event": "boot"},
        ),
        Pattern("logind-reboot", K.OTHER, ("System is rebooting",), attrs={"event": "reboot"}),
        Pattern(
            "logind-poweroff", K.OTHER, ("System is powering down", "System is halting"), attrs={"event": "shutdown"}
        ),
        Pattern("power-key", K.OTHER, ("Power key pressed",), attrs={"event": "shutdown", "initiator": "power_key"}),
        # hv_utils: the host asked the guest to shut down (portal/API stop, host maintenance)
        Pattern(
            "hv-shutdown", K.OTHER, ("Shutdown request received",), attrs={"event": "shutdown", "initiator": "host"}
        ),
        Pattern(
            "target-shutdown",
            K.OTHER,
            ("Reached target",),
            r"Reached target (?:[\w-]+\.target - )?(?:System )?"
            r"(?P<target>Shutdown|Reboot|Power[- ]Off|Halt|Kexec)\b",
            {"event": "shutdown"},
        ),
        Pattern("systemd-shutting-down", K.OTHER, ("Shutting down.",), r"^Shutting down\.$", {"event": "shutdown"}),
        Pattern(
            "systemd-shutdown",
            K.OTHER,
            ("Syncing filesystems and block devices", "Sending SIGTERM to remaining processes"),
            attrs={"event": "shutdown"},
        ),
        Pattern(
            "kernel-reboot",
            K.OTHER,
            ("reboot: Restarting system", "reboot: Power down", "reboot: System halted"),
            r"reboot: (?P<target>Restarting system|Power down|System halted)",
            {"event": "shutdown"},
        ),
        # journalctl's boot separators ("-- Reboot --"; "-- Boot <id> --" in newer systemd)
        Pattern(
            "journal-boot-marker",
            K.OTHER,
            ("-- Reboot --", "-- Boot "),
            r"^-- (?:Reboot|Boot (?P<boot_id>[0-9a-f]+)) --$",
            {"event": "reboot"},
        ),
        Pattern(
            "sysv-shutdown",
            K.OTHER,
            ("shutting down for system",),
            r"shutting down for system (?P<target>reboot|halt|power-off|poweroff)",
            {"event": "shutdown"},
        ),
        Pattern("kernel-cmdline", K.ROUTINE, ("Command line: ",), r"^(?:Kernel )?[Cc]ommand line: "),
        # ---- stalls
        Pattern(
            "hung-task",
            K.OTHER,
            ("blocked for more than",),
            r"task (?P<process>.+):(?P<pid>\d+) blocked for more than (?P<blocked_s>\d+) seconds",
            {"event": "hung_task"},
            {"pid": to_int, "blocked_s": to_int},
        ),
        Pattern(
            "soft-lockup",
            K.OTHER,
            ("soft lockup",),
            r"soft lockup - CPU#(?P<cpu>\d+) stuck for (?P<stuck_s>\d+)s!(?: \[(?P<process>.+):(?P<pid>\d+)\])?",
            {"event": "soft_lockup"},
            {"pid": to_int, "stuck_s": to_int, "cpu": to_int},
        ),
        Pattern("rcu-stall", K.OTHER, ("detected stalls", "self-detected stall"), attrs={"event": "rcu_stall"}),
        Pattern("kernel-panic", K.OTHER, ("Kernel panic", "kernel BUG at"), attrs={"event": "panic"}),
        # ---- storage
        Pattern(
            "io-error-dev",
            K.OTHER,
            ("I/O error, dev",),
            r"I/O error, dev (?P<device>[^,\s]+)(?:, sector (?P<sector>\d+))?",
            {"event": "io_error"},
            {"sector": to_int},
        ),
        Pattern(
            "buffer-io-error",
            K.OTHER,
            ("Buffer I/O error",),
            r"Buffer I/O error on dev(?:ice)? (?P<device>[^,\s]+)",
            {"event": "io_error"},
        ),
        Pattern(
            "ext4-error",
            K.OTHER,
            ("EXT4-fs error",),
            r"EXT4-fs error \(device (?P<device>[^)]+)\)",
            {"event": "fs_error", "fs": "ext4"},
        ),
        Pattern(
            "fs-readonly",
            K.OTHER,
            ("Remounting filesystem read-only",),
            r"(?P<fs>EXT[234])-fs \((?P<device>[^)]+)\): Remounting filesystem read-only",
            {"event": "fs_readonly"},
        ),
        Pattern(
            "journal-abort",
            K.OTHER,
            ("Aborting journal on device",),
            r"Aborting journal on device (?P<device>\S+?)\.?$",
            {"event": "fs_error"},
        ),
        Pattern(
            "xfs-error",
            K.OTHER,
            ("XFS (",),
            r"XFS \((?P<device>[^)]+)\): (?=.*(?:I/O error|Corruption|shut down|[Ff]ilesystem has been shut))",
            {"event": "fs_error", "fs": "xfs"},
        ),
        Pattern(
            "scsi-failed",
            K.OTHER,
            ("FAILED Result:",),
            r"\[(?P<device>sd\w+)\].*FAILED Result: (?P<result>.*)",
            {"event": "io_error"},
        ),
        Pattern("no-space", K.DISK_FULL, ("No space left on device",), attrs={"errno": 28}),
        Pattern("errno-28", K.DISK_FULL, ("Errno 28",), attrs={"errno": 28}),
        # ---- access control: SELinux, fapolicyd, noexec
        Pattern(
            "avc-denied",
            K.OTHER,
            ("avc:  denied", "avc: denied"),
            r"avc:\s+denied\s+\{ (?P<perm>[^}]*?) \}",
            {"event": "selinux_denial"},
        ),
        Pattern(
            "setroubleshoot",
            K.OTHER,
            ("SELinux is preventing",),
            r"SELinux is preventing (?P<exe>\S+) from (?:using the )?(?P<perm>[\w ,]+?) access on the "
            r"(?P<tclass>\w+) (?P<file>\S+?)\.?(?:\s|$)",
            {"event": "selinux_denial"},
        ),
        Pattern(
            "apparmor-denied",
            K.OTHER,
            ('apparmor="DENIED"',),
            r'apparmor="DENIED" operation="(?P<operation>[^"]*)"',
            {"event": "apparmor_denial"},
        ),
        Pattern(
            "fapolicyd-deny",
            K.OTHER,
            ("dec=deny",),
            r"rule[=:](?P<rule>\d+) dec=(?P<decision>deny\w*) perm=(?P<perm>\w+)",
            {"event": "fapolicyd_denial"},
            {"rule": to_int},
        ),
        Pattern(
            "noexec-mount",
            K.OTHER,
            ("noexec",),
            r"^(?P<device>\S+) on (?P<mount>/\S*) type (?P<fstype>\S+) \((?P<options>[^)]*\bnoexec\b[^)]*)\)",
            {"event": "noexec_mount"},
        ),
        Pattern(
            "fstab-noexec",
            K.OTHER,
            ("noexec",),
            r"^\s*(?P<device>[^#\s]\S*)\s+(?P<mount>/\S*)\s+(?P<fstype>\w+)\s+(?P<options>\S*\bnoexec\b\S*)",
            {"event": "noexec_mount"},
        ),
        Pattern(
            "permission-denied-waagent",
            K.OTHER,
            ("Permission denied",),
            r"(?P<file>/var/lib/waagent/[^\s:]+):?\s.*?Permission denied|Permission denied.*?(?P<file2>/var/lib/"
            r"waagent/[^\s:'\"]+)",
            {"event": "permission_denied", "errno": 13},
        ),
        *TIME_AND_DHCP_PATTERNS,
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
    m = EXT_SLICE.search(memcg)
    if m:
        attrs["handler"] = m.group("handler")
        if m.group("version"):
            attrs["version"] = m.group("version")


def post_process(pattern_id: str, message: str, attrs: dict[str, Any]) -> None:
    """Attr fix-ups a single regex cannot express (key=value lists, derived flags)."""
    if pattern_id == "oom-kill-summary":
        kv = dict(item.split("=", 1) for item in attrs.pop("_kv").split(",") if "=" in item)
        for src, dst in (
            ("constraint", "constraint"),
            ("task_memcg", "memcg"),
            ("oom_memcg", "oom_memcg"),
            ("task", "process"),
        ):
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
    elif pattern_id == "apparmor-denied":
        kv = _kv(message)
        for key in ("profile", "comm", "requested_mask", "denied_mask"):
            if key in kv:
                attrs["process" if key == "comm" else key] = kv[key]
        if "name" in kv:
            attrs["file"] = kv["name"]
        if kv.get("pid", "").isdigit():
            attrs["pid"] = int(kv["pid"])
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
