"""``/var/log/waagent.log``: the guest agent's own log, every format era, mixed eras in one file.

Records come from :func:`parsers.agent_record.iter_agent_records`, messages are classified by
:mod:`parsers.agent_messages`.  Facts: agent versions (daemon / goal-state agent), Python, OS,
service name, extension versions, the WireServer address, ``waagent_conf.<Key>`` values that
banners and messages reveal, and ``agent.log_era`` (each header format present).  The bundle
reader strips rotation suffixes (``.1``, ``.2.gz``, ``-20240101``, ``-2024-05-01-1714521600.gz``)
before detection, so the plain names suffice.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from analyzer.model import Event, EventKind
from parsers import registry
from parsers.agent_messages import all_samples, match_message
from parsers.agent_record import ERA_20, ERA_2246, ERA_ISO, ERA_LEGACY, AgentRecord, iter_agent_records, split_header
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.patterns import Sample

K = EventKind
_EXT_KINDS = frozenset(
    (
        K.EXT_DOWNLOAD,
        K.EXT_INSTALL,
        K.EXT_ENABLE,
        K.EXT_DISABLE,
        K.EXT_UNINSTALL,
        K.EXT_UPDATE,
        K.EXT_COMMAND_RESULT,
        K.EXT_STATUS,
        K.STATUS_WRITE,
    )
)
_ROLE_KINDS = frozenset((K.AGENT_VERSION, K.AGENT_START, K.HEARTBEAT))
_AGENT_NAMES = ("WALinuxAgent", "WALA")
SNIFF_LINES = 40


class FactRecorder:
    """Records facts once per distinct value (a crash loop repeats version lines thousands of times)."""

    def __init__(self, ctx: ParseContext, ext_versions_from_prefix: bool = True) -> None:
        self.ctx = ctx
        self.seen: set[tuple[Any, ...]] = set()
        self.ext_versions_from_prefix = ext_versions_from_prefix
        self.verbose_seen = False
        # Which process the last version line came from: the "Python:" / "OS:" lines follow it, and
        # records of agents before 2.2.31 carry no Daemon/ExtHandler prefix to tell.
        self.last_role = "daemon"
        self._eras: set[str] = set()  # log eras already recorded (every record names one)

    def fact(self, key: str, value: Any, ev: Event, **attrs: Any) -> None:
        if value is None or value == "":
            return
        sig = (key, value, tuple(sorted(attrs.items())))
        if sig in self.seen:
            return
        self.seen.add(sig)
        self.ctx.fact(key, value, line=ev.line, time_raw=ev.time_raw, **attrs)

    def observe(self, ev: Event, era: str | None) -> None:
        a = ev.attrs
        if era is not None and era not in self._eras:
            # Which header formats the file holds (2.0 / legacy / 2.2.46 / iso): a 2.0.x format is
            # evidence of an outdated agent by itself.  (fact() keeps the first of each anyway; the
            # set spares building its signature for every record.)
            self._eras.add(era)
            self.fact("agent.log_era", era, ev)
        if ev.level == "VERBOSE" and not self.verbose_seen:
            # VERBOSE records are written only with Logs.Verbose=y (or -verbose).
            self.verbose_seen = True
            self.fact("waagent_conf.Logs.Verbose", "y", ev, inferred="VERBOSE records present")
        role, version = a.get("role"), a.get("version")
        if role and version and ev.kind in _ROLE_KINDS:
            key = "agent.daemon_version" if role == "daemon" else "agent.goal_state_version"
            self.fact(key, version, ev)
            if ev.kind is K.AGENT_VERSION:
                self.last_role = role
        if "python" in a:
            self.fact("agent.python", a["python"], ev, role=self._role_of(ev))
        if "os_name" in a:
            self.fact("os.name", a["os_name"], ev)
            self.fact("os.version", a.get("os_version"), ev)
        if "service" in a:
            self.fact("agent.service", a["service"], ev)
        if "wireserver" in a:
            self.fact("wireserver", a["wireserver"], ev)
        if "conf_key" in a and "conf_value" in a:
            self.fact(f"waagent_conf.{a['conf_key']}", a["conf_value"], ev)
        self._extension(ev, era)

    def _role_of(self, ev: Event) -> str:
        if ev.component == "Daemon":
            return "daemon"
        if ev.component in ("ExtHandler", "LogCollector", "Firewall"):
            return "goal_state"
        return self.last_role

    def _extension(self, ev: Event, era: str | None) -> None:
        # A 2.0-style bracket prefix carries the extension library's HandlerEnvironment version
        # ("…VMSnapshotLinux-1.0"), not the extension version: no fact from those.
        if ev.handler and ev.handler_version and self.ext_versions_from_prefix and era != ERA_20:
            self.fact("extension.version", ev.handler_version, ev, name=ev.handler)
        a = ev.attrs
        # Versions named in the text: Executing-command env, "Downloading <Name>-<ver>", 2.0 plugin
        # lines.  A failure ("Unable to find version …") names a version that is not installed.
        name, version = a.get("name"), a.get("version")
        if ev.kind in _EXT_KINDS and name and version and a.get("status") != "error":
            if not str(name).startswith(_AGENT_NAMES):
                self.fact("extension.version", version, ev, name=name)


def named_handler(
    kind: K, attrs: dict[str, Any], handler: str | None, version: str | None
) -> tuple[str | None, str | None]:
    """The extension an agent record is about: its [Name-Version] prefix, else the name its text
    gives ("Event: name=…VMSnapshotLinux, op=Enable"); also for the record's copy in syslog."""
    if handler is None and kind in _EXT_KINDS:
        name = attrs.get("name")
        if name and not str(name).startswith(_AGENT_NAMES):
            return str(name), attrs.get("version") if "version" in attrs else version
    return handler, version


def record_event(rec: AgentRecord, ctx: ParseContext, handler_fallback: str | None = None) -> Event:
    """One Event from one agent record (shared with the CommandExecution.log parser)."""
    h = rec.header
    if h is None:
        ctx.warn(f"lines {rec.line}-{rec.end_line} come before the first agent record header", rec.line)
        return Event(line=rec.line, kind=K.OTHER, message=rec.message)
    if rec.truncated:
        ctx.warn(f"record at line {rec.line} longer than the record cap: text cut", rec.line)
    if h.wall is None:
        ctx.warn(f"impossible timestamp {h.time_raw!r}", rec.line)
    result = match_message(rec.message, h.level)
    if result.pattern_id is None:
        ctx.unclassified += 1
    attrs = result.attrs
    handler, hver = named_handler(result.kind, attrs, h.handler, h.handler_version)
    if handler is None and handler_fallback is not None:
        handler = handler_fallback
    return Event(
        line=rec.line,
        kind=result.kind,
        message=rec.message,
        wall=h.wall,
        clock=h.clock,
        time_raw=h.time_raw,
        level=h.level,
        component=h.component,
        handler=handler,
        handler_version=hver,
        attrs=attrs,
    )


def parse_agent_lines(
    lines: Iterable[tuple[int, str]], ctx: ParseContext, facts: FactRecorder, handler_fallback: str | None = None
) -> Iterator[Event]:
    for rec in iter_agent_records(lines):
        ctx.records += 1
        ev = record_event(rec, ctx, handler_fallback)
        if rec.header is not None:
            facts.observe(ev, rec.header.era)
        yield ev


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    yield from parse_agent_lines(reader.lines(), ctx, FactRecorder(ctx))


def count_headers(head: str) -> tuple[int, int, int]:
    """(2.1+/ISO headers, of which handler-prefixed, 2.0-style headers) in the first lines."""
    modern = handler = old = 0
    for line in head.splitlines()[:SNIFF_LINES]:
        h = split_header(line)
        if h is None:
            continue
        if h.era in (ERA_ISO, ERA_2246, ERA_LEGACY):
            # The agent always writes 6-digit fractions; the log collector's results.txt (same
            # "…Z LEVEL" shape, whole seconds) must not pass for an agent log.
            if "." not in h.time_raw:
                continue
            modern += 1
            if h.handler is not None:
                handler += 1
        else:
            old += 1
    return modern, handler, old


def sniff(head: str) -> bool:
    """A pasted or renamed waagent.log: at least two agent headers among the first lines.

    The 2.0 header (``YYYY/MM/DD HH:MM:SS msg``) is shared with many extension logs, so it only
    counts together with the daemon's version line.
    """
    modern, handler, old = count_headers(head)
    if modern >= 2 and handler < modern:
        return True
    return old >= 2 and "Azure Linux Agent Version" in head


def _samples() -> tuple[Sample, ...]:
    return (
        *all_samples(),
        Sample(
            "2024-05-01T10:00:00.123456Z INFO ExtHandler ExtHandler ",
            K.ROUTINE,
            "INFO",
            "ExtHandler",
            attrs={"separator": True},
        ),
        Sample(
            "2024-05-01T10:00:00.123456Z WARNING ExtHandler ExtHandler [Errno 2] No such file or directory: 'x'\n"
            'Traceback (most recent call last):\n  File "bin/x.egg/azurelinuxagent/ga/update.py", line 1, in run\n'
            "FileNotFoundError: [Errno 2] No such file or directory: 'x'",
            K.PYTHON,
            "WARNING",
            attrs={"exception": "FileNotFoundError", "errno": 2},
        ),
    )


SPEC = registry.register(
    ParserSpec(
        name="waagent.log",
        kind="waagent_log",
        parse=parse,
        paths=("var/log/waagent.log", "waagent.log"),
        sniff=sniff,
        # Above the extension-log sniffers (70, 71): a pasted agent log often embeds extension
        # output in [stdout] blocks, while extension logs never hold agent headers.
        priority=72,
        description="Azure Linux guest agent log (all eras: 2.0.x, 2.1-2.2.45 local time, 2.2.46+ ISO UTC)",
        samples=_samples(),
    )
)
