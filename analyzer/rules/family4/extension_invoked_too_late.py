"""extension-invoked-too-late: the extension ran more than 140 minutes after the backup command started.

The extension gives up with code 402 ("CRP timeout limit has reached, should abort" / "will not take
snapshot") when utcNow minus the command's start time exceeds 140 minutes.  This cause is the real
delay: the agent got to the VMSnapshot enable late (agent stopped or hung, busy with other work,
queue blocked).  Evidence that separates it from vm-clock-skew: utcNow taken from the host's clock
("Date and time extracted from pre-snapshot request") with the span over the limit; the agent's own
records showing a long gap between the goal state's arrival and the enable (one clock, so no skew
can fake it); the goal state's "created:" stamp far before its processing while earlier goal states
show a correct clock; what held the agent in between (stops, starts, crashes, other extensions'
timeouts).  Ruled out when a measured clock offset explains the 402 and the agent ran promptly.
Code 402 alone stays below possible.
"""

from __future__ import annotations

from datetime import timedelta

from analyzer.model import EventKind
from analyzer.rules import rule
from analyzer.rules.base import EventRef, Judgement, RuleContext, say
from analyzer.rules.family4._common_b import (
    LIMIT_S,
    NOT_402,
    SYSTEM_PARSERS,
    UNDECIDED_402,
    Crp,
    crp_402,
    minutes,
    minutes_zh,
)

K = EventKind
_LATE = 30 * 60
_SKEW = 30 * 60
_HOLDERS = (K.AGENT_STOP, K.AGENT_START, K.AGENT_CRASH)


def _holders(ctx: RuleContext, c: Crp, late: float) -> list[tuple[EventRef, str]]:
    """What kept the agent from the extension between the request and the enable."""
    if c.enable is None or c.enable.time is None:
        return []
    lo, hi = c.enable.time - timedelta(seconds=late) - timedelta(hours=1), c.enable.time
    found: list[tuple[EventRef, str]] = []
    seen: set[str] = set()
    for ref in ctx.events(_HOLDERS):
        kind = ref.event.kind.value
        system = ref.event.parser in SYSTEM_PARSERS
        if ref.time is None or not (lo <= ref.time <= hi) or kind in seen or (kind == "agent_start" and not system):
            continue
        seen.add(kind)
        found.append((ref, "the agent was stopped, restarted or crashed while the request waited"))
    for ref in ctx.events(K.EXT_COMMAND_RESULT, where=lambda ev: "VMSnapshot" not in (ev.handler or "")):
        if ref.time is not None and lo <= ref.time <= hi and ref.event.attrs.get("timeout_s"):
            found.append((ref, "another extension hit its time limit first"))
    return found[:3]


@rule("extension-invoked-too-late")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    c = crp_402(ctx)
    if c is None:
        j.reason = NOT_402
        return j
    offset, late, span = c.offset_s, c.late_by_agent_s, c.span_s
    skewed = offset is not None and offset >= _SKEW and (span is None or span - offset <= LIMIT_S)
    if skewed and c.host_clock is None and (late is None or late < _LATE):
        j.reason = say(
            en=f"the VM clock is {minutes(offset)} ahead and the agent ran the extension promptly: "
            "the command only looked too old (vm-clock-skew)",
            zh=f"VM 时钟快了 {minutes_zh(offset)}，而来宾代理及时运行了扩展：命令只是看起来过旧（vm-clock-skew）",
        )
        return j
    lead = c.too_late[0] if c.too_late else c.times
    if lead is not None:
        # weak alone: 402 means "late or a wrong clock" and does not say which (see vm-clock-skew)
        undecided = offset is None and late is None and c.host_clock is None
        weight = UNDECIDED_402 if undecided else 0.3
        j.support.append(ctx.line(lead, "code 402: the command was older than 140 minutes", weight=weight))
    if c.host_clock is not None and span is not None and span > LIMIT_S and not skewed:
        # decisive: the age was measured with the host's clock, so the delay was real
        j.support.append(ctx.line(c.host_clock, f"measured with the host's clock: {minutes(span)} old", weight=0.8))
    if late is not None and late >= _LATE and c.enable is not None:
        where = "after the goal state was created" if c.created_gap_s is not None else "after the goal state arrived"
        j.support.append(ctx.line(c.enable, f"the agent enabled the extension {minutes(late)} {where}", weight=0.85))
        for ref, note in _holders(ctx, c, late):
            j.support.append(ctx.line(ref, note))
    if skewed:
        j.counter.append(ctx.line(c.agreeing()[0][1], f"the VM clock also looks {minutes(offset)} ahead"))
    if len(j.support) <= 1:
        j.cap = "possible"
        j.reason = say(
            en="code 402 with no sign of when the agent got the request: it cannot be told from a wrong clock",
            zh="只有代码 402，没有迹象表明来宾代理何时收到请求：无法与 VM 时钟错误区分开",
        )
    delay = f" about {minutes(late)} late" if late is not None and late >= _LATE else " late"
    delay_zh = f"晚了约 {minutes_zh(late)}" if late is not None and late >= _LATE else "过晚"
    j.summary = say(
        en="The backup extension gave up with code 402 ('CRP timeout limit has reached'): the guest agent started "
        f"it{delay}, more than 140 minutes after Azure Backup sent the command, so it refused to take a stale "
        "snapshot. Find what held the agent between the goal state and the VMSnapshot enable (agent stopped or "
        "hung, another extension, load), fix it and re-run the backup.",
        zh="备份扩展以代码 402（'CRP timeout limit has reached'）放弃：来宾代理启动它的时间"
        f"{delay_zh}，距 Azure Backup 发送命令已超过 140 分钟，因此扩展拒绝创建过期的快照。"
        "请找出在目标状态（goal state）与 VMSnapshot enable 之间阻塞来宾代理的原因（来宾代理停止或挂起、"
        "其他扩展、系统负载），修复后重新运行备份。",
    )
    return j
