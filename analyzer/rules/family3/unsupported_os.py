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
from analyzer.rules.base import Judgement, RuleContext
from analyzer.rules.family3._common import VMS, code_events, fact_evidence, good_final_status, missing_tool

_UNSUPPORTED = {"bsd": "FreeBSD / BSD", "appliance": "a network appliance image"}
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
        missing = f" (missing: {', '.join(sorted({t for _, t in tools}))})" if tools else ""
        j.summary = (
            f"The VM runs {what}, which Azure VM backup does not support or which lacks tools the backup extension "
            f"needs{missing}, so the extension cannot find or freeze the disks. Use a supported OS or another "
            "backup method."
        )
    else:
        known = ctx.fact("os.pretty") or ctx.fact("os.name")
        what = (
            f"the OS ({known}) is a supported Linux" if known else "no OS identification says FreeBSD or an appliance"
        )
        j.reason = f"{what}, and no tool or path the extension needs was missing in the window"
    return j
