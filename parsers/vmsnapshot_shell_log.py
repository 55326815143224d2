"""``shell.log`` of the VMSnapshot extension: one line per step of the ``handle.sh`` wrapper.

Line shapes (reference vmsnapshot-extension.md §2.7; ``VMBackup/main/handle.sh`` history):

- ``<date output>- <text>``: ``date`` until the 2021-09-02 change (VM local time), ``date -u`` since.
  The date text follows the locale: ``Wed Feb 12 03:27:44 UTC 2020``, ``Tue Mar 10 02:41:07 PM UTC
  2026`` (12-hour), ``Tue 10 Mar 14:41:07 UTC 2026``, ``2026年 03月 10日 星期二 14:41:07 UTC``.
  The zone word decides the clock (``UTC``/``GMT`` → UTC, another zone → local, a numeric zone also
  gives ``clock.offset``); without one the date decides, as for the Python-3 extension records.
- ``[YYYY-MM-DD HH:MM:SS:nnnnnnnnn] <text>`` from ``handle_host_daemon.sh`` (``date -u``, UTC).

Texts of every era: ``python 2 path exists`` / ``python 3 default`` (2017), ``python 2.7 path
exists`` … (2017-12 to 2020), ``The command is <op>, exiting[ with|without conf file copy]`` (2020+),
``<interpreter> path exists`` (2020-10+), ``ConfigSequenceNumber from environment variable
seqNo:<n>`` (2021-09+), ``python version unknown`` and ``<rc> returned from handle.py``.

Each backup normally shows two invocations — ``enable`` (returns within seconds, after starting
the daemon through ``handle.sh daemon``) and ``daemon`` — so the parser pairs the start lines with
the ``returned`` lines to say which operation an exit code belongs to (``operation`` attr).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from analyzer.model import Clock, Event, EventKind
from parsers import registry
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.patterns import Pattern, PatternSet, Sample
from parsers.vmsnapshot_codes import HANDLER, era_clock

KIND = "vmsnapshot_shell_log"
LOG_DIR = "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
K = EventKind

_HOST_LINE = re.compile(r"\[(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}):(\d{1,9})\] ?(.*)$")
_TIME = re.compile(r"(?<!\d)(\d{1,2}):(\d{2}):(\d{2})(?:\s*([AaPp]\.?[Mm]\.?))?")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_DAY = re.compile(r"(?<!\d)(\d{1,2})(?!\d)")
_ZH = re.compile(r"(\d{4})年\s*(\d{1,2})月\s*(\d{1,2})日")
_WORD = re.compile(r"[^\W\d_]+")
_ZONE = re.compile(r"(?<![\w+\-])([A-Z]{2,5}|[+-]\d{2}(?::?\d{2})?)(?![\w:])")
_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
    "nov": 11, "dec": 12, "mär": 3, "mrz": 3, "mai": 5, "okt": 10, "dez": 12, "fév": 2, "avr": 4, "aoû": 8,
    "déc": 12, "juin": 6, "juil": 7, "ene": 1, "abr": 4, "ago": 8, "dic": 12, "set": 9, "out": 10,
}
_UTC_ZONES = frozenset(("UTC", "GMT", "UCT", "Z", "+00", "+0000", "+00:00", "-00"))
_NOT_ZONES = frozenset(("AM", "PM"))
# handle.sh's interpreter search order, per era, to tell a fallback from a new invocation.
_ORDER = {
    name: i
    for i, name in enumerate(
        ("python3.8", "python3.7", "python3.6", "python3.5", "python3.4", "python3.3", "python3", "python2.7",
         "python2.6", "python2", "python")
    )
}
_STALE = timedelta(hours=6)


def P(pid: str, kind: EventKind, lits: tuple[str, ...], rx: str, **attrs: object) -> Pattern:
    groups = re.compile(rx).groupindex
    conv = {g: int for g in ("exit_code", "seq") if g in groups}
    return Pattern(pid, kind, lits, regex=rx, attrs=dict(attrs), convert=conv)


PATTERNS = PatternSet(
    [
        P("returned", K.EXT_COMMAND_RESULT, (" returned from handle",),
          r"^(?P<exit_code>-?\d+) returned from (?P<script>handle(?:_host_daemon)?\.py)"),
        P("python_unknown", K.PYTHON, ("python version unknown",), r"^python version unknown$",
          error="python_missing"),
        P("interpreter", K.PYTHON, (" path exists",), r"^(?P<interpreter>python ?[\d.]*) path exists$",
          phase="interpreter"),
        P("python3_default", K.PYTHON, ("python 3 default",), r"^python 3 default$", phase="interpreter",
          interpreter="python 3"),
        P("config_seq", K.SNAPSHOT_ENABLE, ("ConfigSequenceNumber ",),
          r"ConfigSequenceNumber (?P<found>from|not found in) environment variable seqNo:(?P<seq>-?\d+)",
          phase="wrapper_start"),
        P("command_exit", K.EXT_COMMAND_RESULT, ("The command is ",),
          r"^The command is (?P<operation>\w+), exiting(?: (?P<conf_copy>with|without) conf file copy)?",
          exit_code=0),
        P("wrapper_chatter", K.ROUTINE, ("kill existing process if exists", "status returned is "),
          r"^(?:kill existing process if exists|status returned is \d+)"),
    ]
)


def parse_date_text(text: str) -> tuple[datetime | None, str | None]:
    """Wall time and zone word of one ``date`` output in any common locale; (None, zone) if unreadable."""
    tm = _TIME.search(text)
    zone = None
    for z in _ZONE.findall(text):
        if z not in _NOT_ZONES:
            zone = z
    if tm is None:
        return None, zone
    hour, minute, second = int(tm.group(1)), int(tm.group(2)), int(tm.group(3))
    ampm = (tm.group(4) or "").replace(".", "").upper()
    if ampm == "PM" and hour < 12:
        hour += 12
    elif ampm == "AM" and hour == 12:
        hour = 0
    zh = _ZH.search(text)
    if zh:
        year, month, day = int(zh.group(1)), int(zh.group(2)), int(zh.group(3))
    else:
        rest = text[: tm.start()] + " " + text[tm.end():]
        ym = _YEAR.search(rest)
        if ym is None:
            return None, zone
        year = int(ym.group(1))
        rest = rest[: ym.start()] + " " + rest[ym.end():]
        month = None
        for wm in _WORD.finditer(rest):
            # a leading abbreviated weekday ("mar." in French) is not a month
            if rest[wm.end():wm.end() + 1] == "." and not rest[:wm.start()].strip():
                continue
            low = wm.group().lower()
            month = _MONTHS.get(low[:4]) or _MONTHS.get(low[:3])
            if month:
                break
        dm = _DAY.search(rest)
        if month is None or dm is None:
            return None, zone
        day = int(dm.group(1))
    try:
        return datetime(year, month, day, hour, minute, second), zone
    except ValueError:
        return None, zone


def _offset(zone: str) -> str | None:
    """``+08`` / ``+0530`` / ``-03:00`` → ``+HH:MM`` (numeric zones are printed for zones without names)."""
    m = re.fullmatch(r"([+-])(\d{2}):?(\d{2})?", zone)
    return f"{m.group(1)}{m.group(2)}:{m.group(3) or '00'}" if m else None


@dataclass(slots=True)
class _Invocation:
    op: str
    seq: int | None
    start: datetime | None
    interpreters: list[str] = field(default_factory=list)
    has_child: bool = False


class _Wrapper:
    """Pairs wrapper start lines with ``returned`` lines (enable first, then its daemon)."""

    def __init__(self) -> None:
        self.open: list[_Invocation] = []
        # since 2021-09 every invocation starts with a ConfigSequenceNumber line
        self.cfg_era = False
        # an enable that already returned: its daemon's first line may come after that (a race)
        self.closed_enable: _Invocation | None = None

    def start(self, wall: datetime | None, seq: int | None, cfg: bool = False) -> _Invocation:
        self.cfg_era = self.cfg_era or cfg
        if wall is not None:
            self.open = [i for i in self.open if i.start is None or wall - i.start < _STALE][-8:]
        op = "enable"
        for inv in reversed(self.open):
            # the daemon is started by a running enable within seconds (random 0.5–5 s sleep)
            recent = wall is None or inv.start is None or timedelta(0) <= wall - inv.start <= timedelta(seconds=120)
            if inv.op == "enable" and not inv.has_child and recent:
                op, inv.has_child = "daemon", True
                break
        else:
            done = self.closed_enable
            if done is not None and not done.has_child and (
                wall is None or done.start is None or timedelta(0) <= wall - done.start <= timedelta(seconds=120)
            ):
                op, done.has_child = "daemon", True
        inv = _Invocation(op, seq, wall)
        self.open.append(inv)
        return inv

    def interpreter(self, name: str, wall: datetime | None) -> _Invocation:
        cur = self.open[-1] if self.open else None
        pos = _ORDER.get(name.replace(" ", ""), 99)
        if cur is not None:
            last = cur.interpreters[-1] if cur.interpreters else None
            # within one invocation handle.sh only moves forward in its list (fallbacks); the
            # generic "python" fallbacks may repeat, which only the ConfigSequenceNumber era tells apart
            forward = name != last and pos > _ORDER.get((last or "").replace(" ", ""), 99)
            if self.cfg_era or last is None or forward or (name == "python" and last != "python"):
                cur.interpreters.append(name)
                return cur
        inv = self.start(wall, None)
        inv.interpreters.append(name)
        return inv

    def returned(self) -> _Invocation | None:
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i].op == "enable":
                self.closed_enable = self.open.pop(i)
                return self.closed_enable
        return self.open.pop() if self.open else None


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    wrapper = _Wrapper()
    last_python: str | None = None
    last_offset: str | None = None
    for no, text in reader.lines():
        if not text.strip():
            continue
        ctx.records += 1
        wall: datetime | None = None
        zone: str | None = None
        raw = ""
        msg = text
        clock = Clock.UNKNOWN
        hm = _HOST_LINE.match(text) if text.startswith("[") else None
        if hm is not None:
            raw, msg = f"{hm.group(1)}:{hm.group(2)}", hm.group(3)
            try:
                wall = datetime.fromisoformat(hm.group(1)).replace(microsecond=int(hm.group(2).ljust(9, "0")[:6]))
            except ValueError:
                ctx.warn(f"impossible timestamp {raw!r}", no)
            clock = Clock.UTC  # handle_host_daemon.sh always uses date -u
        else:
            # the date text is short: look for its "- " separator near the start only (bounded work)
            cut = text.find("- ", 0, 120)
            if cut < 0 and len(text) <= 120 and text.endswith("-"):
                cut = len(text) - 1
            if cut > 0 and _TIME.search(text, 0, cut):
                raw, msg = text[:cut].strip(), text[cut + 2:]
                wall, zone = parse_date_text(raw)
                if wall is None:
                    ctx.warn(f"unreadable date {raw!r}", no)
                if zone is not None:
                    clock = Clock.UTC if zone in _UTC_ZONES else Clock.LOCAL
                else:
                    clock = era_clock(wall)
        m = PATTERNS.match(msg.strip())
        attrs = dict(m.attrs) if m is not None else {}
        if m is None:
            ctx.unclassified += 1
            kind, pid = K.OTHER, ""
        else:
            kind, pid = m.pattern.kind, m.pattern.id
        if zone is not None and clock is Clock.LOCAL:
            attrs["tz"] = zone
            off = _offset(zone)
            if off is not None and off != last_offset:
                last_offset = off
                ctx.fact("clock.offset", off, line=no, time_raw=raw, basis="shell.log date zone")
        if pid == "config_seq":
            inv = wrapper.start(wall, attrs.get("seq"), cfg=True)
            attrs["operation"] = inv.op
            attrs.pop("found", None)
        elif hm is not None and pid in ("interpreter", "returned"):
            attrs["operation"] = "host_daemon"  # handle_host_daemon.sh: its own, untracked invocations
            if pid == "returned":
                attrs["status"] = "success" if attrs["exit_code"] == 0 else "error"
        elif pid in ("interpreter", "python3_default"):
            inv = wrapper.interpreter(str(attrs["interpreter"]), wall)
            attrs["operation"] = inv.op
            if inv.seq is not None:
                attrs["seq"] = inv.seq
        elif pid == "returned":
            inv = wrapper.returned()
            # no interpreter found at all (rc 3) happens before any daemon could exist
            attrs["operation"] = inv.op if inv is not None else "enable"
            if inv is not None and inv.seq is not None:
                attrs["seq"] = inv.seq
            if inv is not None and inv.interpreters:
                attrs["interpreter"] = inv.interpreters[-1]
                if attrs["exit_code"] == 0 and inv.interpreters[-1] != last_python:
                    last_python = inv.interpreters[-1]
                    ctx.fact("extension.python", last_python, line=no, time_raw=raw, basis="shell.log")
            attrs["status"] = "success" if attrs["exit_code"] == 0 else "error"
        yield Event(
            line=no, kind=kind, message=msg, wall=wall, clock=clock, time_raw=raw, level=None,
            component="handle.sh", handler=HANDLER, attrs=attrs,
        )


_SNIFF = re.compile(
    r"^(?:\[\d{4}-\d{2}-\d{2} [\d:]+\] |.*?\d{1,2}:\d{2}:\d{2}.*?- )(?:-?\d+ returned from handle|python[\d. ]* path "
    r"exists|ConfigSequenceNumber |The command is \w+, exiting|python version unknown)",
    re.M,
)


def sniff(head: str) -> bool:
    """A loose shell.log: wrapper lines of handle.sh."""
    return _SNIFF.search(head) is not None


_D = "Tue Jan 14 22:16:40 UTC 2024"
registry.register(
    ParserSpec(
        name="VMSnapshot shell.log",
        kind=KIND,
        parse=parse,
        paths=(f"{LOG_DIR}/shell.log", f"{LOG_DIR}/shell.log.*", f"{LOG_DIR}/*/shell.log"),
        sniff=sniff,
        priority=70,
        description="handle.sh wrapper log of the VMSnapshotLinux extension (every era)",
        samples=(
            Sample(f"{_D}- 0 returned from handle.py", K.EXT_COMMAND_RESULT, handler=HANDLER,
                   attrs={"exit_code": 0, "operation": "enable", "status": "success"}),
            Sample("Tue Mar 10 02:41:07 PM UTC 2026- 1 returned from handle.py", K.EXT_COMMAND_RESULT,
                   attrs={"exit_code": 1}),
            Sample("Wed Feb 12 03:27:44 CST 2020- python version unknown", K.PYTHON, attrs={"error": "python_missing"}),
            Sample(f"{_D}- python3 path exists", K.PYTHON, attrs={"interpreter": "python3", "operation": "enable"}),
            Sample("Mon Dec 11 09:02:13 EST 2017- python 2.7 path exists", K.PYTHON,
                   attrs={"interpreter": "python 2.7"}),
            Sample("Mon Sep 18 10:15:02 EDT 2017- python 3 default", K.PYTHON, attrs={"interpreter": "python 3"}),
            Sample(f"{_D}- ConfigSequenceNumber from environment variable seqNo:41", K.SNAPSHOT_ENABLE,
                   attrs={"seq": 41, "operation": "enable"}),
            Sample(f"{_D}- The command is install, exiting with conf file copy", K.EXT_COMMAND_RESULT,
                   attrs={"operation": "install", "exit_code": 0, "conf_copy": "with"}),
            Sample("Mon Sep 18 10:15:04 EDT 2017- status returned is 0", K.ROUTINE),
            Sample("[2024-05-30 13:15:45:123456789] 0 returned from handle_host_daemon.py", K.EXT_COMMAND_RESULT,
                   attrs={"operation": "host_daemon", "exit_code": 0}),
        ),
    )
)
