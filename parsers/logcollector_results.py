"""``results.txt`` of the agent's log collector (``waagent -collect-logs``; 2.2.49+).

Python logging with ``%(asctime)s %(levelname)s %(message)s`` and ``datefmt %Y-%m-%dT%H:%M:%SZ``
on ``time.gmtime``: every record is UTC.  ``ls -alF`` listings and command output follow an
``Output of command [...]:`` record as continuation lines (joined to it, at most
``_MAX_CONTINUATION`` kept).  What matters for diagnosis is the collection's time and mode, which
files were added, truncated or missing, and errors: those become facts ``logcollector.*``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from analyzer.model import Clock, Event, EventKind
from parsers import registry
from parsers._state_common import guarded
from parsers.base import LineReader, ParseContext, ParserSpec
from parsers.patterns import Pattern, PatternSet, Sample

KIND = "logcollector_results"
_HEADER = re.compile(r"^(?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) (?P<level>[A-Z]+) (?P<msg>.*)$")
_LEVELS = {"INFO": "INFO", "WARNING": "WARNING", "ERROR": "ERROR", "CRITICAL": "ERROR", "DEBUG": "VERBOSE"}
_MAX_CONTINUATION = 200
_C, _R = EventKind.CONFIG, EventKind.ROUTINE

PATTERNS = PatternSet(
    [
        Pattern(
            "start",
            _C,
            ("Starting log collection at",),
            r"Starting log collection at (?P<started>\S+)",
            attrs={"phase": "start"},
        ),
        Pattern(
            "mode",
            _C,
            ("Using log collection mode",),
            r"Using log collection mode (?P<mode>\w+)",
            attrs={"phase": "mode"},
        ),
        Pattern(
            "dirs",
            _C,
            (" as $LIB_DIR", " as $LOG_DIR", " as $AGENT_LOG"),
            r"Using (?P<path>\S+) as \$(?P<var>\w+)",
            attrs={"phase": "setup"},
        ),
        Pattern(
            "add_truncated",
            _R,
            ("Adding truncated file",),
            r"Adding truncated file (?P<path>\S+), size (?P<size>\d+) b",
            convert={"size": int},
            attrs={"phase": "add", "truncated": True},
        ),
        Pattern(
            "add",
            _R,
            ("Adding file",),
            r"Adding file (?P<path>\S+), size (?P<size>\d+) b",
            convert={"size": int},
            attrs={"phase": "add"},
        ),
        Pattern(
            "missing",
            _R,
            ("does not exist, skipping collection",),
            r"File (?P<path>\S+) does not exist",
            attrs={"phase": "missing"},
        ),
        Pattern("too_big", _C, ("Archive too big",), attrs={"phase": "cap"}),
        Pattern(
            "discard",
            _C,
            ("Discarding large binary file",),
            r"Discarding large binary file (?P<path>\S+)",
            attrs={"phase": "cap"},
        ),
        Pattern(
            "add_failed",
            _C,
            ("Failed to add file",),
            r"Failed to add file (?P<path>\S+) to the archive",
            attrs={"phase": "error"},
        ),
        Pattern("truncate_failed", _C, ("Failed to truncate large file",), attrs={"phase": "error"}),
        Pattern(
            "uncompressed",
            _C,
            ("Uncompressed archive size is",),
            r"size is (?P<size>\d+) b",
            convert={"size": int},
            attrs={"phase": "size"},
        ),
        Pattern(
            "compressed",
            _C,
            ("Compressed archive size is",),
            r"size is (?P<size>\d+) b",
            convert={"size": int},
            attrs={"phase": "size"},
        ),
        Pattern(
            "finish",
            _C,
            ("Finishing log collection at",),
            r"Finishing log collection at (?P<finished>\S+)",
            attrs={"phase": "finish"},
        ),
        Pattern(
            "elapsed",
            _C,
            ("Elapsed time:",),
            r"Elapsed time: (?P<elapsed_ms>\d+) ms",
            convert={"elapsed_ms": int},
            attrs={"phase": "finish"},
        ),
        Pattern("failed", _C, ("Failed to collect logs",), attrs={"phase": "error"}),
        Pattern(
            "cmd_failed",
            _C,
            ("return code: [",),
            r"Command: \[(?P<command>[^\]]*)\], return code: \[(?P<exit_code>-?\d+)\]",
            convert={"exit_code": int},
            attrs={"phase": "error"},
        ),
        Pattern("cmd_exception", _C, ("raised unexpected exception",), attrs={"phase": "error"}),
        Pattern(
            "output",
            _R,
            ("Output of command [",),
            r"Output of command \[(?P<command>[^\]]*)\]",
            attrs={"phase": "listing"},
        ),
        Pattern("banner", _R, ("###",), attrs={"phase": "banner"}),
        Pattern("bad_manifest", _C, ("Couldn't parse",), attrs={"phase": "error"}),
    ]
)


class _Stats:
    def __init__(self) -> None:
        self.added = self.truncated = self.missing = self.errors = 0


def _finish(ctx: ParseContext, rec: dict[str, Any], stats: _Stats) -> Event:
    lines: list[str] = rec["lines"]
    if rec["dropped"]:
        lines.append(f"[… {rec['dropped']} more lines]")
    message = "\n".join(lines)
    m = PATTERNS.match(rec["msg"])
    attrs: dict[str, Any] = {}
    kind = EventKind.OTHER
    if m is not None:
        kind, attrs = m.pattern.kind, m.attrs
        pid = m.pattern.id
        if pid in ("add", "add_truncated"):
            stats.added += 1
            stats.truncated += pid == "add_truncated"
        elif pid == "missing":
            stats.missing += 1
        elif attrs.get("phase") == "error":
            stats.errors += 1
        if pid == "start":
            ctx.fact("logcollector.start", attrs.get("started"), line=rec["line"], time_raw=rec["ts"])
        elif pid == "finish":
            ctx.fact("logcollector.end", attrs.get("finished"), line=rec["line"], time_raw=rec["ts"])
        elif pid == "mode":
            ctx.fact("logcollector.mode", attrs.get("mode"), line=rec["line"])
        elif pid == "dirs":
            ctx.fact(f"logcollector.{attrs.get('var', '').lower()}", attrs.get("path"), line=rec["line"])
        elif pid in ("uncompressed", "compressed"):
            ctx.fact(f"logcollector.{pid}_size", attrs.get("size"), line=rec["line"])
        elif pid == "too_big":
            ctx.fact("logcollector.size_cap_hit", True, line=rec["line"])
    elif rec["level"] in ("WARNING", "ERROR"):
        stats.errors += 1
        ctx.unclassified += 1
    else:
        kind = EventKind.ROUTINE  # a bare path echoed by a copy: entry, or free text from the manifest
    return Event(
        line=rec["line"],
        kind=kind,
        message=message,
        wall=rec["wall"],
        clock=Clock.UTC if rec["wall"] else Clock.UNKNOWN,
        time_raw=rec["ts"],
        level=rec["level"],
        component="logcollector",
        attrs=attrs,
    )


def parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    return guarded(_parse(reader, ctx), ctx, message_limit=20_000)  # listings are long by nature


def _parse(reader: LineReader, ctx: ParseContext) -> Iterator[Event]:
    stats = _Stats()
    rec: dict[str, Any] | None = None
    for lineno, line in reader.lines():
        m = _HEADER.match(line) if line[:2].isdigit() else None
        if m is None:
            if rec is not None:
                if len(rec["lines"]) < _MAX_CONTINUATION:
                    rec["lines"].append(line)
                else:
                    rec["dropped"] += 1
            elif line.strip():
                ctx.records += 1
                ctx.unclassified += 1
            continue
        if rec is not None:
            yield _finish(ctx, rec, stats)
        ctx.records += 1
        ts = m.group("ts")
        try:
            wall: datetime | None = datetime.fromisoformat(ts[:-1])
        except ValueError:
            wall = None
            ctx.warn(f"impossible timestamp {ts!r}", lineno)
        level = _LEVELS.get(m.group("level"))
        rec = {
            "line": lineno,
            "ts": ts,
            "wall": wall,
            "level": level,
            "msg": m.group("msg"),
            "lines": [line],
            "dropped": 0,
        }
    if rec is not None:
        yield _finish(ctx, rec, stats)
    if ctx.records:
        ctx.fact("logcollector.files_added", stats.added)
        ctx.fact("logcollector.files_truncated", stats.truncated)
        ctx.fact("logcollector.files_missing", stats.missing)
        ctx.fact("logcollector.errors", stats.errors)


def _sniff(head: str) -> bool:
    first = head.lstrip("\ufeff").split("\n", 1)[0]
    return bool(_HEADER.match(first)) and ("log collection" in head or "$LIB_DIR" in head)


def _s(msg: str, kind: EventKind, level: str = "INFO", **attrs: Any) -> Sample:
    return Sample(
        text=f"2024-03-05T03:10:01Z {level} {msg}", kind=kind, level=level, component="logcollector", attrs=attrs
    )


registry.register(
    ParserSpec(
        name="Agent log collector run log (results.txt)",
        kind=KIND,
        parse=parse,
        paths=("results.txt", "var/lib/waagent/logcollector/results.txt"),
        sniff=_sniff,
        # above the agent log (same timestamp shape): the sniffer also wants collector phrases
        priority=52,
        description="log collection time, mode, files added / truncated / missing, errors (UTC)",
        samples=(
            _s("Starting log collection at 2024-03-05T03:10:01Z", _C, phase="start", started="2024-03-05T03:10:01Z"),
            _s("Using log collection mode full", _C, mode="full"),
            _s("Using /var/lib/waagent as $LIB_DIR", _C, var="LIB_DIR", path="/var/lib/waagent"),
            _s("Adding file /var/log/waagent.log, size 10485760 b", _R, path="/var/log/waagent.log", size=10485760),
            _s(
                "Adding truncated file /var/lib/waagent/logcollector/truncated/var_log_syslog.1, size 31457280 b",
                _R,
                truncated=True,
                size=31457280,
            ),
            _s(
                "File /var/log/azure/custom-script/handler.log does not exist, skipping collection for this file",
                _R,
                "WARNING",
                phase="missing",
            ),
            _s("Archive too big, done with adding files.", _C, "WARNING", phase="cap"),
            _s("Discarding large binary file /var/log/syslog.2.gz", _C, "WARNING", path="/var/log/syslog.2.gz"),
            _s(
                "Failed to add file /var/log/messages to the archive: [Errno 13] Permission denied",
                _C,
                "WARNING",
                path="/var/log/messages",
            ),
            _s("Failed to truncate large file: [Errno 28] No space left on device", _C, "ERROR", phase="error"),
            _s("Uncompressed archive size is 52428800 b", _C, size=52428800),
            _s("Successfully compressed files. Compressed archive size is 7340032 b", _C, size=7340032),
            _s("Finishing log collection at 2024-03-05T03:10:09Z", _C, finished="2024-03-05T03:10:09Z"),
            _s("Elapsed time: 8123 ms", _C, elapsed_ms=8123),
            _s("Failed to collect logs: Too many errors, giving up. Last error: disk full", _C, "ERROR"),
            _s(
                "Command: [ls -alF /var/lib/waagent], return code: [2], stdout: [] stderr: [ls: cannot access]",
                _C,
                "ERROR",
                exit_code=2,
                command="ls -alF /var/lib/waagent",
            ),
            _s("Command [ls -alF /var/log] raised unexpected exception: [No such file]", _C, "ERROR"),
            Sample(
                text="2024-03-05T03:10:01Z INFO Output of command [ls -alF /var/lib/waagent]:\ntotal 1320\n"
                "drwxr-xr-x 12 root root 4096 Mar  5 03:09 ./",
                kind=_R,
                attrs={"command": "ls -alF /var/lib/waagent", "phase": "listing"},
            ),
            _s("### Gathering Configuration Files ###", _R, phase="banner"),
            _s('Couldn\'t parse "copy /etc/fstab"', _C, "ERROR", phase="error"),
        ),
    )
)
