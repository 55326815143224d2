"""vm-shutdown-during-backup: the VM was shut down or rebooted while the backup was running.

Evidence that counts: system-log shutdown / reboot records (``System is rebooting``, ``Reached
target Shutdown``, ``reboot: Restarting system``, a host shutdown request, journal ``-- Reboot --``)
and the new boot right after (``Linux version …``, ``systemd … running in system mode``); the
agent's own stop (``forwarding signal 15``, the unit stopping) and start-up lines — all after the
run started and before it wrote a terminal status.  A VM powered down before the window and silent
through it was off at the backup time (possible: nothing inside the window shows it).

Traps avoided: a reboot before the run, or after its final status, did not interrupt it; an agent
restart alone (self-update, service restart) is a hint, not a reboot; a boot with no shutdown
before it is a crash or a forced reset (often the way out of a freeze hang), so at most possible;
without system logs and with no agent record after the run the rule says not evaluable.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from analyzer.model import Event, EventKind
from analyzer.rules import rule
from analyzer.rules.base import EventRef, Evidence, Judgement, RuleContext, say
from analyzer.rules.family4._common_a import STATUS_KINDS, run_label

_SYSTEM = ("syslog", "journal", "dmesg")
_BOOT_AFTER = timedelta(minutes=30)
_SETTLE = timedelta(minutes=1)  # a boot just before the run's first record started it, it did not cut it
_AGENT = ("waagent_log", "syslog", "journal")


def _event(ev: Event) -> str | None:
    if ev.kind == EventKind.OTHER and ev.parser in _SYSTEM:
        what = ev.attrs.get("event")
        return str(what) if what in ("shutdown", "reboot", "boot") else None
    if ev.kind == EventKind.AGENT_STOP and ev.parser in _AGENT and ev.attrs.get("reason") not in ("orphan",):
        return "agent_stop"
    if ev.kind == EventKind.AGENT_START and ev.parser in _AGENT and ev.attrs.get("role") == "daemon":
        return "agent_start"
    return None


def _final_time(ctx: RuleContext) -> datetime | None:
    """When the run wrote its terminal status (None while it never did)."""
    for ref in ctx.run_events():
        code = ref.event.attrs.get("code")
        if ref.event.kind in STATUS_KINDS and code is not None and str(code) != "4" and ref.time is not None:
            return ref.time
    return None


@rule("vm-shutdown-during-backup")
def judge(ctx: RuleContext) -> Judgement:
    start = ctx.run.start if ctx.run is not None else None  # a shutdown before the run's first record preceded it
    final = _final_time(ctx) if ctx.run is not None else None
    marks = [(r, k) for r in ctx.events(in_window=True) if (k := _event(r.event)) and r.time is not None]
    during = [(r, k) for r, k in marks if (start is None or r.time >= start) and (final is None or r.time < final)]
    if not ctx.has_kind(*_SYSTEM) and not marks and not _agent_after(ctx):
        return Judgement(
            not_evaluable=[
                say(
                    "syslog, journal or dmesg (boot and shutdown records)",
                    "syslog、journal 或 dmesg（启动和关机记录）",
                )
            ]
        )
    j = Judgement()
    downs = [(r, k) for r, k in during if k in ("shutdown", "reboot")]
    stops = [r for r, k in during if k == "agent_stop"]
    first_down = downs[0][0] if downs else stops[0] if stops else None
    boots = [r for r, k in during if k in ("boot", "agent_start") and _after(r, first_down, ctx)]
    for ref, kind in downs[:2]:
        j.support.append(ctx.line(ref, f"the VM began to {'reboot' if kind == 'reboot' else 'shut down'}"))
    for ref in stops[:1]:
        j.support.append(ctx.line(ref, "the guest agent was stopped during the backup"))
    for ref in boots[:2]:
        # a kernel/systemd boot right after the stop is strong; a daemon start alone may be a service restart
        note, weight = ("a new boot right after", None) if ref.event.parser in _SYSTEM else ("the agent restarted", 0.4)
        j.support.append(ctx.line(ref, note, weight=weight))
    if not j.support and (off := _off_during(ctx)) is not None:
        j.support.append(off)
        j.cap = "possible"
        j.reason = say(
            "the VM was already off when the backup ran: nothing in the window itself shows it",
            "备份运行时 VM 已经处于关机状态：时间窗口内本身没有记录能显示这一点",
        )
        j.summary = say(
            "The VM had been shut down from inside the guest before the backup and was still off when the backup "
            "ran, so there was no agent to run the snapshot. Start the VM (or shut it down from the portal only "
            "outside the backup schedule) and re-run the backup.",
            "VM 在备份之前已从来宾系统内部关机，备份运行时仍处于关机状态，因此没有来宾代理来执行快照。"
            "请启动 VM（或仅在备份计划之外从门户关机），然后重新运行备份。",
        )
        return j
    if not j.support:
        late = [r for r, k in marks if k in ("shutdown", "reboot") and final is not None and r.time >= final]
        label = run_label(ctx)
        j.reason = (
            say(
                f"the VM shut down only after {label.en} had written its final status",
                f"VM 是在 {label.zh_cn} 写入最终状态之后才关机的",
            )
            if late
            else say(
                "no shutdown, reboot or agent stop while the run was going on",
                "运行期间没有关机、重启或来宾代理停止",
            )
        )
        return j
    if not downs and not stops:
        j.cap = "possible"
        j.reason = say(
            "a new boot without any shutdown record: a crash or a forced restart, not a shutdown from the guest",
            "有新的启动，但没有任何关机记录：这是崩溃或强制重启，而不是从来宾系统内部关机",
        )
    elif not downs and not [r for r in boots if r.event.parser in _SYSTEM]:
        j.cap = "possible"
        j.reason = say(
            "only the agent stopped or restarted; no system record shows a VM shutdown or reboot",
            "只有来宾代理停止或重启；没有系统记录显示 VM 关机或重启",
        )
        j.summary = say(
            "The guest agent was stopped or restarted while the backup was running "
            f"({run_label(ctx).en}), but no system record shows the VM itself going down: if the agent stayed "
            "stopped, see agent-not-running; a restart alone rarely kills a running snapshot.",
            f"备份运行期间（{run_label(ctx).zh_cn}）来宾代理被停止或重启，但没有系统记录显示 VM 本身关机："
            "如果来宾代理一直处于停止状态，请参见 agent-not-running；仅仅重启很少会终止正在运行的快照。",
        )
        return j
    if ctx.run is None and ctx.backup_time is None:
        # the window is the whole bundle: a reboot somewhere in it is not a reboot during a backup
        j.cap = "possible"
        j.reason = say(
            "no backup run in the logs and no --backup-time: the reboot cannot be placed inside a backup",
            "日志中没有备份运行，也没有给出 --backup-time：无法确定这次重启发生在备份期间",
        )
    how = (
        say("rebooted", "重启") if any(k == "reboot" for _, k in downs) else say("shut down or restarted", "关机或重启")
    )
    label = run_label(ctx)
    j.summary = say(
        "The VM was "
        + how.en
        + f" while the backup was running ({label.en}), so the snapshot task was killed before it could finish "
        "or report its status. Shut the VM down from the portal rather than inside the guest, and re-run the backup "
        "while it runs.",
        f"VM 在备份运行期间（{label.zh_cn}）被"
        + how.zh_cn
        + "，因此快照任务在完成或报告状态之前就被终止。请从门户关闭 VM，而不要在来宾系统内部关机，"
        "并在 VM 运行时重新运行备份。",
    )
    return j


def _after(ref: EventRef, first: EventRef | None, ctx: RuleContext) -> bool:
    """A boot right after the shutdown; without one, a boot in the middle of the run (a hard stop)."""
    if ref.time is None:
        return False
    if first is not None and first.time is not None:
        return first.time <= ref.time <= first.time + _BOOT_AFTER
    return ctx.run is not None and ref.time > ctx.run.start + _SETTLE


def _agent_after(ctx: RuleContext) -> bool:
    """Whether the agent log goes on after the run (then a silent reboot would have left start-up lines)."""
    if ctx.run is None:
        return any(True for _ in ctx.events(in_window=True, parsers=("waagent_log",)))
    return any(r.time is not None and r.time > ctx.run.end for r in ctx.events(parsers=("waagent_log",)))


def _off_during(ctx: RuleContext) -> Evidence | None:
    """A shutdown before the window with no boot and no record until after it: the VM was off."""
    if ctx.window is None or ctx.run is not None or any(True for _ in ctx.events(in_window=True)):
        return None
    lo, hi = ctx.window
    marks = [(r, k) for r in ctx.events() if r.time is not None and (k := _event(r.event))]
    before = [(r, k) for r, k in marks if r.time < lo]
    up = [r for r, k in before if k in ("boot", "agent_start")]
    down = [r for r, k in before if k == "shutdown" and (not up or r.time > up[-1].time)]
    if not down:
        return None
    back = next((r for r, k in marks if r.time > hi and k in ("boot", "agent_start")), None)
    until = f"until {back.time:%Y-%m-%d %H:%M}Z" if back is not None and back.time else "until the end of the logs"
    ev = down[-1].event
    # a fact, not a line: the shutdown itself lies before the window, the VM's silence covers it
    return Evidence(
        kind="fact",
        text=f"the VM powered down at {down[-1].time:%Y-%m-%d %H:%M}Z and shows no sign of running again {until}",
        source=ev.source,
        member=ev.member,
        line=ev.line,
        weight=0.6,
        note="the VM was off at the backup time",
    )
