"""waagent.conf and pasted -show-configuration output."""

from __future__ import annotations

from analyzer.model import EventKind
from parsers import registry
from parsers.testing import parse_text

KIND = "waagent_conf"

# Written in the format of the agent's shipped config/waagent.conf (comments, y/n switches).
CONF = """#
# Microsoft Azure Linux Agent Configuration
#

# Enable extension handling. Do not disable this unless you do not need password reset,
# backup, monitoring, or any extension handling whatsoever.
Extensions.Enabled=y

# Enable verbose logging (y|n)
Logs.Verbose=n

# Enable periodic log collection, default is y
Logs.Collect=y

Provisioning.Agent=auto
ResourceDisk.Format=y
ResourceDisk.MountPoint=/mnt/resource

# Add firewall rules to protect access to Azure host node services
OS.EnableFirewall=y

# The HTTP proxy: credentials must never survive
HttpProxy.Host="user1:Pa55word@proxy.contoso.local"  # set by the build team
HttpProxy.Port=3128

# AutoUpdate.Enabled=y
AutoUpdate.GAFamily=Prod
Lib.Dir=None
this line is not a setting
"""

SHOW = """AutoUpdate.Enabled = True
AutoUpdate.GAFamily = Prod
Extensions.Enabled = False
HttpProxy.Host = http://svc:secretpw@10.0.0.9
HttpProxy.Port = 8080
Lib.Dir = /var/lib/waagent
Logs.Verbose = False
OS.EnableFirewall = True
Provisioning.Agent = auto
ResourceDisk.Format = False
"""


def _facts(ctx):
    return {f.key: f for f in ctx.facts}


def test_conf_file():
    events, ctx = parse_text(KIND, CONF, path="etc/waagent.conf")
    facts = _facts(ctx)
    assert facts["waagent_conf.Extensions.Enabled"].value == "y"
    assert facts["waagent_conf.Extensions.Enabled"].line == 7
    assert facts["waagent_conf.ResourceDisk.MountPoint"].value == "/mnt/resource"
    assert facts["waagent_conf.HttpProxy.Host"].value == "proxy.contoso.local"
    assert facts["waagent_conf.Lib.Dir"].value is None
    assert "waagent_conf.AutoUpdate.Enabled" not in facts  # commented out
    keys = [e.attrs["key"] for e in events]
    assert keys == [
        "Extensions.Enabled",
        "Logs.Verbose",
        "Logs.Collect",
        "OS.EnableFirewall",
        "HttpProxy.Host",
        "HttpProxy.Port",
        "AutoUpdate.GAFamily",
        "Lib.Dir",
    ]
    assert all(e.kind == EventKind.CONFIG for e in events)
    assert ctx.unclassified == 1
    dump = repr(events) + repr(ctx.facts)
    assert "Pa55word" not in dump and "user1" not in dump


def test_show_configuration_output():
    events, ctx = parse_text(KIND, SHOW, path="ticket/show-config.txt")
    facts = _facts(ctx)
    assert facts["waagent_conf.Extensions.Enabled"].value == "n"
    assert facts["waagent_conf.Extensions.Enabled"].attrs["raw"] == "False"
    assert facts["waagent_conf.AutoUpdate.Enabled"].value == "y"
    assert facts["waagent_conf.HttpProxy.Host"].value == "http://10.0.0.9"
    assert "secretpw" not in repr(events) + repr(ctx.facts)


def test_sniffer_recognises_pasted_output():
    assert registry.kind_from_content(SHOW) == KIND
    assert registry.kind_from_content("2024-03-05T02:30:00.000000Z INFO ExtHandler Extensions.Enabled=y\n" * 5) != KIND


def test_megabyte_line_is_cheap_and_bounded():
    text = "HttpProxy.Host=" + "a.a" * 400_000 + "\n"
    events, ctx = parse_text(KIND, text)
    assert len(events[0].message) < 5000 and len(ctx.facts[0].value) < 1000


def test_in_the_conf_file_only_y_and_n_are_switch_values():
    # the agent's get_switch: "y"/"n" in any case; anything else (True, no, 0) is the key's default
    text = "Extensions.Enabled=False\nLogs.Verbose=True\nAutoUpdate.Enabled=Y\nOS.EnableFirewall=no\n"
    _events, ctx = parse_text(KIND, text, path="etc/waagent.conf")
    facts = _facts(ctx)
    assert facts["waagent_conf.Extensions.Enabled"].value == "False"
    assert "raw" not in facts["waagent_conf.Extensions.Enabled"].attrs
    assert facts["waagent_conf.Logs.Verbose"].value == "True"
    assert facts["waagent_conf.AutoUpdate.Enabled"].value == "y"
    assert facts["waagent_conf.OS.EnableFirewall"].value == "no"
