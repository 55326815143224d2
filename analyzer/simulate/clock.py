"""Fixed-format time stamps of every writer in a bundle (no locale, no dateutil).

All simulated times are naive UTC ``datetime`` objects; writers that log local time add the VM's
offset first (:class:`VmClock`).  Month and weekday names come from tables, not ``strftime``,
so the output does not depend on the locale of the machine running the generator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_ZONES = {
    0: ("Etc/UTC", "UTC"),
    480: ("Asia/Shanghai", "CST"),
    540: ("Asia/Tokyo", "JST"),
    60: ("Europe/Berlin", "CET"),
}


@dataclass(frozen=True)
class VmClock:
    """The VM's fixed offset from UTC (minutes east), and what its tools call the zone."""

    offset_minutes: int = 0

    @property
    def delta(self) -> timedelta:
        return timedelta(minutes=self.offset_minutes)

    @property
    def zone(self) -> str:
        """The tz database name written to /etc/timezone."""
        known = _ZONES.get(self.offset_minutes)
        if known:
            return known[0]
        hours = -self.offset_minutes // 60  # the POSIX sign of Etc/GMT zones is inverted
        return f"Etc/GMT{hours:+d}"

    @property
    def abbrev(self) -> str:
        """What ``date`` prints for the zone."""
        known = _ZONES.get(self.offset_minutes)
        if known:
            return known[1]
        sign = "+" if self.offset_minutes >= 0 else "-"
        h, m = divmod(abs(self.offset_minutes), 60)
        return f"{sign}{h:02d}{m:02d}" if m else f"{sign}{h:02d}"

    def local(self, t: datetime) -> datetime:
        return t + self.delta


def iso_z(t: datetime) -> str:
    """Agent 2.2.46+: ``2024-05-01T10:00:00.123456Z`` (always six fraction digits)."""
    return t.isoformat(timespec="microseconds") + "Z"


def slash_us(t: datetime) -> str:
    """Agent 2.1-2.2.45 and the Python 3 freeze buffer: ``2024/05/01 10:00:00.123456``."""
    s = t.isoformat(" ", "microseconds")
    return f"{s[:4]}/{s[5:7]}/{s[8:]}"


def slash_s(t: datetime) -> str:
    """Agent 2.0.x and the extension's bundled logger: ``2024/05/01 10:00:00``."""
    s = t.isoformat(" ", "seconds")
    return f"{s[:4]}/{s[5:7]}/{s[8:]}"


def py_str(t: datetime) -> str:
    """``str(datetime)``: ``2024-05-01 10:00:00.123456``, no fraction when microseconds are 0."""
    return str(t)


def dash_s(t: datetime) -> str:
    """safefreeze's ``%F %X``: ``2024-05-01 10:00:00``."""
    return t.isoformat(" ", "seconds")


def syslog_stamp(t: datetime) -> str:
    """RFC 3164: ``May  1 10:00:00`` (no year)."""
    return f"{MONTHS[t.month - 1]} {t.day:2d} {t.hour:02d}:{t.minute:02d}:{t.second:02d}"


def date_cmd(t: datetime, zone: str) -> str:
    """``date`` / ``date -u`` in the C locale: ``Fri Oct  2 08:01:02 UTC 2026``."""
    return (
        f"{WEEKDAYS[t.weekday()]} {MONTHS[t.month - 1]} {t.day:2d} "
        f"{t.hour:02d}:{t.minute:02d}:{t.second:02d} {zone} {t.year}"
    )


def iso_s_z(t: datetime) -> str:
    """``2024-05-01T10:00:00Z`` (status files, results.txt)."""
    return t.isoformat(timespec="seconds") + "Z"


def dotnet_ticks(t: datetime) -> int:
    """.NET ticks (100 ns since 0001-01-01) of a UTC time, as in ``commandStartTimeUTCTicks``."""
    delta = t - datetime(1, 1, 1)
    return (delta.days * 86400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


def epoch_ms(t: datetime) -> int:
    delta = t - datetime(1970, 1, 1)
    return (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000
