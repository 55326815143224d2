"""Record framing of the guest agent's log format (WALinuxAgent), every era.

One agent ``logger.*`` call writes one *record*: a header line, then the rest of a multi-line
message as bare continuation lines.  The header changed four times (reference
``waagent-formats.md`` §1.2–1.5):

=========  ====================================================================  ===========
era        header                                                                clock
=========  ====================================================================  ===========
``2.0``    ``YYYY/MM/DD HH:MM:SS [ERROR:|WARNING:]msg`` (every physical line)      local
``legacy`` ``YYYY/MM/DD HH:MM:SS.ffffff LEVEL [prefix ]msg`` (2.1 … 2.2.45)          local
``2.2.46`` ``YYYY-MM-DDTHH:MM:SS.ffffffZ LEVEL prefix msg`` (no thread)             UTC
``iso``    ``YYYY-MM-DDTHH:MM:SS.ffffffZ LEVEL thread [prefix ]msg`` (2.2.47+)       UTC
=========  ====================================================================  ===========

:func:`split_header` recognises one header line; :func:`iter_agent_records` groups numbered lines
into whole records.  Both are shared with the syslog / journal and generic-text parsers, so they
take any iterable of ``(lineno, text)`` and never raise on odd input.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from analyzer.model import Clock

ERA_20 = "2.0"
ERA_LEGACY = "legacy"
ERA_2246 = "2.2.46"
ERA_ISO = "iso"
ERAS = (ERA_20, ERA_LEGACY, ERA_2246, ERA_ISO)

# Prefixes the agent's own loggers use (handler loggers use ``[Name-Version]`` instead).
AGENT_PREFIXES = frozenset(("Daemon", "ExtHandler", "LogCollector", "Firewall"))
# Thread names set by the agent (``_THREAD_NAME`` constants, ``setName``) since 2.2.47.
KNOWN_THREADS = frozenset(
    (
        "Daemon",
        "ExtHandler",
        "MonitorHandler",
        "EnvHandler",
        "SendTelemetryHandler",
        "TelemetryEventsCollector",
        "CollectLogsHandler",
        "LogCollectorMonitorHandler",
        "MainThread",
        "Firewall",
    )
)

_ISO_HEAD = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)Z (VERBOSE|INFO|WARNING|ERROR)(?: |$)")
_LEGACY_HEAD = re.compile(r"(\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}\.\d{6}) (VERBOSE|INFO|WARNING|ERROR)(?: |$)")
# 2.0.x writes "%04u/%02u/%02u %02u:%02u:%02u " then the level tag glued to the text; some
# extension libraries in the same style drop the zero padding of the seconds.
_OLD_HEAD = re.compile(r"(\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{1,2})(?: |$)")
# A handler prefix always ends in "-<dotted version>]"; message tags such as [HEARTBEAT],
# [PERIODIC], [CGW] or [ExtensionError] never do.  Multi-config: [Handler.ExtName-1.2.3].
_HANDLER_PREFIX = re.compile(r"\[(?P<name>[^\]\s]+?)-(?P<version>\d+(?:\.\d+)+)\](?: |$)?")
# Thread token: a constant name, or Python's "Thread-N" / "Thread-N (target)" (3.10+).
_THREAD_TOKEN = re.compile(r"Thread-\d+ \([^)\s]*\)|[A-Za-z][\w-]*")
_THREADISH_SUFFIXES = ("Handler", "Thread", "Collector")
_STD_BLOCK_MARKS = ("[stdout]", "[stderr]")


@dataclass(slots=True)
class AgentHeader:
    """The parts of one agent header line."""

    era: str
    wall: datetime | None
    clock: Clock
    time_raw: str
    level: str
    thread: str | None
    prefix: str | None
    component: str | None  # prefix if present, else thread
    handler: str | None
    handler_version: str | None
    message: str


@dataclass(slots=True)
class AgentRecord:
    """A whole record: header (None for lines before the first header) and the full message."""

    line: int
    end_line: int
    header: AgentHeader | None
    message: str
    truncated: bool = False


def _wall(text: str, sep: str) -> datetime | None:
    """Fixed-format fast path; an impossible date (month 13, Feb 30) gives None."""
    try:
        return datetime.fromisoformat(text if sep == "-" else text.replace("/", "-", 2))
    except ValueError:
        try:
            return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f" if sep == "-" else "%Y/%m/%d %H:%M:%S")
        except ValueError:
            return None


def _threadish(token: str) -> bool:
    return token in KNOWN_THREADS or token.startswith("Thread-") or token.endswith(_THREADISH_SUFFIXES)


# Which threads log under which prefix (2.2.47+): the daemon's main thread under "Daemon", the
# extension-handler process's threads under "ExtHandler", the log collector's under "LogCollector",
# the boot-time firewall setup (2.13+) under "Firewall".  Unnamed threads may appear anywhere.
_PAIR_THREADS = {
    "Daemon": frozenset(("Daemon", "MainThread")),
    "LogCollector": frozenset(("MainThread", "LogCollectorMonitorHandler")),
    "Firewall": frozenset(("Firewall", "MainThread")),
}
_NOT_EXTHANDLER_THREADS = frozenset(("Daemon", "Firewall", "MainThread", "LogCollectorMonitorHandler"))


def _valid_pair(thread: str, prefix: str) -> bool:
    if thread.startswith("Thread-"):
        return True
    allowed = _PAIR_THREADS.get(prefix)
    if allowed is not None:
        return thread in allowed
    return _threadish(thread) and thread not in _NOT_EXTHANDLER_THREADS


def _handler_prefix(rest: str) -> tuple[str, str, str, str] | None:
    """(prefix text, handler, version, remaining message) when ``rest`` starts with one."""
    if not rest.startswith("["):  # the regex needs it: skip the call on most header remainders
        return None
    m = _HANDLER_PREFIX.match(rest)
    if m is None:
        return None
    prefix = m.group(0).rstrip(" ")
    return prefix, m.group("name"), m.group("version"), rest[m.end() :]


def _split_word(rest: str) -> tuple[str, str]:
    word, _, tail = rest.partition(" ")
    return word, tail


def _iso_fields(
    rest: str, threaded: Collection[str]
) -> tuple[str, str | None, str | None, str | None, str | None, str]:
    """era, thread, prefix, handler, handler_version, message of an ISO header's remainder."""
    hp = _handler_prefix(rest)
    if hp is not None:  # a handler prefix right after the level: 2.2.46 (2.2.47+ has a thread first)
        return ERA_2246, None, hp[0], hp[1], hp[2], hp[3]
    tm = _THREAD_TOKEN.match(rest)
    if tm is None:
        return ERA_2246, None, None, None, None, rest
    t1 = tm.group(0)
    after = rest[tm.end() :]
    if after and not after.startswith(" "):  # "ExtHandler:" and the like: not a token of the header
        return ERA_2246, None, None, None, None, rest
    after = after[1:]
    hp = _handler_prefix(after)
    if hp is not None:
        if _valid_pair(t1, "ExtHandler"):  # handler loggers run on the extension-handler threads
            return ERA_ISO, t1, hp[0], hp[1], hp[2], hp[3]
    else:
        t2, tail = _split_word(after)
        # Only real (thread, prefix) pairs count: "ExtHandler Firewall rules:" and "Daemon ExtHandler
        # process …" are 2.2.46 records whose message starts with a prefix-like word.
        if t2 in AGENT_PREFIXES and _valid_pair(t1, t2):
            return ERA_ISO, t1, t2, None, None, tail
    if t1 in ("Daemon", "ExtHandler"):
        # One token: a 2.2.46 prefix, or a 2.2.47+ thread of a prefix-less logger (goal-state and
        # certificate loggers).  The caller knows which from the rest of the file.
        if t1 in threaded:
            return ERA_ISO, t1, None, None, None, after
        return ERA_2246, None, t1, None, None, after
    if _threadish(t1):
        return ERA_ISO, t1, None, None, None, after
    return ERA_2246, None, None, None, None, rest


def split_header(line: str, threaded: Collection[str] = ()) -> AgentHeader | None:
    """Recognise an agent header line of any era; None for a continuation or foreign line.

    ``threaded`` names tokens already seen as thread names (``ExtHandler ExtHandler …``) in the
    same file; it lets a lone ``ExtHandler`` after an ISO timestamp be read as a thread (2.2.47+
    prefix-less record) rather than a 2.2.46 prefix.  Both read the same component.
    """
    # Cheap checks first: almost every continuation line fails here.
    if len(line) < 19 or not line[:4].isdigit():
        return None
    sep = line[4]
    if sep == "-":
        m = _ISO_HEAD.match(line)
        if m is None:
            return None
        ts, level = m.group(1), m.group(2)
        rest = line[m.end() :]
        era, thread, prefix, handler, hver, message = _iso_fields(rest, threaded)
        return AgentHeader(
            era, _wall(ts, "-"), Clock.UTC, ts + "Z", level, thread, prefix, prefix or thread, handler, hver, message
        )
    if sep != "/":
        return None
    if len(line) > 19 and line[19] == ".":
        m = _LEGACY_HEAD.match(line)
        if m is None:
            return None
        ts, level = m.group(1), m.group(2)
        rest = line[m.end() :]
        prefix = handler = hver = None
        hp = _handler_prefix(rest)
        if hp is not None:
            prefix, handler, hver, rest = hp
        else:
            word, tail = _split_word(rest)
            if word in ("Daemon", "ExtHandler"):
                prefix, rest = word, tail
        return AgentHeader(
            ERA_LEGACY, _wall(ts, "/"), Clock.LOCAL, ts, level, None, prefix, prefix, handler, hver, rest
        )
    m = _OLD_HEAD.match(line)
    if m is None:
        return None
    ts = m.group(1)
    rest = line[m.end() :]
    level = "INFO"
    if rest.startswith("ERROR:"):
        level, rest = "ERROR", rest[6:]
    elif rest.startswith("WARNING:"):
        level, rest = "WARNING", rest[8:]
    prefix = handler = hver = None
    hp = _handler_prefix(rest)
    if hp is not None:
        prefix, handler, hver, rest = hp
    return AgentHeader(ERA_20, _wall(ts, "/"), Clock.LOCAL, ts, level, None, prefix, prefix, handler, hver, rest)


class _Builder:
    """The record being assembled."""

    __slots__ = ("end", "header", "in_block", "line", "parts", "size", "tb_open", "truncated")

    def __init__(self, line: int, header: AgentHeader | None, first: str, max_chars: int) -> None:
        self.line = line
        self.end = line
        self.header = header
        self.parts = [first[:max_chars]]
        self.size = len(self.parts[0])
        self.truncated = len(first) > max_chars
        # Extension output embedded in the record: 2.0-looking lines inside it stay continuation.
        self.in_block = header is not None and ("[stdout]" in first or "[stderr]" in first)
        # A 2.0 traceback, one stamped line per frame: open until its exception line.
        self.tb_open = header is not None and header.era == ERA_20 and first.startswith("Traceback (most recent")

    def add(self, lineno: int, text: str, max_chars: int) -> None:
        self.end = lineno
        if not self.in_block and text.strip() in _STD_BLOCK_MARKS:
            self.in_block = True
        if self.truncated:
            return
        if self.size + len(text) + 1 > max_chars:
            self.truncated = True
            return
        self.parts.append(text)
        self.size += len(text) + 1

    def record(self) -> AgentRecord:
        parts = self.parts
        while len(parts) > 1 and not parts[-1].strip():  # "…completed [...]\n" leaves a blank line
            parts.pop()
        return AgentRecord(self.line, self.end, self.header, "\n".join(parts), self.truncated)


def _continues_20(cur: _Builder, h: AgentHeader) -> bool:
    """Whether a 2.0 line is the next physical line of the current 2.0 record.

    2.0.x stamps every line of a multi-line message with the same second and level tag; indented
    lines (traceback frames, code) and blank lines belong to the line before, and so does the
    exception line that closes a traceback.
    """
    ch = cur.header
    if ch is None or ch.era != ERA_20 or h.time_raw != ch.time_raw or h.level != ch.level or cur.truncated:
        return False
    msg = h.message
    if not msg or msg[0] in " \t":
        return True
    if cur.tb_open:
        cur.tb_open = False
        return True
    return False


def iter_agent_records(lines: Iterable[tuple[int, str]], max_record_chars: int = 1 << 20) -> Iterator[AgentRecord]:
    """Group numbered lines into whole agent records, in file order.

    Lines before the first header (a rotated file starting mid-record, a pasted excerpt's
    preamble) come out as one record with ``header=None`` when they hold any text.  A record's
    text is capped at ``max_record_chars`` (``truncated`` set); its line span is still exact.
    """
    cur: _Builder | None = None
    threaded: set[str] = set()
    for lineno, text in lines:
        h = split_header(text, threaded)
        if h is None:
            if cur is None:
                cur = _Builder(lineno, None, text, max_record_chars)
            else:
                cur.add(lineno, text, max_record_chars)
            continue
        if h.era == ERA_20 and cur is not None and cur.header is not None:
            if cur.header.era != ERA_20 and cur.in_block:
                cur.add(lineno, text, max_record_chars)
                continue
            if _continues_20(cur, h):
                cur.add(lineno, h.message, max_record_chars)
                continue
        if h.thread is not None and h.prefix is not None and h.era == ERA_ISO:
            threaded.add(h.thread)
        if cur is not None and (cur.header is not None or any(p.strip() for p in cur.parts)):
            yield cur.record()
        cur = _Builder(lineno, h, h.message, max_record_chars)
    if cur is not None and (cur.header is not None or any(p.strip() for p in cur.parts)):
        yield cur.record()
