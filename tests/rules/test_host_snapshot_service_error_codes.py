"""host-snapshot-service-error: the extension's own pseudo-statuses are not server errors of the host."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.limits import Limits
from analyzer.pipeline import analyse
from analyzer.simulate import generate_bundle


@pytest.mark.parametrize("era", ["iso", "legacy"])
def test_555_no_answer_from_the_wire_server_is_not_a_host_service_error(tmp_path: Path, era: str) -> None:
    """555 means the guest got no HTTP answer at all (wireserver-unreachable); reporting it also as
    'the platform's snapshot service failed, retry later' contradicted the top cause (review finding)."""
    bundle = generate_bundle(tmp_path / "vm", scenario="wireserver-unreachable", era=era, size="200K")
    with analyse([bundle], Limits()) as analysis:
        found = {f.cause.id for f in analysis.diagnosis.findings}
    assert "wireserver-unreachable" in found
    assert "host-snapshot-service-error" not in found
