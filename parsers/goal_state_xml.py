"""WireServer goal state (``GoalState.N.xml`` in ≤2.7 lib roots, ``history/*/GoalState.xml`` in 2.8+).

One document → one ``goal_state_fetch`` event (time: the history folder's UTC stamp when the file
sits in one) and facts: incarnation, container and role-instance ids, the WireServer host the
configuration URIs point at.  2.8+ leaves a placeholder ``GoalState.1.xml`` (``<xml>empty
placeholder file</xml>``): recognised and skipped without a warning.
"""

from __future__ import annotations

from collections.abc import Iterator

from analyzer.model import Clock, Event, EventKind
from parsers import registry
from parsers._state_common import (
    child,
    children,
    guarded,
    history_stamp,
    incarnation_from_name,
    line_of,
    local,
    parse_xml,
    read_doc,
    text_of,
    url_parts,
)
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.patterns import Sample

KIND = "goal_state_xml"
_CONFIG_DOCS = ("HostingEnvironmentConfig", "SharedConfig", "ExtensionsConfig", "FullConfig", "Certificates")


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    return guarded(_parse(reader, ctx), ctx)


def _parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    text = read_doc(reader)
    ctx.records += 1
    if "empty placeholder file" in text[:200]:
        return
    root = parse_xml(text, ctx, "GoalState")
    if root is None:
        return
    if local(root.tag) != "GoalState":
        ctx.warn(f"GoalState: unexpected root element <{local(root.tag)}>", 1)
        ctx.unclassified += 1
        return
    wall, raw, hist_inc = history_stamp(ctx.path, ctx.member)
    inc_text = text_of(root, "Incarnation")
    incarnation = int(inc_text) if inc_text and inc_text.isdigit() else incarnation_from_name(ctx.path) or hist_inc
    container = text_of(root, "Container", "ContainerId")
    role = child(root, "Container", "RoleInstanceList", "RoleInstance")
    instance = text_of(role, "InstanceId")
    state = text_of(role, "State")
    expected = text_of(root, "Machine", "ExpectedState")
    hosts: set[str] = set()
    config = child(role, "Configuration")
    docs = []
    for name in _CONFIG_DOCS:
        for node in children(config, name):
            if node.text:
                host, _ = url_parts(node.text)
                if host:
                    hosts.add(host)
                docs.append(name)
    line = line_of(text, "<Incarnation>")
    if incarnation is not None:
        ctx.fact("goal_state.incarnation", incarnation, line=line, time_raw=raw, source="GoalState")
    if container:
        ctx.fact("goal_state.container_id", container, line=line_of(text, "<ContainerId>"))
    if instance:
        ctx.fact("goal_state.role_instance_id", instance, line=line_of(text, "<InstanceId>"))
    if expected:
        ctx.fact("goal_state.expected_state", expected, line=line_of(text, "<ExpectedState>"))
    for host in sorted(hosts):
        # The configuration URIs name the WireServer the agent talked to (168.63.129.16 normally).
        ctx.fact("wireserver", host, line=line_of(text, host), source="GoalState")
    attrs: dict[str, object] = {"document": "GoalState", "configs": docs}
    if incarnation is not None:
        attrs["incarnation"] = incarnation
    if hosts:
        attrs["host"] = sorted(hosts)[0]
    if state:
        attrs["state"] = state
    message = f"GoalState incarnation={incarnation} container={container} instance={instance} state={state}"
    yield Event(
        line=line,
        kind=EventKind.GOAL_STATE_FETCH,
        message=message,
        wall=wall,
        clock=Clock.UTC if wall else Clock.UNKNOWN,
        time_raw=raw,
        attrs=attrs,
    )


def _sniff(head: str) -> bool:
    return "<GoalState" in head and "<Incarnation>" in head


_SAMPLE = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<GoalState xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    ' xsi:noNamespaceSchemaLocation="goalstate10.xsd">\n'
    "  <Version>2012-11-30</Version>\n  <Incarnation>7</Incarnation>\n"
    "  <Machine><ExpectedState>Started</ExpectedState></Machine>\n"
    "  <Container>\n    <ContainerId>5a1d7e0c-3c11-4b54-9d8e-64a2b0a0f0aa</ContainerId>\n"
    "    <RoleInstanceList><RoleInstance>\n"
    "      <InstanceId>0c2c3d6e-41f3-4b5e-8a55-6a0b6f6f0b1d._backupvm</InstanceId>\n"
    "      <State>Started</State>\n      <Configuration>\n"
    "        <ExtensionsConfig>http://168.63.129.16:80/machine/5a1d7e0c/0c2c3d6e.%5Fbackupvm"
    "?comp=config&amp;type=extensionsConfig&amp;incarnation=7</ExtensionsConfig>\n"
    "      </Configuration>\n    </RoleInstance></RoleInstanceList>\n  </Container>\n</GoalState>\n"
)

registry.register(
    ParserSpec(
        name="WireServer goal state",
        kind=KIND,
        parse=parse,
        paths=("GoalState.xml", "GoalState.*.xml", "*/history/*/GoalState.xml"),
        sniff=_sniff,
        priority=60,
        description="GoalState.xml: incarnation, container / role instance ids, WireServer host",
        samples=(
            Sample(
                text=_SAMPLE,
                kind=EventKind.GOAL_STATE_FETCH,
                attrs={"incarnation": 7, "host": "168.63.129.16", "state": "Started"},
                path="var/lib/waagent/history/2024-05-01T10-00-00__7/GoalState.xml",
            ),
        ),
    )
)
