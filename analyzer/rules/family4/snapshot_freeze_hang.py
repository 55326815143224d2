"""snapshot-freeze-hang: file systems were frozen and the VM (or the extension) hung before thawing.

While the file systems are frozen the extension logs into a memory buffer that it flushes after the
thaw ("Logs during Freeze Start … End").  If the VM or the extension hangs while frozen, that buffer
is lost, so the on-disk signature is an extension.log whose records of the analysed run *stop* at
the last line before the buffer (typically "proceeded for accepting signals"), with no "Logs during
Freeze End", no thaw, no final status.  Corroboration: the ``.status`` file still at code 4, only one
``returned`` line in shell.log (the daemon never returned), hung-task / soft-lockup / fapolicyd
records in the system logs after the freeze started, and a (forced) restart afterwards.

Traps avoided: an *older* run that hung followed by good runs is not the analysed run; a freeze that
timed out or failed (code 121/122, thaw lines present) is snapshot-fsfreeze-failed, not a hang; a
bundle collected seconds after the freeze started cannot tell a hang from a run in progress (at most
possible); hung-task lines alone, without the run stopping at the freeze, prove nothing.
"""

from __future__ import annotations

from datetime import timedelta

from analyzer.rules import rule
from analyzer.rules.base import Judgement, RuleContext, say
from analyzer.rules.family4._common_b import (
    SHELL_LOG,
    STATUS_FILE,
    code_of,
    daemon_returned,
    daemon_started,
    fact_line,
    first_line,
    label_zh,
    observed_until,
    open_freeze,
    restarts_after,
    run_refs,
    status_reports,
    system_events,
    worker_never_returned,
)

_STALLS = ("hung_task", "soft_lockup", "rcu_stall", "fapolicyd", "fapolicyd_denial", "panic")
_AFTER = timedelta(hours=12)
_IN_PROGRESS = timedelta(minutes=10)


@rule("snapshot-freeze-hang")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    if ctx.run is None:
        j.reason = say(
            en="no backup run in the bundle, so no freeze to judge",
            zh="日志包中没有备份运行，因此无从判断冻结情况",
        )
        return j
    refs = run_refs(ctx)
    hang = open_freeze(refs)
    if hang is None or hang.time is None:
        reached = any(r.event.kind.value == "freeze" for r in refs)
        j.reason = (
            say(
                en=f"{ctx.run.label} went on past the freeze "
                "(the freeze buffer was flushed, thaw or a result followed)",
                zh=f"{label_zh(ctx.run)} 已越过冻结阶段（冻结期间的日志缓冲已写出，随后有解冻或结果记录）",
            )
            if reached
            else say(
                en=f"{ctx.run.label} never reached the freeze in extension.log",
                zh=f"在 extension.log 中，{label_zh(ctx.run)} 从未到达冻结阶段",
            )
        )
        return j
    # decisive: the freeze buffer was never flushed, the log of the run ends before it
    j.support.append(
        ctx.line(hang, "extension.log of the run stops here: no 'Logs during Freeze End', no thaw", weight=0.85)
    )
    stuck = sorted((r for r in status_reports(refs) if code_of(r) == "4"), key=lambda r: r.event.parser == STATUS_FILE)
    if stuck:
        j.support.append(fact_line(stuck[-1], "the status stayed at code 4 (in progress): no result was ever written"))
    if daemon_started(refs) is not None and SHELL_LOG in ctx.kinds and not daemon_returned(refs):
        j.support.append(worker_never_returned(ctx))
    stalls = system_events(ctx, hang.time, hang.time + _AFTER, _STALLS)
    for ref in stalls[:3]:
        what = ref.event.attrs.get("process") or ref.event.attrs.get("event")
        j.support.append(ctx.line(ref, f"the kernel reports a stall while frozen ({what})", weight=0.7))
    restarts = restarts_after(ctx, hang.time, _AFTER)
    if restarts:
        late = restarts[0].time - hang.time if restarts[0].time else None
        note = "the VM was restarted afterwards" + (f" ({int(late.total_seconds() // 60)} min later)" if late else "")
        j.support.append(ctx.line(restarts[0], note))
    until = observed_until(ctx, hang.time)
    if not restarts and (until is None or until.time is None or until.time - hang.time < _IN_PROGRESS):
        j.cap = "possible"
        j.reason = say(
            en="the bundle ends minutes after the freeze started: a hang cannot be told from a run still going",
            zh="日志包在冻结开始后几分钟就结束了：无法区分是挂起还是运行仍在进行中",
        )
    stall_text = f" The kernel then reported: {first_line(stalls[0].event.message, 140)}." if stalls else ""
    stall_zh = f"内核随后报告：{first_line(stalls[0].event.message, 140)}。" if stalls else ""
    j.summary = say(
        en=f"The backup froze the file systems ({ctx.run.label}) and then nothing more was written: the "
        "extension's log stops at its last line before the freeze, the frozen-time log was never flushed and "
        "no result followed, so the VM or the extension hung while the disks were frozen." + stall_text + " "
        "Azure Backup never got a snapshot status. Check for fapolicyd or other components that need the "
        "frozen file systems, update the kernel, or skip the affected mount; a forced restart clears it.",
        zh=f"备份冻结了文件系统（{label_zh(ctx.run)}），之后再没有任何记录写入：扩展日志停在冻结前的最后一行，"
        "冻结期间的日志从未写出，也没有任何结果，因此 VM 或扩展在磁盘冻结期间挂起。"
        + stall_zh
        + "Azure Backup 始终未收到快照状态。请检查 fapolicyd 或其他需要访问已冻结文件系统的组件，更新内核，"
        "或跳过受影响的挂载点；强制重启可解除该状态。",
    )
    return j
