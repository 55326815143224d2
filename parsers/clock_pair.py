"""One moment seen on the VM's local clock and in UTC: the offset it gives, for ``clock.pair`` facts.

Shared by the parsers that find such pairs (a syslog line carrying an agent record, sosreport's
``date`` readings, the VMSnapshot log's status stamps)."""

from __future__ import annotations

from datetime import datetime

MAX_OFFSET_MINUTES = 14 * 60  # UTC-12 .. UTC+14


def quarter_hour_offset(local: datetime, utc: datetime) -> int | None:
    """local − utc in minutes, rounded to the quarter hour every real zone uses; None beyond ±14 h."""
    minutes = round((local - utc).total_seconds() / 900) * 15
    return minutes if abs(minutes) <= MAX_OFFSET_MINUTES else None


def offset_text(minutes: int) -> str:
    """``+08:00`` / ``-05:30``."""
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
