"""Helpers shared by the family-2 rules (the guest agent itself; not loaded as a rule).

Which records the agent wrote, which agent version was in charge when the backup needed it
(the goal-state agent, not the distro daemon), and when the backup needed it.  Traps kept out:
the extension's bundled "Guest Agent Version is :WALinuxAgent-2.0.16" constant (it carries no
``role`` and comes from another parser), and versions compared as text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from analyzer.knowledge import compare_versions
from analyzer.model import Event, EventKind, Fact
from analyzer.rules.base import EventRef, Evidence, RuleContext

K = EventKind
VMSNAPSHOT = "VMSnapshotLinux"
AGENT_PARSERS = frozenset(("waagent_log", "command_execution_log"))
# The 2.0.x single-file agent stamps "YYYY/MM/DD HH:MM:SS" with no fraction and no level field.
_STAMP_20 = re.compile(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}$")
_VERSION_KINDS = (K.AGENT_VERSION, K.AGENT_START, K.HEARTBEAT)
# Records only the extension-handler main loop writes: goal states, extensions, status, heartbeat.
MAIN_LOOP_KINDS = frozenset(
    (
        K.HEARTBEAT,
        K.GOAL_STATE_FETCH,
        K.GOAL_STATE_PROCESS,
        K.GOAL_STATE_ERROR,
        K.EXT_DOWNLOAD,
        K.EXT_INSTALL,
        K.EXT_ENABLE,
        K.EXT_DISABLE,
        K.EXT_UNINSTALL,
        K.EXT_UPDATE,
        K.EXT_COMMAND_RESULT,
        K.EXT_STATUS,
        K.STATUS_UPLOAD,
    )
)
EXT_COMMAND_KINDS = frozenset((K.EXT_INSTALL, K.EXT_ENABLE, K.EXT_DISABLE, K.EXT_UNINSTALL, K.EXT_UPDATE))


def is_agent_record(ev: Event) -> bool:
    """A record the agent itself wrote (waagent.log, CommandExecution.log, or its syslog copy)."""
    return ev.parser in AGENT_PARSERS or ev.attrs.get("embedded") == "agent"


def is_20_record(ev: Event) -> bool:
    return ev.parser == "waagent_log" and bool(_STAMP_20.match(ev.time_raw or ""))


def is_vmsnapshot(ev: Event) -> bool:
    return VMSNAPSHOT in (ev.handler or "") or VMSNAPSHOT in ev.message.split("\n", 1)[0]


def first_line(ev: Event) -> str:
    return ev.message.split("\n", 1)[0]


def anchor(ctx: RuleContext) -> datetime | None:
    """When the backup needed the agent: the given backup time, else the analysed run's start."""
    if ctx.backup_time is not None:
        return ctx.backup_time[0]
    if ctx.run is not None:
        return ctx.run.enable_time or ctx.run.start
    return ctx.window[1] if ctx.window is not None else None


def timed(refs: Iterable[EventRef]) -> list[EventRef]:
    return [r for r in refs if r.time is not None]


def agent_refs(ctx: RuleContext, where: Callable[[Event], bool] | None = None) -> list[EventRef]:
    if where is None:
        return timed(ctx.events(where=is_agent_record))
    test = where
    return timed(ctx.events(where=lambda ev: is_agent_record(ev) and test(ev)))


def fact_from(ref: EventRef, note: str, weight: float | None = None) -> Evidence:
    """A state learned from one record (a version, a setting): it does not fade with the record's age."""
    ev = ref.event
    return Evidence(
        kind="fact",
        text=first_line(ev),
        source=ev.source,
        member=ev.member,
        line=ev.line,
        time=ref.time,
        weight=weight,
        note=note,
    )


def cluster(refs: list[EventRef], gap: timedelta = timedelta(seconds=90)) -> list[list[EventRef]]:
    """Records close in time grouped (one crash writes several records)."""
    groups: list[list[EventRef]] = []
    for ref in refs:
        prev = groups[-1][-1].time if groups else None
        if prev is not None and ref.time is not None and ref.time - prev <= gap:
            groups[-1].append(ref)
        else:
            groups.append([ref])
    return groups


def later_good_run(ctx: RuleContext, after: datetime) -> EventRef | None:
    """The first record of a backup run that started after ``after`` and succeeded."""
    tl = ctx.timeline
    for run in ctx.runs:
        if run.outcome == "succeeded" and run.start > after and run is not ctx.run and run.events:
            i = run.events[-1]
            return EventRef(i, tl.events[i], tl.times[i])
    return None


# -- agent versions ---------------------------------------------------------------------------------


@dataclass
class AgentVersion:
    version: str | None  # None: a 2.0.x-format log without a version line
    ref: EventRef | None
    how: str  # plain words: how the version was learned
    fact: Fact | None = None  # when learned from a state file rather than a log record


def _version_refs(ctx: RuleContext, role: str) -> list[EventRef]:
    def wanted(ev: Event) -> bool:
        v = ev.attrs.get("version")
        return ev.attrs.get("role") == role and isinstance(v, str) and not ev.attrs.get("bundled_constant")

    return agent_refs(ctx, lambda ev: ev.kind in _VERSION_KINDS and wanted(ev))


def _at(refs: list[EventRef], when: datetime | None) -> EventRef | None:
    if not refs:
        return None
    if when is None:
        return refs[-1]
    before = [r for r in refs if r.time is not None and r.time <= when]
    return before[-1] if before else refs[0]


def daemon_version(ctx: RuleContext, when: datetime | None) -> AgentVersion | None:
    ref = _at(_version_refs(ctx, "daemon"), when)
    if ref is None:
        return None
    return AgentVersion(str(ref.event.attrs["version"]), ref, "daemon version line")


def goal_state_agent(ctx: RuleContext, when: datetime | None) -> AgentVersion | None:
    """The agent that ran extensions at ``when`` (the newest version line of it at or before then)."""
    ref = _at(_version_refs(ctx, "goal_state"), when)
    if ref is not None:
        return AgentVersion(str(ref.event.attrs["version"]), ref, "goal-state agent version line")
    daemon = daemon_version(ctx, when)
    if daemon is not None and daemon.version and compare_versions(daemon.version, "2.1") < 0:
        # The 2.0.x script has no separate goal-state agent: the daemon runs the extensions itself.
        return AgentVersion(daemon.version, daemon.ref, "2.0.x agent: the daemon runs extensions itself")
    for fact in ctx.facts_for("agent.goal_state_version"):
        if isinstance(fact.value, str) and fact.parser not in AGENT_PARSERS:
            return AgentVersion(fact.value, None, f"reported in {fact.source or 'the agent status file'}", fact)
    return None


def old_format_record(ctx: RuleContext, when: datetime | None) -> EventRef | None:
    """A 2.0.x-format agent record of the agent in charge at ``when``: the first one in the window,
    else the last one before ``when`` that no newer-format agent record follows."""
    refs = timed(ctx.events(parsers=("waagent_log",), where=is_20_record))
    inside = [r for r in refs if ctx.in_window(r.time)]
    if inside:
        return inside[0]
    before = [r for r in refs if when is None or (r.time is not None and r.time <= when)]
    if not before:
        return None
    last = before[-1]
    newer = agent_refs(ctx, lambda ev: not is_20_record(ev))
    if any(r.time is not None and last.time is not None and last.time < r.time <= (when or r.time) for r in newer):
        return None
    return last


def auto_update_off(ctx: RuleContext, when: datetime | None = None) -> list[Evidence]:
    """Evidence that auto-update of the goal-state agent is off (waagent.conf or the start-up banner)."""
    found: list[Evidence] = []
    auto = ctx.versions.agent.auto_update
    conf: dict[str, str] = {}
    facts = {}
    for key in auto.keys:
        values = ctx.facts_for(f"waagent_conf.{key}")
        if values:
            conf[key] = str(values[-1].value)
            facts[key] = values[-1]
    if conf and not auto.effective(conf):
        key = next(k for k in auto.keys if k in conf)
        found.append(
            ctx.from_fact(facts[key], f"{key}={conf[key]} in waagent.conf", weight=0.3, note="agent auto-update is off")
        )
    banners = agent_refs(ctx, lambda ev: ev.kind == K.CONFIG and "is set to False, not processing" in ev.message)
    for ref in banners:
        if "AutoUpdate" in ref.event.message:
            found.append(fact_from(ref, "the agent reports auto-update switched off", weight=0.3))
            break
    beats = agent_refs(ctx, lambda ev: ev.kind == K.HEARTBEAT and "auto_update" in ev.attrs)
    beat = _at(beats, when)
    if beat is not None and str(beat.event.attrs["auto_update"]) == "0":
        found.append(fact_from(beat, "the agent's heartbeat says AutoUpdate: 0", weight=0.3))
    return found
