"""The top cause explains the phase the run reached (causes.md), and a lone 402 keeps both readings."""

from __future__ import annotations

from pathlib import Path

from analyzer.limits import Limits
from analyzer.pipeline import analyse
from analyzer.simulate import generate_bundle


def _findings(tmp_path: Path, scenario: str, era: str) -> list[tuple[str, str]]:
    bundle = generate_bundle(tmp_path / "vm", scenario=scenario, era=era, size="200K")
    with analyse([bundle], Limits()) as analysis:
        return [(f.cause.id, f.verdict) for f in analysis.diagnosis.findings]


def test_a_run_that_wrote_its_own_failure_code_is_explained_by_that_code_not_by_an_old_agent(tmp_path: Path) -> None:
    # 2.0 era: the agent is outdated (a finding of its own), but the run reached the freeze and ended with 121
    findings = _findings(tmp_path, "snapshot-fsfreeze-failed", "2.0")
    assert findings[0] == ("snapshot-fsfreeze-failed", "likely")
    assert ("agent-outdated", "possible") in findings


def test_a_402_nothing_separates_keeps_both_readings_possible_and_on_top(tmp_path: Path) -> None:
    # legacy era: no 'ProcessExtensionsGoalState started' to time the request, no clock measurement
    findings = _findings(tmp_path, "vm-clock-skew", "legacy")
    assert {c for c, v in findings[:2] if v == "possible"} == {"vm-clock-skew", "extension-invoked-too-late"}


def test_the_portal_prior_forgives_the_codes_case_wherever_the_code_comes_from() -> None:
    """The CLI matched case and aliases but the engine compared exactly, so regress and batch (which
    pass expected.json's value straight through) could lose the prior (final review)."""
    bundle = Path(__file__).resolve().parents[1] / "fixtures" / "f3-extension-install-failed-waagent-only" / "vm"

    def confidence(job_error: str | None) -> float:
        with analyse([bundle], Limits(), job_error=job_error) as analysis:
            return analysis.diagnosis.findings[0].confidence

    assert confidence("guestagentsnapshottaskstatuserror") == confidence("GuestAgentSnapshotTaskStatusError")
    assert confidence("GuestAgentSnapshotTaskStatusError") > confidence(None)
