"""agent-not-running: the agent was not processing goal states when the backup needed it.

Evidence: the agent's records stop (the log ends, or has a long gap) around the backup time while
other sources (syslog, journal, extension logs) go on, so the VM was up; service stop lines
(the agent's "forwarding signal", systemd "Stopped Azure Linux Agent") with no start before the
backup; a start-up only after the gap.

Traps avoided: agents before 2.2.47 write no local heartbeat and periodic messages are
de-duplicated, so a quiet old log proves little (at most "possible" without a stop line); a gap
that ends before the backup, or a silence shared by every source (VM off: vm-shutdown), or one
spent running an extension command (extension-queue-blocked), or an agent disabled on purpose
(extensions-disabled) is not this cause.  From 2.2.47 the main loop writes a heartbeat every
30 minutes, so there a silence of its records longer than 45 minutes counts.

With no run and no backup time (a whole bundle, or the stretch after a good last run that
analyzer/after_run.py judges), a backup that finds no agent leaves no trace in the guest: an agent
service stopped and never started again, while other logs show the VM up, is this cause too —
possible at most, with a pointer to --backup-time, which then judges the failed backup itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from analyzer.knowledge import compare_versions
from analyzer.model import EventKind
from analyzer.rules import rule
from analyzer.rules.base import EventRef, Judgement, RuleContext, say
from analyzer.rules.family2._common import (
    AGENT_PARSERS,
    EXT_COMMAND_KINDS,
    MAIN_LOOP_KINDS,
    agent_refs,
    anchor,
    goal_state_agent,
    is_agent_record,
    is_vmsnapshot,
    timed,
)

K = EventKind
_HEARTBEAT_GAP = timedelta(minutes=45)
_QUIET_GAP = timedelta(minutes=30)
_MARGIN = timedelta(minutes=5)
_AFTER = timedelta(minutes=30)  # the backup's goal state reaches a running agent within minutes
_STARTS = (K.AGENT_START, K.AGENT_VERSION)
_RAN = (K.EXT_ENABLE, K.EXT_INSTALL, K.EXT_UPDATE, K.EXT_COMMAND_RESULT)
_UP_WITHOUT_AGENT = timedelta(hours=1)  # less: a shutdown's own last lines, not a VM left running
_NEXT_DAILY_BACKUP = timedelta(hours=24)


def _fmt(when: object) -> str:
    return f"{when:%Y-%m-%d %H:%M}Z"


@rule("agent-not-running")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    when = anchor(ctx)
    agent = agent_refs(ctx)
    if when is None or not agent:
        j.not_evaluable = [say(en="waagent.log records with times", zh="带时间戳的 waagent.log 记录")]
        return j
    ran = [r for r in agent if is_vmsnapshot(r.event) and r.event.kind in _RAN and ctx.in_window(r.time)]
    in_time = [r for r in ran if r.time <= when + _AFTER]
    stopped_later = _stopped_without_a_run(ctx, agent)
    if stopped_later is not None:
        return stopped_later
    if in_time:
        j.reason = say(
            en=f"the agent ran the backup extension at {_fmt(in_time[0].time)}",
            zh=f"来宾代理在 {_fmt(in_time[0].time)} 运行了备份扩展",
        )
        return j
    gs = goal_state_agent(ctx, when)
    local_hb = ctx.versions.agent.local_heartbeat_from
    heartbeats = gs is not None and gs.version is not None and compare_versions(gs.version, local_hb) >= 0
    watch = [r for r in agent if r.event.kind in MAIN_LOOP_KINDS] if heartbeats else agent
    before = [r for r in watch if r.time <= when]
    after = [r for r in watch if r.time > when]
    if not before:
        j.not_evaluable = [
            say(
                en="waagent.log covering the time before the backup (older rotated files)",
                zh="覆盖备份之前时段的 waagent.log（较早的轮转文件）",
            )
        ]
        return j
    last, nxt = before[-1], (after[0] if after else None)
    disabled = [r for r in agent if r.event.attrs.get("disabled") == "agent" and r.time <= when]
    if disabled and not any(r.event.kind in _STARTS and disabled[-1].time < r.time <= when for r in agent):
        j.reason = say(
            en="the agent was disabled on purpose before the backup (see extensions-disabled)",
            zh="来宾代理在备份前被有意禁用（参见 extensions-disabled）",
        )
        return j
    if nxt is not None and last.event.kind in EXT_COMMAND_KINDS and nxt.event.kind == K.EXT_COMMAND_RESULT:
        j.reason = say(
            en=f"the agent was busy running {last.event.handler or 'an extension'} (see extension-queue-blocked)",
            zh=f"来宾代理当时正忙于运行 {last.event.handler or '某个扩展'}（参见 extension-queue-blocked）",
        )
        return j
    end = nxt.time if nxt is not None else None
    others = timed(ctx.events(where=lambda ev: not is_agent_record(ev)))
    alive = [o for o in others if o.time > last.time + _MARGIN and (end is None or o.time < end)]
    starts = timed(ctx.events(_STARTS))
    stops = [
        r
        for r in timed(ctx.events(K.AGENT_STOP))
        if last.time - _MARGIN <= r.time <= when and not any(r.time < s.time <= when for s in starts)
    ]
    around = say(
        en=f"the agent was writing records around the backup time (last at {_fmt(last.time)}"
        + (f", next at {_fmt(end)})" if end else ")"),
        zh=f"备份时间前后来宾代理一直在写入记录（之前最后一条在 {_fmt(last.time)}"
        + (f"，之后下一条在 {_fmt(end)}）" if end else "）"),
    )
    needed = _HEARTBEAT_GAP if heartbeats else _QUIET_GAP
    if end is not None and (end < when + _AFTER or end - last.time < needed):
        j.reason = around
        return j
    if end is None and alive and alive[-1].time < when + _AFTER:
        j.not_evaluable = [
            say(
                en="logs that go on after the backup time (these end too soon to tell whether the agent would "
                "have acted)",
                zh="覆盖备份时间之后的日志（这些日志结束得过早，无法判断来宾代理是否会作出处理）",
            )
        ]
        return j
    if others and not any(ctx.in_window(o.time) for o in alive):
        # silence everywhere around the backup is a VM that was off (vm-shutdown-during-backup), not this cause
        j.reason = say(
            en="the other logs are silent around the backup time too (the VM was off, or the bundle ends)",
            zh="备份时间前后其他日志也没有记录（VM 当时已关机，或日志包在此结束）",
        )
        return j
    if not alive and not stops:
        j.not_evaluable = [
            say(
                en="syslog or journal (to tell a stopped agent from a stopped VM)",
                zh="syslog 或 journal（用于区分是来宾代理停止还是 VM 停止）",
            )
        ]
        return j
    gap = (end or (alive[-1].time if alive else when)) - last.time
    if gap < needed:
        j.reason = around
        return j

    restart = None
    if nxt is not None:
        restart = next((r for r in agent if r.time >= nxt.time and r.event.kind in _STARTS), None)
        if restart is not None and restart.time - nxt.time > _MARGIN:
            restart = None
    if not (heartbeats or stops or restart):
        j.reason = say(
            en=f"a quiet agent log without heartbeats (agents before {local_hb} write none) "
            "and without a stop or a restart proves nothing",
            zh=f"来宾代理日志没有记录，但既无心跳（{local_hb} 之前的来宾代理不写心跳），也没有停止或重启记录，"
            "这说明不了任何问题",
        )
        return j
    until = f"until {_fmt(end)}" if end else "to the end of its log"
    until_zh = f"到 {_fmt(end)}" if end else "到其日志结束"
    what, what_zh = (
        ("goal-state processing or heartbeat", "目标状态处理或心跳") if heartbeats else ("agent record", "来宾代理记录")
    )
    gap_min = int(gap.total_seconds() // 60)
    note = f"no {what} from {_fmt(last.time)} {until} ({gap_min} min)"
    note_zh = f"从 {_fmt(last.time)} {until_zh} 没有{what_zh}（{gap_min} 分钟）"
    if alive:
        note += f" while {alive[0].event.source} goes on"
        note_zh += f"，而 {alive[0].event.source} 仍在继续记录"
    weight = 0.6 if heartbeats or stops else 0.3  # a restart after a quiet old log: weaker
    j.support.append(ctx.absence(say(en=note, zh=note_zh), source=last.event.source, weight=weight))
    j.support.append(ctx.line(last, "the agent's last record before the silence", 0.1))
    for stop in stops[-2:]:
        j.support.append(ctx.line(stop, "the agent service was stopped and not started again", 0.7))
    if alive:
        shown = next((o for o in alive if ctx.in_window(o.time)), alive[0])
        j.support.append(ctx.line(shown, "the VM was up: other logs go on while the agent is silent", 0.3))
    if restart is not None:
        j.support.append(ctx.line(restart, "the agent started again only after the gap", 0.3))
    if nxt is not None:
        late = [r for r in agent if r.time >= nxt.time and ctx.in_window(r.time) and is_vmsnapshot(r.event)]
        if any(r.event.kind in (K.EXT_ENABLE, K.EXT_COMMAND_RESULT) for r in late):
            j.counter.append(ctx.line(late[0], "the agent ran the backup extension later in the window"))
    if not (heartbeats or stops) or not alive:
        j.cap = "possible"
        j.reason = (
            say(en="no heartbeats to measure the silence by", zh="没有心跳记录可用于衡量这段静默")
            if alive
            else say(en="no other log shows the VM up", zh="没有其他日志表明 VM 当时在运行")
        )
    stopped = f" (its service was stopped at {_fmt(stops[-1].time)})" if stops else ""
    until_zh = f"到 {_fmt(end)}" if end else "到其日志结束"
    stopped_zh = f"（其服务已于 {_fmt(stops[-1].time)} 停止）" if stops else ""
    j.summary = say(
        en=f"The guest agent wrote nothing from {_fmt(last.time)} {until}{stopped}, while the VM itself was running, "
        f"so no agent was processing goal states when the backup needed it ({_fmt(when)}) and the snapshot "
        "extension was never started. Restart the agent service and enable automatic restart.",
        zh=f"从 {_fmt(last.time)} {until_zh}，来宾代理没有写入任何记录{stopped_zh}，而 VM 本身一直在运行，"
        f"因此在备份需要时（{_fmt(when)}）没有来宾代理在处理目标状态（goal state），快照扩展也从未启动。"
        "请重启来宾代理服务并启用自动重启。",
    )
    return j


def _vm_up_until(ctx: RuleContext, agent: list[EventRef], after: datetime) -> tuple[datetime | None, EventRef | None]:
    """How long after ``after`` other logs show the VM up: kept events, or hours of routine lines
    (counted, not kept) in any file but the agent's own logs.  Also the last kept event, to cite."""
    own = {r.event.member for r in agent if r.event.parser in AGENT_PARSERS}
    others = [o for o in timed(ctx.events(where=lambda ev: not is_agent_record(ev))) if o.time > after]
    latest = others[-1].time if others else None
    hour = ctx.timeline.last_routine_hour(exclude=own)
    if hour is not None:
        end_of_hour = hour.replace(tzinfo=after.tzinfo) + timedelta(minutes=59)
        if end_of_hour > after and (latest is None or end_of_hour > latest):
            latest = end_of_hour
    return latest, (others[-1] if others else None)


def _stopped_without_a_run(ctx: RuleContext, agent: list[EventRef]) -> Judgement | None:
    # Only without a run: after a good last run, analyzer/after_run.py judges the stretch after it
    # with no run, which lands here too.
    if ctx.backup_time is not None or ctx.run is not None:
        return None
    starts = timed(ctx.events(_STARTS))
    stops = [r for r in timed(ctx.events(K.AGENT_STOP)) if not any(s.time > r.time for s in starts)]
    if not stops:
        return None
    stop = stops[0]
    if any(r.time > stops[-1].time + _MARGIN and r.event.kind != K.AGENT_STOP for r in agent):
        return None  # it wrote again: running after all
    up_until, shown = _vm_up_until(ctx, agent, stops[-1].time + _MARGIN)
    if up_until is None or up_until - stop.time < _UP_WITHOUT_AGENT:
        return None  # the VM went down with its agent, or the logs end there
    j = Judgement()
    hours = int((up_until - stop.time).total_seconds() // 3600)
    j.support.append(
        ctx.absence(
            say(
                en=f"no agent record from {_fmt(stop.time)} to the end of the logs while other logs go on "
                f"until about {_fmt(up_until)} ({hours} h)",
                zh=f"从 {_fmt(stop.time)} 到日志结束没有任何来宾代理记录，而其他日志一直持续到约 {_fmt(up_until)}"
                f"（{hours} 小时）",
            ),
            source=stop.event.source,
            weight=0.6,
        )
    )
    for ref in stops[-2:]:
        j.support.append(ctx.line(ref, "the agent service was stopped and not started again", 0.7))
    if shown is not None:
        j.support.append(ctx.line(shown, "the VM was up: other logs go on while the agent is silent", 0.3))
    # possible at most: which backup failed is not known
    j.cap = "possible"
    j.reason = (
        say(
            en=f"the logs end {hours} h after the stop: a daily backup may not have come yet; "
            "give the failed backup's time with --backup-time",
            zh=f"日志在停止后 {hours} 小时即结束：每日备份可能尚未到来；请用 --backup-time 给出失败备份的时间",
        )
        if up_until - stop.time < _NEXT_DAILY_BACKUP
        else say(
            en="which backup failed is not known: give its time with --backup-time to judge it",
            zh="不知道是哪一次备份失败：请用 --backup-time 给出其时间以作判断",
        )
    )
    j.summary = say(
        en=f"The guest agent's service was stopped at {_fmt(stop.time)} and never started again, while the VM "
        f"kept running until at least {_fmt(up_until)}. Every backup after the stop found no agent to run the "
        "snapshot extension and failed as \"Could not communicate with the VM agent for snapshot status\". "
        "Restart the agent service and enable automatic restart.",
        zh=f"来宾代理服务在 {_fmt(stop.time)} 被停止后再未启动，而 VM 至少一直运行到 {_fmt(up_until)}。"
        "停止之后的每次备份都找不到来宾代理来运行快照扩展，因而失败并报告“无法与 VM 代理通信以获取快照状态”。"
        "请重启来宾代理服务并启用自动重启。",
    )
    return j
