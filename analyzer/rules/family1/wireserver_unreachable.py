"""wireserver-unreachable: the guest cannot reach the host endpoint 168.63.129.16.

Evidence that counts: the backup extension's host path getting no HTTP answer from
168.63.129.16:80 (host status 555, logged "Hitting wrong WireServer IP"; a host-path call that
timed out or was refused); code 76 with "blobs are empty or none" after such a failure (the host
path was the only way and it did not work); the agent's calls to the wire server (port 80) or
the HostGAPlugin (port 32526) timing out, refused or unreachable, "WireServer is not responding",
HostGAPlugin API-version failures — all inside the analysed window.

Traps avoided: a host that *answered* (HTTP 500, "BHS is not runnning", 556/557) is a host-side
service error, not an unreachable endpoint, even when code 76 and "blobs are empty or none"
follow; a 558 whose exception is a software fault (``TypeError`` …) is not a network failure;
HostGAPlugin timeouts alone are common and transient, so without a wire-server or extension
failure the cause stays ``possible``; a run that reached the host and succeeded rules it out; a
proxy is never used for 168.63.129.16, so proxy settings play no part here.
"""

from __future__ import annotations

from analyzer.model import Event, EventKind
from analyzer.rules import rule
from analyzer.rules.base import EventRef, Evidence, Judgement, Message, RuleContext, say
from analyzer.rules.family1._common import (
    HGAP_PORT,
    WIRESERVER,
    events_of_codes,
    extension_failures,
    extension_refs,
    head,
    hosts_of,
    is_agent,
    network_error,
)

_AGENT_KINDS = (
    EventKind.HTTP_ERROR,
    EventKind.WIRESERVER,
    EventKind.GOAL_STATE_ERROR,
    EventKind.GOAL_STATE_FETCH,
    EventKind.STATUS_UPLOAD,
    EventKind.EXT_DOWNLOAD,
    EventKind.DHCP,
)
_HGAP_WORDS = ("HostGAPlugin", "vmSettings", "SendHostPluginHeartbeat", "host plugin")
_NO_ANSWER = ("WireServer is not responding", "Failed Get API versions", "Exception Get API versions")


def _agent_failure(ev: Event) -> str | None:
    """'wire' or 'hgap' when an agent record says 168.63.129.16 did not answer, else None."""
    if not is_agent(ev) or ev.level not in ("WARNING", "ERROR") or ev.attrs.get("benign"):
        return None
    text = head(ev)
    hosts = hosts_of(ev)
    aimed = any(h == WIRESERVER for h, _ in hosts) or WIRESERVER in text or any(w in text for w in _HGAP_WORDS)
    if not aimed:
        return None
    hgap = any(p == HGAP_PORT for _, p in hosts) or any(w in text for w in _HGAP_WORDS)
    # "No route exists to 168.63.129.16" is endpoint discovery without the DHCP route (causes.md
    # lists it under dhcp-fabric-address-missing), not a wire server that does not answer.
    if network_error(text) or any(w in text for w in _NO_ANSWER):
        return "hgap" if hgap else "wire"
    if ev.attrs.get("http_status") == 503 or "Service temporarily unavailable" in text:
        return "busy"  # it answered, but a 503 loop keeps the agent from its goal state or status
    return None


@rule("wireserver-unreachable")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    refs = extension_refs(ctx)
    host_calls = [c for c in extension_failures(refs) if c.path == "host" and c.net]
    no_answer = events_of_codes(refs, "555")
    statuses = [
        r
        for r in refs
        if isinstance(r.event.attrs.get("http_status"), int) and r.event.kind == EventKind.SNAPSHOT_PRESNAPSHOT
    ]
    answered_badly = [r for r in statuses if r.event.attrs["http_status"] >= 300] + events_of_codes(refs, "556", "557")
    for ref in no_answer[:2]:
        # decisive: the extension's own verdict that 168.63.129.16:80 gave no HTTP answer
        j.support.append(ctx.line(ref, "no HTTP answer from 168.63.129.16:80 (host status 555)", weight=0.9))
    for call in host_calls[:2]:
        j.support.append(ctx.line(call.ref, f"host-path call to 168.63.129.16 got no answer ({call.net})"))
    for ref in [r for r in refs if r.event.attrs.get("error") == "no_blobs"][:1]:
        if no_answer or host_calls:
            # decisive with the failure above: no guest path existed, so the host path was the only way
            j.support.append(ctx.line(ref, "code 76: the host path failed and there was no guest path", weight=0.8))
        elif answered_badly:
            j.counter.append(ctx.line(answered_badly[0], "the host answered (a host-side service error, not a block)"))
    agent = [(r, kind) for r in ctx.events(_AGENT_KINDS, in_window=True) if (kind := _agent_failure(r.event))]
    wire = [r for r, kind in agent if kind == "wire"]
    hgap = [r for r, kind in agent if kind in ("hgap", "busy")]
    for ref in wire[:3]:
        j.support.append(ctx.line(ref, "the agent got no answer from the wire server (168.63.129.16:80)"))
    for ref in hgap[:2]:
        # weak: HostGAPlugin timeouts and wire-server 503s are frequent and often transient
        j.support.append(
            ctx.line(ref, "no answer from the HostGAPlugin (32526), or a 503 from 168.63.129.16", weight=0.25)
        )
    decisive = bool(no_answer or host_calls)
    if not j.support:
        software = [r for r in events_of_codes(refs, "558") if not network_error(r.event.message)]
        j.reason = _why_not(answered_badly, software, statuses)
        return j
    if ctx.run is not None and ctx.run.outcome == "succeeded":
        j.support, j.counter = [], []
        j.reason = say(
            en=f"{ctx.run.label} succeeded (code {ctx.run.final_code}): "
            + ("the guest path made up for the failed host path" if decisive else "the host answered when it mattered"),
            zh=f"{ctx.run.label} 已成功（代码 {ctx.run.final_code}）："
            + ("来宾路径弥补了失败的主机路径" if decisive else "在关键时刻主机作出了响应"),
        )
        return j
    if not decisive and wire and len(wire) <= _TRANSIENT and (ok := _answered_after(ctx, wire[-1])) is not None:
        j.support, j.counter = [], []
        j.reason = say(
            en=f"{len(wire)} failed call(s) to the wire server, then the agent got its goal state at "
            f"{ok.time:%Y-%m-%d %H:%M}Z: a transient error, not a block",
            zh=f"对 wire server 的调用失败了 {len(wire)} 次，随后来宾代理在 {ok.time:%Y-%m-%d %H:%M}Z "
            "获取到了目标状态：这是暂时性错误，而不是被阻止",
        )
        return j
    if not decisive:
        j.counter.extend(_reached_host(ctx, refs))
        if not wire:
            j.cap = "possible"
            j.reason = say(
                en="only HostGAPlugin hiccups or 503s; the wire server and the extension's host path did not fail",
                zh="只有 HostGAPlugin 的短暂故障或 503；wire server 和扩展的主机路径均未失败",
            )
    j.summary = say(
        en="The VM could not reach the Azure host endpoint 168.63.129.16: "
        + (
            "the backup extension's snapshot request to the host got no answer, so the snapshot failed (code 76)."
            if decisive
            else "the agent's calls to the wire server / HostGAPlugin got no answer around the backup."
        )
        + " Something in the guest (iptables/nftables rules, routes, a secondary NIC, a security agent) blocks it.",
        zh="VM 无法访问 Azure 主机终结点 168.63.129.16："
        + (
            "备份扩展发往主机的快照请求没有得到任何响应，因此快照失败（代码 76）。"
            if decisive
            else "备份前后，来宾代理对 wire server / HostGAPlugin 的调用没有得到任何响应。"
        )
        + "来宾系统中的某些配置（iptables/nftables 规则、路由、辅助网卡、安全代理软件）阻止了该访问。",
    )
    return j


_TRANSIENT = 2  # this many failed agent calls, then a goal state fetched fine: a hiccup (host maintenance)
_ANSWERED = (EventKind.GOAL_STATE_PROCESS, EventKind.GOAL_STATE_FETCH, EventKind.EXT_ENABLE)


def _answered_after(ctx: RuleContext, failure: EventRef) -> EventRef | None:
    """The agent's next goal state fetched or processed, or an extension enabled, in the window after ``failure``."""
    for ref in ctx.events(_ANSWERED, in_window=True):
        if (
            ref.time is not None
            and failure.time is not None
            and ref.time > failure.time
            and is_agent(ref.event)
            and ref.event.level not in ("WARNING", "ERROR")
        ):
            return ref
    return None


def _reached_host(ctx: RuleContext, refs: list[EventRef]) -> list[Evidence]:
    out = []
    ok = [
        r
        for r in refs
        if r.event.kind == EventKind.SNAPSHOT_PRESNAPSHOT and r.event.attrs.get("http_status") in (200, 201)
    ]
    out += [ctx.line(r, "the extension reached the host (pre-snapshot answered)") for r in ok[:1]]
    recovered = ctx.events(in_window=True, text="recovered from previous errors")
    out += [ctx.line(r, "the agent reached the wire server again") for r in list(recovered)[:1]]
    return out


def _why_not(answered_badly: list[EventRef], software: list[EventRef], statuses: list[EventRef]) -> Message:
    if answered_badly:
        return say(
            en="the host answered the backup's calls (an HTTP error from the host service, not an unreachable "
            "endpoint)",
            zh="主机响应了备份的调用（是主机服务返回的 HTTP 错误，而不是终结点无法访问）",
        )
    if software:
        return say(
            en="the host-path failure was a software error in the extension, not a missing answer from 168.63.129.16",
            zh="主机路径的失败是扩展中的软件错误，而不是 168.63.129.16 没有响应",
        )
    reached = " (the extension's pre-snapshot call was answered)" if statuses else ""
    reached_zh = "（扩展的 pre-snapshot 调用已得到响应）" if statuses else ""
    return say(
        en="no call to 168.63.129.16 (wire server, HostGAPlugin, host snapshot path) failed in the run window"
        f"{reached}",
        zh=f"运行时间窗口内没有任何对 168.63.129.16 的调用（wire server、HostGAPlugin、主机快照路径）失败{reached_zh}",
    )
