"""concurrent-backups: many snapshots of one deployment were taken at the same time.

The real test is across bundles: in a batch, ``fleet.concurrent`` facts (analyzer/batch/fleet.py)
name the other VMs whose runs overlapped the analysed run and share its deployment, storage account
or region.  Each other VM is one piece of fact evidence.  ``likely`` needs a failed or unfinished
run and at least two other VMs on the same deployment or storage account (or one, with storage
throttling in the run); a region alone, a single other VM, an unknown outcome, or a final code
whose catalogue candidates point elsewhere (e.g. 121, a freeze failure) is at most ``possible``.
A fact is not a log line, so the run's own final status (or its throttling lines) is added as the
in-window line that ties the overlap to this run, with a weak weight: a failure alone says nothing
about concurrency.  The phase rule still holds the cause below ``likely`` when the run stopped
before the snapshot.  When the batch gave this bundle facts about other runs only, the cause is
ruled out for the analysed run (the batch looked and found no overlap).

A single bundle can only show it through in-bundle signals: another
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
from analyzer.rules.base import EventRef, Judgement, RuleContext, say
from analyzer.rules.family4._common_a import (
    extension_refs,
    final_code,
    first_and_final,
    other_snapshotter,
    other_snapshotters,
    run_label,
    status_ref,
    succeeded,
    succeeded_reason,
)
from analyzer.rules.family4._common_fleet import FleetView, cap_reason, fleet_evidence, fleet_summary, fleet_view

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
    view, batch_looked = fleet_view(ctx)
    if view.others:
        return _with_fleet(ctx, view, throttled, active)
    if not throttled and not active:
        if batch_looked:
            j.reason = say(
                f"the batch found other VMs' backups overlapping other runs of this VM, not {run_label(ctx).en}",
                f"批处理发现其他 VM 的备份与此 VM 的其他运行重叠，但与{run_label(ctx).zh_cn}不重叠",
            )
            return j
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


def _with_fleet(ctx: RuleContext, view: FleetView, throttled: list[EventRef], active: list[EventRef]) -> Judgement:
    """Other VMs of the batch ran at the same time: each is a witness; the run's failure ties them to it."""
    j = Judgement(support=fleet_evidence(ctx, view))
    for ref in throttled:
        j.support.append(ctx.line(ref, "storage throttled the snapshot calls (code 173)"))
    for ref in active[:1]:
        j.support.append(ctx.line(ref, f"{other_snapshotter(ref.event)} was active during the backup"))
    code = final_code(ctx)
    final = status_ref(ctx, extension_refs(ctx), (code,)) if code is not None and not throttled else None
    if final is not None:
        # weak: a failure alone does not show concurrency; it places the overlap on this run
        j.support.append(ctx.line(final, f"the run ended with code {code} while the others ran", weight=0.3))
    reason = cap_reason(ctx, view, bool(throttled))
    if reason is not None:
        j.cap, j.reason = "possible", reason
    j.summary = fleet_summary(ctx, view, bool(throttled), bool(active), sure=reason is None)
    return j
