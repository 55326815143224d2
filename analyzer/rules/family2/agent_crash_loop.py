"""agent-crash-loop: the agent keeps crashing or restarting around the backup.

Evidence: crash records of the agent and of its service unit near the window ("failed with
exception" with its traceback, the daemon's "launched … failed with return code", "Agent did not
terminate cleanly", "Daemon ended with exception", the 2.0.x "Restart agent in 15 seconds",
systemd exit/restart lines), loop markers ("restarted more than N times in M seconds", systemd's
restart counter or start limit), and repeated start-ups of the goal-state agent in the window.

Traps avoided: one crash writes several records, so records within 30 s count as one crash; a
crash long before the window, followed by normal operation, is not a loop (it is left to fade and
is not support at all beyond two hours before the window); a lone "did not terminate cleanly"
right after the daemon started is what a reboot or a service restart leaves (weak); a helper
thread restarting ("MonitorHandler thread died") does not stop extension processing; a single
crash in the window stays "possible"; a later successful backup or the agent running the backup
extension after the last crash is counter-evidence.
"""

from __future__ import annotations

from datetime import timedelta

from analyzer.model import Event, EventKind
from analyzer.rules import rule
from analyzer.rules.base import EventRef, Judgement, RuleContext, say
from analyzer.rules.family2._common import agent_refs, cluster, first_line, is_vmsnapshot, later_good_run, timed

K = EventKind
_BEFORE = timedelta(hours=2)
_REBOOT = timedelta(minutes=10)
_STOP_SIGNALS = {"15", "TERM", "SIGTERM"}


def _is_marker(ev: Event) -> bool:
    a = ev.attrs
    # "restarted more than" is often inside the daemon's Event record, not its first line
    loop_text = "restarted more than" in ev.message[:4096]
    return loop_text or "restarts" in a or "restart_count" in a or a.get("unit_state") == "start_limit"


def _is_exit(ev: Event) -> bool:
    """One process exit: the daemon or systemd saw the agent process end with an error."""
    return "exit_code" in ev.attrs or "return code" in first_line(ev)


def _is_crash(ev: Event) -> bool:
    # a helper thread restarting keeps extension processing going; SIGTERM is how a stop ends
    return "thread_name" not in ev.attrs and str(ev.attrs.get("signal", "")).upper() not in _STOP_SIGNALS


def _unclean_only(group: list[EventRef]) -> bool:
    return all("did not terminate cleanly" in first_line(r.event) for r in group)


def _pick(group: list[EventRef]) -> EventRef:
    return next((r for r in group if "failed with exception" in first_line(r.event)), group[0])


@rule("agent-crash-loop")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    if ctx.window is None:
        j.reason = say(en="no window to judge", zh="没有可供判断的时间窗口")
        return j
    lo, hi = ctx.window
    crashes = [r for r in timed(ctx.events(K.AGENT_CRASH)) if _is_crash(r.event)]
    near = [r for r in crashes if lo - _BEFORE <= r.time <= hi]
    if not near:
        en, zh = "no agent crash or restart near the backup", "备份前后没有来宾代理崩溃或重启"
        if crashes:
            closest = min(crashes, key=lambda r: ctx.minutes_outside(r.time))
            en += f" (the closest, at {closest.time:%Y-%m-%d %H:%M}Z, lies well outside the backup window)"
            zh += f"（最近的一次在 {closest.time:%Y-%m-%d %H:%M}Z，远在备份时间窗口之外）"
        j.reason = say(en=en, zh=zh)
        return j
    daemon_starts = [
        r.time for r in timed(ctx.events((K.AGENT_START, K.AGENT_VERSION))) if r.event.attrs.get("role") == "daemon"
    ]
    groups = cluster(near, timedelta(seconds=30))
    real = 0
    real_total = sum(1 for g in groups if not _unclean_only(g))
    for group in groups[-4:]:
        rebootish = _unclean_only(group) and any(group[0].time - _REBOOT <= t <= group[0].time for t in daemon_starts)
        if rebootish:
            j.support.append(ctx.line(group[0], "unclean stop found at start-up, right after the daemon started", 0.2))
            continue
        j.support.append(ctx.line(_pick(group), "the agent crashed"))
        real += any(ctx.in_window(r.time) for r in group)
    markers = [r for r in near if _is_marker(r.event)]
    for marker in markers[-2:]:
        j.support.append(ctx.line(marker, "restart-loop marker", 0.85))  # the agent or systemd counts the loop
    starts = agent_refs(ctx, lambda ev: ev.kind == K.AGENT_VERSION and "pid" in ev.attrs)
    starts = [r for r in starts if ctx.in_window(r.time)]
    if len(starts) >= 3 and real:
        j.support.append(ctx.line(starts[2], f"{len(starts)} start-ups of the goal-state agent in the window", 0.3))
    exits = sum(1 for r in near if ctx.in_window(r.time) and _is_exit(r.event))
    loop = real >= 2 or exits >= 2 or any(ctx.in_window(m.time) for m in markers) or (real and len(starts) >= 3)
    if not loop:
        j.cap = "possible"
        j.reason = say(
            en="a single crash or restart near the backup, not a loop",
            zh="备份前后只有一次崩溃或重启，并非循环",
        )
    last = near[-1].time
    ran = agent_refs(ctx, lambda ev: is_vmsnapshot(ev) and ev.kind in (K.EXT_ENABLE, K.EXT_COMMAND_RESULT))
    ran = [r for r in ran if r.time > last and ctx.in_window(r.time)]
    if ran:
        j.counter.append(ctx.line(ran[0], "the agent ran the backup extension after the last crash"))
    good = later_good_run(ctx, last)
    if good is not None:
        j.counter.append(ctx.line(good, "a later backup run succeeded"))
    why = next((first_line(r.event) for r in near if "failed with exception:" in first_line(r.event)), "")
    why = why.split("failed with exception:", 1)[-1].strip()
    times = f"between {near[0].time:%H:%M} and {last:%H:%M}Z" if near[0].time != last else f"at {last:%H:%M}Z"
    times_zh = f"在 {near[0].time:%H:%M} 至 {last:%H:%M}Z 之间" if near[0].time != last else f"在 {last:%H:%M}Z "
    count = max(real_total, exits)
    j.summary = say(
        en=f"The guest agent crashed and was restarted {count} time(s) {times}"
        + (f" ({why})" if why else "")
        + ", so it could not process the backup's goal state and run the snapshot extension. "
        "Fix the trigger shown in the traceback and update the agent.",
        zh=f"来宾代理{times_zh}崩溃并重启了 {count} 次"
        + (f"（{why}）" if why else "")
        + "，因此无法处理备份的目标状态（goal state）并运行快照扩展。"
        "请修复回溯信息（traceback）中显示的触发原因，并更新来宾代理。",
    )
    return j
