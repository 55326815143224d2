"""vm-resource-pressure: high memory or CPU pressure delayed or killed the snapshot task.

It can only be judged from a source that can show pressure: kernel / syslog / journal / dmesg
records (OOM killer, systemd-oomd, memory-cgroup kills), the agent's resource lines (an extension
command's ``CPUThrottledTime``, "The agent has been throttled", the agent memory limit), or the
extension's own ``MemoryError``.  Without any of them the rule says so (not evaluable) instead of
guessing — the agent's log alone never shows an OOM kill of an extension.

Evidence that counts, inside the analysed window: the OOM killer killing the extension (its
python / safefreeze / handle.sh processes, or a victim in the VMSnapshot slice) — decisive; any
other OOM kill or memory-pressure kill while the run failed or never finished; the backup's
commands being CPU-throttled.  Traps avoided: an OOM weeks before, cgroup set-up chatter ("[CGW]
Disabling resource usage monitoring") and a run that succeeded are not pressure that hurt this
backup; pressure beside a run that failed for a named reason stays ``possible``.
"""

from __future__ import annotations

from analyzer.model import EventKind
from analyzer.rules import rule
from analyzer.rules.base import EventRef, Judgement, RuleContext, say
from analyzer.rules.family4._common_a import final_code, succeeded, succeeded_reason

_SYSTEM_SOURCES = ("syslog", "journal", "dmesg")
_EXTENSION_WORDS = ("VMSnapshot", "handle.py", "handle.sh", "safefreeze", "RecoveryServices")
_PRESSURE_CODES = (2, 4, 122, 402)


def _is_extension_victim(ref: EventRef) -> bool:
    ev = ref.event
    if "VMSnapshot" in (ev.handler or "") or "VMSnapshot" in str(ev.attrs.get("handler") or ""):
        return True
    if ev.parser.startswith("vmsnapshot"):
        return True
    process = str(ev.attrs.get("process") or "")
    text = ev.message[:1000]
    return process in ("safefreeze",) or any(w in text for w in _EXTENSION_WORDS)


@rule("vm-resource-pressure")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    ooms = list(ctx.events(EventKind.OOM, in_window=True))
    victims = [r for r in ooms if _is_extension_victim(r)]
    pids = {r.event.attrs.get("pid") for r in victims} - {None}
    victims = [r for r in ooms if r in victims or r.event.attrs.get("pid") in pids]
    victims.sort(key=lambda r: (r.event.attrs.get("oom") == "summary", r.index))  # the kill line first
    others = [
        r
        for r in ooms
        if r not in victims and r.event.attrs.get("pid") not in pids and r.event.attrs.get("oom") != "summary"
    ]
    throttled = [
        r
        for r in ctx.events((EventKind.EXT_COMMAND_RESULT, EventKind.CGROUP), in_window=True)
        if (r.event.attrs.get("cpu_throttled_s") or r.event.attrs.get("throttled_s") or 0) > 0
    ]
    if not ctx.has_kind(*_SYSTEM_SOURCES) and not (ooms or throttled):
        # the agent's log alone cannot show an OOM kill or VM-wide pressure: no answer from its silence
        return Judgement(
            not_evaluable=[
                say(
                    "syslog, journal or dmesg (kernel OOM records) or agent resource metrics",
                    "syslog、journal 或 dmesg（内核 OOM 记录），或来宾代理的资源指标",
                )
            ]
        )
    if succeeded(ctx):
        j.reason = succeeded_reason(ctx, "no pressure stopped it", "没有资源压力使其中断")
        return j
    for ref in victims[:2]:
        # decisive: the kernel (or the extension itself) says the backup's own process ran out of memory
        j.support.append(ctx.line(ref, "the backup extension's process was killed / ran out of memory", weight=0.9))
    for ref in others[:2]:
        j.support.append(ctx.line(ref, "the VM ran out of memory during the backup"))
    for ref in throttled[:2]:
        ours = "VMSnapshot" in (ref.event.handler or "")
        note = "the backup's command was CPU-throttled" if ours else "CPU throttling on the VM during the backup"
        # a throttled agent or another extension is only a hint of a busy VM
        j.support.append(ctx.line(ref, note, weight=None if ours else 0.25))
    if not j.support:
        j.reason = say(
            "no OOM kill, memory-pressure kill or CPU throttling in the run window",
            "运行时间窗口内没有 OOM 终止、内存压力导致的终止或 CPU 限流",
        )
        return j
    unfinished = ctx.run is not None and ctx.run.outcome == "unfinished"
    if not victims and not (unfinished or final_code(ctx) in _PRESSURE_CODES):
        j.cap = "possible"
        j.reason = say(
            "the VM was under pressure, but the run failed for a reason pressure does not explain",
            "VM 当时承受资源压力，但本次运行失败的原因无法用资源压力解释",
        )
    j.summary = (
        say(
            "The VM ran out of memory during the backup and the kernel killed the backup extension's process, so the "
            "snapshot task never finished or reported.",
            "VM 在备份期间内存耗尽，内核终止了备份扩展的进程，因此快照任务始终未能完成，也未报告状态。",
        )
        if victims
        else say(
            "The VM was under heavy memory or CPU pressure during the backup, which delayed or stopped the snapshot "
            "task. Back up when the VM is quieter or give it more resources.",
            "备份期间 VM 承受着很高的内存或 CPU 压力，延迟或中断了快照任务。"
            "请在 VM 较空闲时进行备份，或为其分配更多资源。",
        )
    )
    return j
