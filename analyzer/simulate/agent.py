"""Agent records in the header layout of each era, with their copies in syslog and CommandExecution.log.

One call = one ``logger.*`` call of the agent: a header and the (possibly multi-line) message.
The 2.0.x script stamps every physical line instead (reference ``waagent-formats.md`` §1.2, §1.5).
Every record also reaches the journal through the agent's STDOUT appender (so ``/var/log/syslog``
holds a copy of each physical line behind the syslog header), and handler records are appended to
the handler's ``CommandExecution.log`` (§1.8).
"""

from __future__ import annotations

from datetime import datetime

from analyzer.simulate.clock import iso_z, slash_s, slash_us, syslog_stamp
from analyzer.simulate.context import COMMAND_EXECUTION_LOG, SYSLOG, WAAGENT_LOG, Sim
from analyzer.simulate.eras import FMT_20, FMT_2246, FMT_ISO

DAEMON = "daemon"
GS = "gs"


def header(sim: Sim, t: datetime, role: str, level: str, thread: str | None, prefix: str | None) -> str:
    """The header of one record (without the message), ending in a space when text follows."""
    era = sim.era
    fmt = era.daemon_fmt if role == DAEMON else era.gs_fmt
    if fmt == FMT_ISO:
        thread = thread or ("Daemon" if role == DAEMON else "ExtHandler")
        return f"{iso_z(t)} {level} {thread} {prefix} " if prefix else f"{iso_z(t)} {level} {thread} "
    if fmt == FMT_2246:
        return f"{iso_z(t)} {level} {prefix} " if prefix else f"{iso_z(t)} {level} "
    stamp = slash_us(sim.local(t))
    return f"{stamp} {level} {prefix} " if prefix else f"{stamp} {level} "


def record(
    sim: Sim,
    t: datetime,
    role: str,
    level: str,
    msg: str,
    *,
    thread: str | None = None,
    handler: bool = False,
    bare: bool = False,
) -> None:
    """Write one agent record.

    ``handler``: a ``[Name-Version]`` handler record (also goes to CommandExecution.log);
    ``bare``: written by a prefix-less logger (2.2.47+ goal-state and certificate loggers);
    ``thread``: the 2.2.47+ thread name when it is not the process's main thread.
    """
    if sim.agent_silent(t):
        return
    era = sim.era
    fmt = era.daemon_fmt if role == DAEMON else era.gs_fmt
    if fmt == FMT_20:
        _record_20(sim, t, level, msg)
        return
    if handler:
        prefix: str | None = sim.handler_prefix
    elif bare:
        prefix = None
    elif fmt in (FMT_ISO, FMT_2246) or era.prefixes:
        prefix = "Daemon" if role == DAEMON else "ExtHandler"
    else:
        prefix = None
    text = header(sim, t, role, level, thread, prefix) + msg
    sim.out.sink(WAAGENT_LOG).add(t, text)
    if handler and era.command_execution:
        sim.out.sink(COMMAND_EXECUTION_LOG).add(t, text)
    if era.syslog_copies:
        _syslog_copy(sim, t, role, text)


def _record_20(sim: Sim, t: datetime, level: str, msg: str) -> None:
    stamp = slash_s(sim.local(t))
    tag = "ERROR:" if level == "ERROR" else "WARNING:" if level == "WARNING" else ""
    sink = sim.out.sink(WAAGENT_LOG)
    sink.add(t, "\n".join(f"{stamp} {tag}{line}" for line in msg.split("\n")))


def _syslog_copy(sim: Sim, t: datetime, role: str, text: str) -> None:
    pid = sim.daemon_pid if role == DAEMON else sim.gs_pid
    lead = f"{syslog_stamp(sim.local(t))} {sim.host} {sim.era.daemon_comm}[{pid}]:"
    sim.out.sink(SYSLOG).add(t, "\n".join(f"{lead} {line}" if line else lead for line in text.split("\n")))
