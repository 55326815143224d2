"""``/var/log/azure/<Handler>/CommandExecution*.log``: the agent's per-handler copy of its records.

The agent adds a file appender to each handler's logger, so this file holds that handler's
``[Name-Version]`` records (``Target handler state``, ``Enable extension``, ``Executing command``,
``Command:`` output …) in the same format as waagent.log (reference ``waagent-formats.md`` §1.8,
§3.9); multi-config handlers write ``CommandExecution_<ExtensionName>.log``.  Records without a
prefix take the handler from the folder name.
"""

from __future__ import annotations

from collections.abc import Iterator

from analyzer.model import Event, EventKind
from parsers import registry
from parsers.agent_messages import VMS as _VMS
from parsers.agent_messages import VMS_DIR as _DIR
from parsers.agent_messages import iso_line, legacy_line
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.patterns import Sample
from parsers.waagent_log import FactRecorder, count_headers, parse_agent_lines

K = EventKind


def handler_from_path(path: str) -> str | None:
    """The handler name of ``…/azure/<Handler>/CommandExecution[_<Ext>].log``, if the path has one."""
    parts = path.replace("\\", "/").split("/")
    if len(parts) < 2 or not parts[-1].startswith("CommandExecution"):
        return None
    folder = parts[-2]
    if not folder or folder in (".", "azure"):
        return None
    stem = parts[-1].rsplit(".log", 1)[0]
    ext_name = stem[len("CommandExecution_") :] if stem.startswith("CommandExecution_") else ""
    return f"{folder}.{ext_name}" if ext_name else folder


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    fallback = handler_from_path(ctx.path) or handler_from_path(ctx.member)
    yield from parse_agent_lines(reader.lines(), ctx, FactRecorder(ctx), handler_fallback=fallback)


def sniff(head: str) -> bool:
    """A loose copy: agent headers that are all handler-prefixed (waagent.log has Daemon/ExtHandler)."""
    modern, handler, _old = count_headers(head)
    return modern >= 2 and handler == modern


_P = f"ExtHandler [{_VMS}-1.0.9225.0]"

SAMPLES = (
    Sample(
        iso_line(_P, "Target handler state: enabled [incarnation_7]"),
        K.EXT_STATUS,
        "INFO",
        f"[{_VMS}-1.0.9225.0]",
        _VMS,
        {"incarnation": "7"},
    ),
    Sample(
        iso_line(
            _P,
            f"Executing command: {_DIR}/main/handle.sh enable with environment variables: "
            f'{{"AZURE_GUEST_AGENT_EXTENSION_PATH": "{_DIR}", "AZURE_GUEST_AGENT_EXTENSION_VERSION": "1.0.9225.0", '
            '"AZURE_GUEST_AGENT_WIRE_PROTOCOL_ADDRESS": "168.63.129.16", "ConfigSequenceNumber": "12"}',
        ),
        K.EXT_ENABLE,
        handler=_VMS,
        attrs={"seq": 12, "operation": "enable", "version": "1.0.9225.0"},
    ),
    Sample(
        iso_line(_P, "Command: main/handle.sh enable\n[stdout]\n2024/05/01 10:00:01 running enable\n[stderr]"),
        K.EXT_COMMAND_RESULT,
        handler=_VMS,
        attrs={"operation": "enable", "status": "success"},
    ),
    Sample(
        legacy_line(f"[{_VMS}-1.0.9149.0]", "Enable extension [main/handle.sh enable]"),
        K.EXT_ENABLE,
        handler=_VMS,
        attrs={"operation": "enable"},
    ),
    Sample(
        f"2020-01-08T10:00:00.123456Z INFO [{_VMS}-1.0.9164.0] [Enable] current handler state is: enabled",
        K.EXT_ENABLE,
        component=f"[{_VMS}-1.0.9164.0]",
        handler=_VMS,
    ),
)

SPEC = registry.register(
    ParserSpec(
        name="CommandExecution.log",
        kind="command_execution_log",
        parse=parse,
        paths=("var/log/azure/*/CommandExecution*.log", "CommandExecution*.log"),
        sniff=sniff,
        priority=73,
        description="Guest agent's per-extension record copy (/var/log/azure/<Handler>/CommandExecution.log)",
        samples=SAMPLES,
    )
)
