"""HostingEnvironmentConfig.xml: names kept, AccountKey never."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.model import EventKind
from parsers.testing import parse_text

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "waagent-testdata"
KIND = "hosting_env_xml"


def _sample(rel: str) -> str:
    path = SHARED / rel
    if not path.is_file():
        pytest.skip(f"shared sample {rel} not available")
    return path.read_text(encoding="utf-8")


def test_classic_document_with_account_key():
    events, ctx = parse_text(KIND, _sample("wire/hosting_env.xml"), path="var/lib/waagent/HostingEnvironmentConfig.xml")
    assert ctx.warnings == []
    ev = events[0]
    assert ev.kind == EventKind.GOAL_STATE_FETCH
    assert ev.attrs["has_account_key"] is True and ev.attrs["incarnation"] == 1
    facts = {f.key: f.value for f in ctx.facts}
    assert facts["deployment.name"] == "db00a7755a5e4e8a8fe4b19bc3b330c3"
    assert facts["role.name"] == "MachineRole"
    assert facts["role.instance"] == "MachineRole_IN_0"
    dump = repr([(e.message, e.attrs) for e in events]) + repr([(f.key, f.value, f.attrs) for f in ctx.facts])
    assert "DNZQ" not in dump and "AccountKey=" not in dump and "osimages" not in dump


def test_modern_arm_document():
    events, ctx = parse_text(KIND, _sample("hibernate/goal_state_1/HostingEnvironmentConfig.xml"))
    assert events[0].attrs["incarnation"] == 1 and events[0].attrs["has_account_key"] is False
    assert {f.key for f in ctx.facts} == {"role.instance", "hosting_env.incarnation"}


def test_hostile():
    events, ctx = parse_text(
        KIND,
        '<!DOCTYPE h [<!ENTITY e SYSTEM "http://evil/x">]><HostingEnvironmentConfig>&e;</HostingEnvironmentConfig>',
    )
    assert events == [] and len(ctx.warnings) == 1
