"""``HandlerManifest.json`` of an extension package (or of an auto-updated agent package).

``[{"name", "version", "handlerManifest": {installCommand, enableCommand, …, reportHeartbeat,
updateMode, continueOnUpdateFailure, supportsMultipleExtensions}, "resourceLimits"?}]``.
VMSnapshotLinux runs ``main/handle.sh <op>`` with ``reportHeartbeat: false`` and no timeouts.
An agent package's enable command names its egg (``bin/WALinuxAgent-2.9.1.1-py3.8.egg
-run-exthandlers``), i.e. the goal-state agent version and the Python it was built for.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from analyzer.model import Event, EventKind
from parsers import registry
from parsers._state_common import BAD, as_bool, guarded, handler_from_path, line_of, load_json, read_doc, short
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.patterns import Sample

KIND = "handler_manifest"
_EGG = re.compile(r"WALinuxAgent-(?P<version>\d+(?:\.\d+)+)-py(?P<python>\d+(?:\.\d+)?)\.egg")
_FLAGS = {
    "reportHeartbeat": "report_heartbeat",
    "rebootAfterInstall": "reboot_after_install",
    "continueOnUpdateFailure": "continue_on_update_failure",
    "supportsMultipleExtensions": "supports_multiple_extensions",
}


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    return guarded(_parse(reader, ctx), ctx)


def _parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    text = read_doc(reader, 1 << 20)
    ctx.records += 1
    doc = load_json(text, ctx, "HandlerManifest")
    if doc is BAD:
        return
    entries = doc if isinstance(doc, list) else [doc]
    dir_name, dir_version = handler_from_path(ctx.path, ctx.member)
    for entry in entries:
        manifest = entry.get("handlerManifest") if isinstance(entry, dict) else None
        if not isinstance(manifest, dict):
            ctx.warn("HandlerManifest: entry without a handlerManifest object", 1)
            ctx.unclassified += 1
            continue
        name = entry.get("name") if isinstance(entry.get("name"), str) else None
        version = str(entry["version"]) if entry.get("version") is not None else None
        attrs: dict[str, Any] = {"manifest_name": name, "manifest_version": version}
        for key, attr in _FLAGS.items():
            flag = as_bool(manifest.get(key))
            if flag is not None:
                attrs[attr] = flag
        if isinstance(manifest.get("updateMode"), str):
            attrs["update_mode"] = manifest["updateMode"]
        enable = manifest.get("enableCommand")
        if isinstance(enable, str):
            attrs["enable_command"] = short(enable, 200)
            egg = _EGG.search(enable)
            if egg:
                ctx.fact(
                    "agent.package_version",
                    egg.group("version"),
                    line=line_of(text, "enableCommand"),
                    python=egg.group("python"),
                )
        limits = entry.get("resourceLimits")
        if isinstance(limits, dict):
            attrs["resource_limits"] = sorted(str(k) for k in limits)[:10]
        # The package directory is authoritative (dev templates keep a placeholder name).
        handler = dir_name or name
        ctx.fact(
            "extension.manifest",
            handler,
            line=line_of(text, "handlerManifest"),
            version=dir_version or version,
            **{k: v for k, v in attrs.items() if k != "enable_command"},
        )
        yield Event(
            line=line_of(text, "handlerManifest"),
            kind=EventKind.CONFIG,
            message=f"HandlerManifest {handler} {dir_version or version}: enable={attrs.get('enable_command')} "
            f"reportHeartbeat={attrs.get('report_heartbeat')}",
            handler=handler,
            handler_version=dir_version or version,
            attrs=attrs,
        )


_SAMPLE = """[
    {
        "handlerManifest": {
            "disableCommand": "main/handle.sh disable",
            "enableCommand": "main/handle.sh enable",
            "installCommand": "main/handle.sh install",
            "rebootAfterInstall": false,
            "reportHeartbeat": false,
            "uninstallCommand": "main/handle.sh uninstall",
            "updateCommand": "main/handle.sh update"
        },
        "name": "VMSnapshotLinux",
        "version": "1.0.9225.0"
    }
]
"""

registry.register(
    ParserSpec(
        name="HandlerManifest.json",
        kind=KIND,
        parse=parse,
        paths=("HandlerManifest.json",),
        priority=60,
        description="extension (or agent package) manifest: commands and flags",
        samples=(
            Sample(
                text=_SAMPLE,
                kind=EventKind.CONFIG,
                handler="Microsoft.Azure.RecoveryServices.VMSnapshotLinux",
                attrs={"report_heartbeat": False, "enable_command": "main/handle.sh enable"},
                path="var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/HandlerManifest.json",
            ),
        ),
    )
)
