"""``journalctl`` exports: the short formats, ``-o verbose`` and ``-o json`` / ``json-pretty``.

- ``-o short`` / ``short-precise``: syslog framing with a year-less local stamp (the year comes
  from the ``-- Logs begin at … end at … --`` header when present, see :mod:`parsers.syslog`);
- ``-o short-iso`` / ``short-iso-precise`` / ``short-full``: dated, with an offset or zone;
- ``-o verbose`` (sosreport): a header line ``Www YYYY-MM-DD HH:MM:SS.ffffff TZ [s=…;t=<hex µs>;…]``
  followed by indented ``FIELD=value`` lines;
- ``-o json``: one object per line with ``__REALTIME_TIMESTAMP`` (µs since the epoch, UTC),
  ``MESSAGE``, ``PRIORITY``, ``SYSLOG_IDENTIFIER``, ``_PID``, ``_SYSTEMD_UNIT``, ``_BOOT_ID``.

Boot boundaries (``-- Reboot --``, ``-- Boot <id> --``, a new ``_BOOT_ID``) become ``other``
events with ``attrs["event"] = "reboot"``, timed by the first record of the new boot.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import regex

from analyzer.model import Clock, Event, EventKind
from parsers import registry
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.patterns import Sample
from parsers.syslog import FramedParser, split_line
from parsers.system_messages import MessageSample, SysRecord, samples_for

_EPOCH = datetime(1970, 1, 1)
_HEADER = regex.compile(
    r"^-- (?:Logs begin at|Journal begins at) .*?,\s*ends? at \w{3} (?P<end>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)"
    r" (?P<zone>[A-Za-z][\w+-]*)\.? --$"
)
_VERBOSE_HEAD = regex.compile(
    r"^\w{3} (?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})?) (?P<zone>\S+) \[(?P<cursor>[^\]]*)\]$"
)
_PRIORITY = {"0": "ERROR", "1": "ERROR", "2": "ERROR", "3": "ERROR", "4": "WARNING", "5": "INFO", "6": "INFO",
             "7": "VERBOSE"}
_MAX_BAD_JSON_WARNINGS = 5
_MAX_PRETTY_LINES = 400


def _message_text(value: Any) -> str:
    """MESSAGE is a string, or a byte array for non-UTF-8 payloads, or null when too large."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(b, int) and 0 <= b < 256 for b in value):
        return bytes(value).decode("utf-8", "replace")
    return "" if value is None else str(value)


class _JournalState:
    def __init__(self, ctx: ParseContext) -> None:
        self.ctx = ctx
        self.fp = FramedParser(ctx)
        self.em = self.fp.em
        self.boot_id: str | None = None
        self.bad_json = 0
        self.pretty: list[str] | None = None
        self.pretty_line = 0
        self.verbose: tuple[int, str, datetime | None, Clock, dict[str, str]] | None = None

    # -- json
    def json_record(self, lineno: int, obj: Any) -> list[Event]:
        if not isinstance(obj, dict):
            return []
        out: list[Event] = []
        raw_ts = str(obj.get("__REALTIME_TIMESTAMP", ""))
        wall = None
        if raw_ts.isdigit():
            try:
                wall = _EPOCH + timedelta(microseconds=int(raw_ts))
            except OverflowError:
                self.ctx.warn(f"impossible __REALTIME_TIMESTAMP {raw_ts!r}", lineno)
        boot = obj.get("_BOOT_ID")
        if isinstance(boot, str) and boot != self.boot_id:
            if self.boot_id is not None:
                out.extend(self.em.feed(SysRecord(line=lineno, message=f"-- Boot {boot} --", wall=wall,
                                                  clock=Clock.UTC, time_raw=raw_ts,
                                                  attrs={"time_from": "next_record", "boot_id": boot})))
            self.boot_id = boot
        out.extend(self.em.feed(self._fields_record(lineno, obj, wall, Clock.UTC, raw_ts)))
        return out

    def _fields_record(self, lineno: int, obj: dict[str, Any], wall: datetime | None, clock: Clock,
                       time_raw: str) -> SysRecord:
        program = str(obj.get("SYSLOG_IDENTIFIER") or obj.get("_COMM") or "")
        pid_s = str(obj.get("_PID") or obj.get("SYSLOG_PID") or "")
        unit = obj.get("UNIT") or obj.get("USER_UNIT")
        if not unit and obj.get("_SYSTEMD_UNIT") != "init.scope":  # pid 1 speaks from init.scope
            unit = obj.get("_SYSTEMD_UNIT")
        message = _message_text(obj.get("MESSAGE"))
        return SysRecord(line=lineno, message=message, wall=wall, clock=clock, time_raw=time_raw, program=program,
                         pid=int(pid_s) if pid_s.isdigit() else None, level=_PRIORITY.get(str(obj.get("PRIORITY"))),
                         unit=str(unit) if unit else None, text=message)

    def json_line(self, lineno: int, line: str) -> list[Event]:
        try:
            obj = json.loads(line)
        except ValueError as exc:
            self.bad_json += 1
            if self.bad_json <= _MAX_BAD_JSON_WARNINGS:
                self.ctx.warn(f"journal JSON line not readable: {exc}", lineno)
            return []
        return self.json_record(lineno, obj)

    # -- verbose
    def verbose_flush(self) -> list[Event]:
        if self.verbose is None:
            return []
        lineno, raw, wall, clock, fields = self.verbose
        self.verbose = None
        return self.em.feed(self._fields_record(lineno, fields, wall, clock, raw))

    def verbose_head(self, lineno: int, m: regex.Match) -> list[Event]:
        out = self.verbose_flush()
        raw, zone = m.group("ts"), m.group("zone")
        cursor = dict(part.split("=", 1) for part in m.group("cursor").split(";") if "=" in part)
        wall: datetime | None = None
        clock = Clock.UTC
        t = cursor.get("t", "")
        try:
            # t= is the realtime stamp in hex microseconds: exact UTC whatever zone the text shows
            wall = _EPOCH + timedelta(microseconds=int(t, 16)) if t else None
        except (ValueError, OverflowError):
            wall = None
        if wall is None:
            try:
                wall = datetime.fromisoformat(raw)
            except ValueError:
                self.ctx.warn(f"impossible timestamp {raw!r}", lineno)
            clock = Clock.UTC if zone in ("UTC", "GMT") else Clock.LOCAL
        boot = cursor.get("b")
        if boot and boot != self.boot_id:
            if self.boot_id is not None:
                out.extend(self.em.feed(SysRecord(line=lineno, message=f"-- Boot {boot} --", wall=wall, clock=clock,
                                                  time_raw=f"{raw} {zone}",
                                                  attrs={"time_from": "next_record", "boot_id": boot})))
            self.boot_id = boot
        self.verbose = (lineno, f"{raw} {zone}", wall, clock, {})
        return out

    # -- dispatch
    def line(self, lineno: int, line: str) -> list[Event]:
        if self.pretty is not None:
            self.pretty.append(line)
            if line.rstrip() == "}" or len(self.pretty) > _MAX_PRETTY_LINES:
                text, self.pretty = "\n".join(self.pretty), None
                return self.json_line(self.pretty_line, text)
            return []
        if self.verbose is not None and line.startswith("    "):
            key, sep, value = line[4:].partition("=")
            if sep:
                self.verbose[4][key] = value
            return []
        if not line:
            return []
        c0 = line[0]
        if c0 == "{":
            if line.rstrip() == "{":
                self.pretty, self.pretty_line = [line], lineno
                return []
            return self.json_line(lineno, line)
        out = self.verbose_flush()
        if c0 == "-" and line.startswith("-- ") and line.rstrip().endswith(" --"):
            out.extend(self.marker(lineno, line.rstrip()))
            return out
        if c0.isupper() and " [s=" in line:
            m = _VERBOSE_HEAD.match(line)
            if m is not None:
                out.extend(self.verbose_head(lineno, m))
                return out
        out.extend(self.fp.line(lineno, line))
        return out

    def marker(self, lineno: int, text: str) -> list[Event]:
        h = _HEADER.match(text)
        if h is not None:
            end = h.group("end")
            self.fp.years.hint = int(end[:4])  # the year of the journal's last entry
            self.em.fact_once("clock.zone_abbrev", h.group("zone"), lineno, end)
            return []
        if text.startswith("-- Reboot") or text.startswith("-- Boot "):
            return self.fp.marker(lineno, text, {})
        return []  # "-- No entries --" and other comments

    def finish(self) -> list[Event]:
        out: list[Event] = []
        if self.pretty is not None:
            text, self.pretty = "\n".join(self.pretty), None
            out.extend(self.json_line(self.pretty_line, text))
        out.extend(self.verbose_flush())
        out.extend(self.fp.finish())
        return out


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    st = _JournalState(ctx)
    for lineno, line in reader.lines():
        yield from st.line(lineno, line)
    yield from st.finish()


def sniff(head: str) -> bool:
    lines = [ln for ln in head.splitlines()[:12] if ln.strip()]
    if not lines:
        return False
    first = lines[0]
    if first.startswith(("-- Logs begin at", "-- Journal begins at", "-- No entries --")):
        return True
    if first.startswith("{") and ('"__REALTIME_TIMESTAMP"' in first or '"__CURSOR"' in first):
        return True
    if (first.rstrip() == "{" and '"__CURSOR"' in head) or '"__REALTIME_TIMESTAMP"' in head[:2000]:
        return True
    if _VERBOSE_HEAD.match(first):
        return True
    # journalctl -o short-iso writes the offset without a colon (+0000), rsyslog with one.
    framed = [split_line(ln) for ln in lines]
    iso_nocolon = sum(1 for ln, fr in zip(lines, framed, strict=True)
                      if fr is not None and fr.program and fr.offset and ln[:ln.find(" ")][-5:-4] in "+-"
                      and ln[:ln.find(" ")][-3] != ":")
    markers = any(ln.startswith(("-- Reboot --", "-- Boot ")) for ln in lines)
    good = sum(1 for fr in framed if fr is not None and fr.program)
    return good >= 2 and (iso_nocolon >= 2 or markers)


def _iso_frame(s: MessageSample) -> str:
    prog = s.program or "systemd"
    pid = "" if prog == "kernel" else "[1]" if prog == "systemd" else "[812]"
    return f"2024-05-01T10:15:02+0000 vm-backup01 {prog}{pid}: {s.message}"


def _json_frame(s: MessageSample) -> str:
    prog = s.program or "systemd"
    obj = {"__REALTIME_TIMESTAMP": "1714558502123456", "_BOOT_ID": "3f2e9c1d7a8b4c5d9e0f1a2b3c4d5e6f",
           "PRIORITY": "6", "SYSLOG_IDENTIFIER": prog, "_PID": "1" if prog == "systemd" else "812",
           "MESSAGE": s.message}
    return json.dumps(obj)


SAMPLES = (
    *samples_for(_iso_frame),
    *samples_for(_json_frame),
    Sample(text="-- Logs begin at Mon 2024-04-29 08:00:01 UTC, end at Wed 2024-05-01 10:20:00 UTC. --\n"
                "May 01 10:15:02 vm-backup01 systemd[1]: Stopped Azure Linux Agent.",
           kind=EventKind.AGENT_STOP, attrs={"year_inferred": True, "unit_state": "stopped"}),
    Sample(text="-- Reboot --\nMay 01 10:15:02 vm-backup01 kernel: Linux version 5.15.0-1064-azure (buildd@lcy02) #73",
           kind=EventKind.OTHER, attrs={"event": "reboot", "time_from": "next_record"}),
    Sample(text="Wed 2024-05-01 10:15:02.118562 UTC [s=8f3c2a;i=1a2b;b=3f2e9c1d;m=5f5e100;t=61761c27724a2;x=9a8b]\n"
                "    PRIORITY=3\n    SYSLOG_IDENTIFIER=systemd\n    _PID=1\n    UNIT=walinuxagent.service\n"
                "    MESSAGE=walinuxagent.service: Failed with result 'exit-code'.",
           kind=EventKind.AGENT_CRASH, level="ERROR", attrs={"result": "exit-code"}),
    Sample(text="Wed 2024-05-01 10:15:02 UTC vm-backup01 systemd[1]: Started Azure Linux Agent.",
           kind=EventKind.AGENT_START),
)

SPEC = registry.register(
    ParserSpec(
        name="journal",
        kind="journal",
        parse=parse,
        paths=("journal*.txt", "journal*.log", "journal*.json", "journalctl*", "*sos_commands/logs/journalctl_*"),
        sniff=sniff,
        priority=20,
        description="journalctl exports: short, short-precise, short-iso(-precise), short-full, verbose, json",
        samples=SAMPLES,
    )
)
