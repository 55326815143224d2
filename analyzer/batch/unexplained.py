"""The ERROR/WARNING records of one bundle that no rule used: raw material for new failure patterns.

A batch worker calls :func:`collect_unexplained` while the bundle's analysis is open; the parent
clusters the samples of every bundle (:mod:`analyzer.batch.templates`).  Records a rule cited as
evidence (for a finding or for ruling a cause out) are already explained and stay out, and so do
a few agent messages known to be harmless everywhere.  What is kept is redacted here, in the
worker, so nothing secret crosses the process boundary.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from typing import Any

from analyzer.batch.model import ErrorSample
from analyzer.model import Clock, Event, EventKind
from analyzer.pipeline import Analysis
from analyzer.redact import Redactor
from analyzer.timeline import KEEP_REPEATS_PER_HOUR, hour_of, template_of
from analyzer.timezone import TimeZoneInfo

_LEVELS = ("ERROR", "WARNING")
# A crash record without a level (systemd's "walinuxagent.service: Main process exited …" in the
# journal) still tells of a failure; it is reported at the level the agent uses for its own crash
# records ("Agent … failed with exception" is a WARNING).  Other level-less kinds stay out: the
# extension's shell.log "python3 path exists" lines are classified `python` and are not errors.
_LEVELLESS_KINDS = {EventKind.AGENT_CRASH: "WARNING"}
MAX_MESSAGE_CHARS = 400

# Agent messages that are harmless on every VM: listing them would bury what is new.  Each entry
# is (level, pattern searched in the sample line, why).  Kept short on purpose: a message that is
# only sometimes harmless belongs to a rule, which can use it as evidence.
BENIGN: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("WARNING", re.compile(r"^Dhcp client is not running\."), "EnvHandler warns on every distro without dhclient"),
    (
        "WARNING",
        re.compile(r"^Move rules file (?:70|75)-persistent-net"),
        "the environment thread's periodic udev-rules housekeeping",
    ),
    (
        "WARNING",
        re.compile(r"AutoUpdate\.Enabled property is \*\*Deprecated\*\*"),
        "a configuration notice, not a failure",
    ),
)

# Copies of agent records in the journal or syslog carry the record's own header, and syslog adds
# its own: both are dropped so that one message reads the same from every source.
_SYSLOG_HEADER = re.compile(
    r"^(?:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?"
    r"|[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2})"
    r" \S+ [\w.@/-]+(?:\[\d+\])?: "
)
_AGENT_HEADER = re.compile(
    r"^\d{4}[-/]\d{2}[-/]\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?Z? (?:VERBOSE|INFO|WARNING|ERROR) "
    r"(?:(?:Daemon|ExtHandler|MonitorHandler|EnvHandler|SendTelemetryHandler|TelemetryEventsCollector|"
    r"CollectLogsHandler|LogCollectorMonitorHandler|MainThread|LogCollector|Firewall|Thread-\d+)"
    r"|\[[^\]\s]+?-\d+(?:\.\d+)+\]) ?"
    r"(?:(?:Daemon|ExtHandler|LogCollector|Firewall|\[[^\]\s]+?-\d+(?:\.\d+)+\]) )?"
)
_TRACEBACK_HEAD = "Traceback (most recent call last)"


def evidence_lines(result: dict[str, Any]) -> set[tuple[str, int]]:
    """Every line a finding or a ruled-out cause cites: ("member:<member>" or "source:<path>", line)."""
    used: set[tuple[str, int]] = set()
    entries: list[dict[str, Any]] = []
    for finding in result.get("findings", []):
        entries.extend(finding.get("evidence", []))
        entries.extend(finding.get("counter_evidence", []))
    for ruled_out in result.get("ruled_out", []):
        entries.extend(ruled_out.get("evidence", []))
    for entry in entries:
        line = entry.get("line")
        if not isinstance(line, int):
            continue
        # The member (the file inside the input) is exact; the logical path is the fallback for
        # evidence rendered without one (two members can share a logical path).
        if entry.get("member"):
            used.add((f"member:{entry['member']}", line))
        elif entry.get("source"):
            used.add((f"source:{entry['source']}", line))
    return used


def _is_used(ev: Event, used: set[tuple[str, int]]) -> bool:
    return (f"member:{ev.member}", ev.line) in used or (f"source:{ev.source}", ev.line) in used


def informative_line(text: str) -> str:
    """The one line of a (redacted) record that says what went wrong.

    The agent writes an exception as ``str(e)`` followed by the traceback, so the first line is
    the message.  A bare traceback (legacy agent, extension logs) starts with the "Traceback"
    header instead; its informative line is the last unindented one, ``XError: text``.
    """
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return ""
    first = lines[0].strip()
    if first.startswith(_TRACEBACK_HEAD):
        tail = [ln for ln in lines[1:] if not ln[:1].isspace()]
        if tail:
            first = tail[-1].strip()
    first = _SYSLOG_HEADER.sub("", first, count=1)
    first = _AGENT_HEADER.sub("", first, count=1)
    if len(first) > MAX_MESSAGE_CHARS:
        first = first[: MAX_MESSAGE_CHARS - 1] + "…"
    return first


def _level_of(ev: Event) -> str | None:
    if ev.level in _LEVELS:
        return ev.level
    if ev.level is None:
        return _LEVELLESS_KINDS.get(ev.kind)
    return None


def is_benign(level: str, line: str) -> bool:
    return any(level == lv and pattern.search(line) for lv, pattern, _ in BENIGN)


def _hour_of(ev: Event, tz: TimeZoneInfo) -> str:
    """The UTC hour the timeline files a collapsed repeat of ``ev`` under (TimelineBuilder.finish)."""
    if ev.wall is None:
        return ""
    hour = hour_of(ev.wall)
    if ev.clock == Clock.LOCAL:
        return tz.to_utc(datetime.strptime(hour, "%Y-%m-%dT%H")).strftime("%Y-%m-%dT%H")
    return hour


def collect_unexplained(
    analysis: Analysis, result: dict[str, Any], redactor: Redactor, limit: int = 200
) -> list[ErrorSample]:
    """ERROR/WARNING records of ``analysis`` that no evidence entry of ``result`` cites.

    One sample per distinct (redacted first line, level, source), counting its records, the
    repeats the timeline collapsed included; at most ``limit`` samples, most frequent first, ties
    by message, level and source — the same bundle always gives the same list.
    """
    used = evidence_lines(result)
    timeline = analysis.timeline
    explained: set[tuple[str, str, str]] = set()
    # Candidates grouped as the timeline counts repeats: (member, kind, shape, UTC hour).
    groups: dict[tuple[str, str, str, str], list[tuple[Event, str]]] = {}
    for ev in timeline.events:
        level = _level_of(ev)
        if level is None:
            continue
        shape = (ev.member, ev.kind.value, template_of(ev.message))
        if _is_used(ev, used):
            explained.add(shape)  # its repeats are explained as well
            continue
        groups.setdefault((*shape, _hour_of(ev, timeline.time_zone)), []).append((ev, level))

    counts: Counter[tuple[str, str, str]] = Counter()
    for key, members in groups.items():
        # The timeline kept the first few records of an hour and counted the rest; records of the
        # analysed window were re-read and kept too, so the hour's true total is kept + counted
        # only when nothing was counted, and KEEP_REPEATS_PER_HOUR + counted otherwise.
        collapsed = 0 if key[:3] in explained else timeline.collapsed.get(key, 0)
        extra = max(collapsed + KEEP_REPEATS_PER_HOUR - len(members), 0) if collapsed else 0
        for ev, level in members:
            line = informative_line(redactor(ev.message) or "")
            if not line or is_benign(level, line):
                continue
            counts[(line, level, ev.source)] += 1 + extra
            extra = 0  # the first record of the group carries the uncounted repeats

    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [ErrorSample(message=m, level=lv, source=src, count=n) for (m, lv, src), n in ranked[: max(limit, 0)]]


__all__ = ["BENIGN", "collect_unexplained", "evidence_lines", "informative_line", "is_benign"]
