"""Cross-bundle concurrency: fleet facts from a real analysis, the grouping rules, the facts fed back."""

from __future__ import annotations

import random
from pathlib import Path

from analyzer.batch.fleet import (
    FACT_KEY,
    affected_inputs,
    concurrent_facts,
    find_concurrent,
    fleet_facts,
    group_line,
)
from analyzer.batch.model import ConcurrentGroup, FleetFacts, RunSpan
from analyzer.limits import Limits
from analyzer.pipeline import analyse
from analyzer.redact import Redactor

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures"
KEY = b"batch-key-for-tests-0123456789ab"


def _t(hhmm: str, day: int = 3) -> str:
    return f"2024-09-{day:02d}T{hhmm}:00.000000Z"


def _vm(
    name: str,
    *runs: tuple[str, str, str],
    deployment: str | None = "dep1",
    role: str | None = None,
    region: str | None = None,
    hosts: tuple[str, ...] = (),
    seq: int = 40,
) -> FleetFacts:
    spans = [RunSpan(seq + i, _t(a), _t(b), outcome) for i, (a, b, outcome) in enumerate(runs)]
    return FleetFacts(name, deployment, role or f"_{name}", region, list(hosts), spans)


def _members(groups: list[ConcurrentGroup]) -> list[tuple[str, str, list[str]]]:
    return [(g.shared, g.value, [i for i, _ in g.members]) for g in groups]


# ── overlap ────────────────────────────────────────────────────────────────────────────────────


def test_overlapping_failed_runs_of_one_deployment_form_a_group_with_the_common_time() -> None:
    fleet = [
        _vm("a", ("20:00", "20:10", "failed")),
        _vm("b", ("20:05", "20:20", "succeeded")),
        _vm("c", ("20:08", "20:30", "failed")),
    ]
    groups = find_concurrent(fleet)
    assert _members(groups) == [("deployment", "dep1", ["a", "b", "c"])]
    assert (groups[0].start, groups[0].end) == (_t("20:08"), _t("20:10"))
    assert groups[0].members == [("a", 40), ("b", 40), ("c", 40)]


def test_runs_far_apart_or_in_other_deployments_are_no_group() -> None:
    apart = [_vm("a", ("20:00", "20:10", "failed")), _vm("b", ("22:00", "22:10", "failed"))]
    assert find_concurrent(apart) == []
    other = [_vm("a", ("20:00", "20:10", "failed")), _vm("b", ("20:00", "20:10", "failed"), deployment="dep2")]
    assert find_concurrent(other) == []


def test_the_slack_edge_five_minutes_apart_counts_six_do_not() -> None:
    near = [_vm("a", ("20:00", "20:10", "failed")), _vm("b", ("20:15", "20:20", "failed"))]
    groups = find_concurrent(near)
    assert _members(groups) == [("deployment", "dep1", ["a", "b"])]
    assert (groups[0].start, groups[0].end) == (_t("20:10"), _t("20:15"))  # the gap they came within
    far = [_vm("a", ("20:00", "20:10", "failed")), _vm("b", ("20:16", "20:20", "failed"))]
    assert find_concurrent(far) == []


def test_only_groups_where_a_run_failed_or_did_not_finish() -> None:
    healthy = [_vm("a", ("20:00", "20:10", "succeeded")), _vm("b", ("20:01", "20:09", "succeeded"))]
    assert find_concurrent(healthy) == []
    unfinished = [_vm("a", ("20:00", "20:10", "unfinished")), _vm("b", ("20:01", "20:09", "succeeded"))]
    assert _members(find_concurrent(unfinished)) == [("deployment", "dep1", ["a", "b"])]


def test_a_chain_gives_two_groups_not_one_where_the_ends_never_met() -> None:
    # a overlaps b, b overlaps c, a and c are an hour apart: every member of a group overlaps every other
    fleet = [
        _vm("a", ("20:00", "20:30", "failed")),
        _vm("b", ("20:20", "21:20", "failed")),
        _vm("c", ("21:10", "21:40", "failed")),
    ]
    assert _members(find_concurrent(fleet)) == [
        ("deployment", "dep1", ["a", "b"]),
        ("deployment", "dep1", ["b", "c"]),
    ]


# ── what is shared ─────────────────────────────────────────────────────────────────────────────


def test_storage_host_groups_across_deployments() -> None:
    host = "<acct-1a2b>.blob.core.windows.net"
    fleet = [
        _vm("a", ("20:00", "20:10", "failed"), deployment="d1", hosts=(host,)),
        _vm("b", ("20:02", "20:12", "failed"), deployment="d2", hosts=(host, "<acct-ffff>.blob.core.windows.net")),
    ]
    assert _members(find_concurrent(fleet)) == [("storage", host, ["a", "b"])]


def test_region_needs_three_vms_and_yields_to_a_stronger_group() -> None:
    two = [_vm(n, (f"20:0{i}", f"20:1{i}", "failed"), deployment=None, region="eastus") for i, n in enumerate("ab")]
    assert find_concurrent(two) == []
    three = [_vm(n, (f"20:0{i}", f"20:1{i}", "failed"), deployment=None, region="eastus") for i, n in enumerate("abc")]
    assert _members(find_concurrent(three)) == [("region", "eastus", ["a", "b", "c"])]
    same_dep = [_vm(n, (f"20:0{i}", f"20:1{i}", "failed"), region="eastus") for i, n in enumerate("abc")]
    assert _members(find_concurrent(same_dep)) == [("deployment", "dep1", ["a", "b", "c"])]
    assert _members(find_concurrent(three, region_min=4)) == []


# ── one VM, two bundles ────────────────────────────────────────────────────────────────────────


def test_two_uploads_of_one_vm_are_not_concurrency() -> None:
    same_role = [
        _vm("a-ticket1", ("20:00", "20:10", "failed"), role="_web0"),
        _vm("a-ticket2", ("20:00", "20:10", "failed"), role="_web0"),
    ]
    assert find_concurrent(same_role) == []
    # no deployment or role known, but the very same run in both bundles
    same_run = [
        _vm("x1", ("20:00", "20:10", "failed"), deployment=None, region="westeurope", role="", hosts=("h",)),
        _vm("x2", ("20:00", "20:10", "failed"), deployment=None, region="westeurope", role="", hosts=("h",)),
    ]
    assert find_concurrent(same_run) == []
    # the very same run times in two bundles that name two different VMs: two VMs after all
    lockstep = [
        _vm("y1", ("20:00", "20:10", "failed"), role="_y1"),
        _vm("y2", ("20:00", "20:10", "failed"), role="_y2"),
    ]
    assert _members(find_concurrent(lockstep)) == [("deployment", "dep1", ["y1", "y2"])]


def test_a_duplicate_upload_does_not_add_a_member_to_a_real_group() -> None:
    fleet = [
        _vm("a1", ("20:00", "20:10", "failed"), role="_a"),
        _vm("a2", ("20:00", "20:10", "failed"), ("21:00", "21:10", "succeeded"), role="_a"),
        _vm("b", ("20:03", "20:12", "failed"), role="_b"),
    ]
    groups = find_concurrent(fleet)
    assert _members(groups) == [("deployment", "dep1", ["a1", "b"])]  # the shared run is credited to a1


# ── determinism and the facts fed back ─────────────────────────────────────────────────────────


def test_the_same_fleet_in_any_order_gives_the_same_groups() -> None:
    host = "<acct-0001>.blob.core.windows.net"
    fleet = [
        _vm(f"vm{i:02d}", (f"20:{i:02d}", f"20:{i + 12:02d}", "failed" if i % 3 else "succeeded"), hosts=(host,))
        for i in range(0, 40, 4)
    ]
    expected = find_concurrent(fleet)
    assert expected and all(g.start <= g.end for g in expected)
    for seed in range(5):
        shuffled = fleet[:]
        random.Random(seed).shuffle(shuffled)
        assert find_concurrent(shuffled) == expected


def test_concurrent_facts_name_the_others_and_the_run() -> None:
    host = "<acct-0001>.blob.core.windows.net"
    fleet = [_vm(n, (f"20:0{i}", f"20:1{i}", "failed"), hosts=(host,)) for i, n in enumerate("abc")]
    groups = find_concurrent(fleet)
    assert [g.shared for g in groups] == ["deployment", "storage"]
    facts = concurrent_facts("b", groups)
    assert [f.key for f in facts] == [FACT_KEY, FACT_KEY]
    assert facts[0].attrs == {
        "shared": "deployment",
        "value": "dep1",
        "start": _t("20:02"),
        "end": _t("20:10"),
        "seq": 40,
        "others": ["a", "c"],
        "vms": 3,
    }
    assert facts[1].value == "storage:<acct-0001>.blob.core.windows.net"
    assert concurrent_facts("z", groups) == []


# ── from a real bundle ─────────────────────────────────────────────────────────────────────────


def test_fleet_facts_of_a_real_bundle_list_its_runs_and_mark_the_analysed_one() -> None:
    with analyse([FIXTURES / "f4-concurrent-backups" / "vm"], Limits()) as analysis:
        facts = fleet_facts(analysis, {}, Redactor(KEY), "tickets/a.zip")
    assert facts.input == "tickets/a.zip"
    assert [(r.seq, r.outcome, r.analysed) for r in facts.runs] == [(33, "succeeded", False), (34, "failed", True)]
    assert facts.runs[1].start == "2024-09-03T20:00:18.000000Z"
    assert all(r.start.endswith("Z") and len(r.start) == 27 for r in facts.runs)
    assert facts.storage_hosts == []  # its disks are managed (md-… accounts): not a shared customer account


def test_fleet_facts_read_deployment_role_and_redact_the_storage_host_alike_in_every_bundle() -> None:
    stand_ins = []
    for vm in ("appvm1", "appvm2"):
        with analyse([FIXTURES / "x-concurrent-backups" / vm], Limits()) as analysis:
            facts = fleet_facts(analysis, {}, Redactor(KEY), vm)
        assert facts.deployment == "4f1c2a7be0d94c6f9b83a5d27e6c1f08"
        assert facts.role and facts.role.startswith("_appvm")
        assert len(facts.storage_hosts) == 1 and "contoso" not in facts.storage_hosts[0]
        assert facts.storage_hosts[0].endswith(".blob.core.windows.net")
        stand_ins.append(facts.storage_hosts[0])
    assert stand_ins[0] == stand_ins[1]


def test_affected_inputs_are_members_whose_judged_run_did_not_succeed() -> None:
    fleet = [
        _vm("a", ("20:00", "20:10", "failed")),
        _vm("b", ("20:02", "20:12", "succeeded")),
        _vm("c", ("20:04", "20:14", "failed"), ("23:00", "23:05", "failed")),
    ]
    fleet[0].runs[0] = RunSpan(40, _t("20:00"), _t("20:10"), "failed", analysed=True)
    fleet[1].runs[0] = RunSpan(40, _t("20:02"), _t("20:12"), "succeeded", analysed=True)
    fleet[2].runs[1] = RunSpan(41, _t("23:00"), _t("23:05"), "failed", analysed=True)  # judged: a later run
    groups = find_concurrent(fleet)
    assert affected_inputs(fleet, groups) == ["a"]
    assert group_line(groups[0]) == (
        "3 VMs on deployment dep1 ran backups together 2024-09-03 20:04:00Z to 2024-09-03 20:10:00Z: "
        "a (run 40), b (run 40), c (run 40)"
    )


def test_reports_name_other_bundles_without_machine_paths_and_region_peers_by_pseudonym() -> None:
    from analyzer.batch.fleet import concurrent_facts

    members = [("/srv/tickets/a/vm1.tar.gz", 1), ("/srv/tickets/b/vm2.zip", 2), ("/srv/tickets/c/vm3", 3)]
    deployment = ConcurrentGroup("deployment", "dep", "2024-01-01T00:00:00Z", "2024-01-01T00:10:00Z", members)
    region = ConcurrentGroup("region", "westeurope", "2024-01-01T00:00:00Z", "2024-01-01T00:10:00Z", members)
    (by_deployment,) = concurrent_facts("/srv/tickets/a/vm1.tar.gz", [deployment])
    assert by_deployment.attrs["others"] == ["vm2.zip", "vm3"]
    (by_region,) = concurrent_facts("/srv/tickets/a/vm1.tar.gz", [region])
    others = by_region.attrs["others"]
    assert len(others) == 2 and all(o.startswith("vm-") and "tickets" not in o and "zip" not in o for o in others)
    # one bundle, one pseudonym, whichever report names it
    assert set(concurrent_facts("/srv/tickets/b/vm2.zip", [region])[0].attrs["others"]) & set(others)


def test_groups_of_the_same_runs_are_shown_once() -> None:
    from analyzer.batch.fleet import merge_for_display

    members = [("vm1", 1), ("vm2", 2)]
    a = ConcurrentGroup("deployment", "dep", "2024-01-01T00:00:00Z", "2024-01-01T00:10:00Z", members)
    b = ConcurrentGroup("storage", "<acct-1a2b>.blob.core.windows.net", a.start, a.end, list(reversed(members)))
    c = ConcurrentGroup("storage", "<acct-1a2b>.blob.core.windows.net", a.start, a.end, [("vm1", 1), ("vm3", 5)])
    shown = merge_for_display([a, b, c])
    assert [(g.shared, g.value) for g in shown] == [
        ("deployment+storage", "dep · <acct-1a2b>.blob.core.windows.net"),
        ("storage", "<acct-1a2b>.blob.core.windows.net"),
    ]
    assert a.shared == "deployment"  # the input groups are left as they were
