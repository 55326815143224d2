"""``<handler dir>/config/<seq>.settings`` (older ones renamed ``<seq>_settings``): facts only.

The file holds ``{"runtimeSettings":[{"handlerSettings":{"protectedSettingsCertThumbprint",
"protectedSettings","publicSettings"}}]}`` — credentials and SAS URLs.  Only the seq, *whether*
protected / public settings and a thumbprint are present, and the public settings' key names are
recorded; never a value.  VMSnapshotLinux strips ``protectedSettings`` after reading it, so a
thumbprint without protected settings is normal there.  An empty ``0.settings`` is normal too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from analyzer.model import Event, EventKind
from parsers import registry
from parsers._state_common import BAD, guarded, handler_from_path, load_json, name_of, read_doc
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.patterns import Sample

KIND = "extension_settings"
_SEQ = re.compile(r"^(?:(?P<ext>.+)\.)?(?P<seq>\d+)[._]settings$")


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    return guarded(_parse(reader, ctx), ctx)


def _parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    text = read_doc(reader)
    ctx.records += 1
    file_name = name_of(ctx.path)
    m = _SEQ.match(file_name)
    seq = int(m.group("seq")) if m else None
    extension = m.group("ext") if m else None
    name, version = handler_from_path(ctx.path, ctx.member)
    attrs: dict[str, Any] = {
        "has_protected_settings": False,
        "has_public_settings": False,
        "has_thumbprint": False,
        "current": not file_name.endswith("_settings"),
    }
    if seq is not None:
        attrs["seq"] = seq
    if extension:
        attrs["extension"] = extension
    if text.strip():
        doc = load_json(text, ctx, "settings file")
        if doc is BAD:
            return
        runtime = doc.get("runtimeSettings") if isinstance(doc, dict) else None
        handler = {}
        if isinstance(runtime, list) and runtime and isinstance(runtime[0], dict):
            handler = runtime[0].get("handlerSettings") or {}
        if isinstance(handler, dict):
            public = handler.get("publicSettings")
            attrs["has_protected_settings"] = bool(handler.get("protectedSettings"))
            attrs["has_public_settings"] = public not in (None, "", {}, "{}")
            attrs["has_thumbprint"] = bool(handler.get("protectedSettingsCertThumbprint"))
            if isinstance(public, dict):
                # Key names only: they tell which kind of request this was, the values may be secrets.
                attrs["public_keys"] = sorted(str(k) for k in public)[:40]
    else:
        attrs["empty"] = True
    ctx.fact("settings.seq", seq, line=1, name=name, version=version, **{k: v for k, v in attrs.items() if k != "seq"})
    present = [k[4:] for k in ("has_protected_settings", "has_public_settings", "has_thumbprint") if attrs[k]]
    yield Event(
        line=1,
        kind=EventKind.GOAL_STATE_PROCESS,
        message=f"settings file {file_name} for {name or 'extension'}: {', '.join(present) or 'no settings'}",
        handler=name,
        handler_version=version,
        attrs=attrs,
    )


registry.register(
    ParserSpec(
        name="Extension settings file (<seq>.settings)",
        kind=KIND,
        parse=parse,
        paths=("*/config/*.settings", "*/config/*_settings", "[0-9]*.settings", "[0-9]*_settings"),
        priority=60,
        description="which settings the agent handed to an extension for a seq (presence only)",
        samples=(
            Sample(
                text='{"runtimeSettings":[{"handlerSettings":{"protectedSettingsCertThumbprint":'
                '"F6ABAA61098A301EBB8A571C3C7CF77F355F7FA9","publicSettings":{"locale":"en-us","taskId":'
                '"3f2c9d1e-7b54-4c1a-9e0f-5d6a7b8c9d0e","vmType":"microsoft.compute/virtualmachines"}}}]}',
                kind=EventKind.GOAL_STATE_PROCESS,
                handler="Microsoft.Azure.RecoveryServices.VMSnapshotLinux",
                attrs={"seq": 17, "has_protected_settings": False, "has_thumbprint": True, "current": True},
                path="var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/config/17.settings",
            ),
        ),
    )
)
