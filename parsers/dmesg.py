"""Kernel ring buffer dumps: ``/var/log/dmesg``, sosreport ``sos_commands/kernel/dmesg*``.

Line shapes:

- ``[  123.456789] msg``: seconds since boot; no wall time (``wall=None``, ``attrs["uptime_s"]``).
  Ubuntu's ``/var/log/dmesg`` adds ``kernel: `` after the stamp; ``dmesg -x`` prefixes
  ``kern  :info  : ``, ``dmesg -r`` prefixes ``<6>``; both give the level.
- ``dmesg -T``: ``[Mon May  1 10:00:00 2024] msg``, VM local time.
- ``dmesg --time-format iso``: ``2024-05-01T10:00:00,123456+00:00 msg``, offset known → UTC.
- Unframed lines (a serial-console capture sniffed as dmesg: systemd ``[  OK  ]`` lines, agent
  and VMSnapshot console records) go through the same shared classification without a time.

A fall of the uptime marks a new boot: ``attrs["boot"]`` counts boots within the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import regex

from analyzer.model import Clock, Event, EventKind
from parsers import registry
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.patterns import Sample
from parsers.syslog import norm_offset, parse_offset
from parsers.system_messages import MESSAGE_SAMPLES, MessageSample, SysRecord, SystemEmitter, samples_for

_REL = regex.compile(r"^\[\s*(?P<up>\d+\.\d+)\]\s?")
_CTIME = regex.compile(r"^\[(?P<ts>[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4})\]\s?")
# util-linux writes an offset, never "Z": a "...Z LEVEL" line is an agent record on the console.
_ISO = regex.compile(r"^(?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[,.]\d{1,9})?)(?P<tz>[+-]\d\d:?\d\d) ")
_XPREFIX = regex.compile(r"^(?P<fac>[a-z]+)\s*:(?P<lvl>[a-z]+)\s*: ")
_RAWPRIO = regex.compile(r"^<(?P<prio>\d{1,3})>")
_LEVELS = {"emerg": "ERROR", "alert": "ERROR", "crit": "ERROR", "err": "ERROR", "warn": "WARNING",
           "notice": "INFO", "info": "INFO", "debug": "VERBOSE"}
_PRIO_LEVELS = ("ERROR", "ERROR", "ERROR", "ERROR", "WARNING", "INFO", "INFO", "VERBOSE")


def _ctime(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%a %b %d %H:%M:%S %Y")
    except ValueError:
        return None


class _Dmesg:
    def __init__(self, ctx: ParseContext) -> None:
        self.ctx = ctx
        self.em = SystemEmitter(ctx)
        self.boot = 0
        self.last_up = -1.0

    def line(self, lineno: int, line: str) -> list[Event]:
        if not line.strip():
            return []
        text = line
        level: str | None = None
        m = _XPREFIX.match(text)
        if m is not None and m.group("lvl") in _LEVELS:
            level, text = _LEVELS[m.group("lvl")], text[m.end():]
        else:
            p = _RAWPRIO.match(text)
            if p is not None:
                level, text = _PRIO_LEVELS[int(p.group("prio")) & 7], text[p.end():]
        attrs: dict = {}
        wall: datetime | None = None
        clock = Clock.UNKNOWN
        time_raw = ""
        program = ""
        r = _REL.match(text)
        if r is not None:
            up = float(r.group("up"))
            if up < self.last_up:
                self.boot += 1
            self.last_up = up
            attrs["uptime_s"] = up
            attrs["boot"] = self.boot
            time_raw, text, program = r.group(0).strip(), text[r.end():], "kernel"
        elif text.startswith("["):
            c = _CTIME.match(text)
            if c is not None:
                time_raw, wall, clock = c.group("ts"), _ctime(c.group("ts")), Clock.LOCAL
                if wall is None:
                    self.ctx.warn(f"impossible timestamp {time_raw!r}", lineno)
                text, program = text[c.end():], "kernel"
        elif text[:4].isdigit() and len(text) > 20 and text[10:11] == "T":
            i = _ISO.match(text)
            if i is not None:
                time_raw = i.group(0).strip()
                delta = parse_offset(i.group("tz"))
                try:
                    base = datetime.fromisoformat(i.group("ts").replace(",", ".")[:26])
                except ValueError:
                    base = None
                    self.ctx.warn(f"impossible timestamp {time_raw!r}", lineno)
                if base is not None and delta is not None:
                    wall, clock = base - delta, Clock.UTC
                    self.em.fact_once("clock.offset", norm_offset(delta), lineno, time_raw)
                text, program = text[i.end():], "kernel"
        if program and text.startswith("kernel: "):
            text = text[8:]
        rec = SysRecord(line=lineno, message=text, wall=wall, clock=clock, time_raw=time_raw, program=program,
                        level=level, attrs=attrs, text=line)
        return self.em.feed(rec)


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    st = _Dmesg(ctx)
    for lineno, line in reader.lines():
        yield from st.line(lineno, line)
    yield from st.em.finish()


def sniff(head: str) -> bool:
    lines = [ln for ln in head.splitlines()[:12] if ln.strip()]
    if len(lines) < 2:
        return False
    hits = sum(1 for ln in lines if _REL.match(ln) or _CTIME.match(ln) or (_RAWPRIO.match(ln) and "]" in ln[:20]))
    return hits * 10 >= len(lines) * 6


def _rel_frame(s: MessageSample) -> str:
    return f"[  812.345678] {s.message}"


SAMPLES = (
    # the kernel's own messages of the shared table, in the relative framing
    *(smp for smp, ms in zip(samples_for(_rel_frame), MESSAGE_SAMPLES, strict=True) if ms.program == "kernel"),
    Sample(text="[Wed May  1 10:15:02 2024] INFO: task safefreeze:41235 blocked for more than 120 seconds.",
           kind=EventKind.OTHER, attrs={"event": "hung_task", "process": "safefreeze", "blocked_s": 120}),
    Sample(text="[    0.000000] kernel: Linux version 5.15.0-1064-azure (buildd@lcy02-amd64-021) #73-Ubuntu SMP",
           kind=EventKind.OTHER, attrs={"event": "boot", "uptime_s": 0.0, "boot": 0}),
    Sample(text="kern  :err   : [ 4711.000001] EXT4-fs error (device sdc1): ext4_journal_check_start:83: comm "
                "safefreeze: Detected aborted journal", kind=EventKind.OTHER, level="ERROR",
           attrs={"event": "fs_error", "device": "sdc1"}),
    Sample(text="<3>[ 4711.000002] Buffer I/O error on dev sdc1, logical block 0, lost async page write",
           kind=EventKind.OTHER, level="ERROR", attrs={"event": "io_error"}),
    Sample(text="2024-05-01T10:15:02,118562+08:00 reboot: Restarting system", kind=EventKind.OTHER,
           attrs={"event": "reboot"}),
    Sample(text="[  OK  ] Started Azure Linux Agent.", kind=EventKind.AGENT_START),
)

SPEC = registry.register(
    ParserSpec(
        name="dmesg",
        kind="dmesg",
        parse=parse,
        paths=("var/log/dmesg", "*/var/log/dmesg", "*sos_commands/kernel/dmesg*", "dmesg*.txt", "dmesg*.log"),
        sniff=sniff,
        priority=10,
        description="kernel ring buffer: relative, dmesg -T, --time-format iso, -x and -r prefixes",
        samples=SAMPLES,
    )
)
