"""The VMSnapshot extension's own configuration under ``/etc/azure``.

- ``vmbackup.conf``: ``[SnapshotThread]`` (timeout, SafeFreezeWaitInSeconds, MountsToSkip,
  LoggingOff, WriteLog, …), ``[Monitor]``, ``[lsblkUser]`` → facts
  ``vmbackup_conf.<Section>.<Key>``.  The extension reads it with Python's ConfigParser, which
  folds key case, so known keys get their canonical spelling whatever case the file uses.
- ``VMSnapshotPluginHost.conf``: ``[pre_post]`` timeoutInSeconds, numberOfPlugins, pluginName<N>
  … → ``vmbackup_pluginhost.<Section>.<Key>``.
- ``workload.conf``: ``[workload]`` (database quiescing) → ``vmbackup_workload.<Section>.<Key>``;
  ``credString`` and other credential-like keys are recorded as set / not set only.
- ``VMSnapshotScriptPluginConfig.json``: pre/post script settings → ``vmbackup_plugin.<key>``;
  script parameters are counted, never kept (they are often credentials).
Every key line is a ``config`` event with its line number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from analyzer.model import Event, EventKind
from parsers import registry
from parsers._state_common import BAD, guarded, is_secret_key, line_of, load_json, name_of, read_doc, short
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.patterns import Sample

KIND = "vmbackup_conf"
_CANONICAL = {
    k.lower(): k
    for k in (
        "timeout",
        "SafeFreezeWaitInSeconds",
        "MountsToSkip",
        "seqsnapshot",
        "UploadStatusAndLog",
        "WriteLog",
        "LoggingOff",
        "SnapshotMethod",
        "OnAppFailureDoFsFreeze",
        "OnAppSuccessDoFsFreeze",
        "onlyLocalFilesystems",
        "sudo_off",
        "disable_logging",
        "async_event_logging",
        "fsfreeze",
        "isanysnapshotfailed",
        "Run",
        "Strace",
        "Location",
        "username",
        "timeoutInSeconds",
        "numberOfPlugins",
    )
}
_SECTION = re.compile(r"^\[(?P<name>[^\]]+)\]\s*$")
_PREFIX = {"vmbackup.conf": "vmbackup_conf", "VMSnapshotPluginHost.conf": "vmbackup_pluginhost"}


def _ini(reader: LineReader, ctx: ParseContext, prefix: str, component: str) -> Iterator[Event]:
    section = "DEFAULT"
    for lineno, line in reader.lines():
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        ctx.records += 1
        m = _SECTION.match(stripped)
        if m:
            section = m.group("name")
            continue
        if line[:1] in " \t":  # ConfigParser continuation line: part of the previous value
            continue
        sep = min((i for i in (stripped.find("="), stripped.find(":")) if i > 0), default=-1)
        if sep < 0:
            ctx.unclassified += 1
            ctx.warn(f"{component}: line {lineno} is neither a section nor key=value", lineno)
            continue
        raw_key, value = stripped[:sep].strip(), stripped[sep + 1 :].strip()
        key = _CANONICAL.get(raw_key.lower(), raw_key)
        attrs: dict[str, Any] = {"key": f"{section}.{key}"}
        if key != raw_key:
            attrs["written_as"] = raw_key
        shown: Any = value
        if is_secret_key(key):
            attrs["has_value"] = bool(value)
            shown = "<set>" if value else ""
        ctx.fact(f"{prefix}.{section}.{key}", shown, line=lineno, **{k: v for k, v in attrs.items() if k != "key"})
        attrs["value"] = shown
        yield Event(
            line=lineno,
            kind=EventKind.CONFIG,
            message=f"[{section}] {raw_key} = {short(shown, 200)}" if is_secret_key(key) else line,
            component=component,
            attrs=attrs,
        )


def _plugin_json(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    text = read_doc(reader, 1 << 20)
    ctx.records += 1
    doc = load_json(text, ctx, "VMSnapshotScriptPluginConfig.json")
    if doc is BAD:
        return
    if not isinstance(doc, dict):
        ctx.warn("VMSnapshotScriptPluginConfig.json: top level is not an object", 1)
        ctx.unclassified += 1
        return
    attrs: dict[str, Any] = {}
    for key, value in doc.items():
        line = line_of(text, f'"{key}"')
        if isinstance(value, list):  # script parameters: count only
            count = sum(1 for v in value if v not in ("", None))
            ctx.fact(f"vmbackup_plugin.{key}", count, line=line, count=True)
            attrs[key] = count
        elif isinstance(value, (str, int, float, bool)) or value is None:
            shown = ("<set>" if value else "") if is_secret_key(str(key)) else value
            ctx.fact(f"vmbackup_plugin.{key}", shown, line=line)
            attrs[key] = short(shown, 200) if isinstance(shown, str) else shown
    for side in ("pre", "post"):
        location = doc.get(f"{side}ScriptLocation")
        enabled = isinstance(location, str) and bool(location.strip())
        attrs[f"{side}_script_enabled"] = enabled
        ctx.fact(f"vmbackup_plugin.{side}_script_enabled", enabled, line=line_of(text, f'"{side}ScriptLocation"'))
    yield Event(
        line=1,
        kind=EventKind.CONFIG,
        message=(
            f"VMSnapshotScriptPluginConfig.json: pre={attrs['pre_script_enabled']} post={attrs['post_script_enabled']} "
            f"timeoutInSeconds={doc.get('timeoutInSeconds')} "
            f"continueBackupOnFailure={doc.get('continueBackupOnFailure')} "
            f"fsFreezeEnabled={doc.get('fsFreezeEnabled')}"
        ),
        component="VMSnapshotScriptPluginConfig.json",
        attrs=attrs,
    )


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    return guarded(_parse(reader, ctx), ctx)


def _parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    name = name_of(ctx.path)
    if name.endswith(".json"):
        yield from _plugin_json(reader, ctx)
    elif name == "workload.conf":
        yield from _ini(reader, ctx, "vmbackup_workload", "workload.conf")
    else:
        prefix = _PREFIX.get(name, "vmbackup_conf")
        yield from _ini(reader, ctx, prefix, name if name in _PREFIX else "vmbackup.conf")


def _sniff(head: str) -> bool:
    return "[SnapshotThread]" in head


registry.register(
    ParserSpec(
        name="VMSnapshot configuration (/etc/azure)",
        kind=KIND,
        parse=parse,
        paths=(
            "vmbackup.conf",
            "VMSnapshotPluginHost.conf",
            "VMSnapshotScriptPluginConfig.json",
            "etc/azure/workload.conf",
            "*/etc/azure/workload.conf",
        ),
        sniff=_sniff,
        priority=60,
        description="vmbackup.conf keys, pre/post script plugin host and plugin config, workload.conf",
        samples=(
            Sample(
                text="[SnapshotThread]\nSafeFreezeWaitInSeconds = 600",
                kind=EventKind.CONFIG,
                component="vmbackup.conf",
                attrs={"key": "SnapshotThread.SafeFreezeWaitInSeconds", "value": "600"},
                path="etc/azure/vmbackup.conf",
            ),
            Sample(
                text="[pre_post]\ntimeoutInSeconds: 1800",
                kind=EventKind.CONFIG,
                component="VMSnapshotPluginHost.conf",
                attrs={"key": "pre_post.timeoutInSeconds", "value": "1800"},
                path="etc/azure/VMSnapshotPluginHost.conf",
            ),
            Sample(
                text="[workload]\ncredString = dbadmin/N0tReal@orcl",
                kind=EventKind.CONFIG,
                component="workload.conf",
                attrs={"key": "workload.credString", "value": "<set>", "has_value": True},
                path="etc/azure/workload.conf",
            ),
            Sample(
                text='{"pluginName": "ScriptRunner", "preScriptLocation": "/opt/backup/pre.sh", '
                '"postScriptLocation": "", "preScriptParams": ["--user", "dbadmin"], "timeoutInSeconds": 300, '
                '"continueBackupOnFailure": false, "fsFreezeEnabled": true}',
                kind=EventKind.CONFIG,
                attrs={
                    "pre_script_enabled": True,
                    "post_script_enabled": False,
                    "timeoutInSeconds": 300,
                    "preScriptParams": 2,
                },
                path="etc/azure/VMSnapshotScriptPluginConfig.json",
            ),
        ),
    )
)
