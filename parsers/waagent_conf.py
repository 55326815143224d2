"""``/etc/waagent.conf`` and pasted ``waagent -show-configuration`` output (``Key = value``).

Read the way the agent reads it: lines starting with ``#`` are comments, ``key=value`` splits at
the first ``=``, the value ends at the first ``#`` and loses surrounding quotes and blanks, and
``None`` means unset.  ``-show-configuration`` prints switches as ``True``/``False``: normalised
to the file's ``y``/``n`` (the raw text stays in ``attrs["raw"]``); in waagent.conf itself values
stay as written, since there the agent reads only ``y``/``n`` (any case) and takes the key's
default for anything else.  Every key becomes a fact
``waagent_conf.<Key>``; the keys that decide whether and how extensions run also become ``config``
events.  Proxy credentials (``user:pass@``) never survive, in facts, attrs or messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from analyzer.model import Event, EventKind
from parsers import registry
from parsers._state_common import guarded, strip_userinfo
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.patterns import Sample

KIND = "waagent_conf"
_DIAGNOSTIC = frozenset(
    {
        "Extensions.Enabled",
        "Logs.Verbose",
        "Logs.Collect",
        "OS.EnableFirewall",
        "OS.AllowHTTP",
        "Protocol.EndpointDiscovery",
        "EnableOverProvisioning",
        "Extensions.WaitForCloudInit",
        "Lib.Dir",
        "Extension.LogDir",
        "Debug.EnableFastTrack",
    }
)
_DIAGNOSTIC_PREFIXES = ("AutoUpdate.", "Autoupdate.", "HttpProxy.")
_KEY = re.compile(r"^[A-Za-z][\w]*(?:\.[\w]+)*$")
# A bare user:pass@host (no scheme) in a proxy value.
_BARE_CREDS = re.compile(r"^[^/@\s:]+:[^/@\s]*@")


def _is_diagnostic(key: str) -> bool:
    return key in _DIAGNOSTIC or key.startswith(_DIAGNOSTIC_PREFIXES)


def _clean(value: str) -> str:
    return _BARE_CREDS.sub("", strip_userinfo(value))


def _is_conf_file(path: str) -> bool:
    return path.rsplit("/", 1)[-1] == "waagent.conf"


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    return guarded(_parse(reader, ctx), ctx)


def _parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    for lineno, line in reader.lines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        ctx.records += 1
        if "=" not in stripped:
            ctx.unclassified += 1
            continue
        raw_key, _, rest = stripped.partition("=")
        key = raw_key.strip()
        if not _KEY.match(key):
            ctx.unclassified += 1
            continue
        text = rest.split("#", 1)[0].strip('" ').strip()
        value: Any = None if text == "None" else _clean(text)
        attrs: dict[str, Any] = {}
        if value in ("True", "False") and not _is_conf_file(ctx.path):
            # -show-configuration prints switches as booleans; in the file itself the agent knows only
            # y and n, and any other value (True, False, no, 0) means the key's default
            attrs["raw"] = value
            value = "y" if value == "True" else "n"
        elif isinstance(value, str) and value.lower() in ("y", "n"):
            value = value.lower()
        if isinstance(value, str) and value != text and "raw" not in attrs and text.lower() not in ("y", "n"):
            attrs["credentials_removed"] = True
        ctx.fact(f"waagent_conf.{key}", value, line=lineno, **attrs)
        if _is_diagnostic(key):
            yield Event(
                line=lineno,
                kind=EventKind.CONFIG,
                message=_clean(line) if "@" in line else line,
                component="waagent.conf",
                attrs={"key": key, "value": value, **attrs},
            )


_SNIFF_LINE = re.compile(r"^\s*[A-Za-z]+\.[A-Za-z.]+\s*=")
_SNIFF_KEYS = ("Extensions.Enabled", "Logs.Verbose", "Provisioning.", "ResourceDisk.", "OS.EnableFirewall", "Lib.Dir")


def _sniff(head: str) -> bool:
    lines = [ln for ln in head.splitlines()[:40] if ln.strip() and not ln.lstrip().startswith("#")]
    if len(lines) < 2 or sum(1 for k in _SNIFF_KEYS if k in head) < 2:
        return False
    return sum(1 for ln in lines if _SNIFF_LINE.match(ln)) >= 0.8 * len(lines)


registry.register(
    ParserSpec(
        name="waagent.conf / waagent -show-configuration",
        kind=KIND,
        parse=parse,
        paths=("waagent.conf", "etc/waagent.conf"),
        sniff=_sniff,
        priority=50,
        description="agent configuration keys (facts) and the extension-relevant ones (config events)",
        samples=(
            Sample(
                text="Extensions.Enabled=n",
                kind=EventKind.CONFIG,
                component="waagent.conf",
                attrs={"key": "Extensions.Enabled", "value": "n"},
            ),
            Sample(
                text="Logs.Verbose = False",
                kind=EventKind.CONFIG,
                attrs={"key": "Logs.Verbose", "value": "n", "raw": "False"},
            ),
            Sample(
                text="HttpProxy.Host=http://proxyuser:S3cret@proxy.corp.local  # corporate proxy",
                kind=EventKind.CONFIG,
                attrs={"key": "HttpProxy.Host", "value": "http://proxy.corp.local"},
            ),
            Sample(
                text="AutoUpdate.Enabled=y", kind=EventKind.CONFIG, attrs={"key": "AutoUpdate.Enabled", "value": "y"}
            ),
        ),
    )
)
