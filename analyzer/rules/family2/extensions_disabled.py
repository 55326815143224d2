"""extensions-disabled: extension processing is off, so the backup extension never runs.

Evidence: ``Extensions.Enabled=n`` in waagent.conf (a fact), the agent's own "will not be
processed since extension processing is disabled" / "Extension handling is on hold" lines, the
agent disabled through ovf-env.xml or disable_agent.  It only explains a run in which the agent
never ran enable (phase ``no-enable``); an enable of VMSnapshot inside the window contradicts it.
"""

from __future__ import annotations

from analyzer.model import EventKind
from analyzer.rules import rule
from analyzer.rules.base import Judgement, RuleContext, say

_DISABLED = ("extensions", "on_hold", "agent", "policy")


@rule("extensions-disabled")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    for fact in ctx.facts_for("waagent_conf.Extensions.Enabled"):
        if str(fact.value).strip().lower() in ("n", "no", "false", "0"):
            j.support.append(ctx.from_fact(fact, f"Extensions.Enabled={fact.value} in waagent.conf", weight=0.6))
    for ref in ctx.events(where=lambda ev: ev.attrs.get("disabled") in _DISABLED):
        j.support.append(ctx.line(ref, "the agent says extension processing is off"))
    enables = list(ctx.events((EventKind.EXT_ENABLE, EventKind.SNAPSHOT_ENABLE), in_window=True, handler="VMSnapshot"))
    if enables:
        j.counter.append(ctx.line(enables[0], "the agent did run the backup extension in the window"))
    if j.support:
        j.summary = say(
            en="Extension processing is switched off on this VM, so the agent never ran the backup extension "
            "and Azure Backup waited for a snapshot status that could not come.",
            zh="此 VM 上的扩展处理已关闭，因此来宾代理从未运行备份扩展，Azure 备份一直在等待一个不可能到来的快照状态。",
        )
    else:
        j.reason = say(
            en="extension processing is on (no Extensions.Enabled=n, no 'processing is disabled' or on-hold line)",
            zh="扩展处理处于开启状态（没有 Extensions.Enabled=n，也没有 'processing is disabled' 或 on-hold 行）",
        )
    return j
