"""snapshot-fsfreeze-failed says what the run showed: its own code, or that it never froze."""

from __future__ import annotations

from pathlib import Path

from analyzer.limits import Limits
from analyzer.pipeline import analyse
from analyzer.simulate import generate_bundle


def _judged(tmp_path: Path, scenario: str, era: str) -> tuple[str, str]:
    bundle = generate_bundle(tmp_path / "vm", scenario=scenario, era=era, size="200K")
    with analyse([bundle], Limits()) as analysis:
        for finding in analysis.diagnosis.findings:
            if finding.cause.id == "snapshot-fsfreeze-failed":
                return "finding", str(finding.judgement.summary)
        for cause, judgement in analysis.diagnosis.ruled_out:
            if cause.id == "snapshot-fsfreeze-failed":
                return "ruled_out", str(judgement.reason)
    raise AssertionError("snapshot-fsfreeze-failed neither found nor ruled out")


def test_a_run_that_ended_with_121_is_not_explained_as_a_freeze_timeout(tmp_path: Path) -> None:
    state, text = _judged(tmp_path, "snapshot-fsfreeze-failed", "mixed")
    assert state == "finding"
    assert "code 121" in text and "code 122" not in text and "SafeFreezeWaitInSeconds" not in text


def test_a_run_that_never_reached_the_freeze_is_not_said_to_have_frozen(tmp_path: Path) -> None:
    state, text = _judged(tmp_path, "extension-did-not-finish", "iso")
    assert state == "ruled_out"
    assert "never reached the freeze" in text and "every mount froze" not in text
