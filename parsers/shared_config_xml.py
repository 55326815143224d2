"""``SharedConfig.xml``: deployment / role / instance names and the instance's private address."""

from __future__ import annotations

from collections.abc import Iterator

from analyzer.model import Event, EventKind
from parsers import registry
from parsers._state_common import (
    RoleIdentity,
    child,
    children,
    guarded,
    history_stamp,
    line_of,
    local,
    parse_xml,
    read_doc,
)
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.patterns import Sample

KIND = "shared_config_xml"


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    return guarded(_parse(reader, ctx), ctx)


def _parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    text = read_doc(reader)
    ctx.records += 1
    root = parse_xml(text, ctx, "SharedConfig")
    if root is None:
        return
    if local(root.tag) != "SharedConfig":
        ctx.warn(f"SharedConfig: unexpected root element <{local(root.tag)}>", 1)
        ctx.unclassified += 1
        return
    wall, raw, _ = history_stamp(ctx.path, ctx.member)
    ident = RoleIdentity(root)
    instances = children(child(root, "Instances"), "Instance")
    ident.record(ctx, text, "SharedConfig")
    address = None
    for node in instances:
        ident_id = node.get("id")
        if (ident_id and ident_id == ident.instance) or len(instances) == 1:
            address = node.get("address")
    if address:
        ctx.fact("network.private_ip", address, line=line_of(text, f'address="{address}"'), source="SharedConfig")
    yield ident.event("SharedConfig", wall, raw, f" instances={len(instances)}", {"instances": len(instances)})


def _sniff(head: str) -> bool:
    return "<SharedConfig" in head


_SAMPLE = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<SharedConfig version="1.0.0.0" goalStateIncarnation="2">\n'
    '  <Deployment name="9c0d6a5e2f8b4a47a1c3c3e7a0b1c2d3"'
    ' guid="{ce5a036f-5c93-40e7-8adf-2613631008ab}" incarnation="0" />\n'
    '  <Incarnation number="2" instance="_backupvm" guid="{87a8f1e2-7ec6-4851-b301-045f93f66805}" />\n'
    '  <Role guid="{73d95f1c-6472-e58e-7a1a-523554e11d46}" name="_backupvm" settleTimeSeconds="0" />\n'
    '  <Instances>\n    <Instance id="_backupvm" address="10.1.0.4">\n'
    '      <FaultDomains randomId="0" updateId="0" updateCount="0" />\n      <InputEndpoints />\n'
    "    </Instance>\n  </Instances>\n</SharedConfig>\n"
)

registry.register(
    ParserSpec(
        name="SharedConfig.xml",
        kind=KIND,
        parse=parse,
        paths=("SharedConfig.xml", "SharedConfig.*.xml"),
        sniff=_sniff,
        priority=60,
        description="deployment / role / instance names from the shared configuration",
        samples=(
            Sample(
                text=_SAMPLE,
                kind=EventKind.GOAL_STATE_FETCH,
                attrs={"incarnation": 2, "role_name": "_backupvm", "deployment": "9c0d6a5e2f8b4a47a1c3c3e7a0b1c2d3"},
            ),
        ),
    )
)
