"""Syslog files (`/var/log/syslog`, `/var/log/messages`, `kern.log`, …): framing and year inference.

Framings, per line:

- RFC 3164 (rsyslog's default): ``Mmm dd HH:MM:SS host prog[pid]: msg``, optionally with a
  fraction (``journalctl -o short-precise``).  VM local time, **no year**.
- rsyslog high precision / ``journalctl -o short-iso``: ``YYYY-MM-DDTHH:MM:SS[.ffffff](Z|±HH:MM|±HHMM)
  host prog[pid]: msg``.  Offset known: converted to UTC; each distinct offset becomes a
  ``clock.offset`` fact (the timeline infers the VM's zone from it).
- ``journalctl -o short-full``: ``Www YYYY-MM-DD HH:MM:SS[.ffffff] TZ host prog[pid]: msg``.
- anything else (``boot.log`` console lines, a stray unframed line): a record without time.

Year-less stamps get their year from dated records of the same file, else from the hints (the
newer rotated sibling's first record, the newest year of the bundle), else from today: see
:mod:`parsers.syslog_years`.  Records wait in a bounded buffer until the year is known.  Every
such record carries ``attrs["year_inferred"] = True``.

Message meaning is shared with the journal and dmesg parsers (:mod:`parsers.system_messages`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import regex

from analyzer.model import Clock, Event
from parsers import registry
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.syslog_years import YearResolver, anchor_of
from parsers.system_messages import MessageSample, SysRecord, SystemEmitter, samples_for

MONTHS = {
    m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)
}
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
KERNEL_UPTIME = regex.compile(r"^\[\s*(?P<up>\d+\.\d+)\] ")
BUFFER_CAP = 100_000  # records held while the year of year-less stamps is unknown


@dataclass(slots=True)
class Frame:
    """One framed line.  ``month``/``day``/``tod`` are set for year-less stamps (wall is None then)."""

    time_raw: str
    wall: datetime | None
    clock: Clock
    host: str
    program: str
    pid: int | None
    message: str
    month: int = 0
    day: int = 0
    tod: tuple[int, int, int, int] = (0, 0, 0, 0)
    offset: str | None = None  # "+08:00" when the stamp carried one


def _frac_us(frac: str) -> int:
    return int((frac + "000000")[:6]) if frac else 0


def _hms(text: str) -> tuple[int, int, int] | None:
    if len(text) != 8 or text[2] != ":" or text[5] != ":":
        return None
    try:
        return int(text[:2]), int(text[3:5]), int(text[6:8])
    except ValueError:
        return None


def _rest(start: int, line: str) -> tuple[str, str, int | None, str] | None:
    """ "host prog[pid]: msg" after the stamp (string slicing: this runs once per line)."""
    sp = line.find(" ", start)
    if sp <= start:
        return None if sp == start else (line[start:], "", None, "")
    host = line[start:sp]
    body = sp + 1
    colon = line.find(":", body, body + 80)
    if colon > body and (colon + 1 == len(line) or line[colon + 1] == " "):
        tag = line[body:colon]
        if " " not in tag:
            msg = line[colon + 2 :]
            if tag.endswith("]"):
                bracket = tag.find("[")
                pid_s = tag[bracket + 1 : -1]
                if bracket > 0 and pid_s.isdigit():
                    return host, tag[:bracket], int(pid_s), msg
            elif "[" not in tag:
                return host, tag, None, msg
    return host, "", None, line[body:]


def parse_offset(text: str) -> timedelta | None:
    if text in ("Z", "z"):
        return timedelta(0)
    if len(text) not in (5, 6) or text[0] not in "+-":
        return None
    digits = text[1:].replace(":", "")
    if len(digits) != 4 or not digits.isdigit():
        return None
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return -delta if text[0] == "-" else delta


def norm_offset(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def split_line(line: str) -> Frame | None:
    """The syslog framing of one line, or None when the line has none of the known stamps."""
    if len(line) < 16:
        return None
    c0 = line[0]
    if c0.isdigit():
        return _split_iso(line)
    if line[3] != " ":
        return None
    word = line[:3]
    if word in MONTHS:
        return _split_3164(line, MONTHS[word])
    if word in _WEEKDAYS:
        return _split_full(line)
    return None


def _split_3164(line: str, month: int) -> Frame | None:
    day_s = line[4:6]
    if line[6] != " " or not day_s.strip().isdigit():
        return None
    hms = _hms(line[7:15])
    if hms is None:
        return None
    end = 15
    frac = ""
    if len(line) > 15 and line[15] == ".":
        j = 16
        while j < len(line) and line[j].isdigit():
            j += 1
        frac, end = line[16:j], j
    if end >= len(line) or line[end] != " ":
        return None
    rest = _rest(end + 1, line)
    if rest is None:
        return None
    host, prog, pid, msg = rest
    return Frame(line[:end], None, Clock.LOCAL, host, prog, pid, msg, month, int(day_s), (*hms, _frac_us(frac)))


def _split_iso(line: str) -> Frame | None:
    if len(line) < 20 or line[4] != "-" or line[10] != "T":
        return None
    space = line.find(" ", 19)
    if space < 0:
        return None
    stamp = line[:space]
    j = 19
    if stamp[j : j + 1] == ".":
        j += 1
        while j < len(stamp) and stamp[j].isdigit():
            j += 1
    base, tz = stamp[:j], stamp[j:]
    try:
        wall = datetime.fromisoformat(base)
    except ValueError:
        return None
    rest = _rest(space + 1, line)
    if rest is None:
        return None
    host, prog, pid, msg = rest
    if not tz:
        return Frame(stamp, wall, Clock.LOCAL, host, prog, pid, msg)
    delta = parse_offset(tz)
    if delta is None:
        return None
    return Frame(stamp, wall - delta, Clock.UTC, host, prog, pid, msg, offset=norm_offset(delta))


def _split_full(line: str) -> Frame | None:
    # "Wed 2024-05-01 10:00:00[.ffffff] UTC host prog[pid]: msg" (journalctl -o short-full)
    if len(line) < 24 or line[8] != "-" or line[14] != " ":
        return None
    tz_start = line.find(" ", 23)
    tz_end = line.find(" ", tz_start + 1) if tz_start > 0 else -1
    if tz_end < 0:
        return None
    try:
        wall = datetime.fromisoformat(line[4:tz_start])
    except ValueError:
        return None
    tz = line[tz_start + 1 : tz_end]
    rest = _rest(tz_end + 1, line)
    if rest is None:
        return None
    host, prog, pid, msg = rest
    clock = Clock.UTC if tz in ("UTC", "GMT") else Clock.LOCAL
    return Frame(line[:tz_end], wall, clock, host, prog, pid, msg, offset="+00:00" if clock is Clock.UTC else None)


class FramedParser:
    """The streaming core shared by syslog and journal short formats: frame, date, classify."""

    def __init__(self, ctx: ParseContext, emitter: SystemEmitter | None = None) -> None:
        self.ctx = ctx
        self.em = emitter or SystemEmitter(ctx)
        self.years = YearResolver(ctx)
        # (lineno, line, frame or None, rollover index, marker attrs or None), waiting for a year
        self._buffer: list[tuple[int, str, Frame | None, int, dict | None]] = []
        self._marker: tuple[int, str, dict] | None = None
        self._last_time: tuple[datetime | None, Clock, str] = (None, Clock.UNKNOWN, "")
        self._bad_lines = 0

    # -- input
    def line(self, lineno: int, line: str) -> list[Event]:
        if not line.strip():
            return []
        fr = split_line(line)
        idx = 0
        yearless = fr is not None and fr.wall is None
        if yearless:
            idx = self.years.observe(fr.month, fr.day, fr.tod)
            self._maybe_anchor(fr, idx, lineno)
        if self._buffer or (yearless and self.years.base is None):
            # wait for the year, or keep file order behind records that wait for it
            self._buffer.append((lineno, line, fr, idx, None))
            return self._flush() if self.years.base is not None else self._cap()
        return self._emit(lineno, line, fr, idx)

    def marker(self, lineno: int, text: str, attrs: dict) -> list[Event]:
        """A time-less marker (``-- Reboot --``): emitted with the time of the next record."""
        if self._buffer:
            self._buffer.append((lineno, text, None, 0, attrs))
            return []
        out = self._release_marker()
        self._marker = (lineno, text, attrs)
        return out

    def finish(self) -> list[Event]:
        out: list[Event] = []
        if self._buffer:
            self.years.settle(at_end=True)
            out.extend(self._flush())
        out.extend(self._release_marker())
        out.extend(self.em.finish())
        return out

    # -- internals
    def _maybe_anchor(self, fr: Frame, idx: int, lineno: int) -> None:
        a = anchor_of(fr.message)
        if a is not None:
            self.years.anchor(a[0], a[1], fr.month, idx, lineno)

    def _cap(self) -> list[Event]:
        if len(self._buffer) < BUFFER_CAP:
            return []
        self.years.settle(at_end=False)
        return self._flush()

    def _flush(self) -> list[Event]:
        out: list[Event] = []
        buf, self._buffer = self._buffer, []
        for lineno, line, fr, idx, marker in buf:
            if marker is not None:
                out.extend(self._release_marker())
                self._marker = (lineno, line, marker)
            else:
                out.extend(self._emit(lineno, line, fr, idx))
        return out

    def _release_marker(self) -> list[Event]:
        if self._marker is None:
            return []
        lineno, text, attrs = self._marker
        self._marker = None
        wall, clock, raw = self._last_time
        rec = SysRecord(
            line=lineno,
            message=text,
            wall=wall,
            clock=clock,
            time_raw=raw,
            attrs=dict(attrs, time_from="previous_record"),
        )
        return self.em.feed(rec)

    def _emit(self, lineno: int, line: str, fr: Frame | None, idx: int) -> list[Event]:
        if fr is None:
            rec = SysRecord(line=lineno, message=line, text=line)
            return self.em.feed(rec)
        attrs: dict = {}
        wall = fr.wall
        if wall is None:
            year = (self.years.base or 0) + idx
            h, mi, s, us = fr.tod
            try:
                wall = datetime(year, fr.month, fr.day, h, mi, s, us)
            except ValueError:
                self.ctx.warn(f"impossible timestamp {fr.time_raw!r} in year {year}", lineno)
            attrs["year_inferred"] = True
        elif fr.offset is not None:
            self.em.fact_once("clock.offset", fr.offset, lineno, fr.time_raw)
        msg = fr.message
        if fr.program == "kernel" and msg.startswith("["):
            m = KERNEL_UPTIME.match(msg)
            if m:
                attrs["uptime_s"] = float(m.group("up"))
                msg = msg[m.end() :]
        out: list[Event] = []
        if self._marker is not None:
            # the marker takes the time of the first record after it
            m_line, m_text, m_attrs = self._marker
            self._marker = None
            out.extend(
                self.em.feed(
                    SysRecord(
                        line=m_line,
                        message=m_text,
                        wall=wall,
                        clock=fr.clock,
                        time_raw=fr.time_raw,
                        attrs=dict(m_attrs, time_from="next_record"),
                    )
                )
            )
        self._last_time = (wall, fr.clock, fr.time_raw)
        rec = SysRecord(
            line=lineno,
            message=msg,
            wall=wall,
            clock=fr.clock,
            time_raw=fr.time_raw,
            program=fr.program,
            pid=fr.pid,
            attrs=attrs,
            text=line,
        )
        out.extend(self.em.feed(rec))
        return out


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    fp = FramedParser(ctx)
    for lineno, line in reader.lines():
        yield from fp.line(lineno, line)
    yield from fp.finish()


def _framed_lines(head: str, limit: int = 12) -> tuple[int, int]:
    """(lines with a syslog framing *and* a program tag, non-empty lines) among the first lines."""
    seen = framed = 0
    for line in head.splitlines():
        if not line.strip():
            continue
        seen += 1
        fr = split_line(line)
        if fr is not None and fr.program:
            framed += 1
        if seen >= limit:
            break
    return framed, seen


def sniff(head: str) -> bool:
    framed, seen = _framed_lines(head)
    return framed >= 2 and framed * 10 >= seen * 6


def _frame_sample(s: MessageSample) -> str:
    prog = s.program or "systemd"
    pid = "" if prog == "kernel" else "[1]" if prog == "systemd" else "[812]"
    return f"May  1 10:15:02 vm-backup01 {prog}{pid}: {s.message}"


SAMPLES = (*samples_for(_frame_sample),)

SPEC = registry.register(
    ParserSpec(
        name="syslog",
        kind="syslog",
        parse=parse,
        paths=tuple(
            p
            for name in ("syslog", "messages", "kern.log", "daemon.log", "boot.log", "warn", "localmessages")
            for p in (f"var/log/{name}", f"*/var/log/{name}")
        ),
        sniff=sniff,
        priority=10,
        description="rsyslog / syslog-ng files: RFC 3164 and high-precision framings, agent records inside",
        samples=SAMPLES,
    )
)
