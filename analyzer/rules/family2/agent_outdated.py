"""agent-outdated: the agent that runs extensions is too old (or known bad) for Azure Backup.

What counts is the GOAL-STATE agent in charge when the backup needed it (the newest version line
of the extension-handler process at or before that time: "Goal State Agent version", "running as
process", "is running as the goal state agent", heartbeats), compared numerically with the
supported minimum and the unconditional known-bad ranges of versions.toml.  The 2.0.x script has
no separate goal-state agent, so its daemon version counts, and its log format alone is a strong
hint.  Auto-update switched off (AutoUpdate.UpdateToLatestVersion / AutoUpdate.Enabled, or the
start-up banner) adds weight, and makes the old daemon the agent in charge when no goal-state
line exists.

Traps avoided: an old distro daemon next to a current goal-state agent is normal (ruled out); the
extension's "Guest Agent Version is :WALinuxAgent-2.0.16" constant is never read (it has no
agent role); known-bad entries with a condition the logs cannot confirm are not used; below the
minimum alone stays "possible" (many old agents still run backups) unless auto-update is off, a
known-bad range matches, or the 2.0.x format is seen in the window.
"""

from __future__ import annotations

from analyzer.knowledge import compare_versions
from analyzer.rules import rule
from analyzer.rules.base import Evidence, Judgement, RuleContext
from analyzer.rules.family2._common import (
    MAIN_LOOP_KINDS,
    AgentVersion,
    agent_refs,
    anchor,
    auto_update_off,
    daemon_version,
    fact_from,
    goal_state_agent,
    later_good_run,
    old_format_record,
)

_NEED = "the goal-state agent version (ExtHandler start-up lines of waagent.log, or waagent_status.json)"


def _version_evidence(ctx: RuleContext, agent: AgentVersion, note: str, weight: float) -> Evidence:
    if agent.ref is not None:
        return fact_from(agent.ref, note, weight)
    assert agent.fact is not None
    return ctx.from_fact(agent.fact, f"goal-state agent {agent.version}", weight=weight, note=note)


@rule("agent-outdated")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    when = anchor(ctx)
    agent = goal_state_agent(ctx, when)
    daemon = daemon_version(ctx, when)
    off = auto_update_off(ctx, when)
    old_fmt = old_format_record(ctx, when)
    if agent is None and daemon is not None and off:
        # With auto-update off the daemon launches its own (installed) version as the goal-state agent.
        agent = AgentVersion(daemon.version, daemon.ref, "auto-update off: the installed agent runs extensions")
    if agent is None and old_fmt is None:
        if daemon is not None and daemon.version and ctx.versions.agent.is_supported(daemon.version):
            j.reason = f"the daemon is WALinuxAgent-{daemon.version}; a goal-state agent is never older than it"
            return j
        j.not_evaluable = [_NEED]
        return j

    minimum = ctx.versions.agent.minimum_supported
    problems: list[str] = []
    strong = bool(off)
    if agent is not None and agent.version:
        v = agent.version
        notes, weight = [], 0.0
        if compare_versions(v, minimum) < 0:
            notes.append(f"WALinuxAgent-{v} runs extensions; the supported minimum is {minimum}")
            problems.append(f"older than the supported minimum {minimum}")
            weight = 0.45
        # Entries with a condition the logs cannot confirm (a kernel, a FastTrack shape) are not used.
        for bad in (b for b in ctx.versions.agent.known_bad_for(v) if not b.condition):
            notes.append(f"known bad: {bad.reason}")
            problems.append(f"a known-bad version ({bad.reason.split(';')[0].rstrip('.')})")
            weight = 1 - (1 - weight) * 0.5
            strong = True
        if not notes:
            d = f"; the daemon WALinuxAgent-{daemon.version} only starts it" if daemon and daemon.version != v else ""
            j.reason = f"the goal-state agent WALinuxAgent-{v} is supported (minimum {minimum}){d}"
            return j
        j.support.append(_version_evidence(ctx, agent, "; ".join(notes), round(weight, 3)))
    if old_fmt is not None:
        j.support.append(ctx.line(old_fmt, "2.0.x log format: written by the unsupported single-file 2.0 agent"))
        if agent is None or not agent.version:
            problems.append("the unsupported 2.0.x agent (log format)")
        strong = True
    if off:
        j.support.extend(off)
        problems.append("auto-update is switched off")
    active = agent_refs(ctx, lambda ev: ev.kind in MAIN_LOOP_KINDS)
    in_window = [r for r in active if ctx.in_window(r.time)]
    if in_window and not (old_fmt is not None and ctx.in_window(old_fmt.time)):
        # The old agent was the one handling goal states during the backup (a weak hint by itself).
        j.support.append(ctx.line(in_window[0], "the outdated agent handled goal states in this window", 0.3))
    if not strong:
        j.cap = "possible"
    good = later_good_run(ctx, ctx.run.end if ctx.run is not None else when) if when else None
    if good is not None:
        j.counter.append(ctx.line(good, "a later backup run succeeded with this agent"))
    name = f"WALinuxAgent-{agent.version}" if agent is not None and agent.version else "a 2.0.x agent"
    j.summary = (
        f"The guest agent that runs extensions on this VM is {name}: {', '.join(dict.fromkeys(problems))}. "
        "Azure Backup needs a supported agent to run the snapshot extension and report its status, so the "
        "backup could not complete. Update the agent package and keep auto-update on."
    )
    if j.cap:
        j.reason = "the agent is below the supported minimum, but nothing else in the logs ties the failure to it"
    return j
