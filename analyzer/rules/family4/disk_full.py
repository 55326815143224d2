"""disk-full: the file system holding /var/lib/waagent or /var/log is full.

Evidence that counts, inside the analysed run's window: "No space left on device" / Errno 28 written
by the agent (saving the goal state, history, handler state) or by the backup extension (mrseq,
settings, its ``.status`` file), or system records naming those paths; ``df`` output that shows the
root, /var, /var/log or /var/lib/waagent file system at 100 %.  The agent's or the extension's own
ENOSPC is decisive: the backup's own writes failed.

Traps avoided: a full *data* disk (a database mount, /mnt, /datadrive) is not this cause; ENOSPC
long before the run fades with distance; a run that still wrote its final status (or a later good
run) shows the space problem did not stop the backup — ruled out, or kept as counter-evidence.
"""

from __future__ import annotations

import re

from analyzer.model import Event, EventKind
from analyzer.rules import rule
from analyzer.rules.base import Judgement, RuleContext, say
from analyzer.rules.family4._common_b import (
    AGENT_PARSERS,
    EXT_LOG,
    SHELL_LOG,
    STATUS_FILE,
    VMS,
    code_of,
    final_reports,
    first_line,
    good_run_after,
    label_zh,
    run_refs,
)

_OURS = re.compile(r"/var/lib/waagent|/var/log\b|waagent|WALinuxAgent|VMSnapshot|walinuxagent|mrseq|\.status\b")
# df -h / df -k lines: "<fs> <size> <used> <avail> 100% <mount>" for the mounts that hold agent state or logs
_DF_FULL = re.compile(r"^\S+\s+\S+\s+\S+\s+\S+\s+(?:100|99)%\s+(/|/var|/var/log|/var/lib|/var/lib/waagent)\s*$", re.M)


def _ours(ev: Event) -> bool:
    if ev.parser in (*AGENT_PARSERS, EXT_LOG, SHELL_LOG, STATUS_FILE) or VMS in (ev.handler or ""):
        return True
    return ev.attrs.get("embedded") == "agent" or bool(_OURS.search(ev.message))


@rule("disk-full")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    full = [r for r in ctx.events(EventKind.DISK_FULL) if r.time is not None]
    ours = [r for r in full if _ours(r.event)]
    others = [r for r in full if not _ours(r.event)]
    inside = [r for r in ours if ctx.in_window(r.time)]
    near = inside or [r for r in ours if ctx.minutes_outside(r.time) <= 360]
    for ref in near[:4]:
        own = ref.event.parser in (*AGENT_PARSERS, EXT_LOG) and ctx.in_window(ref.time)
        # decisive: the agent's or the backup extension's own write failed for lack of space in the run
        j.support.append(ctx.line(ref, "a write of the agent or the backup failed: disk full", 0.85 if own else None))
    for ref in ctx.events(text="%"):
        m = _DF_FULL.search(ref.event.message)
        if m and ref.event.kind != EventKind.DISK_FULL:
            j.support.append(ctx.line(ref, f"df shows {m.group(1)} full", weight=0.5))
            break
    if not j.support:
        j.reason = say(
            en="no 'No space left on device' / Errno 28 for the agent's or the extension's paths near the run"
            + (f" (only for other file systems: {first_line(others[0].event.message, 100)})" if others else ""),
            zh="该运行附近没有来宾代理或扩展路径的 'No space left on device' / Errno 28 记录"
            + (f"（仅涉及其他文件系统：{first_line(others[0].event.message, 100)}）" if others else ""),
        )
        return j
    finals = final_reports(run_refs(ctx))
    if ctx.run is not None and ctx.run.outcome == "succeeded" and finals:
        j.support = []
        j.reason = say(
            en=f"{ctx.run.label} still wrote its final status (code {code_of(finals[-1])}): "
            "space was not what stopped it",
            zh=f"{label_zh(ctx.run)} 仍写入了最终状态（代码 {code_of(finals[-1])}）：导致备份失败的并不是磁盘空间",
        )
        return j
    good = good_run_after(ctx)
    if good is not None:
        j.counter.append(ctx.line(good, "a later backup run succeeded (space was freed)"))
    ext_wrote = any(r.event.parser == EXT_LOG for r in near)
    j.summary = say(
        en="The disk that holds the agent's state or logs was full ('No space left on device'), so "
        + (
            "the backup extension could not write its sequence number, settings or status"
            if ext_wrote
            else "the guest agent could not save the goal state or run the backup extension properly"
        )
        + " and Azure Backup never received a snapshot status. Free space (df -h; du -sh /var/lib/waagent/history "
        "/var/log), restart the agent and re-run the backup.",
        zh="保存来宾代理状态或日志的磁盘已满（'No space left on device'），因此"
        + (
            "备份扩展无法写入其序列号、设置或状态"
            if ext_wrote
            else "来宾代理无法保存目标状态（goal state），也无法正常运行备份扩展"
        )
        + "，Azure Backup 始终未收到快照状态。请释放空间（df -h; du -sh /var/lib/waagent/history "
        "/var/log），重启来宾代理，然后重新运行备份。",
    )
    return j
