"""A --backup-time the logs do not reach: nothing is ruled out from their silence."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from analyzer.limits import Limits
from analyzer.pipeline import analyse
from analyzer.report_parts import coverage
from analyzer.simulate import generate_bundle


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # iso era: logs from 2025-06-12 00:00Z to 2025-06-13 ~02:00Z, a run failing with 121 inside
    return generate_bundle(
        tmp_path_factory.mktemp("b") / "vm", scenario="snapshot-fsfreeze-failed", era="iso", size="200K"
    )


@pytest.mark.parametrize(("when", "word"), [(datetime(2025, 6, 20, 10), "end"), (datetime(2025, 6, 1, 10), "start")])
def test_every_cause_is_not_evaluable_and_says_which_logs_are_missing(bundle: Path, when: datetime, word: str) -> None:
    with analyse([bundle], Limits(), backup_time=(when, when)) as analysis:
        diagnosis = analysis.diagnosis
        notes = coverage(analysis)["notes"]
    assert diagnosis.findings == [] and diagnosis.ruled_out == []
    missing = {str(m[0]) for _cause, m in diagnosis.not_evaluable}
    assert len(missing) == 1 and f"these {word} at" in missing.pop()
    assert any(n.startswith("missing: logs covering the backup time") for n in notes)


def test_a_backup_time_near_the_logs_run_is_judged_as_before(bundle: Path) -> None:
    with analyse([bundle], Limits()) as analysis:
        run = analysis.run
        assert run is not None
        found = {f.cause.id for f in analysis.diagnosis.findings}
    with analyse([bundle], Limits(), backup_time=(run.start, run.end)) as analysis:
        assert {f.cause.id for f in analysis.diagnosis.findings} == found
        assert "snapshot-fsfreeze-failed" in found
