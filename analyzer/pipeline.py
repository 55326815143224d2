"""bundle → sources → parsers → timeline → (rules) → result: the one path every command takes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from analyzer.bundle import Bundle, open_bundle
from analyzer.limits import Limits
from analyzer.parse import ParseOutput, iter_events
from analyzer.timeline import Timeline, build
from analyzer.timezone import TimeZoneInfo


@dataclass
class Analysis:
    bundle: Bundle
    parsed: ParseOutput
    timeline: Timeline

    def close(self) -> None:
        self.bundle.close()

    def __enter__(self) -> Analysis:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def analyse(inputs: Iterable[str | Path], limits: Limits, tz: TimeZoneInfo | None = None) -> Analysis:
    """Open, parse and order one bundle.  The caller closes the result (temp files)."""
    bundle = open_bundle(inputs, limits)
    try:
        parsed = ParseOutput()
        timeline = build(iter_events(bundle, limits, parsed), parsed.facts, tz_override=tz)
    except BaseException:
        bundle.close()
        raise
    return Analysis(bundle, parsed, timeline)
