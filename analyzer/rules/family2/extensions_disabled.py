"""extensions-disabled: extension processing is off, so the backup extension never runs.

Evidence: ``Extensions.Enabled=n`` in waagent.conf (a fact; the agent reads only ``y``/``n``, so
``no`` or ``False`` there mean the default, on), the agent's own "will not be
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
    unknown = None
    for fact in ctx.facts_for("waagent_conf.Extensions.Enabled"):
        value = str(fact.value).strip().lower()
        if value == "n":
            j.support.append(ctx.from_fact(fact, f"Extensions.Enabled={fact.value} in waagent.conf", weight=0.6))
        elif fact.value is not None and value != "y":
            unknown = str(fact.value)  # the agent reads only y/n: anything else is the default, y
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
    elif unknown is not None:
        j.reason = say(
            en=f"Extensions.Enabled={unknown} is not a value the agent knows (only y or n): it uses the default, "
            "y, so extension processing is on",
            zh=f"Extensions.Enabled={unknown} 不是来宾代理认识的取值（只认 y 或 n）："
            "它采用默认值 y，因此扩展处理处于开启状态",
        )
    else:
        j.reason = say(
            en="extension processing is on (no Extensions.Enabled=n, no 'processing is disabled' or on-hold line)",
            zh="扩展处理处于开启状态（没有 Extensions.Enabled=n，也没有 'processing is disabled' 或 on-hold 行）",
        )
    return j
