"""Year hints across a rotation group: ``syslog.2.gz``, ``syslog.1`` and ``syslog`` are one sequence.

The bundle reads a group oldest first, so an old file is parsed before the newer one that would
date it.  When an old file's stamps need a year, :class:`GroupHints` asks (once, lazily) for the
first record of the next newer file: :func:`first_record_time` reads that file's framings only,
and dates its first record with the same :class:`~parsers.syslog_years.YearResolver` and the same
hints its own parse will get, so the two can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from parsers.base import LineReader, ParseContext
from parsers.syslog import BUFFER_CAP, parse_offset, split_line
from parsers.syslog_years import YEAR_BEFORE, YearResolver, anchor_of


def first_record_time(reader: LineReader, ctx: ParseContext) -> datetime | None:
    """Local wall time of the first framed record, its year found as the syslog parse finds it
    (None when the file has no framed record or the stamp is impossible)."""
    years = YearResolver(ctx)
    first = None
    waiting = 0  # lines the parse would hold in its buffer while the year is unknown
    for _lineno, line in reader.lines():
        if not line.strip():
            continue
        fr = split_line(line)
        if first is None:
            if fr is None:
                continue
            if fr.wall is not None:  # dated: back to the VM's local wall time when it carried an offset
                delta = parse_offset(fr.offset) if fr.offset is not None else None
                return fr.wall if delta is None else fr.wall + delta
            first = fr
        waiting += 1
        if fr is not None and fr.wall is None:
            idx = years.observe(fr.month, fr.day, fr.tod)
            a = anchor_of(fr.message)
            if a is not None:
                years.anchor(a[0], a[1], fr.month, idx, _lineno)
        if years.base is not None:
            break
        if waiting >= BUFFER_CAP:
            years.settle(at_end=False)
            break
    if first is None:
        return None
    years.settle(at_end=True)
    h, mi, s, us = first.tod
    try:
        return datetime(years.base or 0, first.month, first.day, h, mi, s, us)
    except ValueError:
        return None


class GroupHints(dict[str, object]):
    """Hints whose ``year_before`` is computed on first look-up (most files date themselves and
    never look), by ``bound``: shared by copies, so a re-parse of a slice asks nothing new."""

    def __init__(self, base: dict[str, object], bound: Callable[[], datetime | None]) -> None:
        super().__init__(base)
        self._bound = bound

    def _resolve(self, key: object) -> None:
        if key == YEAR_BEFORE and not dict.__contains__(self, YEAR_BEFORE):
            value = self._bound()
            if value is not None:
                dict.__setitem__(self, YEAR_BEFORE, value)

    def get(self, key: str, default: Any = None) -> Any:
        self._resolve(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self._resolve(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self._resolve(key)
        return super().__contains__(key)

    def copy(self) -> GroupHints:  # type: ignore[override]
        return GroupHints(dict(self), self._bound)
