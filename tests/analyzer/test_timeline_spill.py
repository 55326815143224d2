"""The spill's rendered merge (the timeline command's jsonl fast path) against its plain event merge."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from analyzer.merge import EventSpill
from analyzer.model import Clock, Event, EventKind
from analyzer.timezone import parse_tz_option

T0 = datetime(2024, 5, 1, 10, 0, 0)


def _events() -> list[Event]:
    out = []
    for i in range(1, 80):
        wall = None if i % 17 == 0 else T0 + timedelta(seconds=(i * 37) % 101)
        clock = Clock.LOCAL if i % 3 == 0 else Clock.UTC
        out.append(Event(line=i, kind=EventKind.OTHER, message=f"m{i}", wall=wall, clock=clock, member="a.log",
                         source="a.log", source_index=i % 2))  # fmt: skip
    return out


@pytest.mark.parametrize("chunk", [7, 1000])  # several runs merged, and everything in one run (no run files)
def test_rendered_merge_keeps_the_order_of_the_event_merge(chunk: int) -> None:
    tz = parse_tz_option("+08:00")
    plain, rendered = EventSpill(chunk=chunk), EventSpill(chunk=chunk)
    try:
        for e in _events():
            plain.add(e)
            rendered.add(e)
        expected = [(ev.line, when, basis) for ev, when, basis in plain.sorted(tz) if ev.line % 5]
        got = list(rendered.sorted_rendered(tz, lambda row, when, basis: (row[0], when, basis) if row[0] % 5 else None))
        assert got == expected
        assert len(got) == len([e for e in _events() if e.line % 5])
    finally:
        plain.close()
        rendered.close()
