"""``<handler dir>/mrseq``: the last sequence number a HandlerUtil-based extension processed.

VMSnapshotLinux skips an enable whose seq equals it and resets it to ``-1`` when the machine
identity changed (restore / clone).  No time in the file.
"""

from __future__ import annotations

from collections.abc import Iterator

from analyzer.model import Event, EventKind
from parsers import registry
from parsers._state_common import guarded, handler_from_path, read_doc, short
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.patterns import Sample

KIND = "mrseq"


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    return guarded(_parse(reader, ctx), ctx)


def _parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    text = read_doc(reader, 4096).strip()
    ctx.records += 1
    name, version = handler_from_path(ctx.path, ctx.member)
    try:
        seq = int(text)
    except ValueError:
        ctx.warn(f"mrseq: not an integer: {short(text, 60)!r}", 1)
        ctx.unclassified += 1
        return
    ctx.fact("mrseq", seq, line=1, name=name, version=version)
    attrs: dict[str, object] = {"seq": seq}
    if seq < 0:
        attrs["reset"] = True  # machine identity changed (restore / clone)
    yield Event(
        line=1,
        kind=EventKind.EXT_STATUS,
        message=f"mrseq {name or ''} {version or ''}: last processed seq {seq}".replace("  ", " "),
        handler=name,
        handler_version=version,
        attrs=attrs,
    )


registry.register(
    ParserSpec(
        name="Last processed sequence number (mrseq)",
        kind=KIND,
        parse=parse,
        paths=("mrseq",),
        priority=60,
        description="the extension's most recent processed ConfigSequenceNumber",
        samples=(
            Sample(
                text="25\n",
                kind=EventKind.EXT_STATUS,
                handler="Microsoft.Azure.RecoveryServices.VMSnapshotLinux",
                attrs={"seq": 25},
                path="var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/mrseq",
            ),
        ),
    )
)
