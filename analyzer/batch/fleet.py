"""Cross-bundle `concurrent-backups`: which VMs of a batch took snapshots at the same time.

One bundle cannot show that its VM's backup ran while many other VMs on the same deployment or
storage account took theirs; a batch can.  Each worker reads a bundle's ``FleetFacts`` (where the
VM lives, when its runs were); the parent groups them (``find_concurrent``) and feeds the groups
back to the affected bundles as ``fleet.concurrent`` facts (``concurrent_facts``), which the
``concurrent-backups`` rule reads like any other fact.

Decisions (and why):
- Two runs are concurrent when their spans (first to last record of the run) overlap, or come
  within ``slack`` (5 minutes) of each other: storage throttles by rate over a period, so a
  snapshot that ended a minute before another began still counted against the same limits.
- A group shares one thing: a deployment, a storage account host (redacted stand-ins: one batch
  has one redaction key, so one account has one stand-in in every bundle; platform-managed
  ``md-…`` accounts are left out) or a region.  A
  deployment or a storage account is a real shared resource, so two VMs are a group.  A region is
  shared by countless unrelated VMs: a region group needs ``region_min`` (3) VMs, and is dropped
  when a deployment or storage group already holds the same VMs.
- Concurrency is only worth reporting when it can explain a failure: a group needs at least one
  run that failed or did not finish.  Healthy nightly backups that all start at 20:00 are no
  finding.
- Two bundles of one VM (the same ticket uploaded twice, or two collections of one VM) are one
  VM, never concurrency: bundles are the same VM when they name the same deployment and role
  instance, or when they hold the very same run (sequence number, first and last record time).
  Their runs are merged; a run both hold is credited to the first input in sort order.
- Groups are the maximal sets of runs active at one common moment (maximal cliques of the
  interval overlaps), so every member overlaps every other; a VM appears once per group, with its
  worst run there.  Output is sorted, so the same fleet always gives the same groups.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from analyzer.batch.model import ConcurrentGroup, FleetFacts, RunSpan
from analyzer.model import EventKind, Fact
from analyzer.redact import Redactor
from analyzer.timeline import format_time

if TYPE_CHECKING:  # the pipeline loads the engine and the rules; only its type is needed here
    from analyzer.pipeline import Analysis

FACT_KEY = "fleet.concurrent"
SHARED_ORDER = ("deployment", "storage", "region")  # strongest first
SLACK = timedelta(minutes=5)
REGION_MIN = 3
_BAD = ("failed", "unfinished")
_WORST = {"failed": 0, "unfinished": 1, "unknown": 2, "succeeded": 3}


# ───────────────────────────────────────── one bundle ─────────────────────────────────────────


def _last(facts: list[Fact], key: str) -> str | None:
    value = None
    for fact in facts:
        if fact.key == key and isinstance(fact.value, str) and fact.value.strip():
            value = fact.value.strip()
    return value


def _platform_host(host: str) -> bool:
    """A platform-managed account (``md-…``: managed disks, the ARM status blob): not the customer's
    account, shared by unrelated VMs, and not where snapshot limits of a deployment bite."""
    return host.strip().lower().startswith("md-")


def fleet_facts(analysis: Analysis, result: dict[str, Any], redactor: Redactor, input_name: str) -> FleetFacts:
    """Where the bundle's VM lives and when its runs were, redacted, from an open analysis.

    Storage hosts are the status blob's account (``storage.host``) and the disks' accounts the
    extension's snapshot calls name, platform-managed ``md-…`` accounts left out.

    ``role`` is the role instance (the VM's own name in the fabric) when the bundle states it, else
    the role name: a cloud service's instances share a role name.  ``result`` is not read today; it
    is taken so the batch's inspect hook can pass what it has.
    """
    del result
    facts = analysis.parsed.facts
    deployment = _last(facts, "deployment.name")
    role = _last(facts, "role.instance") or _last(facts, "role.name")
    region = _last(facts, "imds.location")
    raw_hosts = {fact.value for fact in facts if fact.key == "storage.host" and isinstance(fact.value, str)}
    # the disks' own accounts, from the extension's snapshot calls (``index: 0 blobUri: https://…``)
    raw_hosts.update(
        str(ev.attrs["host"])
        for ev in analysis.timeline.events
        if ev.kind == EventKind.SNAPSHOT_CALL and ".blob." in str(ev.attrs.get("host", ""))
    )
    hosts = {redactor(h.strip().lower()) or "" for h in raw_hosts if h.strip() and not _platform_host(h)}
    runs = [
        RunSpan(
            seq=run.seq,
            start=format_time(run.start) or "",
            end=format_time(run.end) or "",
            outcome=run.outcome,
            analysed=run is analysis.run,
        )
        for run in analysis.runs
        if not run.skipped  # a run the extension skipped as already processed took no snapshot
    ]
    return FleetFacts(
        input=input_name,
        deployment=redactor(deployment) if deployment else None,
        role=redactor(role) if role else None,
        region=region.lower().replace(" ", "") if region else None,
        storage_hosts=sorted(h for h in hosts if h),
        runs=runs,
    )


# ───────────────────────────────────────── the batch ──────────────────────────────────────────


def parse_time(text: str) -> datetime:
    """An ISO UTC text of ``format_time`` back to a naive UTC datetime."""
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return when if when.tzinfo is None else when.astimezone(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class _Span:
    vm: int  # VM identity (index of its first bundle)
    input: str
    run: RunSpan
    start: datetime
    end: datetime


def _vm_identities(fleet: list[FleetFacts]) -> list[int]:
    """For each bundle, the index of the first bundle of the same VM (union-find)."""
    parent = list(range(len(fleet)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    def ident(f: FleetFacts) -> tuple[str, str] | None:
        return (f.deployment, f.role) if f.deployment and f.role else None

    by_key: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, f in enumerate(fleet):
        mine = ident(f)
        if mine is not None:
            by_key[("vm", *mine)].append(i)
        for run in f.runs:
            if run.seq is None:
                continue
            key = ("run", str(run.seq), run.start, run.end)
            # the same run in two bundles means one VM, unless both name different VMs
            if mine is None or all(ident(fleet[j]) in (None, mine) for j in by_key[key]):
                by_key[key].append(i)
    for members in by_key.values():
        for i in members[1:]:
            union(members[0], i)
    return [find(i) for i in range(len(fleet))]


def _spans_by_vm(fleet: list[FleetFacts]) -> tuple[dict[int, list[_Span]], dict[int, dict[str, set[str]]]]:
    """Each VM's runs (merged over its bundles) and the values it can share with others."""
    ids = _vm_identities(fleet)
    spans: dict[int, list[_Span]] = defaultdict(list)
    shared: dict[int, dict[str, set[str]]] = defaultdict(lambda: {k: set() for k in SHARED_ORDER})
    seen: set[tuple[int, int | None, str]] = set()
    for vm, f in zip(ids, fleet, strict=True):
        values = shared[vm]
        if f.deployment:
            values["deployment"].add(f.deployment)
        values["storage"].update(h for h in f.storage_hosts if h)
        if f.region:
            values["region"].add(f.region)
        for run in f.runs:
            if (vm, run.seq, run.start) in seen:
                continue  # the same run in a second bundle of the same VM
            try:
                start, end = parse_time(run.start), parse_time(run.end)
            except ValueError:
                continue
            seen.add((vm, run.seq, run.start))
            spans[vm].append(_Span(vm, f.input, run, min(start, end), max(start, end)))
    return spans, shared


def _cliques(spans: list[_Span], slack: timedelta) -> list[list[_Span]]:
    """Maximal sets of spans active at one common moment (each span widened by half the slack)."""
    half = slack / 2
    events = sorted(
        [(s.start - half, 0, i) for i, s in enumerate(spans)] + [(s.end + half, 1, i) for i, s in enumerate(spans)]
    )  # starts sort before ends at the same moment: touching spans overlap
    active: set[int] = set()
    grew = False
    out: list[list[_Span]] = []
    for _, is_end, i in events:
        if not is_end:
            active.add(i)
            grew = True
            continue
        if grew:
            out.append([spans[j] for j in sorted(active)])
            grew = False
        active.discard(i)
    return out


def _one_per_vm(clique: list[_Span]) -> list[_Span]:
    """Each VM once, with its worst run in the clique (a failure matters more than a success)."""
    best: dict[int, _Span] = {}
    for s in clique:
        key = (_WORST.get(s.run.outcome, 2), s.start, s.input)
        old = best.get(s.vm)
        if old is None or key < (_WORST.get(old.run.outcome, 2), old.start, old.input):
            best[s.vm] = s
    return sorted(best.values(), key=lambda s: (s.input, s.start))


def find_concurrent(
    fleet: list[FleetFacts], min_members: int = 2, region_min: int = REGION_MIN, slack: timedelta = SLACK
) -> list[ConcurrentGroup]:
    """Groups of distinct VMs whose runs overlap in time and that share a deployment, storage
    account host or region (see the module docstring for the rules); sorted by start, then shared
    kind (deployment, storage, region), value and members."""
    ordered = sorted(fleet, key=lambda f: f.input)
    spans_of, shared_of = _spans_by_vm(ordered)
    found: dict[tuple[str, str, tuple[tuple[str, int | None], ...]], ConcurrentGroup] = {}
    strong: list[tuple[set[int], datetime, datetime]] = []
    for kind in SHARED_ORDER:
        need = max(min_members, region_min) if kind == "region" else min_members
        buckets: dict[str, list[int]] = defaultdict(list)
        for vm, values in shared_of.items():
            for value in values[kind]:
                buckets[value].append(vm)
        for value in sorted(buckets):
            vms = buckets[value]
            if len(vms) < need:
                continue
            spans = [s for vm in vms for s in spans_of.get(vm, [])]
            for clique in _cliques(spans, slack):
                members = _one_per_vm(clique)
                if len(members) < need or not any(m.run.outcome in _BAD for m in members):
                    continue
                latest = max(m.start for m in members)
                earliest_end = min(m.end for m in members)
                # when they truly overlap: the common time; when only within the slack: the gap
                lo, hi = min(latest, earliest_end), max(latest, earliest_end)
                vm_set = {m.vm for m in members}
                if kind == "region" and any(vm_set <= s and lo <= e and b <= hi for s, b, e in strong):
                    continue  # a deployment or storage group already says it, more strongly
                if kind != "region":
                    strong.append((vm_set, lo, hi))
                pairs = tuple((m.input, m.run.seq) for m in members)
                found.setdefault(
                    (kind, value, pairs),
                    ConcurrentGroup(kind, value, format_time(lo) or "", format_time(hi) or "", list(pairs)),
                )
    return sorted(
        found.values(),
        key=lambda g: (
            g.start,
            SHARED_ORDER.index(g.shared),
            g.value,
            [(i, -1 if s is None else s) for i, s in g.members],
        ),
    )


def _shown(input_name: str, shared: str) -> str:
    """How a bundle's report names another bundle: reports go to customers, so never a path of the
    analysing machine, and for a region group (VMs of anyone) not even the other ticket's name."""
    if shared == "region":
        return "vm-" + hashlib.sha256(input_name.encode("utf-8", "replace")).hexdigest()[:6]
    return PurePosixPath(input_name.replace("\\", "/")).name or input_name


def concurrent_facts(input_name: str, groups: list[ConcurrentGroup]) -> list[Fact]:
    """The ``fleet.concurrent`` facts for one bundle: one per group (and run) it is a member of.

    attrs: ``shared`` (deployment | storage | region), ``value``, ``start`` / ``end`` (ISO UTC, the
    time the members ran together), ``seq`` (this bundle's run), ``others`` (the other members as
    the report may name them: base names, or pseudonyms in a region group; sorted), ``vms``
    (members in all).
    """
    out: list[Fact] = []
    for group in groups:
        inputs = [i for i, _ in group.members]
        if input_name not in inputs:
            continue
        others = sorted({_shown(i, group.shared) for i in inputs if i != input_name})
        for member, seq in group.members:
            if member != input_name:
                continue
            attrs: dict[str, Any] = {
                "shared": group.shared,
                "value": group.value,
                "start": group.start,
                "end": group.end,
                "seq": seq,
                "others": others,
                "vms": len(group.members),
            }
            out.append(Fact(FACT_KEY, f"{group.shared}:{group.value}", attrs=attrs, source="batch", parser="fleet"))
    return out


def merge_for_display(groups: list[ConcurrentGroup]) -> list[ConcurrentGroup]:
    """One group per set of runs: VMs that share a deployment *and* a storage account form one
    group (shared "deployment+storage"), not two, in the summary and on the index page.  The
    rule's facts keep one per shared resource."""
    merged: dict[tuple[Any, ...], ConcurrentGroup] = {}
    for g in groups:
        key = (tuple(sorted(g.members, key=lambda m: (m[0], m[1] is None, m[1] or 0))), g.start, g.end)
        if key in merged:
            first = merged[key]
            first.shared, first.value = f"{first.shared}+{g.shared}", f"{first.value} · {g.value}"
        else:
            merged[key] = ConcurrentGroup(g.shared, g.value, g.start, g.end, list(g.members))
    return list(merged.values())


def affected_inputs(fleet: list[FleetFacts], groups: list[ConcurrentGroup]) -> list[str]:
    """Bundles worth a second analysis with their ``concurrent_facts``: the run their report judges
    is a member of a group and did not succeed (a good run rules the cause out whatever the batch
    saw, so its report would not change).  Sorted."""
    members = {(i, s) for g in groups for i, s in g.members}
    return sorted(
        f.input
        for f in fleet
        if any(r.analysed and r.outcome != "succeeded" and (f.input, r.seq) in members for r in f.runs)
    )


def group_line(group: ConcurrentGroup) -> str:
    """One line for the batch summary: what is shared, when, which bundles and runs."""
    what = {"deployment": "deployment", "storage": "storage account", "region": "region"}.get(
        group.shared, group.shared
    )
    runs = ", ".join(f"{i} (run {s})" if s is not None else i for i, s in group.members)
    return (
        f"{len(group.members)} VMs on {what} {group.value} ran backups together "
        f"{group.start[:19].replace('T', ' ')}Z to {group.end[:19].replace('T', ' ')}Z: {runs}"
    )
