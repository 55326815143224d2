"""The batch's cross-bundle view as the ``concurrent-backups`` rule reads it.

A batch feeds ``fleet.concurrent`` facts (analyzer/batch/fleet.py ``concurrent_facts``) to the
bundles whose runs overlapped other VMs' runs: attrs ``shared`` (deployment | storage | region),
``value``, ``start`` / ``end`` (ISO UTC), ``seq`` (this bundle's run), ``others`` (the other
bundles), ``vms``.  Only facts about the analysed run count: their time must meet the run's window
and, when both are known, their sequence number must be the run's.

This module does not import analyzer.batch (which imports the pipeline, which loads the rules).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from analyzer.knowledge import Text
from analyzer.model import Fact
from analyzer.rules.base import Evidence, RuleContext, say
from analyzer.rules.family4._common_a import run_label

FACT_KEY = "fleet.concurrent"  # the same key as analyzer.batch.fleet.FACT_KEY (a test pins it)
STRONG = ("deployment", "storage")  # real shared resources; a region is shared by unrelated VMs
_ORDER = {"deployment": 0, "storage": 1, "region": 2}
_WHAT_EN = {"deployment": "deployment", "storage": "storage account", "region": "region"}
_WHAT_ZH = {"deployment": "部署", "storage": "存储帐户", "region": "区域"}
SHOWN = 4  # other VMs listed as evidence one by one (the confidence saturates well before)


def _time(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is None else when.astimezone(UTC).replace(tzinfo=None)


def about_this_run(ctx: RuleContext, fact: Fact) -> bool:
    start, end = _time(fact.attrs.get("start")), _time(fact.attrs.get("end"))
    if start is None or end is None or ctx.window is None:
        return False
    seq = fact.attrs.get("seq")
    if ctx.run is not None and ctx.run.seq is not None and isinstance(seq, int) and seq != ctx.run.seq:
        return False
    return start <= ctx.window[1] and end >= ctx.window[0]


@dataclass
class FleetView:
    """The other VMs that ran with the analysed run, each under the strongest thing it shares."""

    facts: list[Fact] = field(default_factory=list)  # the facts about this run
    others: dict[str, Fact] = field(default_factory=dict)  # other bundle -> strongest fact naming it

    @property
    def strong(self) -> int:
        return sum(1 for f in self.others.values() if f.attrs.get("shared") in STRONG)

    def shared(self) -> list[tuple[str, str]]:
        """(kind, value) pairs of the groups, strongest first; region only when nothing stronger."""
        pairs = sorted({(str(f.attrs.get("shared")), str(f.attrs.get("value"))) for f in self.facts})
        pairs.sort(key=lambda p: _ORDER.get(p[0], 9))
        strong = [p for p in pairs if p[0] in STRONG]
        return strong or pairs

    def span(self) -> tuple[str, str]:
        starts = sorted(str(f.attrs.get("start")) for f in self.facts)
        ends = sorted(str(f.attrs.get("end")) for f in self.facts)
        return starts[0], ends[-1]


def fleet_view(ctx: RuleContext) -> tuple[FleetView, bool]:
    """The view of the analysed run, and whether the batch gave this bundle any fleet fact at all."""
    every = ctx.facts_for(FACT_KEY)
    view = FleetView(facts=[f for f in every if about_this_run(ctx, f)])
    for fact in sorted(view.facts, key=lambda f: _ORDER.get(str(f.attrs.get("shared")), 9)):
        others = fact.attrs.get("others")
        for other in others if isinstance(others, list) else []:
            view.others.setdefault(str(other), fact)
    return view, bool(every)


def fleet_evidence(ctx: RuleContext, view: FleetView) -> list[Evidence]:
    """One piece per other VM (up to ``SHOWN``): each is an independent witness of the overlap."""
    out = []
    for other, fact in sorted(view.others.items(), key=lambda kv: (_ORDER.get(str(kv[1].attrs["shared"]), 9), kv[0]))[
        :SHOWN
    ]:
        kind = str(fact.attrs.get("shared"))
        text = (
            f"{other} ran a backup at the same time ({clock(fact.attrs.get('start'))} to "
            f"{clock(fact.attrs.get('end'))}), same {_WHAT_EN.get(kind, kind)} {fact.attrs.get('value')}"
        )
        out.append(ctx.from_fact(fact, text, note="another VM's backup overlapped this run"))
    return out


def clock(text: object) -> str:
    """``2024-09-03T20:00:18.000000Z`` as ``2024-09-03 20:00:18Z``."""
    value = str(text or "?")
    return value[:19].replace("T", " ") + "Z" if len(value) >= 19 else value


def other_names(view: FleetView, limit: int = 3) -> tuple[str, str]:
    """The other bundles, a few by name, in both languages."""
    others = sorted(view.others)
    shown = ", ".join(others[:limit])
    rest = len(others) - limit
    return (
        shown + (f" and {rest} more" if rest > 0 else ""),
        "、".join(others[:limit]) + (f" 等另外 {rest} 个" if rest > 0 else ""),
    )


def what(view: FleetView) -> tuple[str, str]:
    """What the VMs share, in both languages: "deployment X and storage account Y"."""
    pairs = view.shared()
    en = " and ".join(f"{_WHAT_EN.get(k, k)} {v}" for k, v in pairs)
    zh = "和".join(f"{_WHAT_ZH.get(k, k)} {v}" for k, v in pairs)
    return en, zh


# Where load from other VMs shows: the storage snapshot calls and the host snapshot service.  A
# final status code whose catalogue candidates name none of these has its own explanation.
CONTENTION = frozenset({"concurrent-backups", "storage-access-failed", "host-snapshot-service-error"})


def cap_reason(ctx: RuleContext, view: FleetView, throttled: bool) -> Text | None:
    """Why the cross-bundle view allows no more than ``possible`` (None: it allows ``likely``)."""
    run = ctx.run
    code = run.final_code if run is not None else None
    if run is None or run.outcome not in ("failed", "unfinished"):
        return say(
            "the run's outcome is not known, so the overlap cannot be tied to a failure",
            "本次运行的结果未知，因此无法把时间重叠与失败联系起来",
        )
    if code is not None and not throttled and not CONTENTION & set(ctx.codes.candidates(code)):
        return say(
            f"the run failed with code {code}, which points to another cause, not to load on shared storage",
            f"本次运行以代码 {code} 失败，它指向其他原因，而不是共享存储上的负载",
        )
    if view.strong == 0:
        return say(
            "the other VMs only share the region, which many unrelated VMs do",
            "其他 VM 只是位于同一区域，而许多无关的 VM 也是如此",
        )
    if view.strong < 2 and not throttled:
        return say(
            "only one other VM sharing its deployment or storage account ran at the time, and storage did not "
            "throttle the backup",
            "同一时间只有一台共享其部署或存储帐户的其他 VM 在运行，且存储并未对备份限流",
        )
    return None


def fleet_summary(ctx: RuleContext, view: FleetView, throttled: bool, active: bool, sure: bool) -> Text:
    """What happened, for a customer: the other VMs, what they share, when; "so it failed" only when sure."""
    (what_en, what_zh), (names_en, names_zh) = what(view), other_names(view)
    start, end = view.span()
    n, label = len(view.others), run_label(ctx)
    extra_en = "; storage throttled its snapshot calls (code 173)" if throttled else ""
    extra_zh = "；存储对其快照调用进行了限流（代码 173）" if throttled else ""
    if active:
        extra_en += " and another snapshot tool was active on this VM"
        extra_zh += "，且此 VM 上另有快照工具处于活动状态"
    then_en = f"so {label.en} failed" if sure else f"which may have contributed to the failure of {label.en}"
    then_zh = f"因此{label.zh_cn}失败" if sure else f"这可能促成了{label.zh_cn}的失败"
    return say(
        f"{n} other {'VM' if n == 1 else 'VMs'} in this batch sharing its {what_en} ran their backups at the same "
        f"time ({clock(start)} to {clock(end)}: {names_en}){extra_en}, {then_en}. Spread the backup schedules of "
        "these VMs and keep them apart from Site Recovery and other snapshot tools.",
        f"本批次中另有 {n} 台与其共享{what_zh}的 VM 在同一时间运行了备份（{clock(start)} 至 {clock(end)}：{names_zh}）"
        f"{extra_zh}，{then_zh}。请错开这些 VM 的备份计划，并使其与 Site Recovery 及其他快照工具的运行时间分开。",
    )
