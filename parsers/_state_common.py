"""Shared helpers for the agent's state documents (XML, JSON, INI-like) under /var/lib/waagent.

Not a parser (the leading underscore keeps the registry from importing it as one).  Everything
here is defensive: XML only through ``defusedxml``, JSON guarded against depth and size, URLs cut
to scheme + host + path so no SAS query string ever reaches an event, fact or message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as DefusedET

from analyzer.model import Event
from parsers.base import LineReader, ParseContext

# Documents are small (goal states, status files: KiB); the agent itself truncates status files
# at 128 KiB.  A generous cap still bounds memory on hostile input.
DOC_MAX_BYTES = 8 << 20
MESSAGE_MAX = 600

BAD = object()  # returned by load_json / parse_xml failures (None is a valid JSON value)


def read_doc(reader: LineReader, max_bytes: int = DOC_MAX_BYTES) -> str:
    text = reader.read_text(max_bytes)
    return text[1:] if text.startswith("\ufeff") else text


def short(value: Any, limit: int = MESSAGE_MAX) -> str:
    """A bounded one-line rendering for messages and attrs (a 1 MB string stays out)."""
    text = value if isinstance(value, str) else str(value)
    text = text.replace("\r", " ").replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + f"… [{len(text) - limit} chars cut]"


# --- XML ----------------------------------------------------------------------------------------

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


def parse_xml(text: str, ctx: ParseContext, what: str) -> Element | None:
    """Parse with defusedxml; DTDs, entities and external references are refused (one warning)."""
    # The declaration may name an encoding the (already decoded) text no longer has.
    body = _XML_DECL.sub("", text, count=1)
    if not body.strip():
        ctx.warn(f"{what}: empty document", 1)
        return None
    try:
        return DefusedET.fromstring(body.encode("utf-8"), forbid_dtd=True)
    except defusedxml.DefusedXmlException as exc:
        ctx.warn(f"{what}: refused unsafe XML ({type(exc).__name__})", 1)
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else 1
        ctx.warn(f"{what}: malformed XML ({exc})", line)
    except (ValueError, RecursionError, MemoryError) as exc:
        ctx.warn(f"{what}: unreadable XML ({type(exc).__name__})", 1)
    return None


def local(tag: Any) -> str:
    """Tag name without its ``{namespace}``."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def child(el: Element | None, *names: str) -> Element | None:
    """Descend by local names (namespace-agnostic), first match at each step."""
    cur = el
    for name in names:
        if cur is None:
            return None
        cur = next((c for c in cur if local(c.tag) == name), None)
    return cur


def children(el: Element | None, name: str) -> list[Element]:
    return [] if el is None else [c for c in el if local(c.tag) == name]


def text_of(el: Element | None, *names: str) -> str | None:
    node = child(el, *names) if names else el
    if node is None or node.text is None:
        return None
    value = node.text.strip()
    return value or None


def descendants(el: Element, name: str) -> list[Element]:
    return [n for n in el.iter() if local(n.tag) == name]


# --- JSON ---------------------------------------------------------------------------------------


def load_json(text: str, ctx: ParseContext, what: str) -> Any:
    """The decoded document, or BAD after one warning (malformed, truncated, too deep)."""
    if not text.strip():
        ctx.warn(f"{what}: empty document", 1)
        return BAD
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        ctx.warn(f"{what}: malformed or truncated JSON ({exc.msg} at line {exc.lineno})", exc.lineno)
    except RecursionError:
        ctx.warn(f"{what}: JSON nested too deeply", 1)
    except (ValueError, MemoryError) as exc:
        ctx.warn(f"{what}: unreadable JSON ({type(exc).__name__})", 1)
    return BAD


def ci_get(obj: Any, key: str, default: Any = None) -> Any:
    """Case-insensitive dict lookup (the agent case-folds vmSettings keys)."""
    if not isinstance(obj, dict):
        return default
    if key in obj:
        return obj[key]
    low = key.lower()
    for k, v in obj.items():
        if isinstance(k, str) and k.lower() == low:
            return v
    return default


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "y", "yes", "1"):
            return True
        if low in ("false", "n", "no", "0"):
            return False
    return None


# --- URLs, hosts, clouds ------------------------------------------------------------------------

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]{0,15}://)[^/@\s]*@")


def url_parts(url: str) -> tuple[str | None, str | None]:
    """(host, url without query/fragment/userinfo): the SAS token never survives."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return None, None
    if not host:
        return None, None
    port = ""
    try:
        if parts.port:
            port = f":{parts.port}"
    except ValueError:
        port = ""
    return host, f"{parts.scheme}://{host}{port}{parts.path}"


def strip_userinfo(text: str) -> str:
    """``http://user:pass@proxy`` → ``http://proxy``."""
    return _USERINFO.sub(r"\1", text)


_CLOUD_SUFFIXES = (
    (".core.windows.net", "AzureCloud"),
    (".storage.azure.net", "AzureCloud"),  # DNS-zone storage endpoints (z<N>.blob.storage.azure.net)
    (".core.chinacloudapi.cn", "AzureChinaCloud"),
    (".core.usgovcloudapi.net", "AzureUSGovernment"),
    (".core.cloudapi.de", "AzureGermanCloud"),
)


def cloud_for_host(host: str | None) -> str | None:
    if not host:
        return None
    low = host.lower()
    for suffix, cloud in _CLOUD_SUFFIXES:
        if low.endswith(suffix):
            return cloud
    return None


# --- Paths: history folders, incarnations, handler directories ---------------------------------

# 2.2.31-2.2.52: history/2018-04-06T08:21:37.142697[.zip]; 2.2.53-2.7: <iso>_incarnation_N;
# 2.8+: history/2024-05-01T10-00-00__3 or __3-<etag> (all UTC).
_HISTORY = re.compile(
    r"history/(?P<stamp>\d{4}-\d\d-\d\dT\d\d[-:]\d\d[-:]\d\d(?:\.\d+)?)"
    r"(?:__(?P<tag>\d+)(?:-[^/!]*)?|_incarnation_(?P<inc>\d+))?"
)


def history_stamp(*paths: str) -> tuple[datetime | None, str, int | None]:
    """(UTC wall, raw stamp, incarnation) of a history folder named in any of the paths."""
    for path in paths:
        m = _HISTORY.search(path or "")
        if not m:
            continue
        raw = m.group("stamp")
        date, _, clock = raw.partition("T")
        clock = clock.replace("-", ":")
        try:
            wall = datetime.fromisoformat(f"{date}T{clock}")
        except ValueError:
            wall = None
        inc = m.group("tag") or m.group("inc")
        return wall, raw, int(inc) if inc else None
    return None, "", None


def name_of(path: str) -> str:
    return path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].rsplit("!", 1)[-1]


def incarnation_from_name(path: str) -> int | None:
    """``GoalState.12.xml`` / ``ExtensionsConfig.12.xml`` / ``VmSettings.12.json`` → 12."""
    m = re.search(r"\.(\d+)\.(?:xml|json)$", name_of(path))
    return int(m.group(1)) if m else None


_HANDLER_DIR = re.compile(r"^(?P<name>[A-Za-z][\w.]*?)-(?P<version>\d+(?:\.\d+)+)$")


def handler_from_path(*paths: str) -> tuple[str | None, str | None]:
    """``…/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/status/3.status`` → name, version."""
    for path in paths:
        for part in reversed((path or "").replace("\\", "/").replace("!", "/").split("/")):
            m = _HANDLER_DIR.match(part) if len(part) < 300 else None
            if m:
                return m.group("name"), m.group("version")
    return None, None


def line_of(text: str, needle: str, start: int = 0) -> int:
    """1-based line of the first ``needle`` at or after ``start`` (documents lack line info)."""
    pos = text.find(needle, start) if needle else -1
    return text.count("\n", 0, pos) + 1 if pos >= 0 else 1


# --- Times --------------------------------------------------------------------------------------

_TICKS_EPOCH = datetime(1, 1, 1)


def ticks_to_wall(ticks: Any) -> datetime | None:
    """.NET ticks (100 ns since 0001-01-01 UTC: createdOnTicks, extensionsLastModifiedTickCount)."""
    value = as_int(ticks)
    if value is None or value <= 0:
        return None
    try:
        return _TICKS_EPOCH + timedelta(microseconds=value // 10)
    except OverflowError:
        return None


def parse_utc_stamp(raw: Any) -> datetime | None:
    """``2019-06-06T23:52:59Z`` (status files) → naive UTC datetime, None if impossible."""
    if not isinstance(raw, str) or len(raw) < 19:
        return None
    text = raw.strip()
    if text.endswith("Z"):
        text = text[:-1]
    try:
        wall = datetime.fromisoformat(text)
    except ValueError:
        return None
    if wall.tzinfo is not None:
        wall = wall.astimezone(UTC).replace(tzinfo=None)
    return wall


_MS_DATE = re.compile(r"/Date\((-?\d+)\)/")


def parse_ms_date(raw: Any) -> datetime | None:
    """``\\/Date(1559865179380)\\/`` (the extension's uploaded document) → naive UTC."""
    m = _MS_DATE.search(raw) if isinstance(raw, str) else None
    if not m:
        return None
    try:
        return datetime(1970, 1, 1) + timedelta(milliseconds=int(m.group(1)))
    except OverflowError:
        return None


# --- INI-like configuration files ---------------------------------------------------------------

_SECRET_KEY = re.compile(r"(?i)(pass|pwd|secret|token|cred|key$|accountkey|connection)")


def is_secret_key(key: str) -> bool:
    return bool(_SECRET_KEY.search(key))


_URL = re.compile(r"(?i)\bhttps?://[^\s\"'<>\\]+")


def scrub_urls(text: str) -> str:
    """Every URL in free text cut to scheme + host + path (SAS tokens live in the query)."""

    def _safe(m: re.Match[str]) -> str:
        _host, safe = url_parts(m.group(0))
        return safe or "<url>"

    return _URL.sub(_safe, text) if "://" in text else text


def bounded(attrs: dict[str, Any], limit: int = 300) -> dict[str, Any]:
    """Attrs with every string cut to ``limit`` (document values can be arbitrarily long)."""
    return {k: short(v, limit) if isinstance(v, str) and len(v) > limit else v for k, v in attrs.items()}


def opt_text(value: Any, limit: int = 200) -> str | None:
    """A scalar document value as bounded text (numbers become text), None for anything else."""
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        return None
    return short(str(value), limit)


def guarded(events: Iterable[Event], ctx: ParseContext, message_limit: int = 4000) -> Iterator[Event]:
    """Bound every string a parser took from a document: messages, attrs, handler names, facts.

    A safety net on top of the parsers' own care, so a hostile document (a megabyte where an id
    belongs) cannot bloat the timeline or the report.
    """
    first_fact = len(ctx.facts)
    for event in events:
        if len(event.message) > message_limit:
            event.message = event.message[:message_limit] + f"… [{len(event.message) - message_limit} chars cut]"
        event.attrs = bounded(event.attrs)
        if event.handler and len(event.handler) > 200:
            event.handler = short(event.handler, 200)
        if event.handler_version and len(event.handler_version) > 60:
            event.handler_version = short(event.handler_version, 60)
        if len(event.time_raw) > 100:
            event.time_raw = short(event.time_raw, 100)
        yield event
    for fact in ctx.facts[first_fact:]:
        if isinstance(fact.value, str) and len(fact.value) > 300:
            fact.value = short(fact.value, 300)
        fact.attrs = bounded(fact.attrs)


class RoleIdentity:
    """Deployment, role, instance and incarnation as HostingEnvironmentConfig and SharedConfig state them."""

    def __init__(self, root: Element) -> None:
        deployment, role, inc = child(root, "Deployment"), child(root, "Role"), child(root, "Incarnation")
        self.deployment = deployment.get("name") if deployment is not None else None
        self.role = role.get("name") if role is not None else None
        self.instance = inc.get("instance") if inc is not None else None
        self.incarnation = as_int(inc.get("number")) if inc is not None else None
        if self.incarnation is None:
            self.incarnation = as_int(root.get("goalStateIncarnation"))

    def record(self, ctx: ParseContext, text: str, source: str) -> None:
        """The deployment.name, role.name and role.instance facts, with their lines."""
        if self.deployment:
            ctx.fact("deployment.name", self.deployment, line=line_of(text, "<Deployment"), source=source)
        if self.role:
            ctx.fact("role.name", self.role, line=line_of(text, "<Role "), source=source)
        if self.instance:
            ctx.fact("role.instance", self.instance, line=line_of(text, "<Incarnation"), source=source)

    def event(self, document: str, wall: datetime | None, raw: str, extra: str, attrs: dict[str, Any]) -> Event:
        """One goal_state_fetch event naming the document and the identity it carries."""
        from analyzer.model import Clock, EventKind

        full = {"document": document, **attrs}
        for key, value in (
            ("incarnation", self.incarnation),
            ("deployment", self.deployment),
            ("role_name", self.role),
        ):
            if value is not None:
                full[key] = value
        message = (
            f"{document} deployment={self.deployment} role={self.role} instance={self.instance} "
            f"incarnation={self.incarnation}{extra}"
        )
        return Event(
            line=1,
            kind=EventKind.GOAL_STATE_FETCH,
            message=message,
            wall=wall,
            clock=Clock.UTC if wall else Clock.UNKNOWN,
            time_raw=raw,
            attrs=full,
        )
