"""Agent message table: extension handling (download, install, enable, …, command results, status).

Part of :mod:`parsers.agent_messages`.  These records are written through the handler's logger,
so in waagent.log and CommandExecution.log they carry the ``[Name-Version]`` prefix.  Format
strings: ``ga/exthandlers.py``, ``ga/extensionprocessutil.py``, ``common/protocol/wire.py`` of
Azure/WALinuxAgent v2.2.14 … v2.15.0.1 and the 2.0.x ``waagent`` script.
"""

from __future__ import annotations

import re
from typing import Any

from analyzer.model import EventKind
from parsers.agent_messages import VMS as _VMS
from parsers.agent_messages import VMS_DIR as _DIR
from parsers.agent_messages import VMS_PREFIX as _VMS_P
from parsers.agent_messages import V, iso_line, legacy_line, post_command, post_executing
from parsers.patterns import Pattern, Sample

K = EventKind
_ERR = {"status": "error"}

PATTERNS: tuple[Pattern, ...] = (
    # -- which state the goal state wants ---------------------------------------------------------
    Pattern(
        "target_handler_state",
        K.EXT_STATUS,
        ("Target handler state",),
        r"^Target handler state:? ?(?P<target_state>\w*)(?: \[(?:incarnation )?(?P<gs_id>[^\]\s]+)\])?",
    ),
    Pattern(
        "current_handler_state",
        K.EXT_STATUS,
        ("] current handler state is:",),
        r"^\[(?P<operation>Enable|Disable|Uninstall)\] current handler state is: (?P<handler_state>\w+)",
    ),
    Pattern("requested_state", K.EXT_STATUS, ("Requested extension state",), r"state: (?P<target_state>\w+)"),
    Pattern(
        "requested_disabled_state",
        K.EXT_STATUS,
        ('requesting "disabled" state',),
        r"state on (?P<name>\S+)",
        attrs={"target_state": "disabled"},
    ),
    Pattern(
        "version_override",
        K.EXT_STATUS,
        ("but Agent overriding with version",),
        rf"requesting (?P<name>\S+) version (?P<requested_version>{V}), but Agent overriding with version "
        rf"(?P<version>{V})",
    ),
    # -- commands (operation from the command decides the kind) -----------------------------------
    Pattern(
        "executing_command",
        K.EXT_STATUS,
        ("Executing command:",),
        r"^Executing command: (?P<command>.+?) with environment variables: (?P<env>.*)",
    ),
    Pattern(
        "ext_operation",
        K.EXT_STATUS,
        ("Install extension [", "Enable extension", "Disable extension", "Update extension [", "Uninstall extension ["),
        r"^(?P<operation>Install|Enable|Disable|Update|Uninstall) extension:? \[(?P<command>[^\]]*)\]",
    ),
    Pattern(
        "command_output",
        K.EXT_COMMAND_RESULT,
        ("Command: ",),
        r"^Command: (?P<command>[^\[\n][^\n]*)$",
        attrs={"status": "success"},
    ),
    Pattern(
        "started_in_unit",
        K.CGROUP,
        ("Started extension in unit", "Started extension using scope"),
        r"(?:unit|scope) '(?P<unit>[^']+)'",
    ),
    Pattern(
        "launch_failed",
        K.EXT_COMMAND_RESULT,
        ("Failed to launch '",),
        r"^Failed to launch '(?P<command>[^']*)'",
        attrs=_ERR,
    ),
    # -- download / package ------------------------------------------------------------------------
    Pattern(
        "downloading",
        K.EXT_DOWNLOAD,
        ("Downloading ",),
        r"^Downloading (?!plugin )(?:extension package: )?(?P<what>.+)$",
    ),
    Pattern("unzipping", K.EXT_DOWNLOAD, ("Unzipping ",), r"^Unzipping (?:extension package: )?(?P<what>[^:]+)"),
    Pattern(
        "package_reuse",
        K.EXT_DOWNLOAD,
        (
            "Using existing extension package",
            "The existing extension package is invalid",
            "Download succeeded",
            "signature validation",
        ),
    ),
    Pattern(
        "download_failed",
        K.EXT_DOWNLOAD,
        (
            "Failed to download artifacts",
            "Unable to find version",
            "Error downloading extension package",
            "Error while downloading extension",
            "Failed to download the extension package",
            "Timeout downloading ",
            "Failed to download ",
            "Error while unzipping",
            "Download failed both on the primary and fallback channels",
        ),
        rf"^(?:.*?Unable to find version (?P<version>{V}) in manifest for extension (?P<name>\S+))?",
        attrs=_ERR,
    ),
    # -- install / enable / update steps -----------------------------------------------------------
    Pattern("initializing", K.EXT_INSTALL, ("Initializing extension", "Initialize extension directory")),
    Pattern(
        "settings_file",
        K.EXT_ENABLE,
        ("Update settings file:",),
        r"(?:^|[\s./])(?P<seq>\d+)\.settings",
        attrs={"step": "settings"},
    ),
    Pattern(
        "no_settings",
        K.EXT_STATUS,
        ("write empty 0.settings", "No settings found for", "run-time settings settings found"),
    ),
    Pattern(
        "placeholder_status",
        K.STATUS_WRITE,
        ("Creating a placeholder status file",),
        r"file (?P<status_file>\S*?(?P<seq>\d+)\.status) with status: (?P<status>\w+)",
    ),
    Pattern(
        "ext_update_steps",
        K.EXT_UPDATE,
        (
            "UpdateWithInstall not set",
            "Continue on Update failure flag is set",
            "Copy status files from old plugin to new",
            "Migrating ",
            "no migration is needed",
        ),
    ),
    Pattern(
        "ext_disable_steps",
        K.EXT_DISABLE,
        ("Extension already disabled", "Removing states files for disabled extension"),
    ),
    Pattern(
        "ext_uninstall_steps",
        K.EXT_UNINSTALL,
        (
            "Remove extension handler directory",
            "Remove the extension slice",
            "Failed to remove extension handler directory",
            "Failed to remove old plugin directory",
        ),
    ),
)


def _post_current_state(message: str, attrs: dict[str, Any], level: str | None) -> EventKind | None:
    attrs["operation"] = attrs["operation"].lower()
    return {"enable": K.EXT_ENABLE, "disable": K.EXT_DISABLE, "uninstall": K.EXT_UNINSTALL}[attrs["operation"]]


def _post_operation(message: str, attrs: dict[str, Any], level: str | None) -> EventKind | None:
    attrs["operation"] = attrs["operation"].lower()
    return post_command(message, attrs, level)


def _post_downloading(message: str, attrs: dict[str, Any], level: str | None) -> EventKind | None:
    what = attrs.get("what", "")
    if what.startswith(("WALinuxAgent-", "agent ")):
        return K.AGENT_UPDATE
    m = re.match(rf"(?P<name>[A-Za-z][^\s:]*?)-(?P<version>{V})$", what)
    if m is not None:
        attrs.setdefault("name", m.group("name"))
        attrs.setdefault("version", m.group("version"))
    return None


def _post_output(message: str, attrs: dict[str, Any], level: str | None) -> EventKind | None:
    post_command(message, attrs, level)  # operation, name and version from the command; kind stays
    return None


POST = {
    "current_handler_state": _post_current_state,
    "executing_command": post_executing,
    "ext_operation": _post_operation,
    "command_output": _post_output,
    "downloading": _post_downloading,
}

SAMPLES: tuple[Sample, ...] = (
    Sample(
        iso_line(_VMS_P, "Target handler state: enabled [incarnation_12]"),
        K.EXT_STATUS,
        "INFO",
        f"[{_VMS}-1.0.9225.0]",
        _VMS,
        {"target_state": "enabled", "incarnation": "12"},
    ),
    Sample(
        legacy_line(f"[{_VMS}-1.0.9149.0]", "[Enable] current handler state is: enabled"),
        K.EXT_ENABLE,
        handler=_VMS,
        attrs={"operation": "enable", "handler_state": "enabled"},
    ),
    Sample(iso_line(_VMS_P, "Requested extension state: enabled"), K.EXT_STATUS, attrs={"target_state": "enabled"}),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            'Goal State is requesting "disabled" state on Microsoft.OSTCExtensions.VMAccessForLinux [Activity ID: 1]',
        ),
        K.EXT_STATUS,
    ),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            f"Goal State requesting {_VMS} version 1.0.9220.0, but Agent overriding with version 1.0.9225.0 "
            f"[Activity ID: 1]",
        ),
        K.EXT_STATUS,
        attrs={"version": "1.0.9225.0"},
    ),
    Sample(
        iso_line(
            _VMS_P,
            f"Executing command: {_DIR}/main/handle.sh enable with environment variables: "
            '{"AZURE_GUEST_AGENT_UNINSTALL_CMD_EXIT_CODE": "NOT_RUN", "AZURE_GUEST_AGENT_EXTENSION_PATH": '
            f'"{_DIR}", "AZURE_GUEST_AGENT_EXTENSION_VERSION": "1.0.9225.0", '
            '"AZURE_GUEST_AGENT_WIRE_PROTOCOL_ADDRESS": "168.63.129.16", "ConfigSequenceNumber": "41", '
            '"AZURE_GUEST_AGENT_EXTENSION_SUPPORTED_FEATURES": "[{\\"Key\\": \\"ExtensionTelemetryPipeline\\", '
            '\\"Value\\": \\"1.0\\"}]"}',
        ),
        K.EXT_ENABLE,
        handler=_VMS,
        attrs={"seq": 41, "version": "1.0.9225.0", "operation": "enable", "name": _VMS},
    ),
    Sample(
        iso_line(_VMS_P, "Enable extension: [main/handle.sh enable]"),
        K.EXT_ENABLE,
        attrs={"operation": "enable", "command": "main/handle.sh enable"},
    ),
    Sample(legacy_line(f"[{_VMS}-1.0.9149.0]", "Install extension [main/handle.sh install]"), K.EXT_INSTALL),
    Sample(
        iso_line(_VMS_P, "Command: main/handle.sh enable\n[stdout]\n2024-05-01 ok\n[stderr]"),
        K.EXT_COMMAND_RESULT,
        attrs={"operation": "enable"},
    ),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            "[CGI] Started extension in unit 'enable_0f9d1c42-8ea4-4d0c-9d1a-2b8f6a1b3c4d.scope'",
        ),
        K.CGROUP,
        attrs={"unit": "enable_0f9d1c42-8ea4-4d0c-9d1a-2b8f6a1b3c4d.scope"},
    ),
    Sample(
        iso_line(_VMS_P, f"Failed to launch '{_DIR}/main/handle.sh enable': Permission denied", "ERROR"),
        K.EXT_COMMAND_RESULT,
    ),
    Sample(
        iso_line("ExtHandler ExtHandler", f"Downloading {_VMS}-1.0.9225.0"),
        K.EXT_DOWNLOAD,
        attrs={"name": _VMS, "version": "1.0.9225.0"},
    ),
    Sample(iso_line("ExtHandler ExtHandler", "Downloading agent manifest"), K.AGENT_UPDATE),
    Sample(
        iso_line("ExtHandler ExtHandler", f"Unzipping {_VMS}-1.0.9225.0: /var/lib/waagent/{_VMS}__1.0.9225.0.zip"),
        K.EXT_DOWNLOAD,
    ),
    Sample(
        iso_line(_VMS_P, f"Using existing extension package: /var/lib/waagent/{_VMS}__1.0.9225.0.zip"), K.EXT_DOWNLOAD
    ),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            f"Event: name={_VMS}, op=Download, message=Failed to download artifacts: [ExtensionDownloadError] Failed "
            "to download extension manifest from all URIs. Last error: [HttpError] [HTTP Failed] GET "
            "https://umsa0x.blob.core.windows.net/a1b2/Microsoft.Azure.RecoveryServices_VMSnapshotLinux_manifest.xml"
            " -- IOError timed out -- 6 attempts made, duration=0",
            "ERROR",
        ),
        K.EXT_DOWNLOAD,
        attrs={"op": "Download", "error_class": "ExtensionDownloadError", "host": "umsa0x.blob.core.windows.net"},
    ),
    Sample(
        legacy_line(
            f"[{_VMS}-1.0.9149.0]", "Failed to download the extension package from all uris, will retry after a minute"
        ),
        K.EXT_DOWNLOAD,
        attrs={"status": "error"},
    ),
    Sample(iso_line(_VMS_P, f"Initializing extension {_VMS}-1.0.9225.0"), K.EXT_INSTALL),
    Sample(iso_line(_VMS_P, "Update settings file: 41.settings"), K.EXT_ENABLE, attrs={"seq": 41}),
    Sample(iso_line(_VMS_P, "Extension has no settings, write empty 0.settings"), K.EXT_STATUS),
    Sample(
        iso_line(_VMS_P, f"Creating a placeholder status file {_DIR}/status/41.status with status: transitioning"),
        K.STATUS_WRITE,
        attrs={"seq": 41, "status": "transitioning"},
    ),
    Sample(iso_line(_VMS_P, "Copy status files from old plugin to new"), K.EXT_UPDATE),
    Sample(iso_line(_VMS_P, "Extension already disabled, not doing anything"), K.EXT_DISABLE),
    Sample(iso_line(_VMS_P, f"Remove extension handler directory: {_DIR}"), K.EXT_UNINSTALL),
)
