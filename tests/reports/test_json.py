"""The JSON report validates against the shipped schema and is deterministic (design §4)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "reports" / "schema" / "report-1.json").read_text())
EXAMPLE = ROOT / "examples" / "fsfreeze-failed"


def _analyze_json(target: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "analyzer", "analyze", str(target), "--json", "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def test_example_report_validates() -> None:
    jsonschema.validate(_analyze_json(EXAMPLE), SCHEMA)


def test_two_runs_identical_but_generated_at() -> None:
    first, second = _analyze_json(EXAMPLE), _analyze_json(EXAMPLE)
    first.pop("generated_at")
    second.pop("generated_at")
    assert first == second


def test_the_example_run_is_found() -> None:
    report = _analyze_json(EXAMPLE)
    (run,) = [r for r in report["runs"] if r["seq"] == 12]
    assert run["final_code"] == "121"
    assert run["outcome"] == "failed"
    assert report["window"]["basis"] == "run 12"
