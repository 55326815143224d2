"""ovf-env.xml: provisioning flags only; names and credentials never kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.model import EventKind
from parsers.testing import parse_text

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "waagent-testdata"


def _sample(rel: str) -> str:
    path = SHARED / rel
    if not path.is_file():
        pytest.skip(f"shared sample {rel} not available")
    return path.read_text(encoding="utf-8")


def test_real_sample_disables_agent():
    events, ctx = parse_text("ovf_env", _sample("ovf-env.xml"), path="var/lib/waagent/ovf-env.xml")
    assert ctx.warnings == []
    ev = events[0]
    assert ev.kind == EventKind.PROVISIONING
    assert ev.message == "agent disabled by ovf-env: ProvisionGuestAgent=false"
    assert ev.attrs["agent_disabled"] is True and ev.attrs["has_custom_data"] is True
    assert ev.attrs["ssh_public_keys"] == 1
    dump = repr(events) + repr(ctx.facts)
    for secret in ("HostName</", "UserName</", "AAAANOTAREALKEY", "CustomData</", "EB0C0AB4", "$HOME/UserName"):
        assert secret not in dump
    assert "'HostName'" not in dump


def test_agent_enabled():
    text = (
        '<Environment xmlns:wa="http://schemas.microsoft.com/windowsazure"><wa:PlatformSettingsSection>'
        "<wa:PlatformSettings><wa:ProvisionGuestAgent>true</wa:ProvisionGuestAgent></wa:PlatformSettings>"
        "</wa:PlatformSettingsSection></Environment>"
    )
    events, _ctx = parse_text("ovf_env", text)
    assert events[0].attrs["agent_disabled"] is False and events[0].attrs["has_password"] is False


def test_hostile():
    text = '<!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/shadow">]><Environment>&x;</Environment>'
    events, ctx = parse_text("ovf_env", text)
    assert events == [] and len(ctx.warnings) == 1
