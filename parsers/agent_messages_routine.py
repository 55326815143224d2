"""Agent message table: provisioning and resource disk, failed agent shell commands, and routine
(periodic, boring, high-volume) lines.

Part of :mod:`parsers.agent_messages`, joined last: these are broad catch-alls that only apply
when nothing more specific matched.  Format strings: ``pa/provision/*.py``,
``daemon/resourcedisk/*.py``, ``common/utils/shellutil.py`` and the housekeeping messages of
``ga/*.py`` in Azure/WALinuxAgent v2.2.14 … v2.15.0.1, and the 2.0.x ``waagent`` script.
"""

from __future__ import annotations

from typing import Any

from analyzer.model import EventKind
from parsers.agent_messages import iso_line, legacy_line
from parsers.patterns import Pattern, Sample

K = EventKind

PATTERNS: tuple[Pattern, ...] = (
    # -- provisioning, resource disk, hostname, users ---------------------------------------------
    Pattern(
        "provisioning",
        K.PROVISIONING,
        (
            "Provisioning",
            "provisioning",
            "ovf-env.xml",
            "Handle ovf-env",
            "hostname",
            "host name",
            "user account",
            "user password",
            "Root password",
            "Configure sudoer",
            "Configure sshd",
            "SSH ",
            "ssh host key",
            "ssh key",
            "public key",
            "key pair",
            "custom data",
            "CustomData",
            "cloud-init",
            "CloudInit",
            "Reporting NotReady",
            "Reporting Ready",
            "Thumbprint obtained",
            "ATAPI CD-ROM",
            "mount succeeded",
            "mount failed",
            "dvd",
            "DVD",
            "VMM ",
            "Posted Role Properties",
            "resource disk",
            "Resource disk",
            "Activate resource disk",
            "ActivateResourceDisk",
            "swap",
            "Swap",
            "partition",
            "Partition",
            "GPT ",
            "fallocate",
            "dd successful",
            "dd unsuccessful",
            "Enable swap",
            "sfdisk",
            "Examining partition table",
            "Mounting after re-reading",
            "Disk is already mounted",
            "Found private key matching thumbprint",
            "Found NO matching cert",
            "Newer provisioning configuration detected",
            "Wrote /",
            "certificate",
            "Certificates.",
            "RDMA",
        ),
    ),
    # -- agent shell commands that failed (iptables, systemctl, openssl …) --------------------------
    Pattern(
        "shell_command",
        K.ROUTINE,
        ("Command: [", "Command [", "CalledProcessError."),
        r"^Command:? \[(?P<command>[^\]]*)\](?:, return code: \[(?P<exit_code>-?\d+)\])?",
    ),
    # -- routine: start-up chatter, periodic and VERBOSE housekeeping ------------------------------
    Pattern(
        "routine",
        K.ROUTINE,
        (
            "End of log to /dev/console",
            "Output to /dev/console will be suspended",
            "Report vm agent status",
            "Completed vm agent status report successfully",
            "[HTTP Response]",
            "HTTP connection [",
            "Executing ",
            "HostGAPlugin health:",
            "IMDS health:",
            "[VmSettingsSummary]",
            "[PERIODIC]",
            "[IMDS_CONNECTION_ERROR]",
            "events for extension",
            "Extension Telemetry",
            "SendTelemetryHandler",
            "Successfully started the ",
            "env monitor service",
            "Move rules file",
            "log collection",
            "Log collection",
            "log collector",
            "Log collector",
            "collected logs",
            "uploaded logs",
            "Failed to collect logs",
            "Failed to upload logs",
            "Detailed log output can be found",
            "Signing certificate written",
            "remote access",
            "Remote access",
            "remote_access",
            "MetadataServer",
            "Load ",
            "Waiting for events to batch",
            "No of events this request",
            "Processing event file",
            "Extension events directory",
            "Event reporter is not initialized",
            "Too many files under",
            "Single event too large",
            "DroppedEventsCount",
            "Decide which version to use",
            "Use version:",
            "Collect extension status for",
            "Launch command: [",
            "Loading Agent",
            "loaded manifest from",
            "Successfully loaded Agent",
            "extension package",
            "Deleted the extension zip",
            "Prepare status blob",
            "Put block blob",
            "Put page blob",
            "Upload page blob",
            "Posting VM status",
            "PageBlob clean-up succeeded",
            "Fetch [",
            "Receiving LB probes",
            "LoadBalancerProbeServer",
            "HealthService:",
            "Trimmed health report description",
            "status blob type",
            "Status Blob type",
            "Can't parse ticks",
            "Unknown property:",
            "EnvMonitor: Detected hostname change",
            "Created symlink",
            "waagent.conf has been renamed",
            "Configured SSH client probing",
            "Configured kernel to use ttyS0",
            "NUMA",
            "Exiting",
            "File '",
            "HandlerEnvironment file",
            "handler_state",
            "Fast Track",
            "goal state history",
            "legacy history files",
            "Failed to save ",
            "placeholder file",
            "sentinel file",
            "sentinal file",
            "orphan process",
            "orphan agent",
            "Exception occurred loading available agents",
            "Exception occurred migrating",
            "Exception occurred removing",
            "Failed to remove orphaned package",
            "Failed to remove extension package",
            "Failed to log changes in configuration",
            "doesn't support GA Versioning",
            "Warning: property",
        ),
    ),
)


def _post_shell(message: str, attrs: dict[str, Any], level: str | None) -> EventKind | None:
    command = attrs.get("command", "")
    if any(word in command for word in ("iptables", "nft ", "firewall")):
        return K.FIREWALL
    if any(word in command for word in ("systemctl", "systemd", "cgroup", "mount")):
        return K.CGROUP
    return None


POST = {"shell_command": _post_shell}

SAMPLES: tuple[Sample, ...] = (
    Sample(legacy_line("Daemon", "Provisioning already completed, skipping."), K.PROVISIONING),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            "Command: [iptables -w -t security -L OUTPUT], return code: [4], stdout: [] stderr: [x]",
            "ERROR",
        ),
        K.FIREWALL,
        attrs={"exit_code": 4},
    ),
    Sample(iso_line("ExtHandler ExtHandler", "Report vm agent status", "VERBOSE"), K.ROUTINE),
)
