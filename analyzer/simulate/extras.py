"""Extra lines a scenario adds around one run: agent records, extension records, shell.log and
syslog lines, each at an offset from the run's start (or end).

A scenario appends :class:`Line` items to ``RunSpec.extra``; :func:`render_extras` writes them
after the run itself (each sink sorts its day by time, so the lines land where their time says).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from analyzer.simulate import syslog_lines as sl
from analyzer.simulate.agent import DAEMON, GS, record
from analyzer.simulate.context import Sim
from analyzer.simulate.extlog import ExtWriter

KINDS = ("agent", "daemon", "handler", "bare", "ext", "shell", "syslog")


@dataclass(frozen=True)
class Line:
    """One extra line.

    ``kind``: ``agent`` (goal-state agent record), ``daemon``, ``handler`` (``[Name-Version]``
    record), ``bare`` (prefix-less agent record), ``ext`` (extension.log record), ``shell``
    (shell.log), ``syslog`` (``tag`` is the syslog tag, e.g. ``kernel``).
    ``at``: seconds after the run's start, or after its end with ``after_end``.
    """

    at: float
    kind: str
    text: str
    level: str = "INFO"
    tag: str = ""
    after_end: bool = False


def agent(at: float, text: str, level: str = "INFO", *, after_end: bool = False) -> Line:
    return Line(at, "agent", text, level, after_end=after_end)


def handler(at: float, text: str, level: str = "INFO", *, after_end: bool = False) -> Line:
    return Line(at, "handler", text, level, after_end=after_end)


def other_handler(at: float, name: str, text: str, level: str = "INFO") -> Line:
    """A record of another extension's handler (``[Name-Version] text``)."""
    return Line(at, "bare", f"[{name}] {text}", level)


def ext(at: float, text: str, level: str = "INFO", *, after_end: bool = False) -> Line:
    return Line(at, "ext", text, level, after_end=after_end)


def shell(at: float, text: str, *, after_end: bool = False) -> Line:
    return Line(at, "shell", text, after_end=after_end)


def syslog(at: float, tag: str, text: str, *, after_end: bool = False) -> Line:
    return Line(at, "syslog", text, tag=tag, after_end=after_end)


def render_extras(sim: Sim, lines: list[Line], start: datetime, end: datetime) -> datetime:
    """Write ``lines``; returns the time of the last one (or ``end``)."""
    last = end
    writer = ExtWriter(sim)
    cutoff, sim.agent_cutoff = sim.agent_cutoff, None  # a scenario's own agent lines are never silenced
    try:
        for item in lines:
            last = max(last, _render(sim, item, start, end, writer))
    finally:
        sim.agent_cutoff = cutoff
    return last


def _render(sim: Sim, item: Line, start: datetime, end: datetime, writer: ExtWriter) -> datetime:
    if item.kind not in KINDS:
        raise ValueError(f"extra line kind must be one of {KINDS}, got {item.kind!r}")
    t = (end if item.after_end else start) + timedelta(seconds=item.at)
    if item.kind in ("agent", "handler", "bare"):
        record(sim, t, GS, item.level, item.text, handler=item.kind == "handler", bare=item.kind == "bare")
    elif item.kind == "daemon":
        record(sim, t, DAEMON, item.level, item.text)
    elif item.kind == "syslog":
        sl.line(sim, t, item.tag, item.text)
    elif item.kind == "ext":
        writer.rec(t, item.text, item.level)
    else:
        writer.shell(t, item.text)
    return t
