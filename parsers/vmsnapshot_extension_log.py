"""``extension.log`` of the VMSnapshot (Azure Backup) extension, every era of its writer.

Record shapes (reference vmsnapshot-extension.md §2.1–2.5):

- Python 3 (``HandlerUtil.log_py3``): ``YYYY-MM-DD HH:MM:SS[.ffffff] [Name-1.0]msg`` — no space
  after ``]``, no level, the fraction missing when microseconds are 0; continuation lines are bare.
  UTC since the 2021-09-02 change, local before (decided from the date: see ``UTC_SINCE``).
- Python 2 and ``hutil.error`` under any Python (bundled ``WaagentLib`` logger):
  ``YYYY/MM/DD HH:MM:SS [ERROR:|WARNING:][Name-1.0]msg``, local time, every physical line stamped and
  the prefix only on the first; the bundled library's own errors carry no prefix at all.
- 2016 releases handed the logger an already formatted console line, so the message itself holds
  a second, more precise stamp and the level: ``… [Name-1.0]YYYY-MM-DD HH:MM:SS.ffffff  Info  msg``.
- The freeze-window buffer, flushed after thaw as one record: ``Logs during Freeze Start/End``
  markers around console-format lines (``YYYY/MM/DD HH:MM:SS.ffffff  Level  msg`` from Python 3,
  ``YYYY-MM-DD …`` from Python 2).  Each inner line becomes its own event at its own time.
- safefreeze output (``YYYY-MM-DD HH:MM:SS msg``, VM local time) logged one line per record between
  the ``Binary output traces start/end`` markers: the event takes the binary's stamp, and the
  last line of a block pairs a UTC record stamp with a local one (fact ``clock.pair``).
- A local record carrying a UTC value taken at the same moment (the logged status document's
  ``timestampUTC``, the CRP check's ``utcNow``) is a clock pair too (see ``vmsnapshot_clock``).

The ``-1.0`` in the prefix is the HandlerEnvironment version, so ``handler_version`` stays None;
the installed version comes from paths such as ``…VMSnapshotLinux-1.0.9225.0/`` (fact
``extension.version``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from analyzer.model import Clock, Event, EventKind
from parsers import registry
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.patterns import Sample
from parsers.vmsnapshot_clock import RecordPairs
from parsers.vmsnapshot_codes import HANDLER, MsgSample, era_clock, parse_wall
from parsers.vmsnapshot_messages import SAMPLES as MESSAGE_SAMPLES
from parsers.vmsnapshot_messages import Classified, is_safefreeze_message, match

KIND = "vmsnapshot_extension_log"
LOG_DIR = "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
K = EventKind
Classifier = Callable[[str], Classified | None]

_PY3_HEAD = re.compile(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?) \[([\w.\-]+?)-\d+(?:\.\d+)*\]")
_SLASH_HEAD = re.compile(r"(\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2})(?: |$)(ERROR:|WARNING:)?")
_PREFIX = re.compile(r"\[([\w.\-]+?)-\d+(?:\.\d+)*\]")
_CONSOLE = re.compile(
    r"\s?(\d{4}[/-]\d{2}[/-]\d{2} \d{2}:\d{2}:\d{2}\.\d{1,6})  (Info|Warning|Error|Verbose|Debug)  ?(.*)$"
)
_BINARY = re.compile(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (.*)$", re.S)
_VERSION = re.compile(r"VMSnapshotLinux-(\d+\.\d+\.\d+\.\d+)")
_PYVER = re.compile(r"/python(\d\.\d+)/")
_LEVELS = {"ERROR:": "ERROR", "WARNING:": "WARNING", "Info": "INFO", "Warning": "WARNING", "Error": "ERROR",
           "Verbose": "VERBOSE", "Debug": "VERBOSE"}
_BIN_START = "============== Binary output traces start"
_BIN_END = "============== Binary output traces end"


@dataclass(slots=True)
class _Record:
    line: int
    style: str  # "py3" | "slash" | "orphan"
    time_raw: str
    sev: str | None
    handler: str | None
    lines: list[str] = field(default_factory=list)


def _header(text: str) -> tuple[str, str, str | None, str | None, str, bool] | None:
    """(style, time_raw, severity, handler, message, has_prefix) of a record's first line, else None."""
    if len(text) < 19 or not text[0].isdigit():
        return None
    sep = text[4]
    if sep == "-":
        m = _PY3_HEAD.match(text)
        return ("py3", m.group(1), None, m.group(2), text[m.end():], True) if m else None
    if sep == "/":
        m = _SLASH_HEAD.match(text)
        if m is None:
            return None
        rest = text[m.end():]
        pm = _PREFIX.match(rest)
        if pm:
            return "slash", m.group(1), m.group(2), pm.group(1), rest[pm.end():], True
        return "slash", m.group(1), m.group(2), None, rest, False
    return None


def _is_marker(line: str) -> bool:
    return "Logs during Freeze" in line and line.lstrip().startswith("=")


class _Parser:
    """One pass over a file: frames records, splits buffers, classifies, keeps run context."""

    def __init__(self, ctx: ParseContext, classify: Classifier) -> None:
        self.ctx = ctx
        self.classify = classify
        self.handler: str | None = None
        self.seq: int | None = None
        self.pending_target: str | None = None
        self.in_binary = False
        self.last_pair: tuple[datetime, datetime, int, str, str] | None = None
        self.last_fact: dict[str, Any] = {}
        self.record_pairs = RecordPairs(ctx)

    # --- framing ----------------------------------------------------------------------------------
    def run(self, reader: LineReader) -> Iterator[Event]:
        rec: _Record | None = None
        for no, text in reader.lines():
            head = _header(text)
            if head is None:
                if rec is None:
                    rec = _Record(no, "orphan", "", None, None)
                rec.lines.append(text)
                continue
            style, raw, sev, handler, msg, has_prefix = head
            if (
                style == "slash" and rec is not None and rec.style == "slash" and not has_prefix
                and raw == rec.time_raw and sev == rec.sev
            ):
                rec.lines.append(msg)  # the old logger stamps every line of one message
                continue
            if rec is not None:
                yield from self.emit(rec)
            rec = _Record(no, style, raw, sev, handler, [msg])
        if rec is not None:
            yield from self.emit(rec)

    def emit(self, rec: _Record) -> Iterator[Event]:
        if rec.style == "orphan":
            self.ctx.warn(f"{len(rec.lines)} line(s) before the first record (file starts mid-record)", rec.line)
            yield Event(line=rec.line, kind=K.OTHER, message="\n".join(rec.lines), handler=self.handler)
            return
        if rec.handler:
            self.handler = rec.handler
        wall = parse_wall(rec.time_raw)
        if wall is None:
            self.ctx.warn(f"impossible timestamp {rec.time_raw!r}", rec.line)
            clock = Clock.LOCAL if rec.style == "slash" else Clock.UNKNOWN
        else:
            clock = Clock.LOCAL if rec.style == "slash" else era_clock(wall)
        level = _LEVELS.get(rec.sev or "")
        lines = rec.lines
        if any(_is_marker(x) or ((x[:1].isdigit() or x[:1] == " ") and _CONSOLE.match(x)) for x in lines if x):
            yield from self.split(rec, wall, clock, level)
            return
        yield self.event(rec.line, "\n".join(lines).rstrip("\n"), wall, clock, rec.time_raw, level, {})

    def split(self, rec: _Record, wall: datetime | None, clock: Clock, level: str | None) -> Iterator[Event]:
        """A flushed buffer: text before the first inner line, markers, and one event per inner line."""
        buffered = any(_is_marker(x) for x in rec.lines)
        segments: list[list[Any]] = []  # [index, type, console-match or None, lines]
        current: list[Any] | None = None
        for i, text in enumerate(rec.lines):
            m = _CONSOLE.match(text) if text[:1].isdigit() or text[:1] == " " else None
            if m is not None:
                current = [i, "console", m, [m.group(3)]]
                segments.append(current)
            elif _is_marker(text):
                segments.append([i, "marker", None, [text.strip()]])
                current = None
            elif current is not None:
                current[3].append(text)
            elif text.strip():
                current = [i, "text", None, [text]]
                segments.append(current)
        inside = False  # the text before the Start marker (agent constant, distro) is not buffered output
        for n, (i, typ, m, seg_lines) in enumerate(segments):
            message = "\n".join(seg_lines).rstrip()
            if typ == "marker":
                inside = "Start" in message or inside
            extra: dict[str, Any] = {"buffered": True} if buffered and inside else {}
            if typ == "console":
                inner_raw = m.group(1)
                inner = parse_wall(inner_raw)
                if inner is None:
                    self.ctx.warn(f"impossible timestamp {inner_raw!r}", rec.line + i)
                yield self.event(rec.line + i, message, inner, era_clock(inner), inner_raw, _LEVELS.get(m.group(2)),
                                 extra)
            elif typ == "marker" and "Start" in message:
                # The start marker has no stamp of its own: it was written just before the next inner line.
                nxt = next((s for s in segments[n + 1:] if s[1] == "console"), None)
                if nxt is not None and (inner := parse_wall(nxt[2].group(1))) is not None:
                    yield self.event(rec.line + i, message, inner, era_clock(inner), nxt[2].group(1), None, extra)
                else:
                    yield self.event(rec.line + i, message, wall, clock, rec.time_raw, None, extra)
            else:
                # End marker and plain text: written at flush time, the record's own stamp.
                yield self.event(rec.line + i, message, wall, clock, rec.time_raw, level if typ == "text" else None,
                                 extra)

    # --- one event --------------------------------------------------------------------------------
    def event(
        self, line: int, message: str, wall: datetime | None, clock: Clock, time_raw: str, level: str | None,
        extra: dict[str, Any],
    ) -> Event:
        ctx = self.ctx
        body = message
        component = None
        if len(body) > 20 and body[0].isdigit() and body[4] == "-" and body[19] == " ":
            bm = _BINARY.match(body)
            if bm is not None and (self.in_binary or is_safefreeze_message(bm.group(2))):
                bwall = parse_wall(bm.group(1))
                if bwall is not None:
                    if clock is Clock.UTC and wall is not None:
                        self.last_pair = (wall, bwall, line, time_raw, bm.group(1))
                    wall, clock, time_raw = bwall, Clock.LOCAL, bm.group(1)
                body, component = bm.group(2), "safefreeze"
        ctx.records += 1
        found = self.classify(body)
        if found is None:
            ctx.unclassified += 1
            kind, attrs, pid = K.OTHER, {}, ""
        else:
            kind, attrs, pid = found.kind, dict(found.attrs), found.pattern
        attrs.update(extra)
        kind = self.context(kind, attrs, pid, body, line, time_raw)
        if level is None and (attrs.get("status") == "error" or attrs.get("error")):
            # the Python 3 format has no level field: a failure the patterns recognise is an error,
            # so level filters (report table, timeline --level, batch's unexplained errors) see it
            level = "ERROR"
        if clock is Clock.LOCAL and wall is not None and component is None:
            self.record_pairs.check(wall, time_raw, attrs, body, line)
        return Event(
            line=line, kind=kind, message=message, wall=wall, clock=clock, time_raw=time_raw, level=level,
            component=component, handler=self.handler or HANDLER, handler_version=None, attrs=attrs,
        )

    def context(self, kind: EventKind, attrs: dict[str, Any], pid: str, body: str, line: int, raw: str) -> EventKind:
        """State carried between records: status targets, binary blocks, seq, and facts."""
        if body.startswith(_BIN_START):
            self.in_binary, self.last_pair = True, None
        elif body.startswith(_BIN_END):
            self.in_binary = False
            self.pair_fact()
        if pid == "status_document":
            target = self.pending_target or "unknown"
            attrs["target"] = target
            if target == "blob":
                kind = K.STATUS_UPLOAD
        self.pending_target = None
        if body.startswith(("file status report message:", "trans status report message:")):
            self.pending_target = "file"
        elif body.startswith("blob status report message:"):
            self.pending_target = "blob"
        if "seq" in attrs and isinstance(attrs["seq"], int) and attrs["seq"] >= 0:
            self.seq = attrs["seq"]
        elif kind in (K.SNAPSHOT_ENABLE, K.STATUS_WRITE, K.STATUS_UPLOAD) and self.seq is not None:
            attrs["seq"] = self.seq
        self.facts(attrs, pid, body, line, raw)
        return kind

    def fact(self, key: str, value: Any, line: int, raw: str, **attrs: Any) -> None:
        """Record a fact when its value changed (a years-long log repeats the same values per run)."""
        last = self.last_fact.get(key)
        if key == "extension.python" and isinstance(last, str) and last.startswith(str(value)):
            return  # "3.10" from a traceback path adds nothing to a known "3.10.12"
        if last != value:
            self.last_fact[key] = value
            self.ctx.fact(key, value, line=line, time_raw=raw, **attrs)

    def facts(self, attrs: dict[str, Any], pid: str, body: str, line: int, raw: str) -> None:
        if "VMSnapshotLinux-" in body:
            for m in _VERSION.finditer(body):
                self.fact("extension.version", m.group(1), line, raw, name=HANDLER, basis="path")
        if "/python" in body and "File \"" in body:
            m = _PYVER.search(body)
            if m:
                self.fact("extension.python", m.group(1), line, raw, basis="traceback")
        telemetry = attrs.get("telemetry")
        if isinstance(telemetry, dict):
            if telemetry.get("extensionVersion"):
                self.fact("extension.version", telemetry["extensionVersion"], line, raw, name=HANDLER,
                          basis="telemetry")
            if telemetry.get("pythonVersion"):
                self.fact("extension.python", telemetry["pythonVersion"], line, raw, basis="telemetry")
        if pid == "task_id":
            self.fact("extension.task_id", attrs["task_id"], line, raw, seq=self.seq)
        elif pid == "skipped_mount" and str(attrs.get("mounts_to_skip", "")).strip():
            self.fact("vmbackup_conf.SnapshotThread.MountsToSkip", attrs["mounts_to_skip"].strip(), line, raw,
                      basis="echoed")
        elif pid == "thread_timeout" and attrs.get("timeout_s") not in (None, 60):
            self.fact("vmbackup_conf.SnapshotThread.timeout", str(attrs["timeout_s"]), line, raw, basis="echoed")
        elif pid == "config_set":
            self.fact(f"vmbackup_conf.SnapshotThread.{attrs['key']}", attrs["value"], line, raw,
                      basis="written_by_extension")
        elif pid == "logging_off":
            self.fact("vmbackup_conf.SnapshotThread.disable_logging", "non-zero", line, raw, basis="echoed")

    def pair_fact(self) -> None:
        """The last safefreeze line of a block was read right after it was written: a UTC/local pair."""
        if self.last_pair is None:
            return
        utc, local, line, raw_utc, raw_local = self.last_pair
        self.last_pair = None
        if abs((local - utc).total_seconds()) <= 14 * 3600 + 600:
            self.ctx.fact("clock.pair", f"{raw_local} (local, safefreeze) ~ {raw_utc} (UTC, extension)", line=line,
                          time_raw=raw_utc, utc=utc, local=local, basis="safefreeze-output")


def make_parse(classify: Classifier) -> Callable[[LineReader, ParseContext], Iterator[Event]]:
    """The parse function for a file in this record format with a given message classifier."""

    def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
        yield from _Parser(ctx, classify).run(reader)

    return parse


parse = make_parse(match)


def sniff(head: str) -> bool:
    """A loose or pasted extension.log: records carrying the VMSnapshotLinux prefix."""
    if "VMSnapshotLinux-" not in head:
        return False
    ours = stamped = 0
    for text in head.splitlines()[:60]:
        h = _header(text)
        if h is None:
            continue
        stamped += 1
        if h[3] is not None and h[3].endswith("VMSnapshotLinux"):
            ours += 1
    # an old waagent.log may quote a few extension records: most stamped lines must be ours
    return ours > 0 and ours * 2 >= stamped


def wrap(sample: MsgSample, stamp: str = "2024-01-14 22:16:48.792020") -> str:
    """A full Python-3 record line carrying a message sample (binary samples get their own stamp)."""
    message = f"2024-01-14 22:16:49 {sample.message}" if sample.binary else sample.message
    return f"{stamp} [{HANDLER}-1.0]{message}"


FRAMING_SAMPLES: tuple[Sample, ...] = (
    Sample(f"2018/08/21 04:37:12 [{HANDLER}-1.0]T:S freeze, timeout value 60", K.FREEZE, handler=HANDLER,
           attrs={"timeout_s": 60}),
    Sample(f"2024/01/14 22:16:40 ERROR:[{HANDLER}-1.0]Failed to decrypt protected settings using both CMS and SMIME "
           "commands", K.CONFIG, level="ERROR", attrs={"error": "decryption_failed"}),
    Sample(f"2016/12/14 07:32:18 [{HANDLER}-1.0]2016-12-14 07:32:18.204117  Info  Freezing: /datadrive \n"
           "2016/12/14 07:32:18 ", K.FREEZE, level="INFO", attrs={"mount": "/datadrive"}),
    Sample(f"2024-01-14 22:16:52.803340 [{HANDLER}-1.0]================== Logs during Freeze Start ==============\n"
           "2024/01/14 22:16:48.811102  Info  Aquiring lock succeeded \n"
           "================== Logs during Freeze End ==============\n", K.FREEZE,
           attrs={"phase": "buffer_start", "buffered": True}),
    Sample(f"2024-01-14 22:16:50 [{HANDLER}-1.0]T:S snapshotall ends...", K.SNAPSHOT_RESULT, attrs={"phase": "end"}),
)

registry.register(
    ParserSpec(
        name="VMSnapshot extension.log",
        kind=KIND,
        parse=parse,
        # 2.0.x agents gave each extension version its own log folder: <LOG_DIR>/<version>/extension.log
        paths=(f"{LOG_DIR}/extension.log", f"{LOG_DIR}/extension.log.*", f"{LOG_DIR}/*/extension.log"),
        sniff=sniff,
        priority=70,
        description="Azure Backup VMSnapshotLinux extension log (Python 3 and 2 writers, freeze buffer, safefreeze)",
        samples=(
            *(Sample(wrap(s), s.kind, handler=HANDLER, attrs=s.attrs) for s in MESSAGE_SAMPLES),
            *FRAMING_SAMPLES,
        ),
    )
)
