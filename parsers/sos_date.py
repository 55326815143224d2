"""The VM's clock: sosreport ``sos_commands/date/date`` (local), ``date_--utc``, ``hwclock``,
``timedatectl``, ``/etc/timezone``, ``/etc/localtime`` (its TZif footer or an ``ls -l`` link text),
and a pasted ``date`` + ``date -u`` pair.

Each reading becomes a ``config`` event (clock LOCAL or UTC) and a fact ``clock.local`` /
``clock.utc``; an explicit offset (``date -R``, ISO output, hwclock, timedatectl) gives
``time_zone.offset``; a local and a UTC reading in the same text give ``clock.pair`` (attrs
``utc``, ``local``; value the offset they imply, rounded to 15 minutes).  Zone abbreviations such
as ``CST`` are ambiguous, so they are recorded (``time_zone.abbrev``) but never turned into an
offset here.  Parsing is by fixed layouts, C and en_US ``date`` forms.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from analyzer.model import Clock, Event, EventKind
from parsers import registry
from parsers._state_common import guarded, name_of
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.clock_pair import offset_text, quarter_hour_offset
from parsers.patterns import Sample

KIND = "sos_date"
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
_UTC_NAMES = {"UTC", "GMT", "Z", "UCT", "Universal", "Zulu"}
_TIME = r"(?P<h>\d{1,2}):(?P<mi>\d\d):(?P<s>\d\d)(?:[.,]\d+)?(?:\s+(?P<ampm>[AaPp][Mm]))?"
_ZONE = r"(?P<tz>[A-Za-z][A-Za-z0-9_/+-]*|[+-]\d{2}:?\d{2})"
_LAYOUTS = (
    # C locale: Tue Mar  5 10:22:33 CST 2024
    re.compile(
        rf"^(?:[A-Z][a-z]{{2}},?\s+)?(?P<mon>[A-Z][a-z]{{2}})\s+(?P<day>\d{{1,2}})\s+{_TIME}\s+{_ZONE}\s+(?P<year>\d{{4}})$"
    ),
    # en_US / date -R / old hwclock: Tue 05 Mar 2024 10:22:33 AM CST, Tue, 05 Mar 2024 10:22:33 +0800
    re.compile(
        rf"^(?:[A-Z][a-z]{{2}},?\s+)?(?P<day>\d{{1,2}})\s+(?P<mon>[A-Z][a-z]{{2}})\s+(?P<year>\d{{4}})\s+{_TIME}\s+{_ZONE}"
        r"(?:\s+-?\d+\.\d+ seconds)?$"
    ),
    # ISO (date --iso-8601, new hwclock): 2024-03-05T10:22:33+08:00, 2024-03-05 10:22:33.123456+08:00
    re.compile(
        r"^(?:[A-Z][a-z]{2}\s+)?(?P<year>\d{4})-(?P<mon>\d\d)-(?P<day>\d\d)[ T]" + _TIME + r"\s*"
        r"(?P<off>Z|[+-]\d\d:?\d\d)?(?:\s+" + _ZONE + r")?$"
    ),
)
_TIMEDATECTL = re.compile(r"^\s*(?P<label>Local time|Universal time|RTC time):\s+(?P<rest>.+)$")
_TZ_LINE = re.compile(r"^\s*Time zone:\s+(?P<name>\S+)\s+\((?P<abbr>[^,)]+),\s*(?P<off>[+-]\d{4})\)")
_ZONE_NAME = re.compile(r"^[A-Za-z_]+(?:/[A-Za-z0-9_+-]+){0,2}$")
_LINK = re.compile(r"localtime\s+->\s+\S*zoneinfo/(?P<name>[A-Za-z_]+(?:/[A-Za-z0-9_+-]+){0,2})")
_POSIX_TZ = re.compile(r"^<?[A-Za-z+\-0-9]{3,}>?[+-]?\d{1,2}(?::\d\d)?(?:<?[A-Za-z+\-0-9]{3,}>?.*)?$")


def _offset_minutes(raw: str | None) -> int | None:
    if not raw:
        return None
    if raw == "Z":
        return 0
    m = re.fullmatch(r"([+-])(\d\d):?(\d\d)", raw)
    if not m:
        return None
    value = int(m.group(2)) * 60 + int(m.group(3))
    return -value if m.group(1) == "-" else value


def read_date(text: str) -> tuple[datetime, str | None, int | None] | None:
    """(wall as written, zone abbreviation, offset minutes) of one date/hwclock output line."""
    line = text.strip()
    if len(line) > 200:
        return None
    for layout in _LAYOUTS:
        m = layout.match(line)
        if not m:
            continue
        g = m.groupdict()
        mon = _MONTHS.get(g["mon"]) if not g["mon"].isdigit() else int(g["mon"])
        hour = int(g["h"])
        if g.get("ampm"):
            hour = hour % 12 + (12 if g["ampm"].lower() == "pm" else 0)
        try:
            wall = datetime(int(g["year"]), mon or 0, int(g["day"]), hour, int(g["mi"]), int(g["s"]))
        except (ValueError, TypeError):
            return None
        tz = g.get("tz")
        offset = _offset_minutes(g.get("off"))
        if offset is None and tz and tz[0] in "+-":
            offset, tz = _offset_minutes(tz), None
        if offset is None and tz in _UTC_NAMES:
            offset = 0
        return wall, tz, offset
    return None


def _reading(
    ctx: ParseContext, lineno: int, line: str, wall: datetime, tz: str | None, offset: int | None, utc_hint: bool
) -> Event:
    is_utc = offset == 0 and (utc_hint or tz in _UTC_NAMES or tz is None)
    attrs: dict[str, Any] = {"reading": "utc" if is_utc else "local"}
    if tz:
        attrs["tz"] = tz
    if offset is not None:
        attrs["offset"] = offset_text(offset)
    ctx.fact(
        "clock.utc" if is_utc else "clock.local",
        wall.isoformat(),
        line=lineno,
        time_raw=line.strip(),
        **{k: v for k, v in attrs.items() if k != "reading"},
    )
    return Event(
        line=lineno,
        kind=EventKind.CONFIG,
        message=line.strip(),
        wall=wall,
        clock=Clock.UTC if is_utc else Clock.LOCAL,
        time_raw=line.strip(),
        component="date",
        attrs=attrs,
    )


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    return guarded(_parse(reader, ctx), ctx)


def _parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    file_name = name_of(ctx.path)
    utc_file = "utc" in file_name.lower()
    first = True
    local: tuple[int, datetime] | None = None
    utc: tuple[int, datetime] | None = None
    posix: tuple[int, str] | None = None
    for lineno, line in reader.lines():
        if first and line.startswith("TZif"):  # binary /etc/localtime: only its POSIX footer is text
            ctx.records += 1
            first = False
            continue
        first = False
        stripped = line.strip()
        if not stripped:
            continue
        if len(stripped) > 1000:  # no clock reading is that long; keeps every regex below cheap
            ctx.records += 1
            ctx.unclassified += 1
            continue
        if _POSIX_TZ.match(stripped) and file_name == "localtime":
            posix = (lineno, stripped)
            continue
        if file_name == "localtime" and not _LINK.search(stripped):
            continue  # binary TZif body
        ctx.records += 1
        tzl = _TZ_LINE.match(stripped)
        if tzl:
            ctx.fact("time_zone.name", tzl.group("name"), line=lineno)
            ctx.fact("time_zone.abbrev", tzl.group("abbr").strip(), line=lineno)
            offset = _offset_minutes(tzl.group("off"))
            if offset is not None:
                ctx.fact("time_zone.offset", offset_text(offset), line=lineno, source="timedatectl")
            yield Event(
                line=lineno,
                kind=EventKind.CONFIG,
                message=stripped,
                component="timedatectl",
                attrs={"tz_name": tzl.group("name"), "offset": offset_text(offset or 0)},
            )
            continue
        link = _LINK.search(stripped)
        if link:
            ctx.fact("time_zone.name", link.group("name"), line=lineno, source="localtime link")
            yield Event(
                line=lineno,
                kind=EventKind.CONFIG,
                message=stripped,
                component="localtime",
                attrs={"tz_name": link.group("name")},
            )
            continue
        if file_name == "timezone" and _ZONE_NAME.match(stripped):
            ctx.fact("time_zone.name", stripped, line=lineno, source="etc/timezone")
            yield Event(
                line=lineno, kind=EventKind.CONFIG, message=stripped, component="timezone", attrs={"tz_name": stripped}
            )
            continue
        tdc = _TIMEDATECTL.match(stripped)
        label = tdc.group("label") if tdc else None
        parsed = read_date(tdc.group("rest") if tdc else stripped)
        if parsed is None:
            ctx.unclassified += 1
            continue
        wall, tz, offset = parsed
        if label == "RTC time":  # the hardware clock may run in UTC or local time: no fact
            yield Event(
                line=lineno,
                kind=EventKind.CONFIG,
                message=stripped,
                wall=wall,
                time_raw=stripped,
                component="timedatectl",
                attrs={"reading": "rtc"},
            )
            continue
        hint = utc_file or label == "Universal time"
        if hint and offset is None:
            offset = 0
        event = _reading(ctx, lineno, stripped, wall, tz, offset, hint)
        if event.attrs["reading"] == "utc":
            utc = utc or (lineno, wall)
        else:
            local = local or (lineno, wall)
            if tz:
                ctx.fact("time_zone.abbrev", tz, line=lineno)
            if offset is not None:
                ctx.fact("time_zone.offset", offset_text(offset), line=lineno, source=label or "date")
        yield event
    if posix:
        ctx.fact("time_zone.posix", posix[1], line=posix[0], source="etc/localtime")
    if local and utc:
        diff = quarter_hour_offset(local[1], utc[1])
        if diff is not None:
            ctx.fact(
                "clock.pair",
                offset_text(diff),
                line=min(local[0], utc[0]),
                utc=utc[1].isoformat(),
                local=local[1].isoformat(),
            )


def _sniff(head: str) -> bool:
    lines = [ln for ln in head.splitlines() if ln.strip()][:4]
    return bool(lines) and all(read_date(ln) is not None for ln in lines)


registry.register(
    ParserSpec(
        name="VM clock and time zone (date, hwclock, timedatectl, /etc/timezone)",
        kind=KIND,
        parse=parse,
        paths=(
            "*sos_commands/date/*",
            "*sos_commands/general/date*",
            "*sos_commands/systemd/timedatectl*",
            "etc/timezone",
            "*/etc/timezone",
            "etc/localtime",
            "*/etc/localtime",
        ),
        sniff=_sniff,
        priority=40,
        description="local and UTC clock readings, explicit offsets, zone names",
        samples=(
            Sample(
                text="Tue Mar  5 10:22:33 CST 2024",
                kind=EventKind.CONFIG,
                component="date",
                attrs={"reading": "local", "tz": "CST"},
                path="sosreport/sos_commands/date/date",
            ),
            Sample(
                text="Tue Mar  5 02:22:33 UTC 2024",
                kind=EventKind.CONFIG,
                attrs={"reading": "utc", "offset": "+00:00"},
                path="sosreport/sos_commands/date/date_--utc",
            ),
            Sample(
                text="Tue, 05 Mar 2024 10:22:33 +0800",
                kind=EventKind.CONFIG,
                attrs={"reading": "local", "offset": "+08:00"},
                path="date.txt",
            ),
            Sample(
                text="2024-03-05 10:22:33.512345+08:00",
                kind=EventKind.CONFIG,
                attrs={"reading": "local", "offset": "+08:00"},
                path="sosreport/sos_commands/date/hwclock",
            ),
            Sample(
                text="                Time zone: Asia/Shanghai (CST, +0800)",
                kind=EventKind.CONFIG,
                attrs={"tz_name": "Asia/Shanghai", "offset": "+08:00"},
                path="sos_commands/systemd/timedatectl",
            ),
            Sample(
                text="Asia/Shanghai", kind=EventKind.CONFIG, attrs={"tz_name": "Asia/Shanghai"}, path="etc/timezone"
            ),
            Sample(
                text="lrwxrwxrwx. 1 root root 35 Jan 10  2023 localtime -> ../usr/share/zoneinfo/Asia/Shanghai",
                kind=EventKind.CONFIG,
                attrs={"tz_name": "Asia/Shanghai"},
                path="etc/localtime",
            ),
        ),
    )
)
