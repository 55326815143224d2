"""Agent message table: environment lines, config banners, self-update, cgroups, provisioning,
the 2.0.x script's own lines, and routine (periodic, boring, high-volume) lines.

Part of :mod:`parsers.agent_messages`; declared last, so the broad catch-alls here (``[CGW]``,
``cgroup``) only apply when nothing more specific matched.  Format strings: ``ga/update.py``,
``ga/agent_update_handler.py``, ``ga/*_version_updater.py``, ``ga/guestagent.py``,
``ga/cgroup*.py``, ``pa/provision/*.py``, ``daemon/resourcedisk/default.py`` of Azure/WALinuxAgent
v2.2.14 … v2.15.0.1 and the 2.0.x ``waagent`` script.
"""

from __future__ import annotations

import re
from typing import Any

from analyzer.model import EventKind
from parsers.agent_messages import V, iso_line, legacy_line, old_line
from parsers.patterns import Pattern, Sample

K = EventKind
_ERR = {"status": "error"}

PATTERNS: tuple[Pattern, ...] = (
    # -- environment of the running agent (facts: os.*, agent.python, agent.service) ---------------
    Pattern(
        "distro_line",
        K.CONFIG,
        ("AgentService:",),
        r"^Distro: (?P<os_name>[^;]*?)-(?P<os_version>[^-;]*); OSUtil: (?P<osutil>[^;]*); AgentService: "
        r"(?P<service>[^;]*);"
        r"(?: Python: (?P<python>[\d.]+);)?(?: Arch: (?P<arch>[^;]*);)?",
    ),
    Pattern(
        "distro_info_legacy",
        K.CONFIG,
        ("Distro info: ",),
        r"^Distro info: (?P<os_name>\S+) (?P<os_version>\S*), osutil class being used: (?P<osutil>[^,]+)"
        r"(?:, agent service name: (?P<service>\S+))?",
    ),
    Pattern("os_line", K.CONFIG, ("OS: ",), r"^OS: (?P<os_name>\S+) (?P<os_version>\S*)\s*$"),
    Pattern("python_line", K.CONFIG, ("Python: ",), r"^Python: (?P<python>\d+\.\d+\.\d+)\s*$"),
    Pattern("cpu_arch", K.CONFIG, ("CPU Arch: ",), r"^CPU Arch: (?P<arch>\S+)"),
    Pattern(
        "distro_20", K.CONFIG, ("Linux Distribution Detected",), r"Linux Distribution Detected\s*: ?(?P<os_name>.*)$"
    ),
    Pattern(
        "openssl",
        K.ROUTINE,
        ("OpenSSL version", "OpenSSL does not support the pkey command", "Failed to get OpenSSL version"),
    ),
    # -- configuration banners and switches --------------------------------------------------------
    Pattern("config_banner", K.CONFIG, ("******** ",), r"^\*{8} (?P<banner>.*?) \*{8}"),
    Pattern(
        "extensions_disabled",
        K.CONFIG,
        ("will not be processed since extension processing is disabled", "Extension handling is disabled"),
        attrs={"disabled": "extensions", "conf_key": "Extensions.Enabled", "conf_value": "n"},
    ),
    Pattern("extensions_on_hold", K.CONFIG, ("Extension handling is on hold",), attrs={"disabled": "on_hold"}),
    Pattern("policy_blocked", K.CONFIG, ("Extension will not be processed:",), attrs={"disabled": "policy"}),
    Pattern(
        "autoupdate_settings",
        K.CONFIG,
        ("AutoUpdate.Enabled property is **Deprecated**", "The legacy AutoUpdate.Enabled configuration is also used"),
    ),
    Pattern(
        "rdma_config",
        K.CONFIG,
        ("RDMA capabilities are",),
        r"RDMA capabilities are (?P<rdma>not enabled|enabled)",
        attrs={"conf_key": "OS.EnableRDMA"},
    ),
    Pattern(
        "monitor_network_disabled",
        K.CONFIG,
        ("Monitor.NetworkConfigurationChanges is disabled",),
        attrs={"conf_key": "Monitor.NetworkConfigurationChanges", "conf_value": "n"},
    ),
    Pattern("lib_dir", K.CONFIG, ("Using /var/lib/waagent as",)),
    # -- self-update of the goal-state agent ------------------------------------------------------
    Pattern(
        "update_discovered",
        K.AGENT_UPDATE,
        ("Self-update discovered new", "Discovered new "),
        rf"[Dd]iscovered new (?P<update_type>\w+) upgrade (?:WALinuxAgent-)?(?P<new_version>{V})",
    ),
    Pattern(
        "update_requested",
        K.AGENT_UPDATE,
        ("Self-update is ready to upgrade", "requested by RSM in Goal state", "Agent update attempt count"),
        rf"(?:new agent: |New agent version:|for version: )(?P<new_version>{V})",
    ),
    Pattern(
        "update_failed",
        K.AGENT_UPDATE,
        (
            "Unable to update Agent",
            "Unable to download Agent",
            "install failed with exception",
            "Exception retrieving agent manifests",
            "Attempted enough update retries",
            "Unable to report agent update status",
            "Exception unpacking Agent",
            "failed to create directory",
            "Unable to delete Agent",
        ),
        r"^(?:\[(?P<update_mode>RSM|SelfUpdate)\])?",
        attrs=_ERR,
    ),
    Pattern(
        "agent_blacklisted",
        K.AGENT_UPDATE,
        ("is permanently blacklisted", "is permanently disabled"),
        rf"Agent WALinuxAgent-(?P<version>{V}) is permanently",
        attrs={"blacklisted": True},
    ),
    Pattern(
        "agent_error_state",
        K.AGENT_UPDATE,
        (" error state: ", "failed recording error state", "failed loading error state", "Marking the agent"),
        r"^(?:.*?Total Failures: (?P<failures>\d+), Fatal: (?P<fatal>\w+))?",
    ),
    Pattern(
        "agent_package",
        K.AGENT_UPDATE,
        (
            "was previously downloaded",
            "downloaded successfully",
            "downloaded from",
            "Purging ",
            "agent manifest",
            "Checking for agent updates",
            "checking for all versions for agent update",
            "skipping agent update",
            "switching to self-update mode",
            "switching to RSM update mode",
            "Agent handler manifest file is missing",
            "was not found in the agent manifest",
            "Agent family",
            "has a malformed",
            "has an empty",
            "has an illegal",
            "is missing the",
            "failed recording update attempt",
        ),
        rf"^(?:Agent WALinuxAgent-(?P<new_version>{V}) (?:was previously )?downloaded)?",
    ),
    # -- cgroups / resource limits ---------------------------------------------------------------
    Pattern(
        "cgroup_memory",
        K.CGROUP,
        ("memory limit", "Check on agent memory usage", "agent's memory usage"),
        attrs={"resource": "memory"},
    ),
    Pattern(
        "cgroup_throttled", K.CGROUP, ("has been throttled for",), r"throttled for (?P<throttled_s>[\d.]+) seconds"
    ),
    Pattern("cgroup_metric", K.ROUTINE, ("Metric ",), r"^Metric (?P<metric>.+?) \[[^\]]*\] = (?P<value>\S+)"),
    Pattern(
        "cgroup_any",
        K.CGROUP,
        (
            "[CGW]",
            "[CGI]",
            "cgroup",
            "CGroup",
            "Cgroup",
            "CPUQuota",
            "systemd-run",
            "slice",
            "resource usage monitoring",
            "resource governance",
            "Started tracking",
            "Stopped tracking",
            "Extension invocation using systemd failed",
            "controller for cgroup",
            "required controller is missing",
        ),
    ),
)

_BANNER_OFF = re.compile(r"^(?P<conf_key>[\w.]+) is set to False, not processing the operation")
_BANNER_CHANGED = re.compile(
    r"^(?P<conf_key>[\w.]+) changed from its default: (?P<default>\S+?)\. New value: (?P<conf_value>\S+?)\."
)
_BANNER_LIB = re.compile(r"^lib dir is in an unexpected location: (?P<conf_value>\S+)")


def _post_banner(message: str, attrs: dict[str, Any], level: str | None) -> EventKind | None:
    banner = attrs.pop("banner", "")
    for rx, extra in (
        (_BANNER_OFF, {"conf_value": "n"}),
        (_BANNER_CHANGED, {}),
        (_BANNER_LIB, {"conf_key": "Lib.Dir"}),
    ):
        m = rx.match(banner)
        if m is not None:
            attrs.update({k: v for k, v in m.groupdict().items() if v is not None})
            attrs.update(extra)
            if attrs.get("conf_key") == "Extensions.Enabled" and attrs.get("conf_value") == "n":
                attrs["disabled"] = "extensions"
            break
    return None


def _post_rdma(message: str, attrs: dict[str, Any], level: str | None) -> EventKind | None:
    attrs["conf_value"] = "n" if attrs.pop("rdma", "") == "not enabled" else "y"
    return None


POST = {"config_banner": _post_banner, "rdma_config": _post_rdma}

SAMPLES: tuple[Sample, ...] = (
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            "Distro: ubuntu-20.04; OSUtil: Ubuntu18OSUtil; AgentService: walinuxagent; Python: 3.8.10; Arch: x86_64; "
            "systemd: True; systemd_version: systemd 245 (245.4-4ubuntu3.22); LISDrivers: Absent; logrotate: "
            "logrotate 3.14.0;",
        ),
        K.CONFIG,
        attrs={"os_name": "ubuntu", "os_version": "20.04", "service": "walinuxagent", "python": "3.8.10"},
    ),
    Sample(
        legacy_line(
            "ExtHandler",
            "Distro info: ubuntu 18.04, osutil class being used: Ubuntu18OSUtil, agent service name: walinuxagent",
        ),
        K.CONFIG,
        attrs={"os_name": "ubuntu", "os_version": "18.04", "service": "walinuxagent"},
    ),
    Sample(iso_line("Daemon Daemon", "OS: redhat 8.6"), K.CONFIG, attrs={"os_name": "redhat", "os_version": "8.6"}),
    Sample(iso_line("Daemon Daemon", "Python: 3.6.8"), K.CONFIG, attrs={"python": "3.6.8"}),
    Sample(iso_line("ExtHandler ExtHandler", "CPU Arch: x86_64"), K.CONFIG, attrs={"arch": "x86_64"}),
    Sample(old_line("Linux Distribution Detected      : Ubuntu"), K.CONFIG, attrs={"os_name": "Ubuntu"}),
    Sample(iso_line("ExtHandler ExtHandler", "OpenSSL version: OpenSSL 1.1.1f  31 Mar 2020"), K.ROUTINE),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            "******** AutoUpdate.Enabled is set to False, not processing the operation ********",
        ),
        K.CONFIG,
        attrs={"conf_key": "AutoUpdate.Enabled", "conf_value": "n"},
    ),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            "Event: name=Microsoft.Azure.RecoveryServices.VMSnapshotLinux, op=ExtensionProcessing, message=Extension "
            "'Microsoft.Azure.RecoveryServices.VMSnapshotLinux' will not be processed since extension processing is "
            "disabled. To enable extension processing, set Extensions.Enabled=y in '/etc/waagent.conf', duration=0",
            "ERROR",
        ),
        K.CONFIG,
        attrs={"disabled": "extensions", "conf_key": "Extensions.Enabled", "conf_value": "n"},
    ),
    Sample(
        legacy_line("ExtHandler", "Extension handling is disabled", "VERBOSE"),
        K.CONFIG,
        attrs={"disabled": "extensions", "conf_key": "Extensions.Enabled", "conf_value": "n"},
    ),
    Sample(iso_line("ExtHandler ExtHandler", "Extension handling is on hold"), K.CONFIG, attrs={"disabled": "on_hold"}),
    Sample(iso_line("ExtHandler ExtHandler", "Extension will not be processed: policy forbids it", "ERROR"), K.CONFIG),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            "AutoUpdate.Enabled property is **Deprecated** now but it's set to different value from "
            "AutoUpdate.UpdateToLatestVersion. Please consider removing it if added by mistake",
            "WARNING",
        ),
        K.CONFIG,
    ),
    Sample(
        legacy_line("Daemon", "RDMA capabilities are not enabled, skipping"),
        K.CONFIG,
        attrs={"conf_key": "OS.EnableRDMA", "conf_value": "n"},
    ),
    Sample(iso_line("MonitorHandler ExtHandler", "Monitor.NetworkConfigurationChanges is disabled."), K.CONFIG),
    Sample(iso_line("MainThread LogCollector", "Using /var/lib/waagent as $LIB_DIR"), K.CONFIG),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            "Self-update discovered new HotFix upgrade WALinuxAgent-2.9.1.1; Will upgrade on or after 2024-05-01 "
            "11:00:00.000000",
        ),
        K.AGENT_UPDATE,
        attrs={"new_version": "2.9.1.1", "update_type": "HotFix"},
    ),
    Sample(iso_line("ExtHandler ExtHandler", "Agent update attempt count: 1 for version: 2.10.0.8"), K.AGENT_UPDATE),
    Sample(
        iso_line(
            "ExtHandler ExtHandler", "[SelfUpdate]Unable to update Agent: [AgentUpdateError] no package", "WARNING"
        ),
        K.AGENT_UPDATE,
        attrs={"update_mode": "SelfUpdate", "status": "error"},
    ),
    Sample(
        legacy_line("ExtHandler", "Agent WALinuxAgent-2.2.44 is permanently blacklisted", "WARNING"),
        K.AGENT_UPDATE,
        attrs={"blacklisted": True},
    ),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            "Agent WALinuxAgent-2.9.1.1 error state: Last Failure: 1714557600.0, Total Failures: 3, Fatal: False, "
            "Reason: x",
            "VERBOSE",
        ),
        K.AGENT_UPDATE,
        attrs={"failures": 3},
    ),
    Sample(
        legacy_line("ExtHandler", "Agent WALinuxAgent-2.2.53 downloaded successfully"),
        K.AGENT_UPDATE,
        attrs={"new_version": "2.2.53"},
    ),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            "The agent memory limit 31457280 bytes exceeded. The current reported usage is 33554432 bytes.",
        ),
        K.CGROUP,
        attrs={"resource": "memory"},
    ),
    Sample(
        iso_line("MonitorHandler ExtHandler", "The agent has been throttled for 121.0 seconds", "WARNING"), K.CGROUP
    ),
    Sample(
        iso_line("MonitorHandler ExtHandler", "Metric Process/% Processor Time [walinuxagent.service] = 0.5"), K.ROUTINE
    ),
    Sample(
        iso_line(
            "MonitorHandler ExtHandler", "[CGW] Disabling resource usage monitoring. Reason: Check on cgroups failed:"
        ),
        K.CGROUP,
        component="ExtHandler",
    ),
)
