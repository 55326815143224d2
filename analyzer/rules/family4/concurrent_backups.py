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
from analyzer.rules.base import Judgement, RuleContext
from analyzer.rules.family4._common_a import (
    extension_refs,
    first_and_final,
    other_snapshotter,
    other_snapshotters,
    run_label,
    succeeded,
)

NEEDS_BATCH = "needs batch (several VMs' bundles)"


@rule("concurrent-backups")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    if succeeded(ctx):
        j.reason = f"{run_label(ctx)} succeeded (code {ctx.run.final_code if ctx.run else '?'}): nothing got in its way"
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
            "throttling alone: other VMs on the same storage may have caused it, which one bundle cannot show"
            if throttled
            else "another snapshotter was active, but storage did not throttle the backup"
        )
    j.summary = (
        "The backup's snapshot calls were throttled by storage (code 173) while "
        + (f"{', '.join(names)} was taking its own snapshots on this VM" if active else "many snapshots were taken")
        + ", so the backup failed. Spread the backup schedules and keep them apart from Site Recovery and other "
        "snapshot tools."
    )
    return j
