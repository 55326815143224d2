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

from analyzer.knowledge import Text, compare_versions
from analyzer.rules import rule
from analyzer.rules.base import Evidence, Judgement, RuleContext, say
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

_NEED = say(
    en="the goal-state agent version (ExtHandler start-up lines of waagent.log, or waagent_status.json)",
    zh="目标状态代理（goal-state agent）的版本（waagent.log 中 ExtHandler 的启动行，或 waagent_status.json）",
)


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
            j.reason = say(
                en=f"the daemon is WALinuxAgent-{daemon.version}; a goal-state agent is never older than it",
                zh=f"守护进程为 WALinuxAgent-{daemon.version}；目标状态代理（goal-state agent）的版本不会比它更旧",
            )
            return j
        j.not_evaluable = [_NEED]
        return j

    minimum = ctx.versions.agent.minimum_supported
    problems: list[Text] = []
    strong = bool(off)
    if agent is not None and agent.version:
        v = agent.version
        notes, weight = [], 0.0
        if compare_versions(v, minimum) < 0:
            notes.append(f"WALinuxAgent-{v} runs extensions; the supported minimum is {minimum}")
            problems.append(say(en=f"older than the supported minimum {minimum}", zh=f"低于受支持的最低版本 {minimum}"))
            weight = 0.45
        # Entries with a condition the logs cannot confirm (a kernel, a FastTrack shape) are not used.
        for bad in (b for b in ctx.versions.agent.known_bad_for(v) if not b.condition):
            notes.append(f"known bad: {bad.reason}")
            why = bad.reason.split(";")[0].rstrip(".")
            problems.append(say(en=f"a known-bad version ({why})", zh=f"属于已知有问题的版本（{why}）"))
            weight = 1 - (1 - weight) * 0.5
            strong = True
        if not notes:
            other = daemon and daemon.version != v
            d = f"; the daemon WALinuxAgent-{daemon.version} only starts it" if other else ""
            d_zh = f"；守护进程 WALinuxAgent-{daemon.version} 只负责启动它" if other else ""
            j.reason = say(
                en=f"the goal-state agent WALinuxAgent-{v} is supported (minimum {minimum}){d}",
                zh=f"目标状态代理（goal-state agent）WALinuxAgent-{v} 受支持（最低版本 {minimum}）{d_zh}",
            )
            return j
        j.support.append(_version_evidence(ctx, agent, "; ".join(notes), round(weight, 3)))
    if old_fmt is not None:
        j.support.append(ctx.line(old_fmt, "2.0.x log format: written by the unsupported single-file 2.0 agent"))
        if agent is None or not agent.version:
            problems.append(
                say(en="the unsupported 2.0.x agent (log format)", zh="不受支持的 2.0.x 来宾代理（依据日志格式）")
            )
        strong = True
    if off:
        j.support.extend(off)
        problems.append(say(en="auto-update is switched off", zh="自动更新已关闭"))
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
    known = agent is not None and agent.version
    name = f"WALinuxAgent-{agent.version}" if known else "a 2.0.x agent"
    name_zh = f"WALinuxAgent-{agent.version}" if known else "2.0.x 版本的来宾代理"
    unique = list(dict.fromkeys(problems))
    j.summary = say(
        en=f"The guest agent that runs extensions on this VM is {name}: {', '.join(p.en for p in unique)}. "
        "Azure Backup needs a supported agent to run the snapshot extension and report its status, so the "
        "backup could not complete. Update the agent package and keep auto-update on.",
        zh=f"此 VM 上负责运行扩展的来宾代理是 {name_zh}：{'，'.join(p.zh_cn for p in unique)}。"
        "Azure 备份需要受支持的来宾代理来运行快照扩展并上报其状态，因此备份无法完成。"
        "请更新来宾代理软件包，并保持自动更新处于开启状态。",
    )
    if j.cap:
        j.reason = say(
            en="the agent is below the supported minimum, but nothing else in the logs ties the failure to it",
            zh="来宾代理低于受支持的最低版本，但日志中没有其他证据将此次失败与之关联",
        )
    return j
