"""network-blocked: outbound traffic from the guest to Azure Storage is blocked and the run needed it.

Evidence that counts: the backup extension's guest-path calls to the disks' storage endpoints
(``*.blob.core.windows.net``, ``*.blob.storage.azure.net``, ``*.blob.core.chinacloudapi.cn`` …)
failing with no answer (timeouts, refused, unreachable, reset, TLS EOF) inside the analysed run,
and code 76 when it follows those failures; or the agent's status upload failing towards storage
while its HostGAPlugin channel is down too (status could only leave via storage).

Traps avoided: today the snapshot goes through the host (168.63.129.16) first and status through
the agent, so storage failures of the agent (manifest downloads, the extension's own status-blob
PUT) only make the cause ``possible``; "Default channel changed to HostGAPlugin" is a working
fallback (counter-evidence), never support; code 76 on its own is not evidence (with "blobs are
empty or none" it means the host path failed; next to a ``TypeError`` traceback or a host 5xx it
is a software or platform fault); a proxy's refusal (407, tunnel errors) belongs to
proxy-misconfigured; a run that succeeded was not hurt by whatever storage failures surround it.
"""

from __future__ import annotations

from analyzer.model import EventKind
from analyzer.rules import rule
from analyzer.rules.base import EventRef, Judgement, Message, RuleContext, say
from analyzer.rules.family1._common import (
    HGAP_PORT,
    events_of_codes,
    extension_failures,
    extension_refs,
    head,
    hosts_of,
    is_agent,
    is_storage,
    network_error,
    proxy_error,
    short,
)


def _agent_storage_failures(ctx: RuleContext) -> list[EventRef]:
    """The agent's calls to storage that got no answer inside the window (proxy refusals excluded)."""
    out = []
    for ref in ctx.events(
        (EventKind.HTTP_ERROR, EventKind.STATUS_UPLOAD, EventKind.EXT_DOWNLOAD),
        in_window=True,
        levels=("WARNING", "ERROR"),
    ):
        text = head(ref.event)
        if is_agent(ref.event) and any(is_storage(h) for h, _ in hosts_of(ref.event)):
            if network_error(text) and not proxy_error(text):
                out.append(ref)
    return out


def _hgap_status_down(ctx: RuleContext) -> bool:
    for ref in ctx.events(EventKind.STATUS_UPLOAD, in_window=True, levels=("WARNING", "ERROR")):
        text = head(ref.event)
        if (
            "either channel" in text
            or "Put BlockBlob failed" in text
            or any(p == HGAP_PORT for _, p in hosts_of(ref.event))
        ):
            return True
    return False


@rule("network-blocked")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    refs = extension_refs(ctx)
    calls = list(extension_failures(refs))
    guest = [c for c in calls if c.path == "guest" and c.net and not c.proxy]
    proxied = [c for c in calls if c.path == "guest" and c.proxy]
    if ctx.run is not None and ctx.run.outcome == "succeeded":
        j.reason = say(
            en=f"{ctx.run.label} succeeded (code {ctx.run.final_code}): whatever storage access failed, "
            "the backup did not need it",
            zh=f"{ctx.run.label} 已成功（代码 {ctx.run.final_code}）：无论哪些存储访问失败，该备份都不依赖它们",
        )
        return j
    for call in guest[:3]:
        j.support.append(ctx.line(call.ref, f"guest-path call to Azure Storage got no answer ({call.net})"))
    if guest:
        coded = events_of_codes(refs, "76", "761")
        results = [r for r in coded if r.event.kind == EventKind.SNAPSHOT_RESULT]
        for ref in (results or coded)[:1]:
            # decisive: the final code follows guest-path storage calls that timed out or were refused
            j.support.append(ctx.line(ref, "code 76 after the guest-path storage calls failed", weight=0.85))
    # with HttpProxy.* set, the agent's storage traffic goes through the proxy: its failures are the proxy's
    proxied_agent = any(f.value not in (None, "", "None") for f in ctx.facts_for("waagent_conf.HttpProxy.Host"))
    agent_storage = [] if proxied_agent else _agent_storage_failures(ctx)
    status_only_storage = (
        [r for r in agent_storage if r.event.kind == EventKind.STATUS_UPLOAD] if _hgap_status_down(ctx) else []
    )
    for ref in status_only_storage[:2]:
        j.support.append(ctx.line(ref, "status upload to storage failed while the HostGAPlugin channel was down too"))
    for ref in [r for r in agent_storage if r not in status_only_storage][:2]:
        # a weak hint: the agent has a HostGAPlugin fallback for its own storage traffic
        j.support.append(
            ctx.line(ref, "the agent could not reach Azure Storage (it falls back to the host)", weight=0.2)
        )
    for ref in [r for r in refs if r.event.kind == EventKind.STATUS_UPLOAD and network_error(r.event.message)][:1]:
        # the extension's own status-blob PUT: not fatal while the agent reports status
        j.support.append(ctx.line(ref, "the extension's status-blob upload to storage timed out", weight=0.15))
    if not j.support:
        j.reason = _why_not(calls, proxied, refs)
        return j
    if not guest and not status_only_storage:
        j.cap = "possible"
        j.reason = say(
            en="storage was unreachable, but this run did not need it: no guest-path snapshot call failed",
            zh="存储无法访问，但本次运行并不需要它：没有任何来宾路径（guest path）的快照调用失败",
        )
        for ref in ctx.events(
            EventKind.WIRESERVER, in_window=True, where=lambda e: e.attrs.get("channel") == "HostGAPlugin"
        ):
            j.counter.append(ctx.line(ref, "the agent switched to the HostGAPlugin channel, which worked"))
            break
    j.summary = (
        say(
            en="The backup extension took the snapshot from inside the VM (guest path) and its HTTPS calls to the "
            "disks' Azure Storage endpoints got no answer, so every disk snapshot failed (code 76): outbound traffic "
            "to Azure Storage is blocked (NSG, guest firewall, a route to an appliance, or a firewall without the "
            "Storage tag).",
            zh="备份扩展从 VM 内部（来宾路径，guest path）创建快照，"
            "但它对各磁盘 Azure 存储终结点的 HTTPS 调用没有得到任何响应，因此所有磁盘快照均失败（代码 76）："
            "到 Azure 存储的出站流量被阻止（NSG、来宾防火墙、指向网络设备的路由，"
            "或未放行 Storage 服务标记的防火墙）。",
        )
        if guest
        else say(
            en="The HostGAPlugin channel was down, so the agent had to send the backup status straight to Azure "
            "Storage, and those uploads got no answer: outbound traffic to Azure Storage is blocked.",
            zh="HostGAPlugin 通道不可用，来宾代理只能将备份状态直接上传到 Azure 存储，而这些上传没有得到任何响应："
            "到 Azure 存储的出站流量被阻止。",
        )
        if status_only_storage
        else say(
            en="The VM could not reach Azure Storage during the run; this only matters when the backup needs storage.",
            zh="运行期间 VM 无法访问 Azure 存储；只有当备份需要访问存储时，这一点才有影响。",
        )
    )
    return j


def _why_not(calls: list, proxied: list, refs: list[EventRef]) -> Message:
    if proxied:
        return say(
            en=f"guest-path calls failed at the HTTP proxy ({proxied[0].proxy}), not at a network block",
            zh=f"来宾路径调用失败于 HTTP 代理（{proxied[0].proxy}），而不是被网络阻止",
        )
    soft = [c for c in calls if not c.net and not c.proxy]
    code76 = events_of_codes(refs, "76")
    if code76 and soft:
        return say(
            en=f"code 76 follows a software error, not a network failure: {short(soft[0].ref.event)}",
            zh=f"代码 76 出现在一个软件错误之后，而非网络故障：{short(soft[0].ref.event)}",
        )
    if code76:
        return say(
            en="code 76 without any failed guest-path storage call (the host path or the host service failed)",
            zh="出现代码 76，但没有任何来宾路径的存储调用失败（失败的是主机路径或主机服务）",
        )
    return say(
        en="no call to Azure Storage failed in the run window "
        "(guest path, or status upload with the host channel down)",
        zh="运行时间窗口内没有任何对 Azure 存储的调用失败（无论是来宾路径，还是主机通道不可用时的状态上传）",
    )
