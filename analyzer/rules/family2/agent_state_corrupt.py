"""agent-state-corrupt: the agent's cached goal state or the backup handler's state is inconsistent.

Evidence (agent records only): "<lib dir>/GoalState.N.xml is missing." and the same for
ExtensionsConfig.N.xml, Incarnation, HostingEnvironmentConfig.xml, SharedConfig.xml, manifests,
HandlerState or HandlerStatus (the agent's ProtocolError when its cache is gone); "Downgrade not
allowed" and "Failed to save/set/get handler status/state" for the VMSnapshot handler (the
2018 pattern of vmsnapshot-extension.md §7.10: the handler version rejected and
config/HandlerStatus missing, so the extension never ran).

Traps avoided: certificates that are "missing" (tenant-cert out of sync, "Certificate required by
goal state is not on disk") belong to settings-decryption-failed; a downgrade or a handler-status
failure of another extension does not block the backup handler; repeats of one message count a
few times only, so old errors do not add up through the noisy-OR; the backup extension running
after the errors, or a later good run, is counter-evidence.
"""

from __future__ import annotations

import re
from datetime import timedelta

from analyzer.model import EventKind
from analyzer.rules import rule
from analyzer.rules.base import EventRef, Judgement, RuleContext, say
from analyzer.rules.family2._common import agent_refs, first_line, is_vmsnapshot, later_good_run

K = EventKind
_MISSING = re.compile(
    r"(?:GoalState\.\d+\.xml|ExtensionsConfig\.\d+\.xml|HostingEnvironmentConfig\.xml|SharedConfig\.xml|"
    r"/Incarnation|\.manifest(?:\.xml)?|/HandlerState|/HandlerStatus)\.? is missing"
)
_HANDLER_STATE = (
    "Failed to save handler status",
    "Failed to set state",
    "Failed to get state",
    "Downgrade not allowed",
)
_PER_SIGNATURE = 3
_BEFORE = timedelta(hours=2)
# a state file the agent cannot write for these reasons is disk-full or security-software-blocking
_OTHER_CAUSES = (
    "[Errno 28]",
    "No space left",
    "[Errno 13]",
    "Permission denied",
    "[Errno 30]",
    "Read-only file system",
)


def _signature(text: str, vms: bool) -> tuple[str, float | None] | None:
    """(signature, weight) of a record that shows corrupt agent state; None otherwise."""
    head = text[:4096]
    if "Downgrade not allowed" in head:
        # the agent rejects the handler version it has on disk: a decisive signature
        return ("downgrade", 0.85) if vms else None
    if any(s in head for s in _HANDLER_STATE):
        return ("handler-state", None) if vms and not any(o in head for o in _OTHER_CAUSES) else None
    if _MISSING.search(head):
        return ("cache-missing", 0.7)  # the agent cannot read its own goal-state cache
    return None


@rule("agent-state-corrupt")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    found: dict[str, list[tuple[EventRef, float | None]]] = {}
    older: list[EventRef] = []
    start = ctx.window[0] - _BEFORE if ctx.window is not None else None
    for ref in agent_refs(ctx):
        sig = _signature(ref.event.message, is_vmsnapshot(ref.event))
        if sig is None:
            continue
        if start is not None and ref.time < start:
            older.append(ref)  # healed long before the backup: not support, only mentioned
            continue
        if ctx.window is None or ref.time <= ctx.window[1]:
            found.setdefault(sig[0], []).append((ref, sig[1]))
    if not found:
        en = "no missing goal-state cache file, handler downgrade or handler-status failure of the backup handler"
        zh = "没有缺失的目标状态（goal state）缓存文件，也没有备份处理程序（handler）的降级或处理程序状态失败"
        if older:
            en += f" near the backup (the last one, at {older[-1].time:%Y-%m-%d %H:%M}Z, came well before it)"
            zh = "备份前后" + zh + f"（最后一次出现在 {older[-1].time:%Y-%m-%d %H:%M}Z，远早于备份）"
        j.reason = say(en=en, zh=zh)
        return j
    last = None
    for name, items in sorted(found.items()):
        inside = [it for it in items if ctx.in_window(it[0].time)]
        chosen = (inside or items)[-_PER_SIGNATURE:]
        for ref, weight in chosen:
            j.support.append(ctx.line(ref, _NOTES[name], weight))
        when = items[-1][0].time
        last = when if last is None or when > last else last
    ran = agent_refs(
        ctx,
        lambda ev: is_vmsnapshot(ev) and ev.kind == K.EXT_COMMAND_RESULT and ev.attrs.get("exit_code") == 0,
    )
    ran = [r for r in ran if last is not None and r.time > last and ctx.in_window(r.time)]
    if ran:
        j.counter.append(ctx.line(ran[0], "the backup extension ran successfully after the errors"))
    good = later_good_run(ctx, last) if last is not None else None
    if good is not None:
        j.counter.append(ctx.line(good, "a later backup run succeeded"))
    key = "downgrade" if "downgrade" in found else next(iter(sorted(found)))
    sample = first_line(found[key][-1][0].event).split("message=", 1)[-1]
    sample = re.sub(r", duration=\d+\s*$", "", sample)
    j.summary = say(
        en=f"{_WHAT[key].en} (\u201c{sample[:160]}\u201d), so the agent kept failing before it could run the snapshot "
        "extension. Stop the agent, clear the cached goal-state files and the VMSnapshot handler folders "
        "(the next backup reinstalls the extension), then start it.",
        zh=f"{_WHAT[key].zh_cn}（\u201c{sample[:160]}\u201d），因此来宾代理在能够运行快照扩展之前就一再失败。"
        "请停止来宾代理，清除缓存的目标状态（goal state）文件和 VMSnapshot 处理程序文件夹"
        "（下一次备份会重新安装该扩展），然后再启动来宾代理。",
    )
    return j


_WHAT = {
    "downgrade": say(
        en="The agent refuses the backup extension version the goal state asks for, because a newer one is "
        "recorded as installed: its handler state on disk is inconsistent",
        zh="来宾代理拒绝目标状态（goal state）所要求的备份扩展版本，因为记录显示已安装了更新的版本："
        "磁盘上的处理程序状态不一致",
    ),
    "handler-state": say(
        en="The agent cannot save or read the backup handler's state files",
        zh="来宾代理无法保存或读取备份处理程序的状态文件",
    ),
    "cache-missing": say(
        en="Files of the agent's cached goal state are missing",
        zh="来宾代理缓存的目标状态（goal state）文件缺失",
    ),
}
_NOTES = {
    "downgrade": "the agent refuses the backup handler version (downgrade): handler state inconsistent",
    "handler-state": "the agent cannot save or read the backup handler's state files",
    "cache-missing": "a file of the agent's goal-state cache is missing",
}
