"""unsupported-os: the OS is not supported by Azure VM backup, or lacks tools the extension needs.

Evidence: the OS family from ``os-release`` (fact ``os.family``: ``bsd`` for FreeBSD, ``appliance``
for firewall / load-balancer images such as pfSense) or the agent's own "OS: freebsd …" record
(fact ``agent.os_name``); in the window, the extension failing on a missing tool or Linux path
(``lsblk`` / ``lsscsi`` / ``/proc/mounts`` "No such file or directory", "command not found", code 12
ENOENT through codes.toml candidates).  A supported distro with a missing tool counts too, but an
unsupported OS without an in-window failure stays below ``likely`` (no window evidence).  Traps:
the extension's routine "lsblk …" chatter and code 316 ("Plugin host file does not exist …", the
normal no-scripts state) are not missing tools; a good snapshot in the window is counter-evidence.
"""

from __future__ import annotations

from analyzer.model import EventKind
from analyzer.rules import rule
from analyzer.rules.base import Judgement, RuleContext, say
from analyzer.rules.family3._common import VMS, code_events, fact_evidence, good_final_status, missing_tool

_UNSUPPORTED = {"bsd": "FreeBSD / BSD", "appliance": "a network appliance image"}
_UNSUPPORTED_ZH = {"bsd": "FreeBSD / BSD", "appliance": "网络设备（appliance）镜像"}
_BSD_NAMES = ("freebsd", "openbsd", "netbsd", "pfsense", "opnsense")


@rule("unsupported-os")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    family = str(ctx.fact("os.family", "") or "")
    agent_os = str(ctx.fact("agent.os_name", "") or ctx.fact("agent.distro", "") or "").lower()
    label = _UNSUPPORTED.get(family) or next((n for n in _BSD_NAMES if n in agent_os), None)
    if family in _UNSUPPORTED:
        pretty = ctx.fact("os.pretty") or ctx.fact("os.name") or family
        j.support.append(
            fact_evidence(
                ctx,
                "os.family",
                f"OS: {pretty} ({_UNSUPPORTED[family]})",
                0.6,
                "not on the Azure VM backup support matrix",
            )
        )
    elif label:
        j.support.append(
            fact_evidence(
                ctx,
                "agent.os_name",
                f"the agent reports OS {agent_os}",
                0.5,
                "not on the Azure VM backup support matrix",
            )
        )
    tools = []
    for ref in ctx.events(in_window=True, handler=VMS):
        tool = missing_tool(ref.event.message) if ref.event.kind != EventKind.ROUTINE else None
        if tool:
            tools.append((ref, tool))
    for ref, tool in tools[:2]:
        j.support.append(ctx.line(ref, f"the extension needs {tool}, which this OS does not have"))
    if "unsupported-os" in ctx.codes.candidates(12) and (label or tools):
        for ref in code_events(ctx, "12")[-1:]:
            j.support.append(ctx.line(ref, "code 12: a file or command the extension needs does not exist"))
    if j.support and (ok := good_final_status(ctx)) is not None:
        j.counter.append(ctx.line(ok, "a snapshot succeeded on this OS in the window"))
    if j.support:
        what = label or "this distribution"
        what_zh = _UNSUPPORTED_ZH.get(family) or label or "此发行版"
        missing = f" (missing: {', '.join(sorted({t for _, t in tools}))})" if tools else ""
        missing_zh = f"（缺少：{', '.join(sorted({t for _, t in tools}))}）" if tools else ""
        j.summary = say(
            en=(
                f"The VM runs {what}, which Azure VM backup does not support or which lacks tools the backup "
                f"extension needs{missing}, so the extension cannot find or freeze the disks. Use a supported OS or "
                "another backup method."
            ),
            zh=(
                f"此 VM 运行的是 {what_zh}，Azure VM 备份不支持该系统，或者它缺少备份扩展所需的工具{missing_zh}，"
                "因此扩展无法找到或冻结磁盘。请使用受支持的操作系统或其他备份方式。"
            ),
        )
    else:
        known = ctx.fact("os.pretty") or ctx.fact("os.name")
        what = (
            f"the OS ({known}) is a supported Linux" if known else "no OS identification says FreeBSD or an appliance"
        )
        what_zh = (
            f"操作系统（{known}）是受支持的 Linux" if known else "没有任何操作系统标识表明这是 FreeBSD 或网络设备镜像"
        )
        j.reason = say(
            en=f"{what}, and no tool or path the extension needs was missing in the window",
            zh=f"{what_zh}，且时间窗口内没有缺少扩展所需的工具或路径",
        )
    return j
