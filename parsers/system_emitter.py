"""Framed system-log records in, events out (shared by syslog, journal, dmesg and loose text).

Agent records copied behind a syslog/journal header (the agent's stdout appender) and the
VMSnapshot console format are recognised here (:func:`split_embedded`); :class:`SystemEmitter`
also regroups the continuation lines of a multi-line agent record (each physical line gets its own
syslog header) and records facts.  Part of :mod:`parsers.system_messages`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import regex

from analyzer.model import Clock, Event, EventKind
from parsers.base import ParseContext
from parsers.clock_pair import offset_text, quarter_hour_offset
from parsers.system_classify import classify_message
from parsers.system_units import VMSNAPSHOT_HANDLER, unit_role

K = EventKind


# --------------------------------------------------------------------------------------------
# Embedded records: agent records behind a syslog header, VMSnapshot console lines.
# --------------------------------------------------------------------------------------------
_CONSOLE = regex.compile(
    r"^(?P<ts>\d{4}[/-]\d\d[/-]\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})?)  (?P<level>Info|Warning|Error)  (?P<msg>.*?) ?$"
)
_CONSOLE_LEVEL = {"Info": "INFO", "Warning": "WARNING", "Error": "ERROR"}


@dataclass(slots=True)
class Embedded:
    kind: str  # "agent" | "vmsnapshot"
    wall: datetime | None
    clock: Clock
    time_raw: str
    level: str | None
    component: str | None
    handler: str | None
    handler_version: str | None
    message: str  # the embedded record's own message (after its header)


def split_embedded(text: str) -> Embedded | None:
    """An agent header or a VMSnapshot console header at the start of ``text``, else None."""
    if len(text) < 20 or not text[:4].isdigit() or text[4] not in "-/":
        return None
    from parsers import agent_record  # lazy: written alongside this module

    h = agent_record.split_header(text)
    if h is not None:
        return Embedded(
            "agent", h.wall, h.clock, h.time_raw, h.level, h.component, h.handler, h.handler_version, h.message
        )
    m = _CONSOLE.match(text)
    if m is None:
        return None
    raw = m.group("ts")
    try:
        wall = datetime.fromisoformat(raw.replace("/", "-"))
    except ValueError:
        wall = None
    return Embedded(
        "vmsnapshot",
        wall,
        console_clock(wall),
        raw,
        _CONSOLE_LEVEL[m.group("level")],
        None,
        VMSNAPSHOT_HANDLER,
        None,
        m.group("msg"),
    )


def classify_embedded(emb: Embedded, message: str) -> tuple[EventKind, dict[str, Any]]:
    """Kind and attrs of an embedded record through the agent / VMSnapshot classifiers."""
    if emb.kind == "agent":
        from parsers import agent_messages

        kind, attrs = agent_messages.classify(message, emb.level)
    else:
        from parsers import vmsnapshot_messages

        kind, attrs = vmsnapshot_messages.classify(message)
    return kind, dict(attrs or {})


def console_clock(wall: datetime | None) -> Clock:
    """Console stamps are utcnow() since the extension's 2021-09-02 change, local time before it."""
    try:
        from parsers.vmsnapshot_codes import era_clock
    except ImportError:  # pragma: no cover - the VMSnapshot tables ship with this package
        return Clock.UNKNOWN
    return era_clock(wall)


# --------------------------------------------------------------------------------------------
# The emitter: framed records in, events out (shared by syslog, journal, dmesg).
# --------------------------------------------------------------------------------------------
@dataclass(slots=True)
class SysRecord:
    """One framed system-log record, before classification."""

    line: int
    message: str
    wall: datetime | None = None
    clock: Clock = Clock.UNKNOWN
    time_raw: str = ""
    program: str = ""
    pid: int | None = None
    level: str | None = None
    unit: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    text: str = ""  # the whole record as written (e.g. the syslog line); defaults to ``message``


@dataclass(slots=True)
class _Pending:
    rec: SysRecord
    emb: Embedded
    lines: list[str]  # the agent record's message lines
    texts: list[str]  # the same lines as they appear in this source (the agent part of each)


_MAX_CONTINUATION = 400
# Without a program[pid] to go by (a serial console), only lines that look like the inside of a
# record continue it: indented lines, tracebacks, extension output blocks, exception lines.
_UNFRAMED_CONTINUATION = regex.compile(
    r"^(?:\s|Traceback \(|\[std(?:out|err)\]|Inner error:|[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt)\b)"
)
_CONTINUATION_GAP = timedelta(seconds=5)
_MAX_PAIRS = 16


class SystemEmitter:
    """Turns framed records into events; regroups multi-line agent records; records facts.

    A multi-line agent record reaches syslog as one line per physical line, each behind the same
    ``program[pid]`` header: lines of the same program and pid without an agent header, within a
    few seconds, are continuation lines of the pending record.
    """

    def __init__(self, ctx: ParseContext) -> None:
        self.ctx = ctx
        self._pending: _Pending | None = None
        self._seen_facts: set[tuple[str, Any]] = set()
        self._pairs = 0
        self._last_pair: str | None = None

    # -- facts
    def fact_once(self, key: str, value: Any, line: int | None, time_raw: str = "", **attrs: Any) -> None:
        if (key, value) in self._seen_facts:
            return
        self._seen_facts.add((key, value))
        self.ctx.fact(key, value, line=line, time_raw=time_raw, **attrs)

    def _clock_pair(self, rec: SysRecord, emb: Embedded) -> None:
        """One moment written in local time and in UTC (a local syslog stamp around the agent's UTC
        stamp, or a UTC journal stamp around a legacy agent's local stamp): the VM's offset."""
        if rec.wall is None or emb.wall is None:
            return
        if rec.clock is Clock.LOCAL and emb.clock is Clock.UTC:
            local, utc = rec.wall, emb.wall
        elif rec.clock is Clock.UTC and emb.clock is Clock.LOCAL:
            local, utc = emb.wall, rec.wall
        else:
            return
        minutes = quarter_hour_offset(local, utc)
        if minutes is None:
            return
        offset = offset_text(minutes)
        if offset == self._last_pair or self._pairs >= _MAX_PAIRS:
            return
        self._last_pair = offset
        self._pairs += 1
        self.ctx.fact(
            "clock.pair", offset, line=rec.line, time_raw=rec.time_raw, utc=utc.isoformat(), local=local.isoformat()
        )

    # -- records
    def feed(self, rec: SysRecord) -> list[Event]:
        """Events completed by this record (none while a multi-line agent record is still open)."""
        out: list[Event] = []
        emb = split_embedded(rec.message)
        p = self._pending
        if p is not None:
            if (
                emb is None
                and rec.program == p.rec.program
                and rec.pid == p.rec.pid
                and (rec.program or _UNFRAMED_CONTINUATION.match(rec.message))
                and len(p.lines) < _MAX_CONTINUATION
                and (rec.wall is None or p.rec.wall is None or abs(rec.wall - p.rec.wall) <= _CONTINUATION_GAP)
            ):
                p.lines.append(rec.message)
                p.texts.append(rec.message)
                return out
            self._pending = None
            out.append(self._agent_event(p))
        if emb is None:
            out.append(self.plain_event(rec))
            return out
        self._clock_pair(rec, emb)
        if rec.unit and unit_role(rec.unit) == "agent":
            self.fact_once("agent.service", rec.unit.removesuffix(".service"), rec.line)
        if emb.kind == "agent":
            self._pending = _Pending(rec, emb, [emb.message], [rec.message])
        else:
            out.append(self._embedded_event(rec, emb, emb.message, rec.message))
        return out

    def finish(self) -> list[Event]:
        """The record still open at the end of the source."""
        if self._pending is None:
            return []
        p, self._pending = self._pending, None
        return [self._agent_event(p)]

    def _agent_event(self, p: _Pending) -> Event:
        # The event's message is the agent record as the agent wrote it (header, message and its
        # continuation lines): the same text as in waagent.log, so the timeline can de-duplicate.
        return self._embedded_event(p.rec, p.emb, "\n".join(p.lines), "\n".join(p.texts))

    def _embedded_event(self, rec: SysRecord, emb: Embedded, inner: str, full: str) -> Event:
        try:
            kind, attrs = classify_embedded(emb, inner)
        except Exception as exc:  # a classifier bug must not stop the source  # noqa: BLE001
            self.ctx.warn(f"embedded {emb.kind} record not classified: {type(exc).__name__}: {exc}", rec.line)
            kind, attrs = K.OTHER, {}
        self.ctx.records += 1
        if kind is K.OTHER and not attrs:
            self.ctx.unclassified += 1
        wall, clock, time_raw = emb.wall, emb.clock, emb.time_raw
        if wall is None:  # an impossible embedded stamp: fall back to the framing's time
            wall, clock, time_raw = rec.wall, rec.clock, rec.time_raw
            attrs.update(rec.attrs)
        else:  # the framing's own time facts (year_inferred, uptime) do not describe this time
            attrs.update((k, v) for k, v in rec.attrs.items() if k not in ("year_inferred", "uptime_s"))
        attrs["embedded"] = emb.kind
        handler, handler_version = emb.handler, emb.handler_version
        if emb.kind == "agent":  # as in waagent.log, "Event: name=X" names the extension
            from parsers.waagent_log import named_handler

            handler, handler_version = named_handler(kind, attrs, handler, handler_version)
        if rec.time_raw:
            attrs["syslog_time"] = rec.time_raw
        if rec.program:
            attrs["program"] = rec.program
        return Event(
            line=rec.line,
            kind=kind,
            message=full,
            wall=wall,
            clock=clock,
            time_raw=time_raw,
            level=emb.level,
            component=emb.component,
            handler=handler,
            handler_version=handler_version,
            attrs=attrs,
        )

    def plain_event(self, rec: SysRecord) -> Event:
        c = classify_message(rec.message, rec.program, rec.unit, rec.level)
        self.ctx.records += 1
        if c.unclassified:
            self.ctx.unclassified += 1
        attrs = c.attrs
        if c.agent_unit:
            self.fact_once("agent.service", c.agent_unit, rec.line)
        if c.pattern_id == "linux-version":
            self.fact_once("os.kernel", attrs["kernel"], rec.line)
        elif c.pattern_id == "nm-dhcp" and attrs.get("option") in ("private_245", "unknown_245"):
            self.fact_once("dhcp.option_245", attrs.get("value"), rec.line)
        handler = attrs.pop("handler", None)
        version = attrs.pop("version", None) if handler else None
        attrs.update(rec.attrs)
        if rec.program:
            attrs["program"] = rec.program
            if rec.pid is not None:
                attrs["program_pid"] = rec.pid
        if rec.unit:
            attrs.setdefault("unit", rec.unit)
        return Event(
            line=rec.line,
            kind=c.kind,
            message=rec.text or rec.message,
            wall=rec.wall,
            clock=rec.clock,
            time_raw=rec.time_raw,
            level=rec.level,
            handler=handler,
            handler_version=version,
            attrs=attrs,
        )
