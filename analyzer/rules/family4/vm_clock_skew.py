"""vm-clock-skew: the VM clock is far off, so the extension thinks the backup command is too old (402).

The extension compares the command's start time (platform clock, ``commandStartTimeUTCTicks``) with
"utcNow" and gives up after 140 minutes ("CRP timeout limit has reached", code 402).  Newer versions
take utcNow from the host's pre-snapshot answer ("Date and time extracted from pre-snapshot
request"); when that fails ("Error in getting Host time falling back to using system time") or in
older versions, utcNow is the VM's own clock.  A clock running hours ahead then makes a fresh
command look too old.

Evidence that separates it from extension-invoked-too-late: a measured offset of the VM clock — the
agent's processing times of earlier goal states against their platform "created:" stamps, or the
VM's record time against the host's time — large enough that without it the command was not too
old; chrony / ntp / systemd time jumps around the run; the extension falling back to the system
clock.  Ruled out when utcNow came from the host clock (the delay was real), or when the agent's own
records show it reached the extension late while the clock was right.  Code 402 alone cannot tell
the two apart: it stays below possible.
"""

from __future__ import annotations

from analyzer.rules import rule
from analyzer.rules.base import Judgement, RuleContext, say
from analyzer.rules.family4._common_b import (
    LIMIT_S,
    NOT_402,
    UNDECIDED_402,
    crp_402,
    fact_line,
    minutes,
    minutes_zh,
)

_SKEW = 30 * 60  # an offset that matters against a 140-minute budget
_LATE = 30 * 60


@rule("vm-clock-skew")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    c = crp_402(ctx)
    if c is None:
        j.reason = NOT_402
        return j
    offset, late, span = c.offset_s, c.late_by_agent_s, c.span_s
    if c.host_clock is not None and (offset is None or abs(offset) < _SKEW):
        j.reason = say(
            en="utcNow came from the host's clock, which agrees with the VM: the 402 delay was real",
            zh="utcNow 取自主机时钟，且与 VM 时钟一致：402 所反映的延迟是真实的",
        )
        return j
    if late is not None and late >= _LATE and (offset is None or abs(offset) < _SKEW):
        j.reason = say(
            en=f"the agent reached the extension {minutes(late)} after the goal state arrived, with a correct clock",
            zh=f"在时钟正确的情况下，来宾代理在目标状态（goal state）到达 {minutes_zh(late)} 后才调用扩展",
        )
        return j
    lead = c.too_late[0] if c.too_late else c.times
    if lead is not None:
        # weak alone: 402 means "late or a wrong clock" and does not say which; when nothing measures
        # either, both stay possible (ruling both out hid the one code that explains the failure)
        undecided = offset is None and late is None
        weight = UNDECIDED_402 if undecided else 0.3
        j.support.append(ctx.line(lead, "code 402: the command looked older than 140 minutes", weight=weight))
    explains = offset is not None and offset >= _SKEW and (span is None or span - offset <= LIMIT_S)
    if explains:
        assert offset is not None
        for value, ref, how in c.agreeing()[:2]:
            j.support.append(fact_line(ref, f"VM clock {minutes(value)} ahead ({how})", weight=0.8))
        if c.times is not None and span is not None:
            j.support.append(
                ctx.line(
                    c.times, f"utcNow - command start = {minutes(span)}; without the offset {minutes(span - offset)}"
                )
            )
    for ref in c.jumps[:2]:
        shift = ref.event.attrs.get("offset_s")
        big = isinstance(shift, (int, float)) and abs(shift) >= _SKEW
        if big or explains:
            j.support.append(ctx.line(ref, "the VM clock was corrected by a large step", weight=0.7 if big else None))
    if c.fallback is not None:
        j.support.append(ctx.line(c.fallback, "the extension had to use the VM's own clock", weight=0.3))
    if c.host_clock is not None and explains:
        j.counter.append(ctx.line(c.host_clock, "utcNow came from the host's clock"))
    if not explains and not any(r.event.attrs.get("offset_s") for r in c.jumps):
        j.cap = "possible"
        j.reason = say(
            en="code 402 with no measurement of the VM clock: it cannot be told from a late start",
            zh="只有代码 402，没有 VM 时钟偏差的测量数据：无法与扩展启动过晚区分开",
        )
    skew = f" The VM clock was about {minutes(offset)} ahead." if explains else ""
    skew_zh = f"VM 时钟大约快了 {minutes_zh(offset)}。" if explains else ""
    j.summary = say(
        en="The backup extension gave up with code 402 ('CRP timeout limit has reached'): it compared the "
        "backup command's start time with the VM's own clock, and that clock is far off, so a fresh command "
        f"looked more than 140 minutes old.{skew} Fix time synchronisation (chrony with the Hyper-V clock, "
        "or NTP), check 'timedatectl', then re-run the backup.",
        zh="备份扩展以代码 402（'CRP timeout limit has reached'）放弃：它将备份命令的开始时间与 VM 自身的时钟"
        "进行比较，而该时钟偏差很大，导致一个新发出的命令看起来已超过 140 分钟。"
        f"{skew_zh}请修复时间同步（使用 Hyper-V 时钟的 chrony，或 NTP），检查 'timedatectl'，然后重新运行备份。",
    )
    return j
