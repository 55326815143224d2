"""DHCP leases: dhclient, systemd-networkd, wicked; option 245 decoding."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from analyzer.model import EventKind
from parsers.dhcp_lease import decode_245
from parsers.testing import parse_text

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "waagent-testdata"
KIND = "dhcp_lease"


def _sample(rel: str) -> str:
    path = SHARED / rel
    if not path.is_file():
        pytest.skip(f"shared sample {rel} not available")
    return path.read_text(encoding="utf-8")


def test_real_dhclient_leases():
    events, ctx = parse_text(KIND, _sample("dhcp.leases"), path="var/lib/dhcp/dhclient.eth0.leases")
    assert ctx.warnings == []
    assert [e.line for e in events] == [1, 20, 38]
    assert all(e.kind == EventKind.DHCP and e.attrs["option_245"] == "168.63.129.16" for e in events)
    assert events[0].attrs["expire"] == "never"
    # renew/rebind/expire are deadlines (2152 for an "infinite" lease), not when anything happened
    assert all(e.wall is None for e in events)
    assert events[1].attrs["renew"] == datetime(2015, 6, 16, 16, 58, 54).isoformat()
    options = [f for f in ctx.facts if f.key == "dhcp.option_245"]
    assert [f.line for f in options] == [13, 31, 50]


def test_lease_without_option_245():
    text = 'lease {\n  interface "eth0";\n  fixed-address 10.1.0.4;\n  option dhcp-server-identifier 10.1.0.1;\n}\n'
    events, ctx = parse_text(KIND, text, path="var/lib/dhclient/dhclient-eth0.leases")
    assert events[0].attrs["option_245"] is None
    assert "dhcp.option_245" not in {f.key for f in ctx.facts}


def test_truncated_dhclient_block():
    events, ctx = parse_text(KIND, 'lease {\n  interface "eth0";\n  option unknown-245 a8:3f:81:10;\n', path="x.leases")
    assert events[0].attrs["option_245"] == "168.63.129.16" and len(ctx.warnings) == 1


def test_networkd():
    text = (
        "# This is private data. Do not parse.\nADDRESS=10.0.0.4\nNETMASK=255.255.255.0\nROUTER=10.0.0.1\n"
        "SERVER_ADDRESS=168.63.129.16\nT1=4294967295\nT2=4294967295\nLIFETIME=4294967295\nOPTION_245=A83F8110\n"
    )
    events, ctx = parse_text(KIND, text, path="run/systemd/netif/leases/2")
    assert events[0].attrs["ifindex"] == 2 and events[0].attrs["option_245"] == "168.63.129.16"
    assert next(f for f in ctx.facts if f.key == "dhcp.option_245").line == 9


def test_wicked_and_its_unbound_prefix():
    text = (
        "<lease>\n  <family>ipv4</family>\n  <type>dhcp</type>\n  <acquired>1709600000</acquired>\n"
        "  <ipv4:dhcp>\n    <server-address>168.63.129.16</server-address>\n    <address>10.0.0.5</address>\n"
        "    <options><unknown-245><code>245</code><data>a8:3f:81:10</data></unknown-245></options>\n"
        "  </ipv4:dhcp>\n</lease>\n"
    )
    events, _ctx = parse_text(KIND, text, path="var/lib/wicked/lease-eth0-dhcp-ipv4.xml")
    ev = events[0]
    assert ev.attrs["interface"] == "eth0" and ev.attrs["option_245"] == "168.63.129.16"
    assert ev.wall == datetime(2024, 3, 5, 0, 53, 20)


def test_wicked_hostile():
    text = '<!DOCTYPE l [<!ENTITY a "x"><!ENTITY b "&a;&a;&a;&a;">]><lease>&b;</lease>'
    events, ctx = parse_text(KIND, text, path="var/lib/wicked/lease-eth0-dhcp-ipv4.xml")
    assert events == [] and len(ctx.warnings) == 1


@pytest.mark.parametrize(
    ("raw", "ip"),
    [("a8:3f:81:10", "168.63.129.16"), ("A83F8110", "168.63.129.16"), ("a8:3f:81", None), ("zz:1:2:3", None)],
)
def test_decode_245(raw, ip):
    assert decode_245(raw) == ip


def test_unknown_format_and_long_lines():
    events, ctx = parse_text(KIND, "whatever this is\n", path="var/lib/dhcp/odd")
    assert events == [] and ctx.warnings
    text = "lease {\n  option domain-name " + "x;#" * 300_000 + "\n}\n"
    events, _ = parse_text(KIND, text, path="var/lib/dhcp/big.leases")
    assert len(events) == 1
