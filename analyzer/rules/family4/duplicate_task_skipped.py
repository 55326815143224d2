"""duplicate-task-skipped: the extension skipped the analysed run as already processed.

``handle.py -enable`` exits without working when the incoming task id equals the last one it
handled ("TaskId is same as last, so skip with Processed Status", status code 3 "TaskId
AlreadyProcessed nothing to do") or the sequence number equals ``mrseq`` ("the sequence number are
same, so skip", no status at all).  No snapshot result is written for that request.

Evidence: the skip record belongs to the analysed run and the run did no work of its own (no
snapshot worker before the skip); the code-3 report; the earlier run that handled the same task id.
Traps avoided: code 3 or a skip in an *older* run (code 3 is benign there); a skipped sequence
number right after an agent start or a reboot (the agent re-enables handlers on start-up) or for a
sequence number that already ran in the bundle — a harmless re-delivery; a skip that comes after
the run's own worker already ran.  A sequence-number skip alone stays possible (it cannot show that
a new backup request was lost); the task-id skip with its code 3 is decisive.
"""

from __future__ import annotations

from datetime import timedelta

from analyzer.model import EventKind
from analyzer.rules import rule
from analyzer.rules.base import EventRef, Judgement, RuleContext, say
from analyzer.rules.family4._common_b import (
    AGENT_PARSERS,
    EXT_LOG,
    code_of,
    daemon_started,
    label_zh,
    of,
    points_to,
    run_refs,
    status_reports,
    system_events,
)

_RESTART = timedelta(minutes=15)


def _after_restart(ctx: RuleContext, skip: EventRef) -> EventRef | None:
    assert skip.time is not None
    lo = skip.time - _RESTART
    starts = [
        r
        for r in ctx.events((EventKind.AGENT_START, EventKind.AGENT_VERSION), parsers=AGENT_PARSERS)
        if r.time is not None and lo <= r.time <= skip.time
    ]
    boots = system_events(ctx, lo, skip.time, ("boot", "reboot"))
    found = starts + boots
    return found[0] if found else None


def _ran_before(ctx: RuleContext, seq: object, skip: EventRef) -> bool:
    """An earlier run with the same sequence number did real work (its worker started)."""
    tl = ctx.timeline
    for run in ctx.runs:
        if run is ctx.run or run.seq is None or str(run.seq) != str(seq) or skip.time is None or run.start >= skip.time:
            continue
        refs = [EventRef(i, tl.events[i], tl.times[i]) for i in run.events]
        if daemon_started(refs) is not None:
            return True
    return False


def _handled_before(ctx: RuleContext, skip: EventRef) -> EventRef | None:
    """The final report of an earlier run with the skipped task id."""
    task = skip.event.attrs.get("task_id")
    tl = ctx.timeline
    for run in reversed(ctx.runs):
        if run is ctx.run or not task or run.task_id != task or skip.time is None or run.start >= skip.time:
            continue
        refs = [EventRef(i, tl.events[i], tl.times[i]) for i in run.events]
        reports = [r for r in status_reports(refs) if code_of(r) not in ("4", "3")]
        if reports:
            return reports[-1]
    return None


@rule("duplicate-task-skipped")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    refs = run_refs(ctx)
    skips = [r for r in of(refs, EXT_LOG) if r.event.attrs.get("phase") == "skip"]
    if ctx.run is None or not skips:
        older = list(ctx.events(EventKind.SNAPSHOT_ENABLE, where=lambda ev: ev.attrs.get("phase") == "skip"))
        j.reason = say(
            en="the extension did not skip the analysed run"
            + (" (skips of older runs are harmless re-deliveries)" if older else ""),
            zh="扩展并未跳过所分析的运行" + ("（较早运行中的跳过只是无害的重复投递）" if older else ""),
        )
        return j
    skip = skips[0]
    worker = daemon_started(refs)
    if worker is not None and worker.time is not None and skip.time is not None and worker.time < skip.time:
        j.reason = say(
            en=f"{ctx.run.label} ran its own snapshot worker first; the later skip is only a re-delivery",
            zh=f"{label_zh(ctx.run)} 已先运行了自己的快照工作进程；之后的跳过只是一次重复投递",
        )
        return j
    if skip.event.attrs.get("skip") == "task_id":
        # decisive: the extension's own decision not to handle this request
        j.support.append(ctx.line(skip, "the extension skipped the request: same task id as the last one", weight=0.85))
        threes = [r for r in status_reports(refs) if code_of(r) == "3" and points_to(ctx, "3")]
        if threes:
            j.support.append(ctx.line(threes[-1], "status code 3: already processed, no snapshot result"))
        earlier = _handled_before(ctx, skip)
        if earlier is not None:
            j.support.append(ctx.line(earlier, "an earlier run already handled this task id", weight=0.3))
        what = say(
            en=f"the same task id ({skip.event.attrs.get('task_id') or 'unknown'}) as the last request it handled",
            zh=f"与其上次处理的请求相同的任务 ID（{skip.event.attrs.get('task_id') or 'unknown'}）",
        )
    else:
        restart = _after_restart(ctx, skip)
        seq = skip.event.attrs.get("seq")
        if restart is not None or _ran_before(ctx, seq, skip):
            j.reason = (
                say(
                    en="the skipped sequence number is a re-enable after an agent start or reboot",
                    zh="被跳过的序列号是来宾代理启动或 VM 重启后的重新启用（re-enable）",
                )
                if restart is not None
                else say(
                    en=f"sequence number {seq} had already run earlier in the bundle: a harmless re-delivery",
                    zh=f"序列号 {seq} 在日志包中更早时已经运行过：这是无害的重复投递",
                )
            )
            return j
        j.support.append(ctx.line(skip, "the extension skipped the request: same sequence number as mrseq"))
        j.cap = "possible"
        j.reason = say(
            en="a skipped sequence number alone does not prove a new backup request was lost",
            zh="仅凭一个被跳过的序列号，不能证明有新的备份请求丢失",
        )
        what = say(
            en=f"the same sequence number ({seq}) as the last one it processed",
            zh=f"与其上次处理的相同的序列号（{seq}）",
        )
    j.summary = say(
        en=f"The backup extension received {ctx.run.label} with {what.en}, so it treated it as already done and "
        "skipped it: no snapshot was taken and no new result was written for this request, and Azure Backup "
        "timed out waiting. Re-run the backup; if it repeats, uninstall the extension so the next backup "
        "reinstalls it.",
        zh=f"备份扩展收到的{label_zh(ctx.run)} 带有{what.zh_cn}，因此将其视为已处理并跳过：没有创建快照，"
        "也没有为该请求写入新的结果，Azure Backup 等待超时。请重新运行备份；如果问题重复出现，请卸载该扩展，"
        "以便下次备份时重新安装。",
    )
    return j
