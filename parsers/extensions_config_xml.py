"""``ExtensionsConfig.N.xml`` / ``history/*/ExtensionsConfig.xml``: the extensions goal state (WireServer).

Facts and events from the document, never a settings value: each Plugin (name, version, state,
autoUpgrade), each runtime-settings ``seqNo`` per handler (a new backup job = a new seqNo for
``Microsoft.Azure.RecoveryServices.VMSnapshotLinux``) with only *whether* protected / public
settings and a thumbprint were present, GAFamilies, RequiredFeatures, the StatusUploadBlob host
(its DNS suffix names the cloud; the SAS query is dropped), InVMGoalStateMetaData.  The
``createdOnTicks`` time is the document's own UTC time.  :func:`emit_goal_state` is shared with the
FastTrack ``VmSettings.json`` parser.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from analyzer.model import Clock, Event, EventKind
from parsers import registry
from parsers._state_common import (
    as_bool,
    as_int,
    child,
    children,
    cloud_for_host,
    guarded,
    history_stamp,
    incarnation_from_name,
    line_of,
    local,
    opt_text,
    parse_xml,
    read_doc,
    short,
    text_of,
    ticks_to_wall,
    url_parts,
)
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.patterns import Sample

KIND = "extensions_config_xml"
_OPERATION = {"enabled": "enable", "disabled": "disable", "uninstall": "uninstall"}


@dataclass
class Settings:
    seq: int | None
    extension: str | None = None  # multi-config extension name
    state: str | None = None
    has_protected: bool = False
    has_public: bool = False
    has_thumbprint: bool = False
    line: int = 1


@dataclass
class Plugin:
    name: str
    version: str | None
    state: str | None
    auto_upgrade: bool | None
    line: int = 1
    settings: list[Settings] = field(default_factory=list)


@dataclass
class GoalState:
    document: str
    incarnation: int | None = None
    created: datetime | None = None
    created_raw: str = ""
    activity_id: str | None = None
    correlation_id: str | None = None
    in_svd_seq_no: int | None = None
    source: str | None = None  # FastTrack | Fabric (vmSettings)
    on_hold: bool | None = None
    status_blob: str | None = None
    status_blob_type: str | None = None
    status_blob_line: int = 1
    artifacts_profile: bool = False
    required_features: list[str] = field(default_factory=list)
    ga_families: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)
    plugins: list[Plugin] = field(default_factory=list)
    extra_facts: dict[str, Any] = field(default_factory=dict)
    line: int = 1


def settings_presence(raw: Any) -> tuple[bool, bool, bool]:
    """(protected, public, thumbprint) present in a handlerSettings object or its JSON text."""
    handler: Any = raw
    if isinstance(raw, str):
        try:
            doc = json.loads(raw) if raw.strip() else {}
        except (ValueError, RecursionError):
            # Unparsable settings text: judge by key names only, never keep the text.
            return ('"protectedSettings"' in raw, '"publicSettings"' in raw, "CertThumbprint" in raw)
        runtime = doc.get("runtimeSettings") if isinstance(doc, dict) else None
        handler = {}
        if isinstance(runtime, list) and runtime and isinstance(runtime[0], dict):
            handler = runtime[0].get("handlerSettings") or {}
    if not isinstance(handler, dict):
        return False, False, False
    public = handler.get("publicSettings")
    return (
        bool(handler.get("protectedSettings")),
        public not in (None, "", {}, "{}"),
        bool(handler.get("protectedSettingsCertThumbprint")),
    )


def _text(value: Any, limit: int = 200) -> Any:
    """Document strings bounded (a hostile document may hold a megabyte where an id belongs)."""
    return short(value, limit) if isinstance(value, str) else None if isinstance(value, (dict, list)) else value


def _bound(gs: GoalState) -> None:
    for name in ("activity_id", "correlation_id", "source", "status_blob_type"):
        setattr(gs, name, _text(getattr(gs, name)))
    gs.required_features = [_text(f) for f in gs.required_features]
    gs.ga_families = [(_text(n), _text(v), extra) for n, v, extra in gs.ga_families]
    gs.extra_facts = {k: _text(v) for k, v in gs.extra_facts.items()}
    for plugin in gs.plugins:
        plugin.name, plugin.state = _text(plugin.name) or "?", _text(plugin.state)
        plugin.version = opt_text(plugin.version)
        for settings in plugin.settings:
            settings.extension, settings.state = _text(settings.extension), _text(settings.state)


def emit_goal_state(gs: GoalState, ctx: ParseContext) -> Iterator[Event]:
    """Facts and events common to ExtensionsConfig.xml and VmSettings.json."""
    _bound(gs)
    hist_wall, hist_raw, _ = history_stamp(ctx.path, ctx.member)
    wall, time_raw = (gs.created, gs.created_raw) if gs.created else (hist_wall, hist_raw)
    clock = Clock.UTC if wall else Clock.UNKNOWN
    src = gs.document
    if gs.incarnation is not None:
        ctx.fact("goal_state.incarnation", gs.incarnation, line=gs.line, source=src)
    if gs.created:
        ctx.fact("goal_state.created", gs.created.isoformat() + "Z", line=gs.line, time_raw=gs.created_raw, source=src)
    for key, value in (
        ("goal_state.activity_id", gs.activity_id),
        ("goal_state.correlation_id", gs.correlation_id),
        ("goal_state.in_svd_seq_no", gs.in_svd_seq_no),
        ("goal_state.source", gs.source),
        ("goal_state.on_hold", gs.on_hold),
    ):
        if value is not None:
            ctx.fact(key, value, line=gs.line, source=src)
    for key, value in gs.extra_facts.items():
        ctx.fact(key, value, line=gs.line, source=src)
    for feature in gs.required_features:
        ctx.fact("goal_state.required_feature", feature, line=gs.line, source=src)
    for name, version, extra in gs.ga_families:
        ctx.fact("ga_family.version", version, line=gs.line, name=name, source=src, **extra)
    host = None
    if gs.status_blob:
        host, _safe = url_parts(gs.status_blob)
        if host:
            ctx.fact("storage.host", host, line=gs.status_blob_line, source=src, blob_type=gs.status_blob_type)
            cloud = cloud_for_host(host)
            if cloud:
                ctx.fact("cloud", cloud, line=gs.status_blob_line, source=src, host=host)
    if gs.status_blob_type:
        ctx.fact("status_blob.type", gs.status_blob_type, line=gs.status_blob_line, source=src)
    doc_attrs: dict[str, Any] = {"document": src, "plugins": len(gs.plugins)}
    for key, value in (
        ("incarnation", gs.incarnation),
        ("activity_id", gs.activity_id),
        ("correlation_id", gs.correlation_id),
        ("in_svd_seq_no", gs.in_svd_seq_no),
        ("source", gs.source),
        ("on_hold", gs.on_hold),
        ("host", host),
    ):
        if value is not None:
            doc_attrs[key] = value
    yield Event(
        line=gs.line,
        kind=EventKind.GOAL_STATE_FETCH,
        message=(
            f"{src} incarnation={gs.incarnation} created={wall.isoformat() + 'Z' if wall else None} "
            f"activityId={gs.activity_id} "
            f"plugins={len(gs.plugins)}"
        ),
        wall=wall,
        clock=clock,
        time_raw=time_raw,
        attrs=doc_attrs,
    )
    for plugin in gs.plugins:
        ctx.fact(
            "goal_state.extension",
            plugin.version,
            line=plugin.line,
            name=plugin.name,
            state=plugin.state,
            auto_upgrade=plugin.auto_upgrade,
            incarnation=gs.incarnation,
            source=src,
        )
        for settings in plugin.settings or [Settings(seq=None, line=plugin.line)]:
            attrs: dict[str, Any] = {"document": src, "state": settings.state or plugin.state}
            operation = _OPERATION.get((settings.state or plugin.state or "").lower())
            if operation:
                attrs["operation"] = operation
            if settings.seq is not None:
                attrs["seq"] = settings.seq
                ctx.fact(
                    "goal_state.settings_seq",
                    settings.seq,
                    line=settings.line,
                    name=plugin.name,
                    extension=settings.extension,
                    has_protected_settings=settings.has_protected,
                    has_public_settings=settings.has_public,
                    has_thumbprint=settings.has_thumbprint,
                    incarnation=gs.incarnation,
                    source=src,
                )
            for key, value in (
                ("auto_upgrade", plugin.auto_upgrade),
                ("incarnation", gs.incarnation),
                ("extension", settings.extension),
            ):
                if value is not None:
                    attrs[key] = value
            attrs["has_protected_settings"] = settings.has_protected
            attrs["has_public_settings"] = settings.has_public
            label = f" ({settings.extension})" if settings.extension else ""
            yield Event(
                line=settings.line,
                kind=EventKind.GOAL_STATE_FETCH,
                message=(
                    f"{src} plugin {plugin.name}{label} version={plugin.version} "
                    f"state={attrs['state']} seqNo={settings.seq} autoUpgrade={plugin.auto_upgrade}"
                ),
                wall=wall,
                clock=clock,
                time_raw=time_raw,
                handler=plugin.name,
                handler_version=plugin.version,
                attrs=attrs,
            )


def _from_xml(text: str, root: Any, ctx: ParseContext) -> GoalState:
    gs = GoalState(document="ExtensionsConfig", line=line_of(text, "<Extensions"))
    _, _, hist_inc = history_stamp(ctx.path, ctx.member)
    gs.incarnation = as_int(root.get("goalStateIncarnation"))
    if gs.incarnation is None:
        gs.incarnation = incarnation_from_name(ctx.path) or hist_inc
    for fam in children(child(root, "GuestAgentExtension", "GAFamilies"), "GAFamily"):
        name = text_of(fam, "Name") or "?"
        extra = {}
        for tag, key in (("IsVersionFromRSM", "is_version_from_rsm"), ("IsVMEnabledForRSMUpgrades", "rsm_enabled")):
            flag = as_bool(text_of(fam, tag))
            if flag is not None:
                extra[key] = flag
        gs.ga_families.append((name, text_of(fam, "Version"), extra))
    for feature in children(child(root, "RequiredFeatures"), "RequiredFeature"):
        name = text_of(feature, "Name")
        if name:
            gs.required_features.append(name)
    blob = child(root, "StatusUploadBlob")
    if blob is not None and blob.text:
        gs.status_blob = blob.text.strip()
        gs.status_blob_type = blob.get("statusBlobType")
        gs.status_blob_line = line_of(text, "<StatusUploadBlob")
    gs.artifacts_profile = child(root, "InVMArtifactsProfileBlob") is not None
    meta = child(root, "InVMGoalStateMetaData")
    if meta is not None:
        gs.activity_id = meta.get("activityId")
        gs.correlation_id = meta.get("correlationId")
        gs.in_svd_seq_no = as_int(meta.get("inSvdSeqNo"))
        gs.created_raw = meta.get("createdOnTicks") or ""
        gs.created = ticks_to_wall(gs.created_raw)
        gs.line = line_of(text, "<InVMGoalStateMetaData")
    for node in root.iter():
        # onHold travels in the artifacts profile; accept it wherever a document carries it.
        flag = node.get("onHold") if local(node.tag) != "onHold" else node.text
        if flag is not None and as_bool(flag) is not None:
            gs.on_hold = as_bool(flag)
            break
    if gs.artifacts_profile:
        gs.extra_facts["goal_state.artifacts_profile"] = True
    by_name: dict[str, Plugin] = {}
    pos = 0
    for node in children(child(root, "Plugins"), "Plugin"):
        name = node.get("name") or "?"
        pos = text.find(f'name="{name}"', pos)
        plugin = Plugin(
            name=name,
            version=node.get("version"),
            state=node.get("state") or "enabled",
            auto_upgrade=as_bool(node.get("autoUpgrade")),
            line=text.count("\n", 0, pos) + 1 if pos >= 0 else 1,
        )
        pos = max(pos, 0) + 1
        gs.plugins.append(plugin)
        by_name.setdefault(name, plugin)
    settings_start = text.find("<PluginSettings")
    for node in children(child(root, "PluginSettings"), "Plugin"):
        name = node.get("name") or "?"
        plugin = by_name.get(name)
        if plugin is None:
            plugin = Plugin(name=name, version=node.get("version"), state=None, auto_upgrade=None)
            gs.plugins.append(plugin)
            by_name[name] = plugin
        start = text.find(f'name="{name}"', max(settings_start, 0))
        for rs in node:
            tag = local(rs.tag)
            if tag not in ("RuntimeSettings", "ExtensionRuntimeSettings"):
                continue
            protected, public, thumb = settings_presence(rs.text or "")
            start = text.find(f"<{tag}", max(start, 0))
            plugin.settings.append(
                Settings(
                    seq=as_int(rs.get("seqNo")),
                    extension=rs.get("name") if tag == "ExtensionRuntimeSettings" else None,
                    state=rs.get("state"),
                    has_protected=protected,
                    has_public=public,
                    has_thumbprint=thumb,
                    line=text.count("\n", 0, start) + 1 if start >= 0 else plugin.line,
                )
            )
            start = max(start, 0) + 1
    return gs


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    return guarded(_parse(reader, ctx), ctx)


def _parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    text = read_doc(reader)
    ctx.records += 1
    root = parse_xml(text, ctx, "ExtensionsConfig")
    if root is None:
        return
    if local(root.tag) != "Extensions":
        ctx.warn(f"ExtensionsConfig: unexpected root element <{local(root.tag)}>", 1)
        ctx.unclassified += 1
        return
    yield from emit_goal_state(_from_xml(text, root, ctx), ctx)


def _sniff(head: str) -> bool:
    return "<Extensions" in head and any(s in head for s in ("<GAFamilies", "<Plugins", "<StatusUploadBlob"))


_SAMPLE = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<Extensions version="1.0.0.0" goalStateIncarnation="25">\n'
    '<StatusUploadBlob statusBlobType="PageBlob">https://md-hdd-abc.z12.blob.storage.azure.net/$system/'
    "vm1.status?sv=2018-03-28&amp;sr=b&amp;sig=AAAA%3d&amp;sp=rw</StatusUploadBlob>\n"
    "<Plugins>\n"
    '  <Plugin name="Microsoft.Azure.RecoveryServices.VMSnapshotLinux" version="1.0.9225.0" '
    'location="https://umsa.blob.core.windows.net/x/manifest.xml" state="enabled" autoUpgrade="true" '
    'runAsStartupTask="false" isJson="true" useExactVersion="true" />\n'
    "</Plugins>\n<PluginSettings>\n"
    '  <Plugin name="Microsoft.Azure.RecoveryServices.VMSnapshotLinux" version="1.0.9225.0">\n'
    '    <RuntimeSettings seqNo="31">{"runtimeSettings":[{"handlerSettings":{"protectedSettingsCertThumbprint":'
    '"F6ABAA61098A301EBB8A571C3C7CF77F355F7FA9","protectedSettings":"***REDACTED***",'
    '"publicSettings":{"locale":"en-us"}}}]}</RuntimeSettings>\n'
    "  </Plugin>\n</PluginSettings>\n"
    '<InVMGoalStateMetaData inSvdSeqNo="9" createdOnTicks="638852747570627097" '
    'activityId="f32f99b5-4347-4ad2-b901-6e795254ac5b" correlationId="6dcbeebc-d90e-4c71-b058-6ac175dc65ee" />\n'
    "</Extensions>\n"
)

registry.register(
    ParserSpec(
        name="Extensions goal state (ExtensionsConfig.xml)",
        kind=KIND,
        parse=parse,
        paths=("ExtensionsConfig.xml", "ExtensionsConfig.*.xml", "ext_conf*.xml", "*/history/*/ExtensionsConfig.xml"),
        sniff=_sniff,
        priority=60,
        description="plugins, seqNo per handler, status blob host / cloud, goal state metadata",
        samples=(
            Sample(
                text=_SAMPLE,
                kind=EventKind.GOAL_STATE_FETCH,
                attrs={"incarnation": 25, "activity_id": "f32f99b5-4347-4ad2-b901-6e795254ac5b", "plugins": 1},
            ),
        ),
    )
)
