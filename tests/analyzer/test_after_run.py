"""After the last good run: causes of backups that never reached the extension are named (possible)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.limits import Limits
from analyzer.pipeline import analyse
from analyzer.simulate import generate_bundle


@pytest.mark.parametrize("scenario", ["agent-crash-loop", "agent-state-corrupt"])
def test_an_agent_failure_after_a_good_run_is_named_as_possible(tmp_path: Path, scenario: str) -> None:
    # mixed era: a good run the day before, then the agent fails and no run follows
    bundle = generate_bundle(tmp_path / "vm", scenario=scenario, era="mixed", size="200K")
    with analyse([bundle], Limits()) as analysis:
        assert analysis.run is not None and analysis.run.outcome == "succeeded"
        findings = {f.cause.id: f for f in analysis.diagnosis.findings}
        buckets = [c.id for c, _ in analysis.diagnosis.ruled_out] + [c.id for c, _ in analysis.diagnosis.not_evaluable]
    finding = findings[scenario]
    assert finding.verdict == "possible"
    assert "After the last run in the logs" in str(finding.judgement.summary)
    assert scenario not in buckets  # every cause in exactly one bucket


def test_a_healthy_bundle_gains_nothing_from_the_stretch_after_its_run(tmp_path: Path) -> None:
    bundle = generate_bundle(tmp_path / "vm", scenario="healthy", era="mixed", size="200K")
    with analyse([bundle], Limits()) as analysis:
        assert analysis.diagnosis.findings == [] or all(
            "After the last run" not in str(f.judgement.summary) for f in analysis.diagnosis.findings
        )
