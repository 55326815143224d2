"""The fallback for any file nobody recognised: pasted ticket notes, portal error text, instance
views, tracebacks, ``[stdout]``/``[stderr]`` blocks, excerpts of other logs.

Every line is scanned; only lines that *mean* something become events (a pasted README must not
flood the timeline), and ``ctx.records`` counts those only.  What is recognised:

- agent records anywhere (any era's header, also behind a syslog header or a ``> `` quote), with
  their continuation lines, classified by :mod:`parsers.agent_messages`;
- VMSnapshot ``extension.log`` records and console lines, classified by the VMSnapshot tables;
- syslog-framed lines and bare kernel/systemd messages, through :mod:`parsers.system_messages`
  (non-routine results only);
- Azure portal / Backup error codes and their message texts (``other`` with ``portal_code``);
- Python tracebacks (``python`` with ``exception``), missing interpreters and modules;
- ``Non-zero exit code: N`` / ``exit code N`` (``ext_command_result`` with ``exit_code``);
- instance-view JSON statuses (``"code": "ProvisioningState/failed/…"``, ``displayStatus``,
  ``message``) as ``ext_status``; ``vmAgentVersion`` as ``agent_version``.

A line that starts with an ISO stamp gets that time (``Z``/offset → UTC, none → unknown clock);
a year-less syslog stamp takes ``ctx.hints["year"]``; otherwise ``wall`` is None.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import regex

from analyzer.model import Clock, Event, EventKind
from parsers import registry
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.syslog import KERNEL_UPTIME, norm_offset, parse_offset, split_line
from parsers.system_messages import VMSNAPSHOT_HANDLER, SysRecord, SystemEmitter, classify_message, split_embedded
from parsers.text_instance_view import InstanceViewMixin, IvStatus
from parsers.text_patterns import (
    DATE_START,
    EXC_LINE,
    EXT_RECORD,
    ISO_START,
    MAX_AGENT_LINES,
    MAX_TB_LINES,
    QUOTE,
    TEXT_GATE,
    TEXT_PATTERNS,
    iso_time,
)
from parsers.text_samples import SAMPLES

K = EventKind
# Headerless agent/extension messages matched per source (tests lower it).
_BARE_BUDGET = 2000


@dataclass(slots=True)
class _AgentRec:
    line: int
    parts: list[str]
    program: str | None = None
    pid: int | None = None
    wall: datetime | None = None
    clock: Clock = Clock.UNKNOWN
    time_raw: str = ""
    in_block: bool = False
    stderr_seen: bool = False


@dataclass(slots=True)
class _Traceback:
    line: int
    parts: list[str]
    wall: datetime | None
    clock: Clock
    time_raw: str


class _Text(InstanceViewMixin):
    def __init__(self, ctx: ParseContext) -> None:
        self.ctx = ctx
        self.em = SystemEmitter(ctx)
        self.agent: _AgentRec | None = None
        self.tb: _Traceback | None = None
        self.status: IvStatus | None = None
        self.iv: list[tuple[int, str, str]] = []  # instance-view scope: (indent, key, value)
        self.bare_budget = _BARE_BUDGET
        hint = ctx.hints.get("year")
        self.year = int(hint) if isinstance(hint, int | str) and str(hint).isdigit() else None

    def _flush_agent(self) -> list[Event]:
        a, self.agent = self.agent, None
        if a is None:
            return []
        text = "\n".join(a.parts)
        rec = SysRecord(
            line=a.line,
            message=text,
            text=text,
            program=a.program or "",
            pid=a.pid,
            wall=a.wall,
            clock=a.clock,
            time_raw=a.time_raw,
        )
        return [*self.em.feed(rec), *self.em.finish()]

    def _flush_tb(self) -> list[Event]:
        t, self.tb = self.tb, None
        if t is None:
            return []
        attrs: dict[str, Any] = {}
        last = t.parts[-1].strip() if len(t.parts) > 1 else ""
        m = EXC_LINE.match(last)
        if m is not None and not last.startswith("File "):
            attrs["exception"] = m.group("exception").rsplit(".", 1)[-1]
        nm = regex.search(r"No module named ['\"]?(?P<module>[\w.]+)", last)
        if nm is not None:
            attrs["module"] = nm.group("module")
        files = regex.findall(r'File "([^"]+)"', "\n".join(t.parts))
        if files:
            attrs["file"] = files[-1]
        return [self._event(t.line, K.PYTHON, "\n".join(t.parts), attrs, t.wall, t.clock, t.time_raw)]

    # ---------------------------------------------------------------- line handling
    def line(self, lineno: int, raw: str) -> list[Event]:
        out: list[Event] = []
        if self.agent is not None:
            if self._continues_agent(raw):
                return out
            out.extend(self._flush_agent())
        if self.tb is not None:
            if raw.startswith((" ", "\t")) and len(self.tb.parts) < MAX_TB_LINES:
                self.tb.parts.append(raw)
                return out
            if raw.strip() and not raw.lstrip().startswith("Traceback"):
                self.tb.parts.append(raw)  # the exception line closes the traceback
                out.extend(self._flush_tb())
                return out
            out.extend(self._flush_tb())
        closing = raw.lstrip().startswith(("}", "]"))
        if '":' in raw or (closing and (self.status is not None or self.iv)):
            done = self._instance_view(lineno, raw, out)
            if done:
                return out
        if not raw.strip():
            return out
        body = raw
        q = QUOTE.match(body)
        if q is not None:
            body = body[q.end() :]
        out.extend(self._body(lineno, raw, body))
        return out

    def _continues_agent(self, raw: str) -> bool:
        a = self.agent
        assert a is not None
        if len(a.parts) >= MAX_AGENT_LINES:
            return False
        body = raw
        q = QUOTE.match(body)
        if q is not None and q.group(0).strip():  # a quoted excerpt: drop the quote marks
            body = body[q.end() :]
        stripped = body.strip()
        if stripped in ("[stdout]", "[stderr]"):
            a.in_block = True
            a.stderr_seen = a.stderr_seen or stripped == "[stderr]"
            a.parts.append(stripped)
            return True
        if not stripped:
            if a.in_block and not a.stderr_seen:  # "[stdout]\n…\n\n[stderr]\n…"
                a.parts.append("")
                return True
            return False
        if a.program is not None:
            fr = split_line(body)
            if fr is not None:
                if fr.program == a.program and fr.pid == a.pid and split_embedded(fr.message) is None:
                    a.parts.append(fr.message)
                    return True
                return False
        if split_embedded(body) is not None or split_line(body) is not None or EXT_RECORD.match(body):
            return False
        a.parts.append(body)
        return True

    def _body(self, lineno: int, raw: str, body: str) -> list[Event]:
        emb = split_embedded(body)
        if emb is not None:
            if emb.kind == "agent":
                self.agent = _AgentRec(lineno, [body], in_block=any(m in body for m in ("[stdout]", "[stderr]")))
                return []
            return self.em.feed(SysRecord(line=lineno, message=body, text=raw))
        fr = split_line(body)
        if fr is not None:
            return self._framed(lineno, raw, fr)
        ext = EXT_RECORD.match(body)
        if ext is not None:
            return self._ext_record(lineno, raw, ext)
        wall: datetime | None = None
        clock = Clock.UNKNOWN
        time_raw = ""
        rest = body
        d = DATE_START.match(body) if body[:1].isupper() else None
        if d is not None:
            fmt = "%a %b %d %I:%M:%S %p %Y" if d.group("ts").endswith("M") else "%a %b %d %H:%M:%S %Y"
            try:
                wall = datetime.strptime(f"{d.group('ts')} {d.group('year')}", fmt)
                clock = Clock.UTC if d.group("tz") in ("UTC", "GMT") else Clock.LOCAL
            except ValueError:
                wall = None
            time_raw, rest = body[: d.end()].rstrip("- "), body[d.end() :]
            return self._message(lineno, raw, rest, wall, clock, time_raw)
        m = ISO_START.match(body)
        if m is not None:
            time_raw = m.group(0).strip()
            wall, clock = iso_time(m.group("ts"), m.group("tz"))
            if m.group("tz") and clock is Clock.UTC and m.group("tz") not in ("Z", "z"):
                delta = parse_offset(m.group("tz"))
                if delta is not None:
                    self.em.fact_once("clock.offset", norm_offset(delta), lineno, time_raw)
            rest = body[m.end() :]
        return self._message(lineno, raw, rest, wall, clock, time_raw)

    def _framed(self, lineno: int, raw: str, fr: Any) -> list[Event]:
        wall, clock, attrs = fr.wall, fr.clock, {}
        if fr.offset is not None and fr.time_raw[-1:] not in ("Z", "z"):
            self.em.fact_once("clock.offset", fr.offset, lineno, fr.time_raw)
        if wall is None:
            if self.year is not None:
                h, mi, s, us = fr.tod
                try:
                    wall = datetime(self.year, fr.month, fr.day, h, mi, s, us)
                    attrs["year_inferred"] = True
                except ValueError:
                    wall = None
        emb = split_embedded(fr.message)
        if emb is not None and emb.kind == "agent":
            self.agent = _AgentRec(lineno, [fr.message], fr.program, fr.pid, wall, clock, fr.time_raw)
            return []
        if emb is not None:
            return self.em.feed(
                SysRecord(
                    line=lineno,
                    message=fr.message,
                    text=raw,
                    wall=wall,
                    clock=clock,
                    time_raw=fr.time_raw,
                    program=fr.program,
                    pid=fr.pid,
                )
            )
        msg = fr.message
        if fr.program == "kernel" and msg.startswith("["):
            k = KERNEL_UPTIME.match(msg)
            if k is not None:
                msg = msg[k.end() :]
        events = self._message(lineno, raw, msg, wall, clock, fr.time_raw, fr.program)
        for ev in events:
            ev.attrs.update(attrs)
            ev.attrs.setdefault("program", fr.program)
        return events

    def _ext_record(self, lineno: int, raw: str, m: regex.Match) -> list[Event]:
        from parsers import system_messages

        ts = m.group("ts")
        try:
            wall = datetime.fromisoformat(ts)
        except ValueError:
            wall = None
        emb = system_messages.Embedded(
            "vmsnapshot",
            wall,
            system_messages.console_clock(wall),
            ts,
            None,
            None,
            m.group("handler"),
            None,
            m.group("msg"),
        )
        return [self._embedded_vmsnapshot(lineno, raw, emb)]

    def _embedded_vmsnapshot(self, lineno: int, raw: str, emb: Any) -> Event:
        from parsers.system_messages import classify_embedded

        try:
            kind, attrs = classify_embedded(emb, emb.message)
        except Exception as exc:  # the VMSnapshot tables may be absent or broken  # noqa: BLE001
            self.ctx.warn(f"VMSnapshot record not classified: {type(exc).__name__}: {exc}", lineno)
            kind, attrs = K.OTHER, {}
        attrs["embedded"] = "vmsnapshot"
        return self._event(
            lineno,
            kind,
            raw,
            attrs,
            emb.wall,
            emb.clock,
            emb.time_raw,
            emb.level,
            handler=emb.handler or VMSNAPSHOT_HANDLER,
        )

    def _message(
        self, lineno: int, raw: str, rest: str, wall: datetime | None, clock: Clock, time_raw: str, program: str = ""
    ) -> list[Event]:
        if rest.lstrip().startswith("Traceback (most recent call last)"):
            self.tb = _Traceback(lineno, [raw], wall, clock, time_raw)
            return []
        m = TEXT_PATTERNS.match(rest) if TEXT_GATE.search(rest) is not None else None
        if m is not None:
            return [self._event(lineno, m.pattern.kind, raw, m.attrs, wall, clock, time_raw)]
        c = classify_message(rest, program)
        if c.pattern_id is not None and c.kind is not K.ROUTINE:
            handler = c.attrs.pop("handler", None)
            version = c.attrs.pop("version", None) if handler else None
            if c.agent_unit:
                self.em.fact_once("agent.service", c.agent_unit, lineno)
            return [
                self._event(
                    lineno, c.kind, raw, c.attrs, wall, clock, time_raw, handler=handler, handler_version=version
                )
            ]
        return self._bare_agent(lineno, raw, rest, wall, clock, time_raw)

    def _bare_agent(
        self, lineno: int, raw: str, rest: str, wall: datetime | None, clock: Clock, time_raw: str
    ) -> list[Event]:
        """A pasted agent or VMSnapshot message without its header: only a specific, non-routine
        pattern of those tables counts (their catch-alls would turn prose into events).

        Those tables are large (a scan costs ~100 µs), so only the first lines of a source get
        this treatment: enough for pasted notes, bounded for a big log nobody recognised."""
        if self.bare_budget <= 0 or len(rest) < 12:
            return []
        self.bare_budget -= 1
        if self.bare_budget == 0:
            self.ctx.warn(f"headerless agent/extension message matching stopped after {_BARE_BUDGET} lines", lineno)
        kind: EventKind | None = None
        attrs: dict[str, Any] = {}
        handler: str | None = None
        try:
            from parsers import agent_messages

            mm = agent_messages.match_message(rest)
            if mm.pattern_id is not None and mm.kind not in (K.ROUTINE, K.OTHER):
                kind, attrs = mm.kind, dict(mm.attrs)
        except Exception:  # the agent tables are optional for this parser  # noqa: BLE001
            kind = None
        if kind is None:
            try:
                from parsers import vmsnapshot_messages

                vm = vmsnapshot_messages.match(rest)
            except Exception:  # noqa: BLE001
                vm = None
            if vm is None or vm.kind in (K.ROUTINE, K.OTHER):
                return []
            kind, attrs, handler = vm.kind, dict(vm.attrs), VMSNAPSHOT_HANDLER
        attrs["headerless"] = True
        return [self._event(lineno, kind, raw, attrs, wall, clock, time_raw, handler=handler)]

    def finish(self) -> list[Event]:
        return [*self._flush_agent(), *self._flush_tb(), *self._flush_status(), *self.em.finish()]


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    st = _Text(ctx)
    for lineno, line in reader.lines():
        yield from st.line(lineno, line)
    yield from st.finish()


SPEC = registry.register(
    ParserSpec(
        name="text",
        kind=registry.TEXT_KIND,
        parse=parse,
        paths=(),
        sniff=None,
        priority=-1000,
        description="fallback for unrecognised files: ticket notes, portal errors, instance views, excerpts",
        samples=SAMPLES,
    )
)
