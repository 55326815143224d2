"""Agent-written handler state: ``<handler dir>/config/HandlerState`` and ``config/HandlerStatus``.

``HandlerState`` is one word (``NotInstalled``, ``Installed``, ``Enabled``, ``FailedUpgrade``;
multi-config ``<ExtName>.HandlerState`` holds ``enabled``/``disabled``).  ``HandlerStatus`` is the
JSON the agent reports for the handler: ``name``, ``version``, ``status`` (Ready/NotReady),
``code``, ``message``, ``supports_multi_config``.  Neither carries a time.
"""

from __future__ import annotations

from collections.abc import Iterator

from analyzer.model import Event, EventKind
from parsers import registry
from parsers._state_common import BAD, guarded, handler_from_path, load_json, name_of, read_doc, scrub_urls, short
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.patterns import Sample

KIND = "handler_state"
_STATES = {"notinstalled", "installed", "enabled", "failedupgrade", "disabled", "uninstall"}


def _state(text: str, ctx: ParseContext, name: str | None, version: str | None) -> Iterator[Event]:
    value = text.strip()
    extension = None
    file_name = name_of(ctx.path)
    if file_name.endswith(".HandlerState"):
        extension = file_name[: -len(".HandlerState")]
    if value.lower() not in _STATES:
        ctx.warn(f"HandlerState: unexpected content {short(value, 60)!r}", 1)
        ctx.unclassified += 1
        return
    ctx.fact("extension.state", value, line=1, name=name, version=version, extension=extension, source="HandlerState")
    attrs = {"state": value}
    if extension:
        attrs["extension"] = extension
    yield Event(
        line=1,
        kind=EventKind.EXT_STATUS,
        message=f"HandlerState {name or ''} {version or ''}: {value}".replace("  ", " "),
        handler=name,
        handler_version=version,
        attrs=attrs,
    )


def _status(text: str, ctx: ParseContext, name: str | None, version: str | None) -> Iterator[Event]:
    doc = load_json(text, ctx, "HandlerStatus")
    if doc is BAD:
        return
    if not isinstance(doc, dict):
        ctx.warn("HandlerStatus: top level is not an object", 1)
        ctx.unclassified += 1
        return
    name = doc.get("name") if isinstance(doc.get("name"), str) else name
    version = str(doc["version"]) if doc.get("version") is not None else version
    status, code = doc.get("status"), doc.get("code")
    message = short(scrub_urls(doc["message"]), 400) if isinstance(doc.get("message"), str) else ""
    ctx.fact("extension.handler_status", status, line=1, name=name, version=version, code=code)
    attrs = {"handler_status": status}
    if code is not None:
        attrs["code"] = str(code)
    if doc.get("supports_multi_config") is not None:
        attrs["multi_config"] = bool(doc.get("supports_multi_config"))
    yield Event(
        line=1,
        kind=EventKind.EXT_STATUS,
        message=f"HandlerStatus {name} {version}: {status} code={code} {message}".rstrip(),
        handler=name,
        handler_version=version,
        attrs=attrs,
    )


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    return guarded(_parse(reader, ctx), ctx)


def _parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    text = read_doc(reader, 1 << 20)
    ctx.records += 1
    name, version = handler_from_path(ctx.path, ctx.member)
    if name_of(ctx.path) == "HandlerStatus" or text.lstrip().startswith("{"):
        yield from _status(text, ctx, name, version)
    else:
        yield from _state(text, ctx, name, version)


_DIR = "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/config/"

registry.register(
    ParserSpec(
        name="Handler state (config/HandlerState, config/HandlerStatus)",
        kind=KIND,
        parse=parse,
        paths=("HandlerState", "*.HandlerState", "HandlerStatus"),
        priority=60,
        description="the agent's install/enable state and reported status of one handler",
        samples=(
            Sample(
                text="Enabled",
                kind=EventKind.EXT_STATUS,
                handler="Microsoft.Azure.RecoveryServices.VMSnapshotLinux",
                attrs={"state": "Enabled"},
                path=_DIR + "HandlerState",
            ),
            Sample(
                text='{"name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "version": "1.0.9225.0", '
                '"status": "Ready", "code": 0, "message": "Plugin enabled", "supports_multi_config": false, '
                '"extension_status": null}',
                kind=EventKind.EXT_STATUS,
                handler="Microsoft.Azure.RecoveryServices.VMSnapshotLinux",
                attrs={"handler_status": "Ready", "code": "0"},
                path=_DIR + "HandlerStatus",
            ),
        ),
    )
)
