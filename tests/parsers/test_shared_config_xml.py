"""SharedConfig.xml: deployment, role, instance and its address."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers.testing import parse_text

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "waagent-testdata"
KIND = "shared_config_xml"


def _sample(rel: str) -> str:
    path = SHARED / rel
    if not path.is_file():
        pytest.skip(f"shared sample {rel} not available")
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("rel", "instance", "address"),
    [
        ("wire/shared_config.xml", "MachineRole_IN_0", "10.115.153.75"),
        ("hibernate/goal_state_1/SharedConfig.xml", "_test-vm", "10.1.52.28"),
    ],
)
def test_real_documents(rel, instance, address):
    events, ctx = parse_text(KIND, _sample(rel), path="var/lib/waagent/SharedConfig.xml")
    assert ctx.warnings == [] and len(events) == 1
    facts = {f.key: f.value for f in ctx.facts}
    assert facts["role.instance"] == instance
    assert facts["network.private_ip"] == address
    assert events[0].attrs["instances"] == 1


def test_history_time_and_bad_input():
    events, _ = parse_text(
        KIND, "<SharedConfig/>", path="var/lib/waagent/history/2024-05-01T10-00-00__3/SharedConfig.xml"
    )
    assert events[0].wall is not None
    events, ctx = parse_text(KIND, "<SharedConfig><Instances>", path="SharedConfig.xml")
    assert events == [] and len(ctx.warnings) == 1
