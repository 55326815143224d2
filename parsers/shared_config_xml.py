"""``SharedConfig.xml``: deployment / role / instance names and the instance's private address."""

from __future__ import annotations

from collections.abc import Iterator

from analyzer.model import Clock, Event, EventKind
from parsers import registry
from parsers._state_common import as_int, child, children, guarded, history_stamp, line_of, local, parse_xml, read_doc
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
    deployment = child(root, "Deployment")
    role = child(root, "Role")
    inc = child(root, "Incarnation")
    deployment_name = deployment.get("name") if deployment is not None else None
    role_name = role.get("name") if role is not None else None
    instance = inc.get("instance") if inc is not None else None
    incarnation = as_int(inc.get("number")) if inc is not None else as_int(root.get("goalStateIncarnation"))
    instances = children(child(root, "Instances"), "Instance")
    if deployment_name:
        ctx.fact("deployment.name", deployment_name, line=line_of(text, "<Deployment"), source="SharedConfig")
    if role_name:
        ctx.fact("role.name", role_name, line=line_of(text, "<Role "), source="SharedConfig")
    if instance:
        ctx.fact("role.instance", instance, line=line_of(text, "<Incarnation"), source="SharedConfig")
    address = None
    for node in instances:
        ident = node.get("id")
        if (ident and ident == instance) or len(instances) == 1:
            address = node.get("address")
    if address:
        ctx.fact("network.private_ip", address, line=line_of(text, f'address="{address}"'), source="SharedConfig")
    attrs: dict[str, object] = {"document": "SharedConfig", "instances": len(instances)}
    for key, value in (("incarnation", incarnation), ("deployment", deployment_name), ("role_name", role_name)):
        if value is not None:
            attrs[key] = value
    yield Event(
        line=1,
        kind=EventKind.GOAL_STATE_FETCH,
        message=(
            f"SharedConfig deployment={deployment_name} role={role_name} instance={instance} "
            f"incarnation={incarnation} instances={len(instances)}"
        ),
        wall=wall,
        clock=Clock.UTC if wall else Clock.UNKNOWN,
        time_raw=raw,
        attrs=attrs,
    )


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
