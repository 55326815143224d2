"""``HostingEnvironmentConfig.xml``: deployment name, role name, incarnation of the hosting environment.

Classic deployments carry ``ApplicationSettings/Setting`` values such as storage connection strings
with ``AccountKey=``: only the number of settings and whether a key was present are kept.
"""

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

KIND = "hosting_env_xml"


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    return guarded(_parse(reader, ctx), ctx)


def _parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    text = read_doc(reader)
    ctx.records += 1
    root = parse_xml(text, ctx, "HostingEnvironmentConfig")
    if root is None:
        return
    if local(root.tag) != "HostingEnvironmentConfig":
        ctx.warn(f"HostingEnvironmentConfig: unexpected root element <{local(root.tag)}>", 1)
        ctx.unclassified += 1
        return
    wall, raw, _ = history_stamp(ctx.path, ctx.member)
    ident = RoleIdentity(root)
    settings = children(child(root, "ApplicationSettings"), "Setting")
    # AccountKey= marks a storage connection string: note the fact, never the value.
    has_key = any("accountkey=" in (s.get("value") or "").lower() for s in settings)
    ident.record(ctx, text, "HostingEnvironmentConfig")
    if ident.incarnation is not None:
        ctx.fact("hosting_env.incarnation", ident.incarnation, line=line_of(text, "<Incarnation"))
    if settings:
        ctx.fact(
            "hosting_env.application_settings",
            len(settings),
            line=line_of(text, "<ApplicationSettings"),
            has_account_key=has_key,
        )
    yield ident.event("HostingEnvironmentConfig", wall, raw, "", {"has_account_key": has_key})


def _sniff(head: str) -> bool:
    return "<HostingEnvironmentConfig" in head


_SAMPLE = (
    '<HostingEnvironmentConfig version="1.0.0.0" goalStateIncarnation="3">\n'
    '  <Deployment name="9c0d6a5e2f8b4a47a1c3c3e7a0b1c2d3"'
    ' guid="{ce5a036f-5c93-40e7-8adf-2613631008ab}" incarnation="0">\n'
    '    <Service name="backupvmService" guid="{00000000-0000-0000-0000-000000000000}" />\n'
    "  </Deployment>\n"
    '  <Incarnation number="3" instance="_backupvm" guid="{87a8f1e2-7ec6-4851-b301-045f93f66805}" />\n'
    '  <Role guid="{73d95f1c-6472-e58e-7a1a-523554e11d46}" name="_backupvm" settleTimeSeconds="0" />\n'
    "  <ApplicationSettings>\n"
    '    <Setting name="Diagnostics.ConnectionString" value="DefaultEndpointsProtocol=https;AccountName=diag;'
    'AccountKey=bm90LWEta2V5" />\n'
    "  </ApplicationSettings>\n"
    "</HostingEnvironmentConfig>\n"
)

registry.register(
    ParserSpec(
        name="HostingEnvironmentConfig.xml",
        kind=KIND,
        parse=parse,
        paths=("HostingEnvironmentConfig.xml", "HostingEnvironmentConfig.*.xml"),
        sniff=_sniff,
        priority=60,
        description="deployment, role and incarnation of the hosting environment (keys never kept)",
        samples=(
            Sample(
                text=_SAMPLE,
                kind=EventKind.GOAL_STATE_FETCH,
                attrs={"incarnation": 3, "role_name": "_backupvm", "has_account_key": True},
            ),
        ),
    )
)
