"""mrseq: last processed sequence number."""

from __future__ import annotations

from parsers.testing import parse_text

PATH = "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/mrseq"


def test_value_and_reset():
    events, ctx = parse_text("mrseq", "31", path=PATH)
    assert events[0].attrs == {"seq": 31}
    assert ctx.facts[0].value == 31 and ctx.facts[0].attrs["version"] == "1.0.9225.0"
    events, _ = parse_text("mrseq", "-1\n", path=PATH)
    assert events[0].attrs["reset"] is True


def test_garbage():
    events, ctx = parse_text("mrseq", "thirty", path=PATH)
    assert events == [] and len(ctx.warnings) == 1
