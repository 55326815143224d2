"""Agent message table: extension status complaints, dependencies, handler-state I/O, and the
2.0.x script's plugin lines.

Part of :mod:`parsers.agent_messages` (joined right after :mod:`parsers.agent_messages_ext`).
Format strings: ``ga/exthandlers.py`` of Azure/WALinuxAgent v2.2.14 … v2.15.0.1 and the 2.0.x
``waagent`` script (branch ``archive/2.0``, ``ExtensionsConfig.Process`` and ``launchCommand``).
"""

from __future__ import annotations

import re
from typing import Any

from analyzer.model import EventKind
from parsers.agent_messages import VMS as _VMS
from parsers.agent_messages import VMS_DIR as _DIR
from parsers.agent_messages import VMS_PREFIX as _VMS_P
from parsers.agent_messages import V, iso_line, old_line, post_command
from parsers.patterns import Pattern, Sample

K = EventKind
_ERR = {"status": "error"}

PATTERNS: tuple[Pattern, ...] = (
    # -- extension status and dependencies ---------------------------------------------------------
    Pattern(
        "status_unreadable",
        K.EXT_STATUS,
        (
            "We couldn't read any status for",
            "was in an incorrect format",
            "no status file was reported by extension",
            "the status file",
            "Status file ",
        ),
        attrs=_ERR,
    ),
    Pattern(
        "dependency_failed",
        K.EXT_STATUS,
        (
            "Dependent Extension",
            "Dependent extension",
            "An extension failed or timed out, will skip",
            "Failed to wait for Handler completion",
        ),
        r"^(?:.*?(?:Status was|Last status was) (?P<status>\w+))?",
    ),
    Pattern(
        "handler_state_io",
        K.EXT_STATUS,
        (
            "Failed to save handler status",
            "Failed to get handler status",
            "Failed to set state",
            "Failed to get state",
            "Failed to report extension status",
            "Failed to create JSON document of handler status",
            "Failed to create extension log dir",
            "Sequence number [",
            "Unknown ext handler state",
            "Error processing MultiConfig extension",
            "Ran into config errors",
        ),
        attrs=_ERR,
    ),
    Pattern(
        "manifest_problem",
        K.EXT_STATUS,
        (
            "HandlerManifest.json not found",
            "Error parsing HandlerManifest.json",
            "Key handlerManifest not found",
            "In the handler manifest:",
            "Failed to load manifest file",
            "Malformed manifest file",
            "is not a JSON Extension",
            "Unable to read ",
        ),
        attrs=_ERR,
    ),
    # -- 2.0.x script (global log, plugin names in the text) --------------------------------------
    Pattern(
        "plugin_found", K.EXT_STATUS, ("Found Plugin: ",), rf"^Found Plugin: (?P<name>\S+) version: (?P<version>{V})"
    ),
    Pattern(
        "plugin_runtime_settings",
        K.EXT_STATUS,
        ("RuntimeSettings for ",),
        rf"RuntimeSettings for (?P<name>\S+) V (?P<version>{V})",
    ),
    Pattern(
        "plugin_download",
        K.EXT_DOWNLOAD,
        (
            "Downloading plugin manifest",
            "Plugin server is",
            "Plugin failover server is",
            "Bundle URI = ",
            "downloaded successfully length",
            "Extracted ",
            "Unable to download plugin",
            "Unable to fetch Bundle URI",
            "manifest downloading failed",
        ),
        r"^(?:.*?manifest: (?P<name>\S+) from)?",
    ),
    Pattern(
        "plugin_disabled_20",
        K.EXT_DISABLE,
        (" is disabled",),
        r"^[A-Za-z][\w-]*\.[\w.-]+ (?:version [\d.]+ )?is disabled$",
    ),
    Pattern("spawned", K.EXT_STATUS, ("Spawned ",), r"^Spawned (?P<command>.+?) PID (?P<pid>\d+)"),
    Pattern(
        "command_completed_20",
        K.EXT_COMMAND_RESULT,
        ("Command completed.",),
        r"^(?P<operation>install|enable|disable|uninstall|update)Command completed\.",
        attrs={"exit_code": 0, "status": "success"},
    ),
    Pattern(
        "nonzero_exit_20",
        K.EXT_COMMAND_RESULT,
        ("returned non-zero exit code(",),
        r"^Process (?P<pid>\d+) returned non-zero exit code\((?P<exit_code>-?\d+)\)",
        attrs=_ERR,
    ),
    Pattern(
        "timeout_20",
        K.EXT_COMMAND_RESULT,
        ("Process exceeded timeout of",),
        r"timeout of (?P<timeout_s>\d+) seconds. Terminating process (?P<pid>\d+)",
        attrs=_ERR,
    ),
    Pattern(
        "plugin_result_20",
        K.EXT_STATUS,
        ("completed for ", "failed for ", "Update complete", "Uninstall complete", "extension files deleted"),
        rf"^(?:(?P<what>Installation|Enable|Update|Uninstall|Processing) ?(?P<result>completed|complete|failed) "
        rf"?(?:for )?"
        rf"(?P<name>[A-Za-z][\w.]*?)-(?P<version>{V}))?",
    ),
)

_PLUGIN_OPS = {"Installation": "install", "Enable": "enable", "Update": "update", "Uninstall": "uninstall"}


_STATUS_NAME_RE = re.compile(r"(?:extension|Handler) (?P<name>[A-Za-z][\w.]*[\w])")
_STATUS_SEQ_RE = re.compile(r"[Ss]equence number (?P<seq>\d+)")


def _post_status_unreadable(message: str, attrs: dict[str, Any], level: str | None) -> EventKind | None:
    """Handler name and sequence number of the status-file complaints (two plain searches)."""
    first = message.partition("\n")[0]
    for rx in (_STATUS_NAME_RE, _STATUS_SEQ_RE):
        m = rx.search(first)
        if m is not None:
            attrs.update(m.groupdict())
    return None


def _post_plugin_result(message: str, attrs: dict[str, Any], level: str | None) -> EventKind | None:
    op = _PLUGIN_OPS.get(attrs.pop("what", ""))
    result = attrs.pop("result", "")
    if result:
        attrs["status"] = "error" if result == "failed" else "success"
    if op is None:
        return None
    attrs["operation"] = op
    return {"install": K.EXT_INSTALL, "enable": K.EXT_ENABLE, "update": K.EXT_UPDATE, "uninstall": K.EXT_UNINSTALL}[op]


def _post_spawned(message: str, attrs: dict[str, Any], level: str | None) -> EventKind | None:
    return post_command(message, attrs, level)


POST = {
    "status_unreadable": _post_status_unreadable,
    "plugin_result_20": _post_plugin_result,
    "spawned": _post_spawned,
}

SAMPLES: tuple[Sample, ...] = (
    Sample(old_line("Microsoft.OSTCExtensions.VMAccessForLinux is disabled"), K.EXT_DISABLE),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            f"[PERIODIC] This status is being reported by the Guest Agent since no status file was reported by "
            f"extension {_VMS}: [ExtensionStatusError] Status file {_DIR}/status/41.status does not exist",
            "WARNING",
        ),
        K.EXT_STATUS,
        attrs={"status": "error"},
    ),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            "Dependent Extension Microsoft.Azure.Extensions.CustomScript did not succeed. Status was error",
            "WARNING",
        ),
        K.EXT_STATUS,
        attrs={"status": "error"},
    ),
    Sample(
        iso_line(_VMS_P, "Failed to save handler status: [Errno 13] Permission denied", "ERROR"),
        K.EXT_STATUS,
        attrs={"errno": 13},
    ),
    Sample(old_line("ERROR:HandlerManifest.json not found."), K.EXT_STATUS, "ERROR"),
    Sample(
        old_line("Found Plugin: Microsoft.OSTCExtensions.VMAccessForLinux version: 1.4.0.0"),
        K.EXT_STATUS,
        attrs={"name": "Microsoft.OSTCExtensions.VMAccessForLinux", "version": "1.4.0.0"},
    ),
    Sample(old_line("Found RuntimeSettings for Microsoft.OSTCExtensions.VMAccessForLinux V 1.4.0.0"), K.EXT_STATUS),
    Sample(
        old_line(
            "Downloading plugin manifest: Microsoft.OSTCExtensions.VMAccessForLinux from "
            "https://rdfepirv2bl2prdstr01.blob.core.windows.net/bfd5c281a7dc4e4b84381eb0b47e3aaf/"
            "Microsoft.OSTCExtensions_VMAccessForLinux_useast_manifest.xml"
        ),
        K.EXT_DOWNLOAD,
        attrs={"name": "Microsoft.OSTCExtensions.VMAccessForLinux"},
    ),
    Sample(
        old_line("Spawned main/handle.sh enable PID 2315"), K.EXT_ENABLE, attrs={"pid": 2315, "operation": "enable"}
    ),
    Sample(old_line("enableCommand completed."), K.EXT_COMMAND_RESULT, attrs={"exit_code": 0, "operation": "enable"}),
    Sample(
        old_line("ERROR:Process 2315 returned non-zero exit code(1)"),
        K.EXT_COMMAND_RESULT,
        "ERROR",
        attrs={"exit_code": 1},
    ),
    Sample(
        old_line("ERROR:Process exceeded timeout of 300 seconds. Terminating process 2315"),
        K.EXT_COMMAND_RESULT,
        attrs={"timeout_s": 300},
    ),
    Sample(
        old_line("Enable completed for Microsoft.OSTCExtensions.VMAccessForLinux-1.4.0.0"),
        K.EXT_ENABLE,
        attrs={"status": "success", "name": "Microsoft.OSTCExtensions.VMAccessForLinux", "version": "1.4.0.0"},
    ),
)
