"""extension-queue-blocked: VMSnapshot waited behind another extension.

The agent runs extensions one at a time in its main loop (install up to 900 s, enable 300 s, a
dependency wait up to 90 minutes), so another handler's long or hung operation delays the backup
extension's enable — or prevents it.  Evidence in the window, before VMSnapshot's enable (or before
the window's end when it never came): another handler's ``Timeout(N)`` or a "Dependent Extension …
did not reach a terminal state" wait, "not all the extensions in the previous goal state have
completed" naming another handler, a goal state whose processing took many minutes; *and* the
backup extension starting late: its enable long after the backup time / after its goal state was
created ("created:" of "ProcessExtensionsGoalState started", read from the text), or not at all.
Traps: "not all … completed" that only names VMSnapshot itself is its own run still transitioning;
a blocker without a late VMSnapshot is harmless (a prompt enable is counter-evidence).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from analyzer.knowledge import Text
from analyzer.model import EventKind
from analyzer.rules import rule
from analyzer.rules.base import EventRef, Judgement, RuleContext, say
from analyzer.rules.family3._common import VMS

K = EventKind
_CREATED = re.compile(r"created: (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})")
_DEPENDENT = re.compile(r"Dependent Extension (\S+) did not reach")
_LATE = timedelta(minutes=15)
_LONG_GS_MS = 10 * 60 * 1000
_LOOKBACK = timedelta(minutes=100)  # longest legitimate hold: install 15 min + dependency wait 90 min


_REACHED = (K.EXT_STATUS, K.EXT_DOWNLOAD, K.EXT_INSTALL, K.EXT_ENABLE, K.EXT_UPDATE, K.EXT_COMMAND_RESULT)


def _vms_enables(ctx: RuleContext) -> list[EventRef]:
    """The agent's records of reaching VMSnapshot in its queue ("Target handler state", download,
    install, enable, a command result): once there, the queue no longer held it."""
    return [
        r for r in ctx.events(_REACHED, in_window=True, handler=VMS, parsers=("waagent_log", "command_execution_log"))
    ]


def _requested(ctx: RuleContext, enable: EventRef | None) -> datetime | None:
    """When the backup asked for the snapshot: the backup time, else the creation of the enable's goal state."""
    if ctx.backup_time is not None:
        lo = ctx.backup_time[0]
        return lo.astimezone(UTC).replace(tzinfo=None) if lo.tzinfo else lo  # the timeline is naive UTC
    if enable is not None and enable.time is not None:
        started = [r for r in ctx.events(K.GOAL_STATE_PROCESS, text="created: ") if r.time and r.time <= enable.time]
        if started and (m := _CREATED.search(started[-1].event.message)):
            return datetime.fromisoformat(m.group(1))
    return None


def _blockers(ctx: RuleContext, lo: datetime, hi: datetime) -> list[tuple[EventRef, Text]]:
    found: list[tuple[EventRef, Text]] = []
    for ref in ctx.events(where=lambda ev: VMS not in (ev.handler or "") and VMS not in ev.message.split("\n")[0]):
        if ref.time is None or not (lo <= ref.time <= hi):
            continue
        ev, a = ref.event, ref.event.attrs
        pending = [p for p in a.get("pending", []) if VMS not in p]
        if ev.kind == K.EXT_COMMAND_RESULT and a.get("timeout_s"):
            found.append(
                (
                    ref,
                    say(
                        en=f"{ev.handler or 'another extension'} hit its {a['timeout_s']} s limit",
                        zh=f"{ev.handler or '另一个扩展'} 达到了 {a['timeout_s']} 秒的时限",
                    ),
                )
            )
        elif ev.kind == K.EXT_STATUS and "did not reach a terminal state" in ev.message:
            m = _DEPENDENT.search(ev.message)
            name = m.group(1) if m else "another extension"
            name_zh = m.group(1) if m else "另一个扩展"
            found.append(
                (
                    ref,
                    say(
                        en=f"the agent waited up to 90 minutes for {name} to finish",
                        zh=f"来宾代理最多等待了 90 分钟，等 {name_zh} 完成",
                    ),
                )
            )
        elif ev.kind == K.EXT_STATUS and a.get("incomplete") and pending:
            found.append(
                (
                    ref,
                    say(
                        en=f"the previous goal state's extensions had not completed ({', '.join(pending)})",
                        zh=f"上一个目标状态（goal state）中的扩展尚未完成（{', '.join(pending)}）",
                    ),
                )
            )
        elif ev.kind == K.GOAL_STATE_PROCESS and (a.get("duration_ms") or 0) >= _LONG_GS_MS:
            found.append(
                (
                    ref,
                    say(
                        en=f"processing one goal state took {a['duration_ms'] // 60000} minutes",
                        zh=f"处理一个目标状态（goal state）耗时 {a['duration_ms'] // 60000} 分钟",
                    ),
                )
            )
    return found


@rule("extension-queue-blocked")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    enables = _vms_enables(ctx)
    asked = _requested(ctx, enables[0] if enables else None)
    if asked is None:
        j.not_evaluable = [
            say(
                en="--backup-time, or the VMSnapshot goal state in the window, to measure a delay from",
                zh="--backup-time，或时间窗口内 VMSnapshot 的目标状态（goal state），以据此衡量延迟",
            )
        ]
        return j
    enable = next((r for r in enables if r.time and r.time >= asked - timedelta(minutes=5)), None)
    end = enable.time if enable is not None and enable.time else (ctx.window[1] if ctx.window else asked)
    delay = end - asked
    blockers = _blockers(ctx, asked - _LOOKBACK, end)
    late = delay >= _LATE
    if enable is not None and not late:
        j.counter.append(
            ctx.line(enable, f"the agent reached VMSnapshot {int(delay.total_seconds() // 60)} min after the request")
        )
    if blockers and late:
        for ref, note in blockers[:4]:
            j.support.append(ctx.line(ref, note.en))
        minutes = int(delay.total_seconds() // 60)
        if enable is not None:
            j.support.append(ctx.line(enable, f"the agent reached VMSnapshot {minutes} minutes after the backup asked"))
        else:
            j.support.append(
                ctx.absence(
                    say(
                        en=f"no VMSnapshot enable in the {minutes} minutes after the backup asked",
                        zh=f"备份发出请求后的 {minutes} 分钟内没有 VMSnapshot 的 enable",
                    ),
                    source="var/log/waagent.log",
                )
            )
        j.summary = say(
            en=(
                "The guest agent runs extensions one at a time and was busy with another extension "
                f"({blockers[0][1].en}), so it reached the backup extension "
                + (f"only {minutes} minutes after the backup asked for it" if enable else "too late or never")
                + "; Azure Backup gave up waiting for the snapshot. Fix or remove the blocking extension."
            ),
            zh=(
                f"来宾代理一次只运行一个扩展，而当时它正忙于另一个扩展（{blockers[0][1].zh_cn}），因此"
                + (
                    f"直到备份发出请求 {minutes} 分钟后才轮到备份扩展"
                    if enable
                    else "轮到备份扩展时已经太晚，或者根本没有轮到"
                )
                + "；Azure Backup 等待快照超时而放弃。请修复或移除造成阻塞的扩展。"
            ),
        )
    elif blockers:
        j.reason = say(
            en="another extension was slow or hung, but VMSnapshot was enabled promptly",
            zh="另一个扩展运行缓慢或挂起，但 VMSnapshot 已及时启用",
        )
    elif late:
        j.reason = say(
            en=(
                "VMSnapshot started late (or not at all), but no other extension held the agent's queue "
                "(look at the agent itself: family 2, or extension-invoked-too-late)"
            ),
            zh=(
                "VMSnapshot 启动较晚（或根本没有启动），但没有其他扩展占用来宾代理的队列"
                "（请检查来宾代理本身：family 2，或 extension-invoked-too-late）"
            ),
        )
    else:
        j.reason = say(
            en="VMSnapshot was enabled promptly and no other extension held the agent's queue",
            zh="VMSnapshot 已及时启用，且没有其他扩展占用来宾代理的队列",
        )
    return j
