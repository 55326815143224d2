"""``VmSettings.N.json`` (2.5-2.7 lib root) / ``history/*/VmSettings.json``: the FastTrack goal state.

The HostGAPlugin's vmSettings carry the same information as ExtensionsConfig.xml in JSON (keys
are matched case-insensitively, as the agent does).  Same facts and events as
:mod:`parsers.extensions_config_xml`; the time is ``extensionsLastModifiedTickCount`` (UTC).
A VmSettings.json saved after a parse error is not redacted by the agent, so settings are only
ever inspected for presence.
"""

from __future__ import annotations

from collections.abc import Iterator

from analyzer.model import Event, EventKind
from parsers import registry
from parsers._state_common import (
    BAD,
    as_bool,
    as_int,
    ci_get,
    guarded,
    history_stamp,
    incarnation_from_name,
    line_of,
    load_json,
    read_doc,
    ticks_to_wall,
)
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.extensions_config_xml import GoalState, Plugin, Settings, emit_goal_state, settings_presence
from parsers.patterns import Sample

KIND = "vm_settings_json"


def _plugins(text: str, doc: dict) -> list[Plugin]:
    plugins: list[Plugin] = []
    items = ci_get(doc, "extensionGoalStates")
    pos = 0
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        name = str(ci_get(item, "name") or "?")
        pos = text.find(f'"{name}"', pos)
        line = text.count("\n", 0, pos) + 1 if pos >= 0 else 1
        pos = max(pos, 0) + 1
        plugin = Plugin(
            name=name,
            version=ci_get(item, "version"),
            state=ci_get(item, "state"),
            auto_upgrade=as_bool(ci_get(item, "autoUpgrade")),
            line=line,
        )
        multi = as_bool(ci_get(item, "isMultiConfig")) is True
        settings = ci_get(item, "settings")
        for entry in settings if isinstance(settings, list) else []:
            if not isinstance(entry, dict):
                continue
            protected, public, thumb = settings_presence(entry)
            plugin.settings.append(
                Settings(
                    seq=as_int(ci_get(entry, "seqNo") if multi else ci_get(item, "settingsSeqNo")),
                    extension=ci_get(entry, "extensionName") if multi else None,
                    state=ci_get(entry, "extensionState") if multi else None,
                    has_protected=protected,
                    has_public=public,
                    has_thumbprint=thumb,
                    line=line,
                )
            )
        if not plugin.settings and ci_get(item, "settingsSeqNo") is not None:
            plugin.settings.append(Settings(seq=as_int(ci_get(item, "settingsSeqNo")), line=line))
        plugins.append(plugin)
    return plugins


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    return guarded(_parse(reader, ctx), ctx)


def _parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    text = read_doc(reader)
    ctx.records += 1
    doc = load_json(text, ctx, "VmSettings")
    if doc is BAD:
        return
    if not isinstance(doc, dict):
        ctx.warn("VmSettings: top level is not an object", 1)
        ctx.unclassified += 1
        return
    _, _, hist_inc = history_stamp(ctx.path, ctx.member)
    gs = GoalState(document="VmSettings", line=line_of(text, '"extensionsLastModifiedTickCount"'))
    gs.incarnation = hist_inc
    etag = incarnation_from_name(ctx.path)  # VmSettings.<N>.json is named after the vmSettings id
    if etag is not None:
        gs.extra_facts["goal_state.etag"] = etag
    gs.activity_id = ci_get(doc, "activityId")
    gs.correlation_id = ci_get(doc, "correlationId")
    gs.in_svd_seq_no = as_int(ci_get(doc, "inSvdSeqNo"))
    ticks = ci_get(doc, "extensionsLastModifiedTickCount")
    gs.created_raw = str(ticks) if ticks is not None else ""
    gs.created = ticks_to_wall(ticks)
    gs.source = ci_get(doc, "extensionGoalStatesSource")
    gs.on_hold = as_bool(ci_get(doc, "onHold"))
    hgap = ci_get(doc, "hostGAPluginVersion")
    if hgap:
        gs.extra_facts["hostgaplugin.version"] = str(hgap)
    blob = ci_get(doc, "statusUploadBlob")
    if isinstance(blob, dict) and isinstance(ci_get(blob, "value"), str):
        gs.status_blob = ci_get(blob, "value")
        gs.status_blob_type = ci_get(blob, "statusBlobType")
        gs.status_blob_line = line_of(text, '"statusUploadBlob"')
    features = ci_get(doc, "requiredFeatures")
    for feature in features if isinstance(features, list) else []:
        name = ci_get(feature, "name")
        if isinstance(name, str):
            gs.required_features.append(name)
    families = ci_get(doc, "gaFamilies")
    for fam in families if isinstance(families, list) else []:
        if isinstance(fam, dict):
            extra = {}
            for key, attr in (
                ("isVersionFromRSM", "is_version_from_rsm"),
                ("isVMEnabledForRSMUpgrades", "rsm_enabled"),
            ):
                flag = as_bool(ci_get(fam, key))
                if flag is not None:
                    extra[attr] = flag
            gs.ga_families.append((str(ci_get(fam, "name") or "?"), ci_get(fam, "version"), extra))
    gs.plugins = _plugins(text, doc)
    yield from emit_goal_state(gs, ctx)


def _sniff(head: str) -> bool:
    return '"extensionGoalStates"' in head or ('"hostGAPluginVersion"' in head and '"inSvdSeqNo"' in head)


_SAMPLE = """{
    "hostGAPluginVersion": "1.0.8.175",
    "activityId": "8797175c-db54-4b06-abf3-db0c14b37f44",
    "correlationId": "2fd8dc8a-42b1-4999-8138-9a580f5a0419",
    "inSvdSeqNo": 9,
    "extensionsLastModifiedTickCount": 638852750771746340,
    "extensionGoalStatesSource": "FastTrack",
    "statusUploadBlob": {"statusBlobType": "PageBlob",
        "value": "https://md-abc.z6.blob.storage.azure.net/$system/vm1.status?***REDACTED***"},
    "extensionGoalStates": [
        {"name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "version": "1.0.9225.0", "state": "enabled",
         "autoUpgrade": true, "settingsSeqNo": 42, "isMultiConfig": false,
         "settings": [{"protectedSettingsCertThumbprint": "1AF52E2E892C3A0DBC589F301F80073CBA924E26",
                       "protectedSettings": "***REDACTED***", "publicSettings": "{}"}]}
    ]
}
"""

registry.register(
    ParserSpec(
        name="FastTrack goal state (VmSettings.json)",
        kind=KIND,
        parse=parse,
        paths=("VmSettings.json", "VmSettings.*.json", "*/history/*/VmSettings.json"),
        sniff=_sniff,
        priority=60,
        description="HostGAPlugin vmSettings: plugins, seqNo per handler, status blob host / cloud",
        samples=(
            Sample(
                text=_SAMPLE,
                kind=EventKind.GOAL_STATE_FETCH,
                attrs={"source": "FastTrack", "activity_id": "8797175c-db54-4b06-abf3-db0c14b37f44", "plugins": 1},
            ),
        ),
    )
)
