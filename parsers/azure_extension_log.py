"""Logs of the other extensions under ``/var/log/azure/<handler>/`` (generic, low priority).

They matter as context: another handler's long or failed operation blocks the agent's one-at-a-time
extension queue, and other backup / replication extensions (e.g. Site Recovery
``Microsoft.Azure.RecoveryServices.SiteRecovery.Linux``) freeze the same file systems.  So this
parser frames the common timestamp styles and classifies only what that needs: operation starts
and ends, exit codes, timeouts, HTTP and network failures, Python errors, full disks and memory.

Framing: a record starts at a line carrying a known stamp, other lines continue it.  Stamps:
``YYYY/MM/DD HH:MM:SS[.f]`` (the old HandlerUtil / agent logger; VM local time, every physical
line stamped), ISO ``YYYY-MM-DD[T ]HH:MM:SS[.f][Z|±hh:mm]`` and Go logfmt ``time=…`` (UTC when the
zone says so, converted when it is an offset, unknown when absent), ``[YYYY-MM-DD HH:MM:SS…]``, and
``date`` output.  Level from an ``ERROR``/``WARNING``/``INFO`` word or ``level=`` near the start;
handler from a ``[Name-1.0]`` prefix, else from the folder name.  Lines at INFO level (or without a
level) that match nothing and say nothing of errors are ``routine``: only unexplained error-ish
records count as unclassified.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from analyzer.model import Clock, Event, EventKind
from parsers import registry
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.patterns import Pattern, PatternSet, Sample
from parsers.vmsnapshot_messages import exception_of
from parsers.vmsnapshot_shell_log import parse_date_text

KIND = "azure_extension_log"
K = EventKind

_SLASH = re.compile(r"(\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)(?: |$)")
_ISO = re.compile(
    r"(?:time=\"?)?(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?\"?(?:[ ,\]|]|$)"
)
_BRACKET = re.compile(r"\[(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,:](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?\]")
_DATE = re.compile(r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) [^\n]{6,40}?\d{2}:\d{2}:\d{2}[^\n]{0,20}?\d{4}")
_PREFIX = re.compile(r"\[([\w.\-]+?)-\d+(?:\.\d+)*\]")
_LEVEL = re.compile(r"(?<![\w-])(ERROR|Error|error|FATAL|CRITICAL|WARNING|WARN|Warning|warning|INFO|Info|info|"
                    r"VERBOSE|DEBUG|Debug|debug|TRACE)(?![\w-])")
_LOGFMT_LEVEL = re.compile(r"\blevel=\"?(\w+)")
# what precedes the message proper: a handler prefix, "ERROR:"-style tags, a level word
_LEAD = re.compile(
    r"^(?:\[[\w.\-]+?-\d+(?:\.\d+)*\]\s*|(?:ERROR|WARNING|WARN|INFO|VERBOSE|DEBUG):?\s+|ERROR:|WARNING:)+"
)
_LEVEL_MAP = {"error": "ERROR", "fatal": "ERROR", "critical": "ERROR", "warning": "WARNING", "warn": "WARNING",
              "info": "INFO", "verbose": "VERBOSE", "debug": "VERBOSE", "trace": "VERBOSE"}
_ERRORISH = re.compile(r"(?i)error|fail|exception|denied|refused|unable|cannot|can't|not found|timed? ?out|"
                       r"traceback|killed|abort")
_OPS = {"enable": K.EXT_ENABLE, "install": K.EXT_INSTALL, "disable": K.EXT_DISABLE, "uninstall": K.EXT_UNINSTALL,
        "update": K.EXT_UPDATE}


def _p(pid: str, kind: EventKind, lits: tuple[str, ...], rx: str = "", **attrs: Any) -> Pattern:
    groups = re.compile(rx).groupindex if rx else {}
    conv = {g: int for g in ("exit_code", "seq", "http_status", "errno") if g in groups}
    return Pattern(pid, kind, lits, regex=rx, attrs=attrs, convert=conv)


PATTERNS = PatternSet(
    [
        _p("disk_full", K.DISK_FULL, ("No space left on device", "[Errno 28]", "ENOSPC"), errno=28),
        _p("out_of_memory", K.OOM, ("MemoryError", "Cannot allocate memory", "Out of memory", "out of memory",
                                   "OOMKilled", "oom-kill")),
        _p("status_csv", K.EXT_STATUS, ("Enable,", "Install,", "Disable,", "Uninstall,", "Update,", "Daemon,",
                                       "Executing,"),
           r"^(?P<operation>Enable|Install|Disable|Uninstall|Update|Daemon|Executing),(?P<status>success|error|"
           r"transitioning|warning|failed),(?P<code>-?\d+),"),
        _p("logfmt_operation", K.EXT_ENABLE, ("operation=",),
           r"\boperation=\"?(?P<operation>[A-Za-z]+)\"?(?:.*?\bseq=(?P<seq>\d+))?(?:.*?\bevent=\"?(?P<event>[^\"]+?)\"?"
           r"(?:\s+\w+=|$))?"),
        _p("operation_start", K.EXT_ENABLE, ("nable", "nstall", "isable", "pdate"),
           r"(?i)^(?:\[[^\]]*\]\s*)?(?:starting |start )?(?P<operation>enable|install|disable|uninstall|update)"
           r"(?: extension| command| operation)?"
           r"(?: (?P<event>start(?:ed|ing)?|succeeded|completed|finished|failed))\b"),
        _p("exit_code", K.EXT_COMMAND_RESULT, ("exit code", "Exit code", "exit status", "exitCode", "exit_code",
                                              "exited with", "returned from", "return code", "returncode"),
           r"(?i)(?:exit(?:ed with)?(?:[ _]?(?:code|status))?|returncode|return code)[\"']?\s*[:=]?\s*"
           r"(?P<exit_code>-?\d+)|(?P<exit_code2>-?\d+) returned from"),
        _p("timeout", K.EXT_COMMAND_RESULT, ("timed out", "Timed out", "timed-out", "TimedOut", "Timeout(",
                                            "deadline exceeded"), timeout=True),
        _p("network", K.HTTP_ERROR, ("Connection refused", "Connection reset", "Network is unreachable",
                                    "No route to host", "Name or service not known", "Temporary failure in name "
                                    "resolution", "[Errno 111]", "[Errno 113]", "[Errno 101]", "certificate verify "
                                    "failed", "SSL: ", "ProxyError"), error="network"),
        _p("http_status", K.HTTP_ERROR, ("HTTP", "status code", "StatusCode", "statusCode", "status="),
           r"(?:HTTP(?:/1\.[01]| Error| error|Error)?|[Ss]tatus ?[Cc]ode|status)[\"']?\s*[:= ]\s*"
           r"(?P<http_status>[1-5]\d\d)"
           r"(?!\d)"),
        _p("python_error", K.PYTHON, ("Traceback (most recent call last)", "ModuleNotFoundError", "ImportError",
                                     "SyntaxError", ", stack trace: ")),
    ]
)

SAMPLES = (
    Sample("2024/01/14 22:10:01 [Microsoft.OSTCExtensions.VMAccessForLinux-1.5]ERROR:[Errno 28] No space left on "
           "device", K.DISK_FULL, attrs={"errno": 28}),
    Sample("2024-01-14T22:10:01.123456Z ERROR Out of memory: killed process 4242 (python3)", K.OOM, level="ERROR"),
    Sample("2017/01/10 08:26:15 [Microsoft.OSTCExtensions.CustomScriptForLinux-1.5.2.1] Daemon,success,0,Command is "
           "finished.", K.EXT_STATUS, handler="Microsoft.OSTCExtensions.CustomScriptForLinux",
           attrs={"operation": "daemon", "status": "success", "code": "0"}),
    Sample("time=2024-01-14T21:55:02Z version=v2.1.10/git@a1b2c3d-clean operation=enable seq=3 event=start",
           K.EXT_ENABLE, attrs={"operation": "enable", "seq": 3, "event": "start"}),
    Sample("2024-01-14 21:55:03,120 INFO Enable started", K.EXT_ENABLE, level="INFO", attrs={"operation": "enable"}),
    Sample("2024-01-14T22:10:02Z ERROR ExtHandler script exited with exit code 127", K.EXT_COMMAND_RESULT,
           level="ERROR", attrs={"exit_code": 127}),
    Sample("2024-01-14T22:25:00Z ERROR Command timed out after 5400 seconds", K.EXT_COMMAND_RESULT,
           attrs={"timeout": True}),
    Sample("2024-01-14T22:25:00Z WARNING Failed to connect: [Errno 111] Connection refused", K.HTTP_ERROR,
           level="WARNING", attrs={"error": "network"}),
    Sample("2024-01-14T22:25:00Z ERROR Download failed, HTTP Error 404: Not Found", K.HTTP_ERROR,
           attrs={"http_status": 404}),
    Sample("2024/01/14 22:10:01 [Microsoft.Azure.RecoveryServices.SiteRecovery.Linux-1.0]Failed: Traceback (most "
           "recent call last):\nValueError: bad value", K.PYTHON, attrs={"exception": "ValueError"}),
    Sample("2024-01-14T22:25:00Z INFO Heartbeat ok", K.ROUTINE, level="INFO"),
)


def _handler_from_path(path: str) -> str | None:
    """``var/log/azure/<handler>/…/x.log`` → ``<handler>``; None for a file directly in ``azure/``."""
    parts = path.replace("\\", "/").split("/")
    for i in range(1, len(parts) - 2):
        if parts[i] == "azure" and parts[i - 1] == "log":
            return parts[i + 1]
    return None


def _iso_wall(day: str, clock_text: str, frac: str | None, zone: str | None) -> tuple[datetime | None, Clock]:
    try:
        wall = datetime.fromisoformat(f"{day} {clock_text}")
    except ValueError:
        return None, Clock.UNKNOWN
    if frac:
        wall = wall.replace(microsecond=int(frac.ljust(6, "0")[:6]))
    if zone is None:
        return wall, Clock.UNKNOWN
    if zone == "Z":
        return wall, Clock.UTC
    sign = -1 if zone[0] == "-" else 1
    hh, mm = int(zone[1:3]), int(zone[-2:])
    return wall - sign * timedelta(hours=hh, minutes=mm), Clock.UTC


def _stamp(text: str) -> tuple[datetime | None, Clock, str, str, str] | None:
    """(wall, clock, raw, rest, style) of a record's first line, or None for a continuation line."""
    if not text:
        return None
    c = text[0]
    if c.isdigit():
        m = _SLASH.match(text)
        if m:
            raw = m.group(1)
            try:
                wall: datetime | None = datetime.fromisoformat(raw.replace("/", "-", 2))
            except ValueError:
                wall = None
            return wall, Clock.LOCAL, raw, text[m.end():], "slash"
        m = _ISO.match(text)
        if m:
            wall, clock = _iso_wall(m.group(1), m.group(2), m.group(3), m.group(4))
            return wall, clock, text[: m.end()].strip(" ,]|"), text[m.end():].lstrip(" ,]|"), "iso"
        return None
    if c == "t" and text.startswith("time="):
        m = _ISO.match(text)
        if m:
            wall, clock = _iso_wall(m.group(1), m.group(2), m.group(3), m.group(4))
            return wall, clock, text[5: m.end()].strip(' "'), text, "logfmt"
        return None
    if c == "[":
        m = _BRACKET.match(text)
        if m:
            wall, clock = _iso_wall(m.group(1), m.group(2), m.group(3), m.group(4))
            return wall, clock, m.group(0)[1:-1], text[m.end():].lstrip(), "bracket"
        return None
    if c in "MTWFS":
        m = _DATE.match(text)
        if m:
            wall, zone = parse_date_text(m.group(0))
            clock = Clock.UTC if zone in ("UTC", "GMT") else Clock.LOCAL if zone else Clock.UNKNOWN
            return wall, clock, m.group(0), text[m.end():].lstrip(" -:"), "date"
    return None


def _level(rest: str) -> str | None:
    m = _LOGFMT_LEVEL.search(rest)
    if m:
        return _LEVEL_MAP.get(m.group(1).lower())
    head = rest[:48]
    m = _LEVEL.search(head)
    return _LEVEL_MAP.get(m.group(1).lower()) if m else None


def _classify(text: str) -> tuple[EventKind, dict[str, Any]] | None:
    m = PATTERNS.match(text[:4096])  # bounded work on hostile lines; records say what they are up front
    if m is None:
        return None
    kind, attrs = m.pattern.kind, dict(m.attrs)
    pid = m.pattern.id
    if "exit_code2" in attrs:
        attrs["exit_code"] = int(attrs.pop("exit_code2"))
    if "operation" in attrs:
        attrs["operation"] = str(attrs["operation"]).lower()
        if pid in ("logfmt_operation", "operation_start"):
            kind = _OPS.get(attrs["operation"], K.EXT_STATUS)
    if "code" in attrs:
        attrs["code"] = str(attrs["code"])
    if pid == "http_status" and attrs.get("http_status", 0) < 400:
        kind = K.ROUTINE
    exc = exception_of(text)
    if exc:
        attrs["exception"] = exc
    return kind, attrs


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    folder = _handler_from_path(ctx.path)
    cur: list[Any] | None = None  # [line, wall, clock, raw, style, lines, handler]
    for no, text in reader.lines():
        st = _stamp(text)
        if st is not None and cur is not None and st[4] == "slash" == cur[4] and st[2] == cur[3]:
            rest = st[3]
            body = rest[6:] if rest.startswith("ERROR:") else rest[8:] if rest.startswith("WARNING:") else rest
            if not _PREFIX.match(body.lstrip()):
                cur[5].append(body)  # the old logger stamps (and tags) every line of one message
                continue
        if st is None:
            if cur is None:
                cur = [no, None, Clock.UNKNOWN, "", "none", [], folder]
            cur[5].append(text)
            continue
        if cur is not None:
            yield _event(cur, ctx)
        wall, clock, raw, rest, style = st
        if wall is None and raw:
            ctx.warn(f"impossible timestamp {raw!r}", no)
        handler = folder
        pm = _PREFIX.search(rest[:200])
        if pm is not None and rest[: pm.start()].strip() in ("", "ERROR:", "WARNING:"):
            handler = pm.group(1)
        cur = [no, wall, clock, raw, style, [rest], handler]
    if cur is not None:
        yield _event(cur, ctx)


def _event(rec: list[Any], ctx: ParseContext) -> Event:
    line, wall, clock, raw, _style, lines, handler = rec
    message = "\n".join(lines).rstrip()
    level = _level(lines[0]) if lines else None
    ctx.records += 1
    found = _classify(_LEAD.sub("", message, count=1))
    if found is None:
        if level in ("INFO", "VERBOSE") or (level is None and not _ERRORISH.search(message)):
            kind, attrs = K.ROUTINE, {}
        else:
            ctx.unclassified += 1
            kind, attrs = K.OTHER, {}
    else:
        kind, attrs = found
    return Event(line=line, kind=kind, message=message, wall=wall, clock=clock, time_raw=raw, level=level,
                 handler=handler, handler_version=None, attrs=attrs)


registry.register(
    ParserSpec(
        name="other extension logs",
        kind=KIND,
        parse=parse,
        paths=("var/log/azure/*.log",),
        sniff=None,
        priority=-10,
        description="generic framing of other extensions' logs under /var/log/azure/<handler>/",
        samples=SAMPLES,
    )
)
