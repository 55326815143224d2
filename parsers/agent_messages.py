"""Classification of guest-agent (WALinuxAgent) log messages: kind and attrs.

Shared by every parser that reads agent records (waagent.log, CommandExecution.log, the
syslog/journal copy, pasted text).  :func:`classify` takes the *message* of one record (the text
after the header, continuation lines joined with ``\\n``) and returns ``(EventKind, attrs)``.

How it works:

* The pattern tables (each with its real-format sample lines) live in
  :mod:`parsers.agent_messages_core` (versions, start/stop/crash, disk full, the ``Event:``
  record, decoded in :mod:`parsers.agent_messages_event`), :mod:`parsers.agent_messages_gs`
  (goal state), :mod:`parsers.agent_messages_ext` and :mod:`parsers.agent_messages_ext_status`
  (extension handling), :mod:`parsers.agent_messages_net` (HTTP, WireServer, DHCP, firewall,
  status upload), :mod:`parsers.agent_messages_misc` (environment, config banners, self-update,
  cgroups) and :mod:`parsers.agent_messages_routine` (provisioning, routine lines).  They are
  joined into one :class:`~parsers.patterns.PatternSet` in that order, specific shapes first,
  catch-alls last.
* Patterns are matched against the **first line** only: later lines are tracebacks or extension
  ``[stdout]``/``[stderr]`` text, whose words must not decide what the record is.
* Post-processing by pattern id fills structured attrs (``Event:`` records, the
  ``Executing command`` environment JSON, extension-status tuple lists), then enrichers read the
  whole record for exit codes, timeouts, HTTP details, ``[Errno N]`` and the Python exception of
  a traceback.

Format strings were checked against Azure/WALinuxAgent tags v2.2.14 … v2.15.0.1 and branch
``archive/2.0`` (see ``/work/shared/reference/waagent-formats.md`` §2).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from analyzer.model import EventKind
from parsers.patterns import Pattern, PatternSet, Sample

K = EventKind
V = r"\d+(?:\.\d+)+"  # a dotted version
# For the sample records of the tables: the backup extension as the agent names it.
VMS = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
VMS_PREFIX = f"ExtHandler [{VMS}-1.0.9225.0]"
VMS_DIR = f"/var/lib/waagent/{VMS}-1.0.9225.0"

# Attrs that are integers wherever they appear (named groups come out as text).
INT_ATTRS = frozenset(
    (
        "seq",
        "exit_code",
        "timeout_s",
        "http_status",
        "port",
        "errno",
        "duration_ms",
        "pid",
        "counter",
        "update_gs_errors",
        "dropped_packets",
        "attempts",
        "attempt",
        "period_s",
        "restarts",
        "seconds",
        "sleep_s",
        "failures",
        "signal",
    )
)

# A generic kind that a more telling signal (disk full, a traceback) may replace.
WEAK_KINDS = frozenset((K.OTHER, K.ROUTINE, K.PYTHON))

# ---------------------------------------------------------------------------------------------
# Post-processing by pattern id and generic enrichers.
# ---------------------------------------------------------------------------------------------

PostFn = Callable[[str, dict[str, Any], "str | None"], "EventKind | None"]

_OPERATION_RE = re.compile(r"(?:^|[\s/_.-])(uninstall|install|enable|disable|update)(?=$|[\s/_.-])", re.IGNORECASE)
OPERATION_KIND = {
    "install": K.EXT_INSTALL,
    "enable": K.EXT_ENABLE,
    "disable": K.EXT_DISABLE,
    "uninstall": K.EXT_UNINSTALL,
    "update": K.EXT_UPDATE,
    "download": K.EXT_DOWNLOAD,
}
_EXT_DIR_RE = re.compile(rf"/(?P<name>[A-Za-z][^/\s]*?)-(?P<version>{V})/")
_TUPLE_RE = re.compile(r"\(\s*u?'(?P<name>[^']*)',\s*u?'(?P<status>[^']*)'\s*\)")
_TERMINAL = frozenset(("success", "error", "Ready", "NotReady"))
ERROR_TAG_RE = re.compile(r"\[(?P<cls>[A-Z]\w*(?:Error|Exception))\]")


def operation_of(command: str) -> str | None:
    """install | enable | disable | uninstall | update, from a handler command line."""
    found = _OPERATION_RE.findall(command)
    return found[-1].lower() if found else None


def _split_gs_id(attrs: dict[str, Any]) -> None:
    """incarnation_N → incarnation N; etag_E → etag E (2.8+ extensions goal state ids)."""
    gs_id = attrs.pop("gs_id", None)
    if not gs_id:
        return
    if gs_id.startswith("incarnation_"):
        attrs.setdefault("incarnation", gs_id[len("incarnation_") :])
    elif gs_id.startswith("etag_"):
        attrs.setdefault("etag", gs_id[len("etag_") :])
    else:
        attrs.setdefault("incarnation", gs_id)


def post_summary(message: str, attrs: dict[str, Any], level: str | None) -> EventKind | None:
    pairs = _TUPLE_RE.findall(message)
    if pairs:
        attrs["extensions"] = dict(pairs)
        attrs["pending"] = [name for name, status in pairs if status not in _TERMINAL]
    return None


def post_command(message: str, attrs: dict[str, Any], level: str | None) -> EventKind | None:
    """Handler command lines: the operation decides the kind; the path gives name and version."""
    command = attrs.get("command", "")
    op = attrs.get("operation") or operation_of(command)
    if op:
        attrs["operation"] = op
    m = _EXT_DIR_RE.search(command)
    if m is not None:
        attrs.setdefault("name", m.group("name"))
        attrs.setdefault("version", m.group("version"))
    return OPERATION_KIND.get(op or "")


def post_executing(message: str, attrs: dict[str, Any], level: str | None) -> EventKind | None:
    """``Executing command: <path> with environment variables: {json}`` (2.3+)."""
    env_text = attrs.pop("env", "")
    env: dict[str, Any] = {}
    try:
        loaded = json.loads(env_text)
        if isinstance(loaded, dict):
            env = loaded
    except ValueError:
        # Cut or odd JSON: take the two values that matter with a regex.
        for key in ("ConfigSequenceNumber", "AZURE_GUEST_AGENT_EXTENSION_VERSION", "ConfigExtensionName"):
            m = re.search(rf'"{key}": "([^"]*)"', env_text)
            if m:
                env[key] = m.group(1)
    seq = env.get("ConfigSequenceNumber")
    if seq is not None:
        attrs["seq"] = seq
    if env.get("AZURE_GUEST_AGENT_EXTENSION_VERSION"):
        attrs["version"] = env["AZURE_GUEST_AGENT_EXTENSION_VERSION"]
    if env.get("ConfigExtensionName"):
        attrs["extension_name"] = env["ConfigExtensionName"]
    return post_command(message, attrs, level)


_HEAD_LIMIT = 4096


def head_of(message: str) -> str:
    """The agent's own words: the record up to any embedded extension output."""
    cut = message.find("\n[stdout]")
    head = message if cut < 0 else message[:cut]
    return head[:_HEAD_LIMIT]


_EXIT_RE = re.compile(r"Non-zero exit code: (?P<exit_code>-?\d+)")
_TIMEOUT_RE = re.compile(r"Timeout\((?P<timeout_s>\d+)\)")
_THROTTLED_RE = re.compile(r"CPUThrottledTime\((?P<cpu_throttled_s>[\d.]+)secs\)")
_ERRNO_RE = re.compile(r"\[Errno (?P<errno>-?\d+)\]")
_URL_RE = re.compile(r"(?:(?P<method>GET|PUT|POST|HEAD|DELETE) )?(?P<url>https?://[^\s\]\[',\"]+)")
# user:pass@ is skipped; a URL cut after "user:pass" (no "@", no numeric port) names no host
_HOSTPORT_RE = re.compile(r"^https?://(?:[^/?#@\s]*@)?(?P<host>[^/:?#@]+)(?::(?P<port>\d+))?(?=$|[^\w:.-])")
_STATUS_CODE_RE = re.compile(r"Status Code:? (?P<http_status>\d{3})\b|\[(?P<http_status2>\d{3}): [^\]]*\]")
_IOERROR_RE = re.compile(r"IOError (?P<io_error>.+?)(?: -- \d+ attempts made|$|\n)")
_ATTEMPTS_RE = re.compile(r"-- (?P<attempts>\d+) attempts made")


# Agents up to 2.2.1x tagged errors with a number instead of the class name.
_NUMBERED_ERRORS = {
    "000001": "AgentConfigError",
    "000002": "AgentNetworkError",
    "000003": "ExtensionError",
    "000004": "ProvisionError",
    "000005": "ResourceDiskError",
    "000006": "DhcpError",
    "000007": "OSUtilError",
    "000008": "ProtocolError",
    "000009": "HttpError",
    "000010": "EventError",
    "000011": "CryptError",
    "000012": "UpdateError",
}
_NUMBERED_TAG_RE = re.compile(r"\[(?P<code>0000\d\d)\]")


def enrich_exec(head: str, attrs: dict[str, Any]) -> None:
    for mark, rx in (("Non-zero exit code", _EXIT_RE), ("Timeout(", _TIMEOUT_RE), ("CPUThrottledTime", _THROTTLED_RE)):
        if mark not in head:  # cheap check first: most records carry none of these
            continue
        m = rx.search(head)
        if m is not None:
            for key, value in m.groupdict().items():
                attrs.setdefault(key, value)
    if "error_class" not in attrs and "[" in head:
        # Each regex needs a literal of its own ("Error]" / "Exception]", "[0000"): test that first,
        # since most records with a bracket (HTTP lines, handler prefixes) carry no error tag.
        m = ERROR_TAG_RE.search(head) if "Error]" in head or "Exception]" in head else None
        if m is not None:
            attrs["error_class"] = m.group("cls")
        elif "[0000" in head:
            n = _NUMBERED_TAG_RE.search(head)
            if n is not None and n.group("code") in _NUMBERED_ERRORS:
                attrs["error_class"] = _NUMBERED_ERRORS[n.group("code")]


def strip_query(url: str) -> str:
    """A URL without its query string or fragment (SAS tokens live there)."""
    return url.split("?", 1)[0].split("#", 1)[0]


def _enrich_http(head: str, attrs: dict[str, Any]) -> None:
    # Plain "in" tests: cheaper than any() over a generator on every record.
    if (
        "http" not in head
        and "[HTTP" not in head
        and "Status Code" not in head
        and "IOError" not in head
        and "HttpException" not in head
        and "[Wireserver" not in head
    ):
        return
    if "url" not in attrs:
        best = None
        for m in _URL_RE.finditer(head):
            if best is None or (m.group("method") and not best.group("method")):
                best = m
            if best.group("method"):
                break
        if best is not None:
            url = strip_query(best.group("url")).rstrip(".:;)")
            attrs["url"] = url
            if best.group("method"):
                attrs.setdefault("method", best.group("method"))
            hm = _HOSTPORT_RE.match(url)
            if hm is not None:
                attrs.setdefault("host", hm.group("host"))
                if hm.group("port"):
                    attrs.setdefault("port", hm.group("port"))
    # Literal gates as in enrich_exec: "Status Code" or "[" + ": " for the status, " attempts made".
    if "http_status" not in attrs and ("Status Code" in head or ("[" in head and ": " in head)):
        m = _STATUS_CODE_RE.search(head)
        if m is not None:
            attrs["http_status"] = m.group("http_status") or m.group("http_status2")
    if "io_error" not in attrs and "IOError " in head:
        m = _IOERROR_RE.search(head)
        if m is not None:
            attrs["io_error"] = m.group("io_error").strip()
    if "attempts" not in attrs and " attempts made" in head:
        m = _ATTEMPTS_RE.search(head)
        if m is not None:
            attrs["attempts"] = m.group("attempts")


_EXC_LINE_RE = re.compile(r"^(?P<exc>[A-Za-z_][\w.]*)(?::|$)")


def exception_of(message: str) -> str | None:
    """The exception type of the last Python traceback in the text, if any."""
    if "Traceback (most recent call last)" not in message:
        return None
    found = None
    in_tb = False
    for line in message.split("\n"):
        if line.startswith("Traceback (most recent call last)") or line.endswith("Traceback (most recent call last):"):
            in_tb = True
            continue
        if in_tb and line[:1] not in (" ", "\t", ""):
            m = _EXC_LINE_RE.match(line)
            if m is not None:
                # "azurelinuxagent.common.exception.ProtocolError" → "ProtocolError"
                found = m.group("exc").rsplit(".", 1)[-1]
            in_tb = False
    return found


@dataclass(slots=True)
class MessageMatch:
    """Result of :func:`match_message`; ``pattern_id`` is None when nothing matched."""

    kind: EventKind
    attrs: dict[str, Any]
    pattern_id: str | None


def _to_int(attrs: dict[str, Any]) -> None:
    for key in INT_ATTRS.intersection(attrs):
        value = attrs[key]
        if isinstance(value, str):
            try:
                attrs[key] = int(value)
            except ValueError:
                del attrs[key]  # e.g. "exited with return code: None": no number, no attr


# Memo of whole results for short messages: periodic records repeat verbatim (in a verbose log two
# of three records are "Report vm agent status" or the same goal-state GET), and the result is a
# function of (message, level) alone.  Only results whose attrs are flat immutable values are kept,
# and every caller gets its own attrs dict (callers add to it).
_MEMO_MAX_LEN = 512
_MEMO_MAX_ENTRIES = 4096
_MEMO: dict[tuple[str, str | None, bool], MessageMatch] = {}
_FLAT = (str, int, float, bool, type(None))


def match_message(message: str, level: str | None = None, _nested: bool = False) -> MessageMatch:
    """Classify one record message; see the module docstring."""
    if len(message) > _MEMO_MAX_LEN:
        return _match_message(message, level, _nested)
    key = (message, level, _nested)
    hit = _MEMO.get(key)
    if hit is not None:
        return MessageMatch(hit.kind, dict(hit.attrs), hit.pattern_id)
    result = _match_message(message, level, _nested)
    if all(type(v) in _FLAT for v in result.attrs.values()):
        if len(_MEMO) >= _MEMO_MAX_ENTRIES:
            _MEMO.clear()
        _MEMO[key] = MessageMatch(result.kind, dict(result.attrs), result.pattern_id)
    return result


def _match_message(message: str, level: str | None, _nested: bool) -> MessageMatch:
    if not message.strip():
        # logger.info('') separators around goal-state processing (2.9+)
        return MessageMatch(K.ROUTINE, {"separator": True}, "separator")
    first = message.lstrip("\n").partition("\n")[0]
    found = _table().match(first)
    if found is not None and _nested and found.pattern.id == "event_record":
        found = None
    pattern_id = found.pattern.id if found is not None else None
    kind = found.pattern.kind if found is not None else K.OTHER
    attrs: dict[str, Any] = found.attrs if found is not None else {}
    if pattern_id is not None:
        post = _POST.get(pattern_id)
        if post is not None:
            new_kind = post(message, attrs, level)
            if new_kind is not None:
                kind = new_kind
            elif pattern_id == "event_record":
                kind, pattern_id = K.OTHER, None
        _split_gs_id(attrs)
    head = head_of(message)
    if not _nested:
        enrich_exec(head, attrs)
        _enrich_http(head, attrs)
        if "errno" not in attrs and "[Errno" in message:
            em = _ERRNO_RE.search(message)
            if em is not None:
                attrs["errno"] = em.group("errno")
        if "No space left on device" in message:
            attrs["errno"] = 28
            if kind in WEAK_KINDS:
                kind, pattern_id = K.DISK_FULL, pattern_id or "disk_full_text"
        exc = exception_of(message)
        if exc is not None:
            attrs.setdefault("exception", exc)
            if kind is K.OTHER:
                # A bare traceback record (2.2.45 logs traceback.format_exc() as its own record).
                kind, pattern_id = K.PYTHON, pattern_id or "traceback"
    _to_int(attrs)
    return MessageMatch(kind, attrs, pattern_id)


def classify(message: str, level: str | None = None) -> tuple[EventKind, dict[str, Any]]:
    """``(kind, attrs)`` of one agent record message; ``other`` when no pattern knows it."""
    result = match_message(message, level)
    return result.kind, result.attrs


# The tables import this module for its helpers, so they are joined lazily, on first use.
_POST: dict[str, PostFn] = {}
_TABLE: list[PatternSet] = []
_TABLE_MODULES = (
    "agent_messages_core",
    "agent_messages_gs",
    "agent_messages_ext",
    "agent_messages_ext_status",
    "agent_messages_net",
    "agent_messages_misc",
    "agent_messages_routine",
)


def _modules() -> list[Any]:
    import importlib

    return [importlib.import_module(f"parsers.{name}") for name in _TABLE_MODULES]


def _table() -> PatternSet:
    if not _TABLE:
        patterns: list[Pattern] = []
        for module in _modules():
            patterns.extend(module.PATTERNS)
            _POST.update(module.POST)
        _TABLE.append(PatternSet(patterns))
    return _TABLE[0]


def all_patterns() -> list[Pattern]:
    """Every pattern, in matching order (a test checks that the samples cover each one)."""
    return list(_table().patterns)


def all_samples() -> tuple[Sample, ...]:
    """The real-format sample records of every table, for the parser specs."""
    return tuple(sample for module in _modules() for sample in module.SAMPLES)


def iso_line(components: str, message: str, level: str = "INFO") -> str:
    """A sample line in the 2.2.47+ layout (the time is arbitrary)."""
    return f"2024-05-01T10:00:00.123456Z {level} {components} {message}"


def legacy_line(components: str, message: str, level: str = "INFO") -> str:
    """A sample line in the 2.1 … 2.2.45 layout."""
    return f"2019/10/07 21:52:28.615720 {level} {components} {message}"


def old_line(message: str) -> str:
    """A sample line in the 2.0.x layout (level tag glued to the message)."""
    return f"2016/07/13 10:00:00 {message}"
