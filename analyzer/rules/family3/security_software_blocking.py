"""security-software-blocking: security software or mount options block the backup extension.

Evidence in the window: VMSnapshot's handler script failing with exit 126 or "Permission denied"
(decisive with the agent's noexec warning "… is mounted with the noexec flag"), SELinux AVC denials
and fapolicyd ``dec=deny`` records that name the agent's directory / the extension (syslog,
journal, audit), and code 124 — the safefreeze binary missing (status code or "safefreeze binary is
missing in the following path"), the classic trace of an antivirus quarantining it; code 124
reaches this cause through its codes.toml candidates.  Traps: a noexec mount of an unrelated path
(``/tmp``), a permissive-mode AVC, or a denial for another program is not evidence; a good
snapshot after the failure in the window is counter-evidence.
"""

from __future__ import annotations

from analyzer.model import EventKind
from analyzer.rules import rule
from analyzer.rules.base import Evidence, Judgement, RuleContext, say
from analyzer.rules.family3._common import blocked_exec, code_events, failed_commands, good_final_status

_DENIALS = ("selinux_denial", "apparmor_denial", "fapolicyd_denial", "permission_denied")
_AGENT_SOURCES = ("waagent_log", "command_execution_log", "syslog", "journal")
_HINTS = ("waagent", "VMSnapshot", "safefreeze", "handle.sh")


def _ours(ev_attrs: dict, message: str) -> bool:
    return bool(ev_attrs.get("waagent")) or any(h in message for h in _HINTS)


@rule("security-software-blocking")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    blocked = [r for r in failed_commands(ctx) if blocked_exec(r)]
    for ref in blocked[:3]:
        noexec = "noexec" in ref.event.message
        # exit 126 / the agent's own noexec warning: the script could not be executed at all
        decisive = ref.event.attrs.get("exit_code") == 126 or noexec
        note = "the handler script could not be executed" + (" (noexec mount)" if noexec else "")
        j.support.append(ctx.line(ref, note, weight=0.85 if decisive else None))
    denials = list(
        ctx.events(
            EventKind.OTHER,
            in_window=True,
            where=lambda ev: (
                ev.attrs.get("event") in _DENIALS
                and ev.attrs.get("permissive") is not True
                and _ours(ev.attrs, ev.message)
            ),
        )
    )
    for ref in denials[:3]:
        what = {"selinux_denial": "SELinux", "apparmor_denial": "AppArmor", "fapolicyd_denial": "fapolicyd"}.get(
            ref.event.attrs["event"], "the OS"
        )
        j.support.append(ctx.line(ref, f"{what} denied the agent or the backup extension"))
    mounts = [
        r
        for r in ctx.events(EventKind.OTHER, where=lambda ev: ev.attrs.get("event") == "noexec_mount")
        if r.event.attrs.get("covers_waagent")
    ]
    warned = [
        r
        for r in ctx.events(in_window=True, parsers=_AGENT_SOURCES, text="noexec flag")
        if not any(r.index == b.index for b in blocked)
    ]
    for ref in warned[:1]:
        j.support.append(ctx.line(ref, "the agent warns that a noexec mount blocks its extensions"))
    if j.support:
        for ref in mounts[:1]:
            # a mount table has no time of its own: it backs the failure, it does not replace it
            ev = ref.event
            j.support.append(
                Evidence(
                    kind="fact",
                    text=ev.message,
                    source=ev.source,
                    member=ev.member,
                    line=ev.line,
                    weight=0.3,
                    note=f"{ev.attrs.get('mount')} (holding /var/lib/waagent) is mounted noexec",
                )
            )
    missing = [r for r in code_events(ctx, "124")]
    if "security-software-blocking" in ctx.codes.candidates(124):
        for ref in missing[:2]:
            j.support.append(
                ctx.line(ref, "code 124: the safefreeze binary is missing (quarantined or not executable)")
            )
    last = max((r.time for r in (*blocked, *denials, *missing) if r.time), default=None)
    if last is not None and (ok := good_final_status(ctx, last)) is not None:
        j.counter.append(ctx.line(ok, "a later snapshot succeeded"))
    if j.support:
        j.summary = say(
            en=(
                "Something on the VM stopped the backup extension from running its own files"
                + (" (the safefreeze binary was missing, code 124)" if missing and not blocked else "")
                + ": a noexec mount, SELinux, fapolicyd or an antivirus blocked or removed them, so the snapshot could "
                "not be taken. Exclude /var/lib/waagent and the extension from the policy, remount without noexec and "
                "uninstall the extension so the next backup reinstalls it."
            ),
            zh=(
                "VM 上的某些程序阻止了备份扩展运行其自身的文件"
                + ("（safefreeze 二进制文件缺失，代码 124）" if missing and not blocked else "")
                + "：noexec 挂载、SELinux、fapolicyd 或防病毒软件阻止或删除了这些文件，因此无法创建快照。"
                "请在策略中排除 /var/lib/waagent 和该扩展，去掉 noexec 重新挂载，并卸载该扩展，以便下次备份时重新安装。"
            ),
        )
    else:
        reason = (
            "no exit 126 / permission denied on the handler scripts, no SELinux or fapolicyd denial naming the agent "
            "or the extension, and no code 124 in the window"
        )
        reason_zh = (
            "时间窗口内没有处理程序脚本的退出码 126 / permission denied，没有指向来宾代理或该扩展的 SELinux 或 "
            "fapolicyd 拒绝记录，也没有代码 124"
        )
        if any(r.event.attrs.get("event") == "noexec_mount" for r in ctx.events(EventKind.OTHER)) and not mounts:
            reason += "; a noexec mount exists, but not over /var/lib/waagent"
            reason_zh += "；存在 noexec 挂载，但不在 /var/lib/waagent 上"
        permissive = ctx.events(
            EventKind.OTHER,
            in_window=True,
            where=lambda ev: ev.attrs.get("permissive") is True and _ours(ev.attrs, ev.message),
        )
        if next(permissive, None) is not None:
            reason += "; SELinux denials naming the extension were logged in permissive mode (not enforced)"
            reason_zh += "；记录到了指向该扩展的 SELinux 拒绝，但处于 permissive 模式（未强制执行）"
        j.reason = say(en=reason, zh=reason_zh)
    return j
