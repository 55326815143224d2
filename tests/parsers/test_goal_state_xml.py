"""GoalState.xml: real WALinuxAgent test data, history-folder times, placeholder, hostile XML."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from analyzer.model import Clock, EventKind
from parsers.testing import parse_text

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "waagent-testdata"

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    ' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
    ' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n'
    "]>\n<GoalState><Incarnation>&lol3;</Incarnation></GoalState>\n"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE gs [<!ENTITY xxe SYSTEM "file:///etc/shadow">]>\n'
    "<GoalState><Incarnation>&xxe;</Incarnation></GoalState>\n"
)


def _sample(rel: str) -> str:
    path = SHARED / rel
    if not path.is_file():
        pytest.skip(f"shared sample {rel} not available")
    return path.read_text(encoding="utf-8")


def test_real_goal_state():
    events, ctx = parse_text("goal_state_xml", _sample("wire/goal_state.xml"), path="var/lib/waagent/GoalState.1.xml")
    assert ctx.warnings == []
    assert len(events) == 1
    ev = events[0]
    assert ev.kind == EventKind.GOAL_STATE_FETCH
    assert ev.attrs["incarnation"] == 1
    assert ev.attrs["host"] == "168.63.129.16"
    assert ev.wall is None and ev.clock == Clock.UNKNOWN
    facts = {f.key: f.value for f in ctx.facts}
    assert facts["goal_state.container_id"] == "c6d5526c-5ac2-4200-b6e2-56f2b70c5ab2"
    assert facts["goal_state.role_instance_id"].endswith("MachineRole_IN_0")
    assert facts["wireserver"] == "168.63.129.16"
    assert ev.line == 4  # the <Incarnation> line


def test_history_folder_gives_utc_time():
    text = _sample("hibernate/goal_state_1/GoalState.xml")
    events, _ctx = parse_text(
        "goal_state_xml", text, path="var/lib/waagent/history/2025-06-11T21-39-20__1/GoalState.xml"
    )
    assert events[0].wall == datetime(2025, 6, 11, 21, 39, 20)
    assert events[0].clock == Clock.UTC
    assert events[0].time_raw == "2025-06-11T21-39-20"


def test_legacy_history_name_and_file_incarnation():
    text = "<GoalState><Container><ContainerId>x</ContainerId></Container></GoalState>"
    events, _ = parse_text(
        "goal_state_xml", text, path="var/lib/waagent/history/2019-01-02T03:04:05.123456/GoalState.7.xml"
    )
    assert events[0].attrs["incarnation"] == 7
    assert events[0].wall == datetime(2019, 1, 2, 3, 4, 5, 123456)


def test_placeholder_is_silent():
    events, ctx = parse_text(
        "goal_state_xml", "<xml>empty placeholder file</xml>", path="var/lib/waagent/GoalState.1.xml"
    )
    assert events == [] and ctx.warnings == []


@pytest.mark.parametrize("text", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_hostile_xml_is_one_warning(text):
    events, ctx = parse_text("goal_state_xml", text, path="GoalState.xml")
    assert events == []
    assert len(ctx.warnings) == 1
    assert "refused unsafe XML" in ctx.warnings[0].message


@pytest.mark.parametrize("text", ["<GoalState><Incarnation>1</Incarn", "", "not xml at all"])
def test_malformed_xml_is_one_warning(text):
    events, ctx = parse_text("goal_state_xml", text, path="GoalState.xml")
    assert events == [] and len(ctx.warnings) == 1


def test_wrong_root():
    events, ctx = parse_text("goal_state_xml", "<Other/>", path="GoalState.xml")
    assert events == [] and ctx.unclassified == 1 and ctx.warnings
