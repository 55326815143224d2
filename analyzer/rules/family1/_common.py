"""Shared helpers of the family-1 rules (the VM cannot reach Azure).

Three questions come back in every rule of the family: *which endpoint* a failed call went to
(168.63.129.16 — wire server on 80, HostGAPlugin on 32526, host snapshot path on 80 — or Azure
Storage), *why* it failed (no answer on the network, a proxy refusing, or a software fault such as
a ``TypeError`` that merely ends in code 76), and *which path* of the backup extension made it
(host or guest).  The extension's own HTTP errors carry no host name, so the path is followed
through the run: ``isHostCall: True/False``, ``Details of sas uri object  hostname: …``, the
pre-snapshot and guest-snapshot markers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from analyzer.model import Event, EventKind
from analyzer.rules.base import EventRef, RuleContext
from analyzer.runs import is_vmsnapshot

WIRESERVER = "168.63.129.16"
HGAP_PORT = 32526
STORAGE_SUFFIXES = (
    ".blob.core.windows.net",
    ".blob.storage.azure.net",
    ".blob.core.chinacloudapi.cn",
    ".blob.core.usgovcloudapi.net",
)
# Exception texts of a call that got no answer (socket / ssl / DNS level), Python 2 and 3 spellings.
_NET = re.compile(
    r"timed out|Timeout\b|Connection refused|Network is unreachable|No route to host|Connection reset"
    r"|EOF occurred in violation|\[SSL|SSLError|SSLEOFError|Name or service not known"
    r"|Temporary failure in name resolution|RemoteDisconnected|Connection aborted|Broken pipe"
    r"|\[Errno (?:32|101|104|110|111|113)\]|curl: \((?:6|7|28|35|56)\)",
)
# Only a proxy answers like this (http.client / httplib tunnel errors, the agent's own messages).
_PROXY = re.compile(
    r"Tunnel connection failed|Proxy Authentication Required|\b407[: ]+Proxy|Status Code:? 407\b|HTTP/1\.[01] 407\b"
    r"|\[407\b|from proxy after CONNECT|does(?: not|n't) support https tunnell?ing"
    r"|HTTPS tunnell?ing is unavailable|Python does not support HTTPS tunnelling",
    re.IGNORECASE,
)
_HOSTNAME = re.compile(r"hostname: (\S+)")
_URL_HOST = re.compile(r"https?://([^/:\s\]'\"?]+)(?::(\d+))?")


def head(ev: Event) -> str:
    """The record without embedded extension output (whose words must not decide anything)."""
    cut = ev.message.find("\n[stdout]")
    return ev.message if cut < 0 else ev.message[:cut]


def network_error(text: str) -> str | None:
    """The words that say a call got no answer on the network, if any."""
    m = _NET.search(text)
    return m.group(0) if m else None


def proxy_error(text: str) -> str | None:
    m = _PROXY.search(text)
    return m.group(0) if m else None


def is_storage(host: str | None) -> bool:
    return bool(host) and str(host).lower().endswith(STORAGE_SUFFIXES)


def hosts_of(ev: Event) -> list[tuple[str, int | None]]:
    """(host, port) pairs named by an agent record: its attrs first, then URLs in its text."""
    found: list[tuple[str, int | None]] = []
    host = ev.attrs.get("host")
    if host:
        port = ev.attrs.get("port")
        found.append((str(host), int(port) if isinstance(port, int) else None))
    for m in _URL_HOST.finditer(head(ev)):
        found.append((m.group(1), int(m.group(2)) if m.group(2) else None))
    return found


def is_agent(ev: Event) -> bool:
    return ev.parser in ("waagent_log", "command_execution_log", "journal", "syslog")


@dataclass(frozen=True)
class ExtCall:
    """A failed HTTP call of the backup extension, with the path it was made on."""

    ref: EventRef
    path: str  # host | guest | unknown
    net: str | None  # network words, when the call got no answer
    proxy: str | None  # proxy words, when a proxy refused


def extension_refs(ctx: RuleContext) -> list[EventRef]:
    """The analysed run's extension records; without a run, the window's (or everything's)."""
    if ctx.run is not None:
        return [r for r in ctx.run_events() if r.event.parser.startswith("vmsnapshot")]
    in_window = True if ctx.window is not None else None
    return [r for r in ctx.events(in_window=in_window, where=is_vmsnapshot) if r.event.parser.startswith("vmsnapshot")]


def _path_hint(ev: Event) -> str | None:
    path = ev.attrs.get("path")
    if path in ("host", "guest"):
        return str(path)
    text = ev.message
    if "isHostCall: True" in text:
        return "host"
    if "isHostCall: False" in text:
        return "guest"
    m = _HOSTNAME.search(text) if "Details of sas uri object" in text else None
    if m is not None:
        return "host" if m.group(1) == WIRESERVER else "guest"
    return None


def extension_failures(refs: list[EventRef]) -> Iterator[ExtCall]:
    """Failed calls of the extension (HTTP errors, host exceptions), each on the path it followed."""
    path = "unknown"
    for ref in refs:
        ev = ref.event
        hint = _path_hint(ev)
        if ev.kind == EventKind.HTTP_ERROR:
            yield ExtCall(ref, hint or path, network_error(ev.message), proxy_error(ev.message))
        elif ev.attrs.get("code") == "558":  # an exception around the host call: network only if it says so
            yield ExtCall(ref, "host", network_error(ev.message), None)
        if hint is not None:
            path = hint


def events_of_codes(refs: list[EventRef], *codes: str) -> list[EventRef]:
    return [r for r in refs if str(r.event.attrs.get("code")) in codes]


def short(ev: Event, limit: int = 120) -> str:
    first = ev.message.strip().split("\n", 1)[0]
    return first if len(first) <= limit else first[: limit - 1] + "\u2026"
