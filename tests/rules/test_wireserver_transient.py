"""wireserver-unreachable: a failed call or two, then a goal state fetched fine, is a hiccup, not a block."""

from __future__ import annotations

from pathlib import Path

from analyzer.limits import Limits
from analyzer.pipeline import analyse
from analyzer.simulate import generate_bundle


def test_a_transient_wire_server_error_before_a_good_goal_state_is_ruled_out(tmp_path: Path) -> None:
    # 2.2.46 era: one 'Connection reset by peer' on the goal state 50 min before a run that fetched its own
    bundle = generate_bundle(tmp_path / "vm", scenario="prepost-script-failed", era="2.2.46", size="200K")
    with analyse([bundle], Limits()) as analysis:
        ruled_out = {c.id: str(j.reason) for c, j in analysis.diagnosis.ruled_out}
        top = analysis.diagnosis.top
    assert "transient error, not a block" in ruled_out["wireserver-unreachable"]
    assert top is not None and top.cause.id == "prepost-script-failed"
