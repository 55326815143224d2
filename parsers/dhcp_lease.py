"""DHCP lease files: dhclient (``*.leases``), systemd-networkd (``/run/systemd/netif/leases/<ifindex>``)
and wicked (``lease-<if>-dhcp-ipv4.xml``, read with defusedxml).

Azure's DHCP server hands out the WireServer address in option 245: dhclient writes it as
``option unknown-245 a8:3f:81:10;``, networkd as ``OPTION_245=A83F8110``, wicked as
``<unknown-245><code>245</code><data>a8:3f:81:10</data></unknown-245>``.  Decoded, it becomes fact
``dhcp.option_245`` (``168.63.129.16`` normally).  One ``dhcp`` event per lease; dhclient writes
``renew``/``rebind``/``expire`` in UTC (``W YYYY/MM/DD HH:MM:SS``) unless ``db-time-format local``
made it ``epoch N``.  Those are deadlines, often after the bundle was collected (Azure's infinite
leases put them in 2037 or 2152), not when anything happened: kept in attrs, and a dhclient lease
event has no time (a wicked lease's ``acquired`` is a real time and is kept).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from itertools import chain
from typing import Any

from analyzer.model import Clock, Event, EventKind
from parsers import registry
from parsers._state_common import as_int, descendants, guarded, local, name_of, parse_xml, text_of
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.patterns import Sample

KIND = "dhcp_lease"
_STMT = re.compile(r"^\s*(?P<stmt>option\s+[\w-]+|[\w-]+)\s+(?P<value>.*?);\s*(?:#.*)?$")
_WHEN = re.compile(
    r"^(?:epoch\s+(?P<epoch>\d+)|(?:\d\s+)?(?:(?P<date>\d{4}/\d\d/\d\d \d\d:\d\d:\d\d)|(?P<never>never)))$"
)
_LATEST_PLAUSIBLE = 2100  # Azure leases are "infinite": times land in 2152


def decode_245(raw: str) -> str | None:
    """``a8:3f:81:10`` / ``A83F8110`` → ``168.63.129.16``."""
    text = raw.strip().strip('"')
    parts = text.split(":") if ":" in text else [text[i : i + 2] for i in range(0, len(text), 2)]
    try:
        octets = [int(p, 16) for p in parts]
    except ValueError:
        return None
    if len(octets) != 4 or any(o > 255 for o in octets):
        return None
    return ".".join(str(o) for o in octets)


def _when(raw: str) -> tuple[datetime | None, str]:
    m = _WHEN.match(raw.strip())
    if not m:
        return None, raw
    if m.group("never"):
        return None, "never"
    if m.group("epoch"):
        try:
            return datetime(1970, 1, 1) + timedelta(seconds=int(m.group("epoch"))), raw
        except OverflowError:
            return None, raw
    try:
        return datetime.strptime(m.group("date"), "%Y/%m/%d %H:%M:%S"), m.group("date")
    except ValueError:
        return None, raw


def _emit(ctx: ParseContext, line: int, fmt: str, info: dict[str, Any], wall: datetime | None, raw: str) -> Event:
    option = info.get("option_245")
    if option:
        ctx.fact("dhcp.option_245", option, line=info.get("option_line", line), interface=info.get("interface"))
    if info.get("server"):
        ctx.fact("dhcp.server", info["server"], line=line, interface=info.get("interface"))
    if info.get("address"):
        ctx.fact("dhcp.address", info["address"], line=line, interface=info.get("interface"))
    attrs = {k: v for k, v in info.items() if k != "option_line" and v is not None}
    attrs["format"] = fmt
    attrs.setdefault("option_245", None)
    summary = " ".join(f"{k}={v}" for k, v in attrs.items() if k not in ("format",))
    if wall is not None and wall.year >= _LATEST_PLAUSIBLE:
        wall, raw = None, raw
    return Event(
        line=line,
        kind=EventKind.DHCP,
        message=f"{fmt} lease: {summary}",
        wall=wall,
        clock=Clock.UTC if wall else Clock.UNKNOWN,
        time_raw=raw if wall else "",
        attrs=attrs,
    )


def _dhclient(lines: Iterable[tuple[int, str]], ctx: ParseContext) -> Iterator[Event]:
    info: dict[str, Any] | None = None
    start = 0
    for lineno, line in lines:
        stripped = line.strip()
        if stripped.startswith(("lease {", "lease6 {")):
            info, start = {}, lineno
            ctx.records += 1
            if stripped.startswith("lease6"):
                info["family"] = "ipv6"
            continue
        if info is None:
            continue
        if stripped == "}":
            yield _emit(ctx, start, "dhclient", info, None, "")
            info = None
            continue
        m = _STMT.match(line) if len(line) < 4096 else None
        if not m:
            continue
        stmt, value = " ".join(m.group("stmt").split()), m.group("value").strip()
        if stmt == "interface":
            info["interface"] = value.strip('"')
        elif stmt == "fixed-address":
            info["address"] = value
        elif stmt == "option dhcp-server-identifier":
            info["server"] = value
        elif stmt == "option dhcp-lease-time":
            info["lease_time"] = as_int(value)
        elif stmt == "option unknown-245":
            info["option_245"] = decode_245(value)
            info["option_line"] = lineno
            if info["option_245"] is None:
                ctx.warn(f"dhcp lease: undecodable option 245 {value!r}", lineno)
        elif stmt in ("renew", "rebind", "expire"):
            wall, raw = _when(value)
            info[stmt] = wall.isoformat() if wall else raw
    if info is not None:
        ctx.warn("dhcp lease: last lease block not closed (truncated file?)", start)
        yield _emit(ctx, start, "dhclient", info, None, "")


def _networkd(lines: Iterable[tuple[int, str]], ctx: ParseContext) -> Iterator[Event]:
    values: dict[str, tuple[str, int]] = {}
    for lineno, line in lines:
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = (value.strip(), lineno)
    ctx.records += 1
    ifindex = name_of(ctx.path)
    info: dict[str, Any] = {"ifindex": as_int(ifindex)}
    for key, attr in (("ADDRESS", "address"), ("SERVER_ADDRESS", "server"), ("LIFETIME", "lease_time")):
        if key in values:
            info[attr] = as_int(values[key][0]) if attr == "lease_time" else values[key][0]
    if "OPTION_245" in values:
        raw, line = values["OPTION_245"]
        info["option_245"] = decode_245(raw)
        info["option_line"] = line
        if info["option_245"] is None:
            ctx.warn(f"dhcp lease: undecodable OPTION_245 {raw!r}", line)
    yield _emit(ctx, 1, "networkd", info, None, "")


_NETWORKD_LINE = re.compile(r"^[A-Z][A-Z0-9_]*=")
_WICKED_PREFIX = re.compile(r"(</?)(ipv[46]):")


def _wicked(lines: Iterable[tuple[int, str]], ctx: ParseContext) -> Iterator[Event]:
    text = "\n".join(line for _, line in lines)
    ctx.records += 1
    # wicked names family:type nodes <ipv4:dhcp> without declaring a namespace prefix.
    root = parse_xml(_WICKED_PREFIX.sub(r"\1\2-", text), ctx, "wicked lease")
    if root is None:
        return
    if local(root.tag) != "lease":
        ctx.warn(f"wicked lease: unexpected root element <{local(root.tag)}>", 1)
        ctx.unclassified += 1
        return
    parts = [p for p in name_of(ctx.path)[len("lease-") :].removesuffix(".xml").split("-") if p]
    info: dict[str, Any] = {"interface": "-".join(p for p in parts if p not in ("dhcp", "ipv4", "ipv6")) or None}
    for tag, attr in (
        ("address", "address"),
        ("server-address", "server"),
        ("server-id", "server"),
        ("state", "state"),
    ):
        nodes = descendants(root, tag)
        if nodes and text_of(nodes[0]) and attr not in info:
            info[attr] = text_of(nodes[0])
    lease_time = descendants(root, "lease-time")
    if lease_time:
        info["lease_time"] = as_int(text_of(lease_time[0]))
    opt = descendants(root, "unknown-245")
    if opt:
        data = text_of(opt[0], "data")
        info["option_245"] = decode_245(data) if data else None
    wall = None
    acquired = descendants(root, "acquired")
    raw = text_of(acquired[0]) if acquired else None
    if raw and raw.isdigit():
        wall = datetime(1970, 1, 1) + timedelta(seconds=int(raw))
    yield _emit(ctx, 1, "wicked", info, wall, raw or "")


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    return guarded(_parse(reader, ctx), ctx)


def _parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    # One pass: look at the first meaningful line to pick the format, then keep reading.
    lines = iter(reader.lines())
    seen: list[tuple[int, str]] = []
    fmt = None
    for item in lines:
        seen.append(item)
        stripped = item[1].strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("<"):
            fmt = _wicked
        elif stripped.startswith(("lease", "default-duid", "server-duid")):
            fmt = _dhclient
        elif _NETWORKD_LINE.match(stripped):
            fmt = _networkd
        break
    if fmt is None:
        if any(line.strip() for _, line in seen):
            ctx.warn("dhcp lease: unknown lease file format", 1)
            ctx.unclassified += 1
        return
    yield from fmt(chain(seen, lines), ctx)


def _sniff(head: str) -> bool:
    return "lease {" in head and ("fixed-address" in head or "option " in head)


registry.register(
    ParserSpec(
        name="DHCP lease files (dhclient, networkd, wicked)",
        kind=KIND,
        parse=parse,
        paths=(
            "*.leases",
            "*.lease",
            "var/lib/dhclient/*",
            "var/lib/dhcp/*",
            "run/systemd/netif/leases/*",
            "*/run/systemd/netif/leases/*",
            "lease-*.xml",
        ),
        sniff=_sniff,
        priority=40,
        description="DHCP leases: address, server, option 245 (WireServer), renew/expire times",
        samples=(
            Sample(
                text='lease {\n  interface "eth0";\n  fixed-address 10.0.1.4;\n'
                "  option dhcp-server-identifier 168.63.129.16;\n  option unknown-245 a8:3f:81:10;\n"
                "  renew 2 2024/03/05 01:12:40;\n  rebind 2 2024/03/05 06:00:00;\n  expire 2 2024/03/05 07:12:40;\n}",
                kind=EventKind.DHCP,
                attrs={"interface": "eth0", "option_245": "168.63.129.16", "server": "168.63.129.16"},
                path="var/lib/dhcp/dhclient.eth0.leases",
            ),
            Sample(
                text="# This is private data. Do not parse.\nADDRESS=10.0.0.4\nSERVER_ADDRESS=168.63.129.16\n"
                "LIFETIME=4294967295\nOPTION_245=A83F8110\n",
                kind=EventKind.DHCP,
                attrs={"ifindex": 2, "option_245": "168.63.129.16", "format": "networkd"},
                path="run/systemd/netif/leases/2",
            ),
            Sample(
                text="<lease>\n  <family>ipv4</family>\n  <type>dhcp</type>\n  <state>granted</state>\n"
                "  <acquired>1709600000</acquired>\n  <ipv4:dhcp>\n    <server-address>168.63.129.16</server-address>\n"
                "    <address>10.0.0.5</address>\n    <options>\n      <unknown-245>\n        <code>245</code>\n"
                "        <data>a8:3f:81:10</data>\n      </unknown-245>\n    </options>\n  </ipv4:dhcp>\n</lease>\n",
                kind=EventKind.DHCP,
                attrs={"interface": "eth0", "option_245": "168.63.129.16", "format": "wicked"},
                path="var/lib/wicked/lease-eth0-dhcp-ipv4.xml",
            ),
        ),
    )
)
