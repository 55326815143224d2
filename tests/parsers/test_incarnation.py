"""/var/lib/waagent/Incarnation."""

from __future__ import annotations

from parsers.testing import parse_text


def test_value():
    events, ctx = parse_text("incarnation", "12\n", path="var/lib/waagent/Incarnation")
    assert events[0].attrs["incarnation"] == 12
    assert ctx.facts[0].key == "goal_state.incarnation" and ctx.facts[0].attrs["stale_possible"] is True


def test_garbage():
    events, ctx = parse_text("incarnation", "\x00\x01", path="var/lib/waagent/Incarnation")
    assert events == [] and len(ctx.warnings) == 1
