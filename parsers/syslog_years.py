"""Which year the year-less stamps of a syslog file fall in.

In this order:

1. dated records of the same file (the agent's own ISO stamps copied behind the syslog header,
   dated framings) fix the year where they stand;
2. ``ctx.hints["year_before"]``: the local wall time of the first record of the next *newer* file
   of the rotation group (``syslog`` for ``syslog.1``).  Rotation cuts a file where the next one
   starts, so this file's last record is at or before that moment: its year is the latest one
   that keeps it so (``Dec 31`` before ``Jan 1 2025`` is 2024);
3. ``ctx.hints["year"]``: the newest year the bundle showed so far, taken as the year of the
   file's last record, unless that puts it more than half a year from the newest *dated* record
   of the bundle (``ctx.hints["newest_anchor"]``): a syslog ending ``Dec 31`` next to an agent log
   ending ``2025-01-01T00:10Z`` ends in 2024, not eleven months after everything else, and one
   ending ``Jan 1 06:51`` next to an agent log ending ``2024-12-31T23:14Z`` ends in 2025;
4. today, with a warning.

Whatever the source, the last record is never put after today (plus a day for time zones): a
log cannot be newer than its collection (file modification times in a bundle are not reliable).
Earlier records are walked back over Dec→Jan rollovers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from parsers.base import ParseContext

YEAR_BEFORE = "year_before"  # hint: local wall time of the newer rotated sibling's first record
NEWEST_ANCHOR = "newest_anchor"  # hint: the newest dated (not year-inferred) time of the bundle so far
# Local stamps against a UTC "now", and records a little out of order across the rotation cut.
SLACK = timedelta(days=1)
# The files of a bundle are collected together: a syslog whose last record would be more than
# half a year from the newest dated record has the wrong year (the same six months the Dec→Jan
# rollover rule trusts).  A syslog going on for longer after every dated log stopped is misdated.
NEAR_ANCHOR = timedelta(days=183)


def now() -> datetime:
    """Today as a naive UTC wall time (a function, so tests can pin it)."""
    return datetime.now(UTC).replace(tzinfo=None)


def anchor_of(message: str) -> tuple[int, int] | None:
    """(year, month) of a dated record embedded in a message: the agent's ISO or legacy stamp."""
    if len(message) >= 10 and message[:4].isdigit() and message[4] in "-/" and message[7] == message[4]:
        try:
            year, month = int(message[:4]), int(message[5:7])
        except ValueError:
            return None
        if 1990 < year < 2200 and 1 <= month <= 12:
            return year, month
    return None


Stamp = tuple[int, int, tuple[int, int, int, int]]  # month, day, (h, m, s, µs)


def latest_year_not_after(stamp: Stamp, limit: datetime) -> int | None:
    """The latest year in which the year-less ``stamp`` is not after ``limit`` (None: never valid,
    e.g. Feb 30)."""
    month, day, (h, mi, s, us) = stamp
    for year in range(limit.year, limit.year - 9, -1):  # Feb 29 may need eight years back
        try:
            if datetime(year, month, day, h, mi, s, us) <= limit:
                return year
        except ValueError:
            continue
    return None


class YearResolver:
    """Which year the year-less stamps of one file fall in (see the module docstring)."""

    def __init__(self, ctx: ParseContext) -> None:
        self.ctx = ctx
        self._hint: int | None = None
        self._hint_read = False
        self.base: int | None = None  # year of the first year-less record
        self.rollovers = 0
        self._prev_month = 0
        self.last: Stamp | None = None  # the latest year-less stamp seen (file order)
        self._rebased = False

    @property
    def hint(self) -> int | None:
        """``ctx.hints["year"]``, read only when needed: a file dated by its own records never asks,
        so its parse does not depend on the hint (analyzer.parse parses such files ahead, in parallel)."""
        if not self._hint_read:
            self._hint_read = True
            raw = self.ctx.hints.get("year")
            try:
                self._hint = int(raw) if raw is not None else None
            except (TypeError, ValueError):
                self._hint = None
        return self._hint

    @hint.setter
    def hint(self, value: int | None) -> None:
        self._hint, self._hint_read = value, True

    def observe(self, month: int, day: int = 1, tod: tuple[int, int, int, int] = (0, 0, 0, 0)) -> int:
        """Count a Dec→Jan step (a fall of six months or more; small falls are reordering)."""
        if self._prev_month and month + 6 <= self._prev_month:
            self.rollovers += 1
        self._prev_month = month
        self.last = (month, day, tod)
        return self.rollovers

    def anchor(self, year: int, anchor_month: int, month: int, index: int, line: int) -> None:
        """A dated record at a year-less record (rollover ``index``) fixes the base year."""
        if anchor_month == month:
            here = year
        elif month == 12 and anchor_month == 1:  # local Dec 31, UTC already Jan 1
            here = year - 1
        elif month == 1 and anchor_month == 12:
            here = year + 1
        elif abs(month - anchor_month) == 1:
            here = year
        else:
            return  # not the same moment: ignore
        implied = here - index
        if self.base is None:
            self.base = implied
            self.ctx.hints_done = True  # settle() returns at once from now on: the hint is never read
        elif implied != self.base and not self._rebased:
            self._rebased = True
            self.ctx.warn(f"year of syslog stamps changed from {self.base} to {implied} by a dated record", line)
            self.base = implied

    def settle(self, at_end: bool) -> None:
        """No dated record: date the last record from the hints (or today), walk back over rollovers."""
        if self.base is not None:
            return
        last_year = self._last_year()
        self.base = last_year - self.rollovers
        if not at_end:
            self.ctx.warn(
                f"year of syslog stamps guessed before the end of the file ({self.base}); "
                "a later Dec→Jan rollover would make it wrong"
            )

    def _last_year(self) -> int:
        stamp = self.last or (1, 1, (0, 0, 0, 0))
        before = self.ctx.hints.get(YEAR_BEFORE)
        if isinstance(before, datetime):
            year = latest_year_not_after(stamp, before + SLACK)
            if year is not None:
                return year
        today = now()
        cap = latest_year_not_after(stamp, today + SLACK) or today.year
        if self.hint is not None:
            year = self._near_anchor(stamp, self.hint)
            if year > cap:
                self.ctx.warn(f"year of syslog stamps: {year} would put them after today")
                return cap
            return year
        self.ctx.warn(f"no year known for year-less syslog stamps: assumed {cap} for the last record")
        return cap

    def _near_anchor(self, stamp: Stamp, year: int) -> int:
        """``year``, unless it puts the last record more than half a year from the bundle's newest
        dated record: then the year that puts it within half a year of it."""
        anchor = self.ctx.hints.get(NEWEST_ANCHOR)
        if not isinstance(anchor, datetime):
            return year
        month, day, (h, mi, s, us) = stamp
        try:
            last = datetime(year, month, day, h, mi, s, us)
        except ValueError:
            return year
        if anchor - NEAR_ANCHOR < last <= anchor + NEAR_ANCHOR:
            return year
        near = latest_year_not_after(stamp, anchor + NEAR_ANCHOR)
        if near is None or near == year:
            return year
        self.ctx.warn(
            f"year of syslog stamps: {near}, not {year}: the newest dated record of the bundle is "
            f"{anchor:%Y-%m-%d %H:%M}, and {year} would put the last record more than half a year from it"
        )
        return near
