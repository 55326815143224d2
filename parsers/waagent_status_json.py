"""The agent's own status documents, all eras.

- 2.2.35-2.4 ``/var/lib/waagent/waagent_status.json``: a summary (``agent_name``,
  ``current_version``, ``goal_state_version``, ``distro_details``,
  ``last_successful_status_upload_time`` — written after every *attempt*, so not proof of an
  upload — ``python_version``, ``extensions_status`` [{name, version, status}]).
- 2.5-2.7 ``waagent_status.<incarnation>.json`` and 2.8+ ``history/*/waagent_status.json``: the
  status blob v1.1 (``aggregateStatus.guestAgentStatus``, ``handlerAggregateStatus`` with
  ``runtimeSettingsStatus``, ``vmArtifactsAggregateStatus``), plus ``_metadataNotSentToCRP`` in 2.5-2.7.

Events: one ``status_write`` for the document, one ``ext_status`` per handler (the settings status
described like a ``.status`` file, VMSnapshot quirks included), ``goal_state_process`` for the
goal-state aggregate status, ``agent_update`` for an update status.  ``guestOSInfo.computerName``
(the host name) is never kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from analyzer.model import Clock, Event, EventKind
from parsers import registry
from parsers._state_common import (
    BAD,
    as_int,
    guarded,
    history_stamp,
    incarnation_from_name,
    line_of,
    load_json,
    opt_text,
    parse_utc_stamp,
    read_doc,
    scrub_urls,
    short,
)
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.handler_status_file import describe_status
from parsers.patterns import Sample

KIND = "waagent_status_json"


def _msg(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("message")
    return short(scrub_urls(value), 300) if isinstance(value, str) else ""


def _time(raw: Any, ctx: ParseContext, line: int) -> datetime | None:
    if not isinstance(raw, str) or not raw:
        return None
    wall = parse_utc_stamp(raw)
    if wall is None:
        ctx.warn(f"waagent status: impossible timestamp {short(raw, 60)!r}", line)
    return wall


def _summary_era(doc: dict[str, Any], text: str, ctx: ParseContext) -> Iterator[Event]:
    raw = doc.get("last_successful_status_upload_time")
    line = line_of(text, '"last_successful_status_upload_time"')
    wall = _time(raw, ctx, line)
    version = opt_text(doc.get("current_version") or doc.get("goal_state_version"), 60)
    if isinstance(version, str):
        ctx.fact("agent.goal_state_version", version, line=line_of(text, '"current_version"'), source="waagent_status")
    python = doc.get("python_version")
    if isinstance(python, str):
        ctx.fact(
            "agent.python", short(python.replace("Python:", "").strip(), 60), line=line_of(text, '"python_version"')
        )
    distro = doc.get("distro_details")
    if isinstance(distro, str):
        ctx.fact("agent.distro", short(distro, 100), line=line_of(text, '"distro_details"'))
    handlers = doc.get("extensions_status")
    handlers = handlers if isinstance(handlers, list) else []
    yield Event(
        line=line,
        kind=EventKind.STATUS_WRITE,
        message=f"waagent_status.json agent {version}: status attempt at {raw}, {len(handlers)} handler(s)",
        wall=wall,
        clock=Clock.UTC if wall else Clock.UNKNOWN,
        time_raw=raw if isinstance(raw, str) else "",
        # The file is rewritten after every attempt: the time is an attempt, not a success.
        attrs={"version": version, "document": "waagent_status", "upload_confirmed": False},
    )
    pos = 0
    for handler in handlers:
        if not isinstance(handler, dict):
            continue
        name, hversion = opt_text(handler.get("name")), opt_text(handler.get("version"), 60)
        state = opt_text(handler.get("status"), 60)
        pos = text.find(f'"{name}"', pos) if isinstance(name, str) else -1
        hline = text.count("\n", 0, pos) + 1 if pos >= 0 else line
        pos = max(pos, 0) + 1
        if isinstance(name, str) and state is not None:
            ctx.fact("extension.state", state, line=hline, name=name, version=hversion, source="waagent_status")
        yield Event(
            line=hline,
            kind=EventKind.EXT_STATUS,
            message=f"handler {name} {hversion}: {state}",
            wall=wall,
            clock=Clock.UTC if wall else Clock.UNKNOWN,
            time_raw=raw if isinstance(raw, str) else "",
            handler=name if isinstance(name, str) else None,
            handler_version=str(hversion) if hversion is not None else None,
            attrs={"handler_status": state},
        )


def _blob_era(doc: dict[str, Any], text: str, ctx: ParseContext) -> Iterator[Event]:
    agg = doc.get("aggregateStatus") if isinstance(doc.get("aggregateStatus"), dict) else {}
    raw = doc.get("timestampUTC")
    line = line_of(text, '"timestampUTC"')
    wall = _time(raw, ctx, line)
    raw = raw if isinstance(raw, str) else ""
    clock = Clock.UTC if wall else Clock.UNKNOWN
    ga = agg.get("guestAgentStatus") if isinstance(agg.get("guestAgentStatus"), dict) else {}
    version, ga_status = opt_text(ga.get("version"), 60), opt_text(ga.get("status"), 60)
    gline = line_of(text, '"guestAgentStatus"')
    if isinstance(version, str):
        ctx.fact("agent.goal_state_version", version, line=gline, source="waagent_status")
    if isinstance(ga_status, str):
        ctx.fact("agent.status", ga_status, line=gline)
    meta = doc.get("_metadataNotSentToCRP")
    if isinstance(meta, dict):
        if isinstance(meta.get("daemonVersion"), str):
            ctx.fact("agent.daemon_version", meta["daemonVersion"], line=line_of(text, '"daemonVersion"'))
        if isinstance(meta.get("pythonVersion"), str):
            ctx.fact(
                "agent.python",
                meta["pythonVersion"].replace("Python:", "").strip(),
                line=line_of(text, '"pythonVersion"'),
            )
    os_info = doc.get("guestOSInfo")
    if isinstance(os_info, dict):  # computerName is the host name (PII): skipped
        for key, fact in (("osName", "agent.os_name"), ("osVersion", "agent.os_version")):
            if isinstance(os_info.get(key), str):
                ctx.fact(fact, os_info[key], line=line_of(text, f'"{key}"'))
    handlers = agg.get("handlerAggregateStatus")
    handlers = handlers if isinstance(handlers, list) else []
    yield Event(
        line=line,
        kind=EventKind.STATUS_WRITE,
        message=(
            f"status blob {doc.get('version')} agent {version} {ga_status}: {_msg(ga.get('formattedMessage'))} "
            f"({len(handlers)} handler(s))"
        ),
        wall=wall,
        clock=clock,
        time_raw=raw,
        attrs={"version": version, "status": ga_status, "document": "status_blob"},
    )
    update = ga.get("updateStatus")
    if isinstance(update, dict):
        uline = line_of(text, '"updateStatus"')
        yield Event(
            line=uline,
            kind=EventKind.AGENT_UPDATE,
            message=(
                f"agent update to {update.get('expectedVersion')}: {update.get('status')} code={update.get('code')} "
                f"{_msg(update.get('formattedMessage'))}"
            ),
            wall=wall,
            clock=clock,
            time_raw=raw,
            attrs={
                "version": update.get("expectedVersion"),
                "status": update.get("status"),
                "code": str(update.get("code")) if update.get("code") is not None else None,
            },
        )
    gs = (agg.get("vmArtifactsAggregateStatus") or {}).get("goalStateAggregateStatus")
    if isinstance(gs, dict):
        graw = gs.get("timestampUTC") if isinstance(gs.get("timestampUTC"), str) else ""
        gsline = line_of(text, '"goalStateAggregateStatus"')
        gwall = _time(graw, ctx, gsline)
        yield Event(
            line=gsline,
            kind=EventKind.GOAL_STATE_PROCESS,
            message=(
                f"goal state inSvdSeqNo={gs.get('inSvdSeqNo')} {gs.get('status')} code={gs.get('code')}: "
                f"{_msg(gs.get('formattedMessage'))}"
            ),
            wall=gwall,
            clock=Clock.UTC if gwall else Clock.UNKNOWN,
            time_raw=graw,
            attrs={
                "in_svd_seq_no": as_int(gs.get("inSvdSeqNo")),
                "status": gs.get("status"),
                "code": str(gs.get("code")) if gs.get("code") is not None else None,
            },
        )
    pos = 0
    for handler in handlers:
        if not isinstance(handler, dict):
            continue
        name, hversion = opt_text(handler.get("handlerName")), opt_text(handler.get("handlerVersion"), 60)
        state, code = opt_text(handler.get("status"), 60), opt_text(handler.get("code"), 20)
        pos = text.find(f'"{name}"', pos) if isinstance(name, str) else -1
        hline = text.count("\n", 0, pos) + 1 if pos >= 0 else line
        pos = max(pos, 0) + 1
        if isinstance(name, str):
            ctx.fact("extension.state", state, line=hline, name=name, version=hversion, code=code, source="status_blob")
            if isinstance(hversion, str):
                ctx.fact("extension.version", hversion, line=hline, name=name, source="status_blob")
        attrs: dict[str, Any] = {"handler_status": state}
        if code is not None:
            attrs["handler_code"] = str(code)
        summary = f"handler {name} {hversion}: {state} code={code} {_msg(handler.get('formattedMessage'))}".rstrip()
        hwall, hraw = wall, raw
        rss = handler.get("runtimeSettingsStatus")
        if isinstance(rss, dict):
            seq = as_int(rss.get("sequenceNumber"))
            settings = rss.get("settingsStatus") if isinstance(rss.get("settingsStatus"), dict) else {}
            status = settings.get("status")
            if isinstance(status, dict):
                sattrs, ssummary = describe_status(status, name if isinstance(name, str) else None)
                attrs.update(sattrs)
                summary += f"; settings seq={seq}: {ssummary}"
                if "code" in sattrs:
                    ctx.fact(
                        "status.code",
                        sattrs["code"],
                        line=hline,
                        seq=seq,
                        name=name,
                        status=sattrs.get("status"),
                        outcome=sattrs.get("outcome"),
                        source="status_blob",
                    )
            if seq is not None:
                attrs["seq"] = seq
            if isinstance(rss.get("extensionName"), str):
                attrs["extension"] = rss["extensionName"]
            sraw = settings.get("timestampUTC")
            swall = _time(sraw, ctx, hline)
            if swall:
                hwall, hraw = swall, sraw
        yield Event(
            line=hline,
            kind=EventKind.EXT_STATUS,
            message=summary,
            wall=hwall,
            clock=Clock.UTC if hwall else Clock.UNKNOWN,
            time_raw=hraw,
            handler=name if isinstance(name, str) else None,
            handler_version=str(hversion) if hversion is not None else None,
            attrs=attrs,
        )


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    return guarded(_parse(reader, ctx), ctx)


def _parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    text = read_doc(reader)
    ctx.records += 1
    doc = load_json(text, ctx, "waagent status")
    if doc is BAD:
        return
    if not isinstance(doc, dict):
        ctx.warn("waagent status: top level is not an object", 1)
        ctx.unclassified += 1
        return
    inc = incarnation_from_name(ctx.path)
    if inc is None:
        _, _, inc = history_stamp(ctx.path, ctx.member)
    if inc is not None:
        ctx.fact("status.incarnation", inc, line=1)
    if "aggregateStatus" in doc:
        yield from _blob_era(doc, text, ctx)
    elif "extensions_status" in doc or "agent_name" in doc:
        yield from _summary_era(doc, text, ctx)
    else:
        ctx.warn("waagent status: unknown document shape", 1)
        ctx.unclassified += 1


def _sniff(head: str) -> bool:
    return '"aggregateStatus"' in head or ('"agent_name"' in head and '"goal_state_version"' in head)


_SUMMARY = (
    '{"agent_name": "WALinuxAgent", "current_version": "2.2.45", "goal_state_version": "2.2.45", '
    '"distro_details": "ubuntu:18.04", "last_successful_status_upload_time": "2020-03-05T02:41:07Z", '
    '"python_version": "Python: 3.6.9", "extensions_status": [{"name": '
    '"Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "version": "1.0.9164.0", "status": "Ready"}]}'
)
_BLOB = """{
  "version": "1.1",
  "timestampUTC": "2024-03-05T02:42:00Z",
  "aggregateStatus": {
    "guestAgentStatus": {"version": "2.9.1.1", "status": "Ready",
                         "formattedMessage": {"lang": "en-US", "message": "Guest Agent is running"}},
    "handlerAggregateStatus": [
      {"handlerVersion": "1.0.9225.0", "handlerName": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux",
       "status": "Ready", "code": 0, "useExactVersion": true,
       "formattedMessage": {"lang": "en-US", "message": "Plugin enabled"},
       "runtimeSettingsStatus": {"settingsStatus": {"status": {
           "name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux",
           "configurationAppliedTime": null, "operation": "Enable", "status": "success", "code": "4",
           "formattedMessage": {"lang": "en-US", "message": "Transitioning state in extension"}},
           "version": 1.0, "timestampUTC": "2024-03-05T02:30:12Z"}, "sequenceNumber": 18}}
    ]
  },
  "guestOSInfo": {"computerName": "backupvm", "osName": "ubuntu", "osVersion": "22.04", "version": "2.9.1.1"}
}
"""

registry.register(
    ParserSpec(
        name="Agent status (waagent_status*.json)",
        kind=KIND,
        parse=parse,
        paths=("waagent_status.json", "waagent_status.*.json", "*/history/*/waagent_status.json"),
        sniff=_sniff,
        priority=60,
        description="agent status and per-handler aggregate status, all eras",
        samples=(
            Sample(
                text=_SUMMARY,
                kind=EventKind.STATUS_WRITE,
                attrs={"version": "2.2.45", "upload_confirmed": False},
                path="var/lib/waagent/waagent_status.json",
            ),
            Sample(
                text=_BLOB,
                kind=EventKind.STATUS_WRITE,
                attrs={"version": "2.9.1.1", "status": "Ready"},
                path="var/lib/waagent/history/2024-03-05T02-42-00__18/waagent_status.json",
            ),
        ),
    )
)
