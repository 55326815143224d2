"""OS identification files."""

from __future__ import annotations

import pytest

from parsers.testing import parse_text

KIND = "os_release"


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        (
            "etc/os-release",
            'NAME="Ubuntu"\nVERSION_ID="20.04"\nID=ubuntu\nID_LIKE=debian\nPRETTY_NAME="Ubuntu 20.04.6 LTS"\n',
            {"os.name": "Ubuntu", "os.version": "20.04", "os.id": "ubuntu", "os.family": "debian"},
        ),
        (
            "etc/os-release",
            'NAME="Red Hat Enterprise Linux"\nVERSION_ID="8.6"\nID="rhel"\nID_LIKE="fedora"\n',
            {"os.id": "rhel", "os.family": "rhel"},
        ),
        ("etc/os-release", 'NAME="SLES"\nVERSION_ID="15.5"\nID="sles"\nID_LIKE="suse"\n', {"os.family": "suse"}),
        (
            "etc/os-release",
            'NAME="Oracle Linux Server"\nVERSION_ID="8.9"\nID="ol"\nID_LIKE="fedora"\n',
            {"os.family": "rhel"},
        ),
        (
            "usr/lib/os-release",
            'NAME="Microsoft Azure Linux"\nVERSION_ID="3.0"\nID=azurelinux\n',
            {"os.family": "mariner"},
        ),
        (
            "etc/redhat-release",
            "CentOS Linux release 7.9.2009 (Core)\n",
            {"os.name": "CentOS Linux", "os.version": "7.9.2009", "os.id": "centos", "os.family": "rhel"},
        ),
        ("etc/debian_version", "12.5\n", {"os.version": "12.5", "os.id": "debian", "os.family": "debian"}),
        (
            "etc/lsb-release",
            'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=18.04\nDISTRIB_DESCRIPTION="Ubuntu 18.04.6 LTS"\n',
            {"os.id": "ubuntu", "os.version": "18.04", "os.pretty": "Ubuntu 18.04.6 LTS"},
        ),
        (
            "etc/os-release",
            'NAME=FreeBSD\nVERSION_ID="13.2"\nID=freebsd\nPRETTY_NAME="FreeBSD 13.2-RELEASE"\n',
            {"os.family": "bsd"},
        ),
        ("etc/os-release", 'NAME="Citrix NetScaler"\nVERSION_ID="13.1"\nID=netscaler\n', {"os.family": "appliance"}),
    ],
)
def test_variants(path, text, expected):
    events, ctx = parse_text(KIND, text, path=path)
    facts = {f.key: f.value for f in ctx.facts}
    for key, value in expected.items():
        assert facts.get(key) == value, (key, facts)
    assert len(events) == 1


def test_nothing_recognisable():
    events, ctx = parse_text(KIND, "\x00\x01garbage " * 100_000, path="etc/system-release")
    assert len(events) <= 1
    events, ctx = parse_text(KIND, "", path="etc/os-release")
    assert events == [] and ctx.warnings == []
