"""``/var/lib/waagent/Incarnation`` (≤2.7): the incarnation of the last goal state fetched.

2.8+ no longer writes it but does not delete it either, so a stale file can survive an update:
the fact carries ``stale_possible``.
"""

from __future__ import annotations

from collections.abc import Iterator

from analyzer.model import Event, EventKind
from parsers import registry
from parsers._state_common import guarded, read_doc, short
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.patterns import Sample

KIND = "incarnation"


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    return guarded(_parse(reader, ctx), ctx)


def _parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    text = read_doc(reader, 4096).strip()
    ctx.records += 1
    if not text.isdigit():
        ctx.warn(f"Incarnation: not a number: {short(text, 60)!r}", 1)
        ctx.unclassified += 1
        return
    value = int(text)
    ctx.fact("goal_state.incarnation", value, line=1, source="Incarnation", stale_possible=True)
    yield Event(
        line=1,
        kind=EventKind.GOAL_STATE_FETCH,
        message=f"Incarnation file: {value}",
        attrs={"incarnation": value, "document": "Incarnation"},
    )


registry.register(
    ParserSpec(
        name="Incarnation file",
        kind=KIND,
        parse=parse,
        paths=("Incarnation", "var/lib/waagent/Incarnation"),
        priority=60,
        description="incarnation number of the last goal state (agents up to 2.7)",
        samples=(
            Sample(
                text="12",
                kind=EventKind.GOAL_STATE_FETCH,
                attrs={"incarnation": 12},
                path="var/lib/waagent/Incarnation",
            ),
        ),
    )
)
