"""concurrent-backups with the batch's cross-bundle view (fleet.concurrent facts) and without it."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import jsonschema

from analyzer.batch import fleet
from analyzer.batch.fleet import concurrent_facts, find_concurrent, fleet_facts
from analyzer.batch.model import ConcurrentGroup
from analyzer.engine import Diagnosis, Finding
from analyzer.limits import Limits
from analyzer.model import Fact
from analyzer.pipeline import analyse
from analyzer.produce import ReportRequest, produce
from analyzer.redact import Redactor
from analyzer.rules.family4 import _common_fleet
from analyzer.timeline import format_time

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
POSITIVE = FIXTURES / "x-concurrent-backups"
NEGATIVE = FIXTURES / "x-concurrent-backups-negative"
SCHEMA = json.loads((ROOT / "reports" / "schema" / "report-1.json").read_text())
KEY = b"one-batch-one-key-0123456789abcd"
CAUSE = "concurrent-backups"


def _batch(root: Path) -> dict[str, list[Fact]]:
    """What the batch does: fleet facts per bundle (one key), groups, the facts each bundle gets back."""
    names = sorted(p.name for p in root.iterdir() if p.is_dir())
    facts = []
    for name in names:
        with analyse([root / name], Limits()) as analysis:
            facts.append(fleet_facts(analysis, {}, Redactor(KEY), name))
    groups = find_concurrent(facts)
    return {name: concurrent_facts(name, groups) for name in names}


def _diagnose(bundle: Path, extra: list[Fact] | None = None) -> Diagnosis:
    with analyse([bundle], Limits(), extra_facts=extra) as analysis:
        return analysis.diagnosis


def _finding(diagnosis: Diagnosis) -> Finding | None:
    return next((f for f in diagnosis.findings if f.cause.id == CAUSE), None)


def _facts_at(bundle: Path, shared: str, others: int, shift: timedelta = timedelta(0)) -> list[Fact]:
    """fleet.concurrent facts for the analysed run of ``bundle`` (moved by ``shift``)."""
    with analyse([bundle], Limits()) as analysis:
        run = analysis.run
    assert run is not None
    start, end = format_time(run.start + shift) or "", format_time(run.end + shift) or ""
    members = [("me", run.seq), *((f"vm{i}", 5) for i in range(others))]
    return concurrent_facts("me", [ConcurrentGroup(shared, "shared-thing", start, end, members)])


def test_the_rule_and_the_batch_agree_on_the_fact_key() -> None:
    assert fleet.FACT_KEY == _common_fleet.FACT_KEY == "fleet.concurrent"


def test_alone_each_bundle_blames_storage_and_concurrency_stays_possible() -> None:
    diagnosis = _diagnose(POSITIVE / "appvm1")
    assert diagnosis.top is not None and diagnosis.top.cause.id == "storage-access-failed"
    finding = _finding(diagnosis)
    assert finding is not None and finding.verdict == "possible"
    assert not any(e.kind == "fact" for e in finding.judgement.support)


def test_in_one_batch_three_vms_of_one_deployment_and_account_make_it_the_top_cause() -> None:
    fed = _batch(POSITIVE)
    assert {name: len(facts) for name, facts in fed.items()} == {"appvm1": 2, "appvm2": 2, "appvm3": 2}
    for name, facts in fed.items():
        diagnosis = _diagnose(POSITIVE / name, facts)
        top = diagnosis.top
        assert top is not None and top.cause.id == CAUSE and top.verdict == "likely", name
        witnesses = [e for e in top.judgement.support if e.kind == "fact"]
        others = sorted({"appvm1", "appvm2", "appvm3"} - {name})
        assert len(witnesses) == 2 and all(e.source == "batch" for e in witnesses)
        assert [o for o in others if any(o in e.text for e in witnesses)] == others
        summary = top.judgement.summary
        assert not isinstance(summary, str)
        assert summary.en.startswith(
            "2 other VMs in this batch sharing its deployment 4f1c2a7be0d94c6f9b83a5d27e6c1f08"
        )
        assert ".blob.core.windows.net" in summary.en and "contosoappvhds" not in summary.en
        assert "throttled" in summary.en and summary.zh_cn.startswith("本批次中另有 2 台")


def test_spread_schedules_on_one_deployment_and_account_give_no_group() -> None:
    fed = _batch(NEGATIVE)
    assert fed == {"dbvm1": [], "dbvm2": [], "dbvm3": []}
    for name in fed:
        diagnosis = _diagnose(NEGATIVE / name, fed[name])
        assert diagnosis.top is not None and diagnosis.top.cause.id == "storage-access-failed", name


def test_facts_about_another_time_are_no_support_and_rule_it_out_without_in_bundle_signals() -> None:
    # a run that did not finish, no throttling, no other snapshotter: alone the rule needs a batch
    bundle = FIXTURES / "f4-extension-did-not-finish" / "vm"
    alone = _diagnose(bundle)
    assert any(c.id == CAUSE for c, _ in alone.not_evaluable)
    later = _diagnose(bundle, _facts_at(bundle, "deployment", 3, shift=timedelta(days=2)))
    reasons = {c.id: j.reason for c, j in later.ruled_out}
    assert CAUSE in reasons and "not run" in reasons[CAUSE].en  # type: ignore[union-attr]
    # overlapping, the same facts are support
    now = _diagnose(bundle, _facts_at(bundle, "deployment", 3))
    finding = _finding(now)
    assert finding is not None and any(e.kind == "fact" for e in finding.judgement.support)


def test_facts_about_another_time_leave_the_in_bundle_judgement_as_it_was() -> None:
    bundle = POSITIVE / "appvm1"
    alone = _finding(_diagnose(bundle))
    later = _finding(_diagnose(bundle, _facts_at(bundle, "storage", 4, shift=timedelta(hours=-5))))
    assert alone is not None and later is not None
    assert (later.verdict, later.confidence) == (alone.verdict, alone.confidence)
    assert not any(e.kind == "fact" for e in later.judgement.support)


def test_a_region_alone_is_at_most_possible_and_one_other_vm_needs_throttling() -> None:
    throttled = POSITIVE / "appvm1"
    region = _finding(_diagnose(throttled, _facts_at(throttled, "region", 5)))
    assert region is not None and region.verdict == "possible"
    assert "region" in region.judgement.reason.en  # type: ignore[union-attr]
    one = _finding(_diagnose(throttled, _facts_at(throttled, "deployment", 1)))
    assert one is not None and one.verdict == "likely"  # one neighbour on the deployment, and storage throttled
    unthrottled = FIXTURES / "f4-host-snapshot-service-error" / "vm"
    alone = _finding(_diagnose(unthrottled, _facts_at(unthrottled, "storage", 1)))
    assert alone is not None and alone.verdict == "possible"
    assert "only one other VM" in alone.judgement.reason.en  # type: ignore[union-attr]


def test_a_failure_with_its_own_code_is_not_blamed_on_the_neighbours() -> None:
    bundle = FIXTURES / "f4-snapshot-fsfreeze-failed" / "vm"
    diagnosis = _diagnose(bundle, _facts_at(bundle, "deployment", 3))
    assert diagnosis.top is not None and diagnosis.top.cause.id == "snapshot-fsfreeze-failed"
    finding = _finding(diagnosis)
    assert finding is not None and finding.verdict == "possible"
    assert "code 121" in finding.judgement.reason.en  # type: ignore[union-attr]
    assert "may have contributed" in finding.judgement.summary.en  # type: ignore[union-attr]


def test_the_report_with_fleet_facts_is_valid_and_redacted() -> None:
    facts = _batch(POSITIVE)["appvm2"]
    produced = produce([POSITIVE / "appvm2"], Limits(), ReportRequest(key=KEY, extra_facts=facts))
    assert produced.json is not None and produced.html is not None
    report = json.loads(produced.json)
    jsonschema.validate(report, SCHEMA)
    assert report["findings"][0]["cause"] == CAUSE
    assert "contosoappvhds" not in produced.json and "contosoappvhds" not in produced.html
    assert "appvm1" in produced.html and "appvm3" in produced.html
