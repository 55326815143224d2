"""dhcp-fabric-address-missing: DHCP is off or does not return the host address (option 245).

Evidence that counts, inside the window: the agent's own endpoint-discovery failures — "No
protocol found.", "Protocol endpoint not found", "WireServer endpoint is not found. Rerun dhcp
handler", "No route exists to 168.63.129.16", "Failed to receive dhcp response" — and a DHCP lease
on disk that carries no option 245.  ``likely`` needs those failures and no working wire-server
traffic in the window (no goal state fetched, no extension run, no status reported, no endpoint
found afterwards).

Traps avoided: a missing lease file is never evidence (many distros keep it elsewhere): with no
agent record in the window either, the cause is not evaluable; "Dhcp client is not running." is
benign on many distros; a boot-time "Rerun dhcp handler" followed by "Wire server endpoint:…" and
goal states is the normal discovery path; ``Protocol.EndpointDiscovery=static`` means DHCP is not
used at all.
"""

from __future__ import annotations

from analyzer.model import Event, EventKind
from analyzer.rules import rule
from analyzer.rules.base import Judgement, RuleContext, say

WIRESERVER = "168.63.129.16"
# (text, weight, note); weight None = the engine's in-window line weight
_FAILURES = (
    ("No protocol found", 0.9, "the agent gave up: no wire-server endpoint could be found"),  # decisive
    ("Protocol endpoint not found", None, "the agent found no protocol endpoint"),
    ("WireServer endpoint is not found", None, "the agent had no wire-server address and asked DHCP again"),
    ("Failed to receive dhcp response", None, "DHCP did not answer"),
    ("Failed to send DHCP request", None, "the DHCP request could not be sent"),
    ("No route exists to " + WIRESERVER, 0.5, "no route to the host address (option 245 missing)"),
)
_WORKING_KINDS = (
    EventKind.GOAL_STATE_FETCH,
    EventKind.GOAL_STATE_PROCESS,
    EventKind.EXT_ENABLE,
    EventKind.STATUS_UPLOAD,
    EventKind.WIRESERVER,
)


def _failure(ev: Event) -> tuple[float | None, str] | None:
    if ev.attrs.get("benign") or ev.parser not in ("waagent_log", "journal", "syslog"):
        return None
    head = ev.message[:500]
    for text, weight, note in _FAILURES:
        if text in head:
            return weight, note
    return None


def _working(ev: Event) -> bool:
    """A record that proves the agent talked to the wire server (or at least knew its address)."""
    if ev.level in ("WARNING", "ERROR") or ev.attrs.get("status") == "error":
        return False
    if ev.kind == EventKind.WIRESERVER:
        return bool(ev.attrs.get("wireserver") or ev.attrs.get("protocol_version"))
    return ev.parser in ("waagent_log", "command_execution_log")


@rule("dhcp-fabric-address-missing")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    failures = [(r, f) for r in ctx.events(in_window=True) if (f := _failure(r.event))]
    working = [r for r in ctx.events(_WORKING_KINDS, in_window=True) if _working(r.event)]
    static = [f for f in ctx.facts_for("waagent_conf.Protocol.EndpointDiscovery") if str(f.value).lower() == "static"]
    leases = ctx.facts_for("dhcp.address")
    option = ctx.facts_for("dhcp.option_245")
    if static:
        j.reason = say(
            "Protocol.EndpointDiscovery=static: the agent does not use DHCP to find the wire server",
            "Protocol.EndpointDiscovery=static：来宾代理不通过 DHCP 查找 wire server",
        )
        return j
    last_failure = failures[-1][0].index if failures else -1
    recovered = [r for r in working if r.index > last_failure]
    if failures and recovered:
        found = recovered[0].event.message[:80].strip()
        j.reason = say(
            f"the agent found the wire server after its discovery retries ({found}): the fabric address was there",
            f"来宾代理在多次重试发现后找到了 wire server（{found}）：fabric 地址是存在的",
        )
        return j
    if not failures:
        if working or option:
            j.reason = say(
                "the agent reached the wire server in the window (the DHCP fabric address was available)",
                "来宾代理在时间窗口内连上了 wire server（DHCP 提供的 fabric 地址可用）",
            )
            return j
        if not leases:
            return Judgement(
                not_evaluable=[
                    say(
                        "agent records in the window or a DHCP lease file (option 245)",
                        "时间窗口内的来宾代理记录，或 DHCP 租约文件（option 245）",
                    )
                ]
            )
    seen: set[str] = set()
    for ref, (weight, note) in failures:
        if note not in seen and len(seen) < 4:  # one line per kind of failure: the loop repeats them
            seen.add(note)
            j.support.append(ctx.line(ref, note, weight=weight))
    if leases and not option:
        j.support.append(ctx.from_fact(leases[-1], "a DHCP lease without option 245 (unknown-245)", weight=0.4))
    for ref in working[:1]:
        j.counter.append(ctx.line(ref, "the agent still reached the wire server in the window"))
    if not failures:
        j.cap = "possible"
        j.reason = say(
            "the lease lacks option 245, but the agent logged no discovery failure in the window",
            "租约缺少 option 245，但来宾代理在时间窗口内没有记录任何发现失败",
        )
    elif working:
        j.cap = "possible"
        j.reason = say(
            "the agent failed to find the endpoint, but it also reached the wire server in the window",
            "来宾代理未能找到终结点，但它在时间窗口内也连上过 wire server",
        )
    j.summary = say(
        "The guest agent could not find the Azure host endpoint (168.63.129.16): DHCP in the guest is off or does "
        "not return the host address (option 245), so the agent could not fetch the backup request or report its "
        "status. Keep DHCP enabled in the guest; set static IPs on the NIC in Azure, not inside the VM.",
        "来宾代理找不到 Azure 主机终结点（168.63.129.16）：来宾系统中的 DHCP 已关闭或未返回主机地址（option 245），"
        "因此来宾代理无法获取备份请求，也无法报告状态。请在来宾系统中保持 DHCP 启用；"
        "静态 IP 请在 Azure 中的网卡上设置，而不要在 VM 内部设置。",
    )
    return j
