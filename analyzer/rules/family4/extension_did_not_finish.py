"""extension-did-not-finish: the extension's background worker never reached a terminal status.

After ``handle.py -enable`` writes "Transitioning" (code 4) it starts a daemon that freezes,
snapshots and writes the final status.  If that worker is killed, crashes or dies, the ``.status``
file stays at code 4, extension.log has no final "file status report message" and shell.log no
second ``returned`` line.  Evidence: the analysed run stuck at code 4 while the bundle's other
sources go on for an hour or more (or later runs exist); the worker's last record; system records
of its process being killed or crashing.

Not this cause (ruled out with the reason): a run that wrote a final code; a run whose log stops
inside the freeze (snapshot-freeze-hang); a worker that finished but could not write its status
(a 556 the extension cannot map, "No space left on device": host-snapshot-service-error /
disk-full); a run that never got past enable; a bundle collected while the run was still going.
An OOM kill or a reboot right after the worker's last record point at vm-resource-pressure or
vm-shutdown-during-backup: they stay as counter-evidence and keep this cause at possible.
"""

from __future__ import annotations

from datetime import timedelta

from analyzer.model import EventKind
from analyzer.rules import rule
from analyzer.rules.base import Judgement, RuleContext, say
from analyzer.rules.family4._common_b import (
    EXT_LOG,
    LONG_AFTER,
    SHELL_LOG,
    STATUS_FILE,
    code_of,
    daemon_returned,
    daemon_started,
    fact_line,
    final_reports,
    first_line,
    kills,
    label_zh,
    last_of,
    minutes,
    minutes_zh,
    observed_until,
    open_freeze,
    restarts_after,
    run_refs,
    runs_after,
    status_reports,
    worker_never_returned,
    write_failures,
)


@rule("extension-did-not-finish")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    run = ctx.run
    if run is None:
        j.reason = say(en="no backup run in the bundle", zh="日志包中没有备份运行")
        return j
    refs = run_refs(ctx)
    finals = final_reports(refs)
    if finals:
        j.reason = say(
            en=f"{run.label} wrote a final status (code {code_of(finals[-1])})",
            zh=f"{label_zh(run)} 已写入最终状态（代码 {code_of(finals[-1])}）",
        )
        return j
    stuck = sorted((r for r in status_reports(refs) if code_of(r) == "4"), key=lambda r: r.event.parser == STATUS_FILE)
    if daemon_started(refs) is None and not stuck:
        j.reason = say(
            en=f"{run.label} never started its snapshot worker (it stopped at enable or earlier)",
            zh=f"{label_zh(run)} 从未启动其快照工作进程（停在 enable 阶段或更早）",
        )
        return j
    if open_freeze(refs) is not None:
        j.reason = say(
            en="the worker stopped while the file systems were frozen: that is snapshot-freeze-hang",
            zh="工作进程在文件系统冻结期间停止：这属于 snapshot-freeze-hang",
        )
        return j
    failed = write_failures(refs) + [r for r in refs if r.event.kind == EventKind.DISK_FULL]
    if failed:
        j.reason = say(
            en=f"the worker could not write its status: {first_line(failed[0].event.message, 120)}",
            zh=f"工作进程无法写入其状态：{first_line(failed[0].event.message, 120)}",
        )
        return j
    last = last_of(refs, EXT_LOG) or refs[-1]
    assert last.time is not None
    until = observed_until(ctx, last.time)
    later = runs_after(ctx)
    waited = (until.time - last.time) if until is not None and until.time is not None else timedelta(0)
    if waited < LONG_AFTER and not later:
        # cannot tell, so not "ruled out": what would tell is named (causes.md: never guess from absence)
        j.not_evaluable = [
            say(
                en=f"logs collected later (the bundle ends {minutes(waited.total_seconds())} after the worker's last "
                "record: it may still have been running)",
                zh=f"更晚收集的日志（日志包在工作进程最后一条记录之后 {minutes_zh(waited.total_seconds())} 就结束了："
                "收集日志时它可能仍在运行）",
            )
        ]
        return j
    if stuck:
        note = f"still code 4 (in progress) while the bundle goes on for {minutes(waited.total_seconds())}"
        j.support.append(fact_line(stuck[-1], note, weight=0.6))
    j.support.append(ctx.line(last, "the worker's last record: nothing follows for this run", weight=0.3))
    if EXT_LOG in ctx.kinds:
        j.support.append(
            ctx.absence(
                say(
                    en="no final 'file status report message' for the run",
                    zh="本次运行没有最终的 'file status report message'",
                ),
                source="extension.log",
                weight=0.3,
            )
        )
    if SHELL_LOG in ctx.kinds and not daemon_returned(refs):
        j.support.append(worker_never_returned(ctx))
    dead = kills(ctx, last.time - timedelta(minutes=5), last.time + timedelta(hours=2))
    for ref in dead[:2]:
        if ref.event.kind == EventKind.OOM:
            j.counter.append(ctx.line(ref, "the out-of-memory killer ended it: memory pressure (vm-resource-pressure)"))
        else:
            j.support.append(ctx.line(ref, "the system reports the extension's process killed or crashed", weight=0.7))
    restarts = restarts_after(ctx, last.time, timedelta(minutes=30))
    if restarts:
        j.counter.append(
            ctx.line(restarts[0], "the VM or the agent restarted right after (vm-shutdown-during-backup?)")
        )
    if j.counter:
        j.cap = "possible"
        j.reason = say(
            en="the worker stopped, but a memory kill or a restart explains why",
            zh="工作进程已停止，但内存不足导致的进程终止或重启可以解释其原因",
        )
    how = f" The system log shows: {first_line(dead[0].event.message, 140)}." if dead else ""
    how_zh = f"系统日志显示：{first_line(dead[0].event.message, 140)}。" if dead else ""
    j.summary = say(
        en=f"The backup extension's worker for {run.label} started but never finished: its last record is "
        f"{first_line(last.event.message, 80)!r}, the status stayed at code 4 (in progress) and no final result "
        "was written, so Azure Backup timed out waiting for the snapshot status." + how + " Look in the system log "
        "for what killed it and re-run the backup; reinstall the extension if it happens again.",
        zh=f"备份扩展针对{label_zh(run)} 的工作进程已启动但从未完成：其最后一条记录是 "
        f"{first_line(last.event.message, 80)!r}，状态一直停留在代码 4（进行中），且没有写入最终结果，"
        "因此 Azure Backup 在等待快照状态时超时。" + how_zh + "请在系统日志中查找终止该进程的原因，"
        "然后重新运行备份；如果再次发生，请重新安装该扩展。",
    )
    return j
