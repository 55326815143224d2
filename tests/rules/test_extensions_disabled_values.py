"""extensions-disabled reads Extensions.Enabled as the agent does: only y/n, anything else is y."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.limits import Limits
from analyzer.pipeline import analyse
from tests.helpers import AGENT_ISO, write_tree


@pytest.mark.parametrize("value,disabled", [("n", True), ("N", True), ("no", False), ("False", False), ("0", False)])
def test_only_n_switches_extension_processing_off(tmp_path: Path, value: str, disabled: bool) -> None:
    tree = write_tree(
        tmp_path / "vm", {"etc/waagent.conf": f"Extensions.Enabled={value}\n", "var/log/waagent.log": AGENT_ISO}
    )
    with analyse([tree], Limits()) as analysis:
        found = {f.cause.id for f in analysis.diagnosis.findings}
        ruled_out = {c.id: str(j.reason) for c, j in analysis.diagnosis.ruled_out}
    assert ("extensions-disabled" in found) is disabled
    if not disabled:
        assert "uses the default, y" in ruled_out["extensions-disabled"]
