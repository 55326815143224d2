"""proxy-misconfigured: an HTTP proxy is configured but unreachable or rejecting.

Evidence that counts: ``HttpProxy.Host`` / ``HttpProxy.Port`` in waagent.conf (facts) or the
agent's verbose "HTTP proxy: [host:port]" lines, together with calls inside the analysed window
that failed at the proxy: HTTP 407 / "Proxy Authentication Required", "Tunnel connection failed",
"does not support https tunnelling", or timeouts / refusals towards the proxy itself or towards
storage right after the agent said it used the proxy.

Traps avoided: the agent never sends wire-server or HostGAPlugin calls (168.63.129.16) through
the proxy, so their failures are not evidence here; a configured proxy whose calls all worked is
no cause; the agent falls back to the HostGAPlugin for its own downloads, so a proxy that only
broke those is at most ``possible`` unless the run needed storage through it (the extension's
guest path, or a download the run could not do without); a run that succeeded rules it out.
"""

from __future__ import annotations

from analyzer.model import EventKind
from analyzer.rules import rule
from analyzer.rules.base import EventRef, Evidence, Judgement, RuleContext, say
from analyzer.rules.family1._common import (
    WIRESERVER,
    extension_failures,
    extension_refs,
    head,
    hosts_of,
    is_agent,
    is_storage,
    network_error,
    proxy_error,
)


def _settings(ctx: RuleContext) -> tuple[list[Evidence], set[str]]:
    evidence, hosts = [], set()
    for key in ("waagent_conf.HttpProxy.Host", "waagent_conf.HttpProxy.Port"):
        for fact in ctx.facts_for(key):
            if fact.value not in (None, "", "None"):
                evidence.append(ctx.from_fact(fact, f"{key.split('.', 1)[1]}={fact.value} in waagent.conf"))
                if key.endswith("Host"):
                    hosts.add(str(fact.value).split("://")[-1].rstrip("/").split(":")[0])
    for ref in ctx.events(EventKind.PROXY):
        if ref.event.attrs.get("proxy_host"):
            hosts.add(str(ref.event.attrs["proxy_host"]))
    return evidence, hosts


def _agent_proxy_failures(ctx: RuleContext, proxy_hosts: set[str], configured: bool) -> list[tuple[EventRef, str]]:
    """Agent calls that failed at the proxy: its refusals, or storage calls that had to go through it."""
    out, last_proxy_line = [], False
    for ref in ctx.events(in_window=True):
        ev = ref.event
        if ev.kind == EventKind.PROXY:
            last_proxy_line = True
            continue
        if not is_agent(ev) or ev.level not in ("WARNING", "ERROR"):
            continue
        text, hosts = head(ev), hosts_of(ev)
        if any(h == WIRESERVER for h, _ in hosts):
            continue  # never proxied
        words = proxy_error(text)
        if words is None and network_error(text):
            if any(h in proxy_hosts for h, _ in hosts):
                words = f"the proxy itself: {network_error(text)}"
            elif (last_proxy_line or configured) and any(is_storage(h) for h, _ in hosts):
                words = f"through the proxy: {network_error(text)}"
        if words:
            out.append((ref, words))
        last_proxy_line = False
    return out


@rule("proxy-misconfigured")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    settings, proxy_hosts = _settings(ctx)
    ext = [c for c in extension_failures(extension_refs(ctx)) if c.proxy]
    agent = _agent_proxy_failures(ctx, proxy_hosts, bool(settings))
    if not settings and not proxy_hosts and not ext and not agent:
        conf = ctx.has_kind("waagent_conf")
        where = "in waagent.conf" if conf else "(waagent.conf is not in the bundle)"
        where_zh = (
            "waagent.conf 中没有 HttpProxy.Host/Port"
            if conf
            else "没有 HttpProxy.Host/Port（日志包中没有 waagent.conf）"
        )
        j.reason = say(
            en=f"no proxy is configured (no HttpProxy.Host/Port {where}, no 'HTTP proxy:' line) "
            "and no call failed at a proxy",
            zh=f"未配置代理（{where_zh}，也没有 'HTTP proxy:' 行），且没有任何调用失败于代理",
        )
        return j
    if not ext and not agent:
        j.reason = say(
            en="a proxy is configured, but no call through it failed in the run window "
            "(168.63.129.16 is never proxied)",
            zh="已配置代理，但运行时间窗口内没有经由它的调用失败（168.63.129.16 从不经过代理）",
        )
        return j
    if ctx.run is not None and ctx.run.outcome == "succeeded":
        j.reason = say(
            en=f"{ctx.run.label} succeeded (code {ctx.run.final_code}): "
            "the proxy errors around it did the backup no harm",
            zh=f"{ctx.run.label} 已成功（代码 {ctx.run.final_code}）：其前后出现的代理错误并未影响备份",
        )
        return j
    j.support.extend(settings[:2])
    for call in ext[:2]:
        # decisive: only a proxy answers 407 / refuses the tunnel, and the extension's own snapshot calls hit it
        j.support.append(
            ctx.line(call.ref, f"the backup extension's storage call failed at the proxy ({call.proxy})", weight=0.85)
        )
    for ref, words in agent[:2]:
        j.support.append(ctx.line(ref, f"the agent's storage call failed at the proxy ({words})"))
    needed = bool(ext) or any(
        r.event.kind == EventKind.EXT_DOWNLOAD
        for r in ctx.events(EventKind.EXT_DOWNLOAD, in_window=True, levels=("ERROR",))
    )
    if not needed:
        j.cap = "possible"
        j.reason = say(
            en="only the agent's own storage traffic failed at the proxy; it falls back to the HostGAPlugin",
            zh="只有来宾代理自身的存储流量在代理处失败；它会回退到 HostGAPlugin",
        )
        for ref in ctx.events(
            EventKind.WIRESERVER, in_window=True, where=lambda e: e.attrs.get("channel") == "HostGAPlugin"
        ):
            j.counter.append(
                ctx.line(ref, "the agent switched to the HostGAPlugin channel, which does not use the proxy")
            )
            break
    j.summary = say(
        en="An HTTP proxy is configured for the agent (HttpProxy.Host / HttpProxy.Port) and it refused or could not "
        "carry the calls to Azure Storage"
        + (", including the backup extension's snapshot calls, so the snapshot failed." if ext else "."),
        zh="来宾代理配置了 HTTP 代理（HttpProxy.Host / HttpProxy.Port），而该代理拒绝或无法转发对 Azure 存储的调用"
        + ("，其中包括备份扩展的快照调用，因此快照失败。" if ext else "。"),
    )
    return j
