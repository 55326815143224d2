"""OS identification: ``/etc/os-release`` / ``/usr/lib/os-release`` (``KEY="value"``), the older
one-line ``/etc/redhat-release`` style files, ``/etc/lsb-release`` (``DISTRIB_*``),
``/etc/SuSE-release`` and ``/etc/debian_version``.

Facts ``os.name``, ``os.version``, ``os.id``, ``os.pretty`` and ``os.family`` (debian, rhel, suse,
mariner, bsd, appliance, …): FreeBSD and network appliances run different agent builds and the
backup extension is not supported on them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from analyzer.model import Event, EventKind
from parsers import registry
from parsers._state_common import guarded, name_of, short
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.patterns import Sample

KIND = "os_release"
_KV = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<value>.*)$")
_RELEASE_LINE = re.compile(r"^(?P<name>.+?)\s+(?:release\s+)?(?P<version>\d+(?:\.\d+)*)\b.*$", re.IGNORECASE)
_FAMILIES = (
    (("ubuntu", "debian"), "debian"),
    (("rhel", "centos", "fedora", "rocky", "almalinux", "ol", "oracle", "redhat", "red hat", "amzn"), "rhel"),
    (("sles", "suse", "opensuse"), "suse"),
    (("mariner", "azurelinux", "azure linux"), "mariner"),
    (("freebsd", "openbsd", "netbsd"), "bsd"),
    (("flatcar", "coreos"), "coreos"),
    (("alpine",), "alpine"),
    (("arch",), "arch"),
    (("gentoo",), "gentoo"),
)
# Vendor appliances (firewalls, load balancers) that ship their own agent build.
_APPLIANCES = (
    "netscaler",
    "citrix adc",
    "f5",
    "big-ip",
    "fortinet",
    "fortigate",
    "palo alto",
    "pan-os",
    "check point",
    "gaia",
    "barracuda",
    "pfsense",
    "opnsense",
    "cisco",
    "juniper",
    "sophos",
    "vyos",
)
_ID_FROM_NAME = (
    ("red hat", "rhel"),
    ("centos", "centos"),
    ("oracle", "ol"),
    ("rocky", "rocky"),
    ("alma", "almalinux"),
    ("suse", "sles"),
    ("fedora", "fedora"),
    ("amazon", "amzn"),
)


def _family(*texts: str | None) -> str | None:
    blob = " ".join(t.lower() for t in texts if t)
    if not blob:
        return None
    words = set(re.split(r"[\s\"',;()/-]+", blob))
    if any(a in blob if " " in a or "-" in a else a in words for a in _APPLIANCES):
        return "appliance"
    for needles, family in _FAMILIES:
        if any((n in blob) if " " in n or len(n) > 4 else n in words for n in needles):
            return family
    return None


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return value.replace('\\"', '"').replace("\\$", "$").replace("\\\\", "\\")


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    return guarded(_parse(reader, ctx), ctx)


def _parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    values: dict[str, tuple[str, int]] = {}
    free: list[tuple[int, str]] = []
    for lineno, line in reader.lines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        ctx.records += 1
        m = _KV.match(stripped)
        if m:
            values[m.group("key").upper()] = (_unquote(m.group("value")), lineno)
        else:
            free.append((lineno, stripped))
    facts: dict[str, tuple[Any, int]] = {}

    def put(key: str, value: str | None, line: int) -> None:
        if value and key not in facts:
            facts[key] = (value, line)

    # os-release first, then lsb-release, then SuSE-release style VERSION = N
    for key, fact in (
        ("NAME", "os.name"),
        ("VERSION_ID", "os.version"),
        ("ID", "os.id"),
        ("PRETTY_NAME", "os.pretty"),
        ("ID_LIKE", "os.id_like"),
        ("DISTRIB_ID", "os.name"),
        ("DISTRIB_RELEASE", "os.version"),
        ("DISTRIB_DESCRIPTION", "os.pretty"),
        ("VERSION", "os.version"),
    ):
        if key in values:
            put(fact, values[key][0], values[key][1])
    if "DISTRIB_ID" in values:
        put("os.id", values["DISTRIB_ID"][0].lower(), values["DISTRIB_ID"][1])
    if free:  # /etc/redhat-release: "Red Hat Enterprise Linux Server release 7.9 (Maipo)"; debian_version: "11.7"
        lineno, text = free[0]
        put("os.pretty", text, lineno)
        m = _RELEASE_LINE.match(text) if len(text) < 500 else None
        if m:
            put("os.name", m.group("name").strip(), lineno)
            put("os.version", m.group("version"), lineno)
        elif re.fullmatch(r"\d+(?:\.\d+)*", text) or name_of(ctx.path) == "debian_version":
            put("os.version", text, lineno)
            put("os.name", "Debian GNU/Linux", lineno)
            put("os.id", "debian", lineno)
        low = text.lower()
        for needle, ident in _ID_FROM_NAME:
            if needle in low:
                put("os.id", ident, lineno)
                break
    if not facts:
        if free or values:
            ctx.unclassified += len(free) + len(values)
            ctx.warn("os release: no recognisable identification", 1)
        return
    family = _family(
        facts.get("os.id", ("", 0))[0],
        facts.get("os.id_like", ("", 0))[0],
        facts.get("os.name", ("", 0))[0],
        facts.get("os.pretty", ("", 0))[0],
    )
    first = min(line for _, line in facts.values())
    if family:
        facts["os.family"] = (family, first)
    for key, (value, line) in facts.items():
        ctx.fact(key, short(value, 200), line=line)
    pretty = facts.get("os.pretty") or facts.get("os.name")
    attrs = {k.removeprefix("os."): v for k, (v, _) in facts.items()}
    yield Event(
        line=pretty[1] if pretty else first,
        kind=EventKind.CONFIG,
        message=short(f"OS: {pretty[0] if pretty else attrs}", 300),
        component=name_of(ctx.path) or "os-release",
        attrs=attrs,
    )


def _sniff(head: str) -> bool:
    return "PRETTY_NAME=" in head and ("VERSION_ID=" in head or "ID=" in head)


registry.register(
    ParserSpec(
        name="OS release files",
        kind=KIND,
        parse=parse,
        paths=(
            "etc/os-release",
            "*/etc/os-release",
            "usr/lib/os-release",
            "*/usr/lib/os-release",
            "etc/*-release",
            "*/etc/*-release",
            "etc/debian_version",
            "*/etc/debian_version",
        ),
        sniff=_sniff,
        priority=40,
        description="distribution name, version, id and family",
        samples=(
            Sample(
                text='PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\n'
                'VERSION="22.04.4 LTS (Jammy Jellyfish)"\nID=ubuntu\nID_LIKE=debian\n',
                kind=EventKind.CONFIG,
                attrs={"name": "Ubuntu", "version": "22.04", "id": "ubuntu", "family": "debian"},
                path="etc/os-release",
            ),
            Sample(
                text="Red Hat Enterprise Linux Server release 7.9 (Maipo)\n",
                kind=EventKind.CONFIG,
                attrs={"version": "7.9", "id": "rhel", "family": "rhel"},
                path="etc/redhat-release",
            ),
            Sample(
                text='NAME=FreeBSD\nVERSION="13.2-RELEASE"\nVERSION_ID="13.2"\nID=freebsd\nANSI_COLOR="0;31"\n'
                'PRETTY_NAME="FreeBSD 13.2-RELEASE"\n',
                kind=EventKind.CONFIG,
                attrs={"id": "freebsd", "family": "bsd"},
                path="etc/os-release",
            ),
        ),
    )
)
