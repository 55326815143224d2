"""concurrent-backups: many snapshots of one deployment were taken at the same time.

The real test is across bundles (batch mode: deployment or role names, storage account,
overlapping run windows).  A single bundle can only show it through in-bundle signals: another
backup or replication extension (Site Recovery, a workload backup, a third-party backup agent)
present on the VM and *active* in the run window, and storage throttling of the snapshot calls
(code 173, "SnapshotRateExceeded").  Without any such signal the rule answers "needs batch"
rather than guessing from absence.

How far it goes: throttling while another snapshotter was active is ``likely``; either signal
alone is ``possible`` (throttling may come from other VMs on the same account, which one bundle
cannot show; an active replication agent may have done no harm).  Traps avoided: a run that
succeeded rules the cause out; an extension that is installed but idle during the run is no
in-bundle signal, so the answer stays "needs batch".
"""

from __future__ import annotations

from analyzer.model import EventKind
from analyzer.rules import rule
from analyzer.rules.base import Judgement, RuleContext, say
from analyzer.rules.family4._common_a import (
    extension_refs,
    first_and_final,
    other_snapshotter,
    other_snapshotters,
    succeeded,
    succeeded_reason,
)

NEEDS_BATCH = say("needs batch (several VMs' bundles)", "需要批量分析（多台 VM 的日志包）")


@rule("concurrent-backups")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    if succeeded(ctx):
        j.reason = succeeded_reason(ctx, "nothing got in its way", "没有任何干扰")
        return j
    throttled = first_and_final(ctx, extension_refs(ctx), (173,))
    active = other_snapshotters(ctx, in_window=True)
    active.sort(key=lambda r: r.event.kind not in (EventKind.EXT_ENABLE, EventKind.EXT_COMMAND_RESULT))
    if not throttled and not active:
        # an installed but idle replication agent says nothing about the other VMs of the deployment
        return Judgement(not_evaluable=[NEEDS_BATCH])
    names = sorted({other_snapshotter(r.event) or "" for r in active} - {""})
    for ref in throttled:
        j.support.append(ctx.line(ref, "storage throttled the snapshot calls (code 173)"))
    for ref in active[:2]:
        j.support.append(ctx.line(ref, f"{other_snapshotter(ref.event)} was active during the backup"))
    if not (throttled and active):
        j.cap = "possible"
        j.reason = (
            say(
                "throttling alone: other VMs on the same storage may have caused it, which one bundle cannot show",
                "只有限流：可能由同一存储上的其他 VM 造成，而单个日志包无法显示这一点",
            )
            if throttled
            else say(
                "another snapshotter was active, but storage did not throttle the backup",
                "另一个快照工具处于活动状态，但存储并未对备份限流",
            )
        )
    who = (
        say(
            f"{', '.join(names)} was taking its own snapshots on this VM",
            f" {'、'.join(names)} 正在此 VM 上创建自己的快照",  # a space after 当时 before the (Latin) name
        )
        if active
        else say("many snapshots were taken", "有大量快照正在创建")
    )
    j.summary = say(
        "The backup's snapshot calls were throttled by storage (code 173) while "
        + who.en
        + ", so the backup failed. Spread the backup schedules and keep them apart from Site Recovery and other "
        "snapshot tools.",
        "备份的快照调用被存储限流（代码 173），当时"
        + who.zh_cn
        + "，因此备份失败。请错开各备份计划，并使其与 Site Recovery 及其他快照工具的运行时间分开。",
    )
    return j
