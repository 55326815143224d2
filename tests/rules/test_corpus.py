"""Every corpus case in tests/fixtures passes (design §7): each rule's positive and negative bundles."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from analyzer import rules
from analyzer.commands.regress import run_case
from analyzer.corpus import discover, load_case, pack
from analyzer.knowledge import load_catalogue
from analyzer.limits import Limits
from analyzer.pipeline import analyse
from analyzer.redact import Redactor
from analyzer.result import build_result
from reports.json import render_json

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
SCHEMA = json.loads((ROOT / "reports" / "schema" / "report-1.json").read_text())
CASES = discover(FIXTURES)
FIXED = datetime(2026, 1, 1, tzinfo=UTC)


def test_rules_load_without_errors() -> None:
    assert rules.load_errors() == {}
    unknown = set(rules.registered()) - set(load_catalogue().ids())
    assert unknown == set()


@pytest.mark.parametrize("folder", CASES, ids=[c.name for c in CASES])
def test_case_passes(folder: Path, tmp_path: Path) -> None:
    outcome = run_case(load_case(folder), tmp_path, Limits())
    assert outcome.status == "pass", f"{outcome.got}: {outcome.message}"


@pytest.mark.parametrize("folder", CASES, ids=[c.name for c in CASES])
def test_case_report_contract(folder: Path, tmp_path: Path) -> None:
    """Schema, the four buckets, and determinism: a second analysis gives the same JSON."""
    case = load_case(folder)
    if case.bundles is not None:
        pytest.skip("multi-bundle case")
    rendered = []
    for attempt in range(2):
        with analyse(pack(case, tmp_path / str(attempt)), Limits()) as analysis:
            result = build_result(analysis, generated_at=FIXED)
            rendered.append(render_json(result, Redactor(analysis.bundle.redaction_key)))
    assert rendered[0] == rendered[1]
    jsonschema.validate(json.loads(rendered[0]), SCHEMA)
    buckets = [x["cause"] for key in ("findings", "ruled_out", "not_evaluable", "not_applicable") for x in result[key]]
    assert sorted(buckets) == sorted(load_catalogue().ids())


def test_every_rule_has_a_positive_and_a_negative_case() -> None:
    positive: set[str] = set()
    negative: set[str] = set()
    for folder in CASES:
        case = load_case(folder)
        if case.cause != "none":
            positive.add(case.cause)
        negative.update(case.must_rule_out)
    missing = {
        cid: [k for k, s in (("positive", positive), ("negative", negative)) if cid not in s]
        for cid in rules.registered()
    }
    assert {cid: m for cid, m in missing.items() if m} == {}
