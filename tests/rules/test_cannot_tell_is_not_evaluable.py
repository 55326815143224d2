"""'Cannot tell' is not evaluable, naming what would tell; never 'ruled out' (causes.md general rules)."""

from __future__ import annotations

from pathlib import Path

from analyzer.limits import Limits
from analyzer.pipeline import analyse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _missing(case: str, cause: str) -> str:
    with analyse([FIXTURES / case / "vm"], Limits()) as analysis:
        assert cause not in {c.id for c, _ in analysis.diagnosis.ruled_out}
        assert cause not in {f.cause.id for f in analysis.diagnosis.findings}
        missing = {c.id: m for c, m in analysis.diagnosis.not_evaluable}
    return " ".join(str(m) for m in missing[cause])


def test_logs_collected_while_the_extension_still_ran() -> None:
    assert "logs collected later" in _missing("f4-extension-did-not-finish-negative", "extension-did-not-finish")


def test_no_time_to_measure_an_extension_queue_delay_from() -> None:
    assert "--backup-time" in _missing("decoy-exit127-other-extension", "extension-queue-blocked")
