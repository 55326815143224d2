"""Shared helpers of the family-4 rules "the snapshot or its status fails" (part B; not a rule).

The seven causes of this part judge the *end* of the analysed run: where the extension's own
records stop, whether a final status was written, which code it carries, whether shell.log saw
the daemon return, what the system logs say happened next, and — for code 402 — whether the
extension was really started late or only believed so because the VM clock is off.  The answers
live here so the rules agree on them (a freeze hang is not also "did not finish"; a 556 that
could not be written is not a killed worker; a 402 is late *or* skewed).

Traps handled for every rule: code 4 is written twice per run and is "in progress", never a
result; the file's top-level ``status: success`` means nothing (codes decide); a run that is still
going when the bundle was collected has not failed; code 3 or a skipped sequence number of an
*older* run (a re-enable after an agent restart) is harmless; the extension's Python-3 record times
and ``utcNow`` come from the same clock unless the host's time was used.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

from analyzer.model import EventKind
from analyzer.rules.base import EventRef, Evidence, RuleContext, say
from analyzer.runs import Run

K = EventKind
VMS = "VMSnapshotLinux"
EXT_LOG = "vmsnapshot_extension_log"
SHELL_LOG = "vmsnapshot_shell_log"
STATUS_FILE = "handler_status_file"
AGENT_PARSERS = ("waagent_log", "command_execution_log")
SYSTEM_PARSERS = ("syslog", "journal", "dmesg")
# Freeze records written before the freeze buffer starts: after them the next on-disk line is the
# flushed buffer ("Logs during Freeze Start … End"); if they are the last ones, the VM or the
# extension hung while the file systems were (being) frozen.
OPEN_FREEZE_PHASES = ("start", "prepare", "args", "signals_ready", "buffer_start", "lock", "binary_start")
LONG_AFTER = timedelta(minutes=60)
LIMIT_S = 140 * 60  # the extension's MAX_TIMESPAN (code 402)
# A lone 402 that nothing separates (no clock measurement, no delay measurement): enough for
# "possible" in both vm-clock-skew and extension-invoked-too-late, never more.
UNDECIDED_402 = 0.4
_HOST_TIME = re.compile(r"pre-snapshot request: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)")
_CREATED = re.compile(r"created: (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)Z?")
_KILL_WORDS = re.compile(r"segfault|Killed|killed|core dumped|general protection|SIGKILL|SIGSEGV|terminated")
_EXT_PROCESS = re.compile(r"handle\.py|handle\.sh|safefreeze|VMSnapshotLinux|python[\d.]*\[|\(python[\d.]*\)")


def first_line(text: str, limit: int = 200) -> str:
    return text.split("\n", 1)[0][:limit]


def run_refs(ctx: RuleContext) -> list[EventRef]:
    return [r for r in ctx.run_events() if r.time is not None]


def of(refs: Iterable[EventRef], parser: str | tuple[str, ...]) -> list[EventRef]:
    wanted = (parser,) if isinstance(parser, str) else parser
    return [r for r in refs if r.event.parser in wanted]


def code_of(ref: EventRef) -> str | None:
    code = ref.event.attrs.get("code")
    return None if code is None else str(code)


def status_reports(refs: Iterable[EventRef]) -> list[EventRef]:
    """The extension's status writes (its log's report lines and the ``.status`` file) with a code."""
    return [
        r
        for r in refs
        if r.event.kind in (K.STATUS_WRITE, K.EXT_STATUS)
        and r.event.parser in (EXT_LOG, STATUS_FILE)
        and code_of(r) is not None
    ]


def final_reports(refs: Iterable[EventRef]) -> list[EventRef]:
    """Status writes with a terminal code (anything but 4) that were really written."""
    return [
        r
        for r in status_reports(refs)
        if code_of(r) != "4" and r.event.attrs.get("error") not in ("write_failed", "report_failed")
    ]


def write_failures(refs: Iterable[EventRef]) -> list[EventRef]:
    """The extension saying it could not build or write its status."""
    return [
        r
        for r in of(refs, EXT_LOG)
        if (r.event.kind == K.STATUS_WRITE and r.event.attrs.get("error") in ("write_failed", "report_failed"))
        or "cannot get status report parameters" in r.event.message
        or "Status file creation failed" in r.event.message
    ]


def shell_returns(refs: Iterable[EventRef]) -> list[EventRef]:
    return [r for r in of(refs, SHELL_LOG) if r.event.kind == K.EXT_COMMAND_RESULT]


def worker_never_returned(ctx: RuleContext) -> Evidence:
    """shell.log's missing second "returned" line, as evidence (the worker was still running or died)."""
    return ctx.absence(
        say(
            en="no second 'returned from handle.py' line in shell.log: the snapshot worker never returned",
            zh="shell.log 中没有第二条 'returned from handle.py'：快照工作进程始终没有返回",
        ),
        source="shell.log",
    )


def daemon_returned(refs: Iterable[EventRef]) -> bool:
    """shell.log saw the snapshot worker (``handle.sh daemon``) return."""
    returns = shell_returns(refs)
    ops = [r.event.attrs.get("operation") for r in returns]
    if any(ops):
        return "daemon" in ops
    return len(returns) >= 2


def daemon_started(refs: Iterable[EventRef]) -> EventRef | None:
    return next((r for r in of(refs, EXT_LOG) if r.event.attrs.get("phase") == "daemon"), None)


def open_freeze(refs: list[EventRef]) -> EventRef | None:
    """The last pre-buffer freeze record when the extension's log of the run stops there.

    ``None`` when the run's extension records go on past the freeze (buffer flushed, thaw,
    snapshot result, a status write) or never reached a freeze."""
    ext = of(refs, EXT_LOG)
    last_freeze = None
    for ref in ext:
        ev = ref.event
        if ev.kind == K.FREEZE and ev.attrs.get("phase") in OPEN_FREEZE_PHASES and not ev.attrs.get("buffered"):
            last_freeze = ref
        elif last_freeze is not None and _progress_after_freeze(ref):
            return None
    return last_freeze


def _progress_after_freeze(ref: EventRef) -> bool:
    ev = ref.event
    if ev.kind in (K.THAW, K.SNAPSHOT_RESULT, K.STATUS_WRITE, K.STATUS_UPLOAD):
        return True
    if ev.kind == K.FREEZE and ev.attrs.get("phase") not in OPEN_FREEZE_PHASES:
        return True  # frozen, timed out, failed …: the freeze ended one way or another
    return ev.kind == K.SNAPSHOT_CALL and not ev.attrs.get("buffered")


def last_of(refs: list[EventRef], parser: str) -> EventRef | None:
    """The run's last record of one source in file order (whole-second stamps tie with the flushed buffer)."""
    mine = of(refs, parser)
    return max(mine, key=lambda r: (r.event.member, r.event.line)) if mine else None


def observed_until(ctx: RuleContext, after: datetime) -> EventRef | None:
    """The latest record (of any source but the extension's status file) after ``after``."""
    best = None
    for ref in ctx.events(where=lambda ev: ev.parser != STATUS_FILE):
        if ref.time is not None and ref.time > after:
            best = ref
    return best


def runs_after(ctx: RuleContext) -> list[Run]:
    if ctx.run is None:
        return []
    return [r for r in ctx.runs if r.start > ctx.run.end and r is not ctx.run]


def good_run_after(ctx: RuleContext) -> EventRef | None:
    tl = ctx.timeline
    for run in runs_after(ctx):
        if run.outcome == "succeeded" and run.final_code in ("0", "1") and run.events:
            i = run.events[-1]
            return EventRef(i, tl.events[i], tl.times[i])
    return None


def points_to(ctx: RuleContext, code: str | None) -> bool:
    """The VMSnapshot code can point to this rule's cause (codes.toml ``candidates``)."""
    return code is not None and ctx.cause.id in ctx.codes.candidates(code)


def system_events(ctx: RuleContext, lo: datetime, hi: datetime, events: tuple[str, ...]) -> list[EventRef]:
    return [
        r
        for r in ctx.events(parsers=SYSTEM_PARSERS)
        if r.time is not None and lo <= r.time <= hi and r.event.attrs.get("event") in events
    ]


def restarts_after(ctx: RuleContext, after: datetime, within: timedelta) -> list[EventRef]:
    """Boot records (system logs) or the agent daemon starting again, after ``after``."""
    hi = after + within
    found = system_events(ctx, after, hi, ("boot", "reboot"))
    daemon = [
        r
        for r in ctx.events((K.AGENT_START, K.AGENT_VERSION), parsers=AGENT_PARSERS)
        if r.time is not None and after < r.time <= hi and r.event.attrs.get("role") in ("daemon", None)
    ]
    return sorted(found + daemon[:1], key=lambda r: r.time or after)


_UID = re.compile(r"\bUID:?\s*(\d+)")


def _foreign_victims(refs: list[EventRef]) -> set[int]:
    """Pids the kernel itself places outside the extensions' slice (a user's session, a service)."""
    pids = set()
    for ref in refs:
        a = ref.event.attrs
        memcg = str(a.get("memcg") or "")
        if ref.event.kind == K.OOM and memcg and "azure" not in memcg and isinstance(a.get("pid"), int):
            pids.add(a["pid"])
    return pids


def kills(ctx: RuleContext, lo: datetime, hi: datetime) -> list[EventRef]:
    """System records of the extension's processes being killed or crashing (OOM, signals, segfaults).

    A python process killed for memory is the extension only if nothing says otherwise: the
    extension runs as root in the azure-vmextensions slice, so a victim with another UID or in
    another memory cgroup (a user's python3) is not it."""
    out = []
    refs = [r for r in ctx.events(parsers=SYSTEM_PARSERS) if r.time is not None and lo <= r.time <= hi]
    foreign = _foreign_victims(refs)
    for ref in refs:
        text = ref.event.message
        if ref.event.kind == K.OOM and ref.event.attrs.get("oom") in ("killed", "reaped", "oomd"):
            uid = _UID.search(text)
            if (uid and uid.group(1) != "0") or ref.event.attrs.get("pid") in foreign:
                continue
            if _EXT_PROCESS.search(text) or VMS in (ref.event.handler or ""):
                out.append(ref)
        elif _KILL_WORDS.search(text) and _EXT_PROCESS.search(text):
            out.append(ref)
    return out


# -- code 402: late, or a wrong clock ----------------------------------------------------------------


@dataclass
class Crp:
    """What the analysed run says about the extension's 140-minute check (code 402)."""

    too_late: list[EventRef] = field(default_factory=list)  # "CRP timeout limit has reached" (and the thaw line)
    times: EventRef | None = None  # "command start time is … and utcNow is …"
    span_s: float | None = None
    host_clock: EventRef | None = None  # utcNow came from the host's pre-snapshot answer
    fallback: EventRef | None = None  # "Error in getting Host time falling back to using system time"
    offsets: list[tuple[float, EventRef, str]] = field(default_factory=list)  # VM clock minus real time (s)
    jumps: list[EventRef] = field(default_factory=list)  # chrony / ntp / systemd time jumps
    enable: EventRef | None = None  # the agent's enable of the run
    arrival: EventRef | None = None  # the goal state the enable belongs to, as the agent logged it
    created_gap_s: float | None = None  # that goal state's processing minus its creation (both clocks)
    agent_gap_s: float | None = None  # agent records: goal state arrival → enable (one clock)
    code: str | None = None

    @property
    def is_402(self) -> bool:
        return bool(self.too_late) or self.code == "402"

    @property
    def offset_s(self) -> float | None:
        return median(o for o, _, _ in self.offsets) if self.offsets else None

    def agreeing(self) -> list[tuple[float, EventRef, str]]:
        """The offset measurements that agree with the median, nearest to the run first."""
        mid = self.offset_s
        if mid is None:
            return []
        near = [o for o in self.offsets if abs(o[0] - mid) <= 600]
        return sorted(near, key=lambda o: o[1].time or datetime.min, reverse=True)

    @property
    def late_by_agent_s(self) -> float | None:
        """How late the agent was on a trusted scale: its own one-clock gap, or the goal state's creation
        → processing gap corrected by the clock offset measured elsewhere."""
        gaps = [g for g in (self.agent_gap_s,) if g is not None]
        if self.created_gap_s is not None:
            gaps.append(self.created_gap_s - (self.offset_s or 0.0))
        return max(gaps) if gaps else None


def _naive(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("T", " ").rstrip("Z"))
    except ValueError:
        return None


def _is_utc(ctx: RuleContext, ref: EventRef) -> bool:
    return ctx.timeline.bases[ref.index] == "utc"


def crp(ctx: RuleContext) -> Crp:
    c = Crp(code=ctx.run.final_code if ctx.run else None)
    refs = run_refs(ctx)
    for ref in of(refs, EXT_LOG):
        ev = ref.event
        if ev.attrs.get("error") == "command_too_late":
            c.too_late.append(ref)
        elif ev.attrs.get("phase") == "crp_check" and ev.attrs.get("utc_now") and c.times is None:
            c.times = ref
        elif ev.attrs.get("error") == "host_time_unavailable":
            c.fallback = ref
        elif "Date and time extracted from pre-snapshot request" in ev.message and c.host_clock is None:
            c.host_clock = ref
        if ev.attrs.get("phase") == "crp_check" and isinstance(ev.attrs.get("span_s"), (int, float)):
            c.span_s = max(c.span_s or float("-inf"), float(ev.attrs["span_s"]))
    if c.host_clock is not None and c.host_clock.time is not None and _is_utc(ctx, c.host_clock):
        m = _HOST_TIME.search(c.host_clock.event.message)
        host = _naive(m.group(1)) if m else None
        if host is not None:
            c.offsets.append(
                ((c.host_clock.time - host).total_seconds(), c.host_clock, "the VM clock against the host's clock")
            )
    _agent_side(ctx, c)
    lo, hi = ctx.window if ctx.window else (None, None)
    if lo is not None and hi is not None:
        c.jumps = system_events(ctx, lo - timedelta(days=3), hi, ("time_jump",))
    return c


NOT_402 = say(
    en="the analysed run did not fail with code 402 (the extension's 140-minute check)",
    zh="所分析的运行并未以代码 402（扩展的 140 分钟检查）失败",
)


def crp_402(ctx: RuleContext) -> Crp | None:
    """The CRP time check of the analysed run when it failed with 402 (clock skew or a late start)."""
    c = crp(ctx)
    return c if c.is_402 and points_to(ctx, "402") else None


def _agent_side(ctx: RuleContext, c: Crp) -> None:
    enables = [
        r
        for r in ctx.run_events()
        if r.time is not None and r.event.kind == K.EXT_ENABLE and r.event.parser in AGENT_PARSERS
    ]
    if not enables:
        return
    c.enable = next((r for r in enables if "Enable extension" in r.event.message), enables[0])
    at = c.enable.time
    assert at is not None
    cycle = [
        r
        for r in ctx.events((K.GOAL_STATE_PROCESS, K.GOAL_STATE_FETCH), parsers=AGENT_PARSERS)
        if r.time is not None and r.time <= at and _is_utc(ctx, r)
    ]
    if cycle:
        # the first record of the goal-state cycle the enable belongs to (records a few seconds apart)
        first = cycle[-1]
        for ref in reversed(cycle):
            if first.time is not None and ref.time is not None and first.time - ref.time <= timedelta(minutes=2):
                first = ref
            else:
                break
        c.arrival = first
        assert first.time is not None
        c.agent_gap_s = (at - first.time).total_seconds()
    stamped = []
    for ref in cycle:
        m = _CREATED.search(ref.event.message)
        created = _naive(m.group(1)) if m else None
        if created is not None and ref.time is not None:
            stamped.append((ref, (ref.time - created).total_seconds()))
    if stamped:
        c.created_gap_s = stamped[-1][1]
        for ref, gap in stamped[:-1]:
            c.offsets.append((gap, ref, "an earlier goal state: the agent's time of processing it minus its creation"))


def minutes(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    m = round(seconds / 60)
    return f"{m // 60} h {m % 60:02d} min" if abs(m) >= 60 else f"{m} min"


def minutes_zh(seconds: float | None) -> str:
    """``minutes`` for the Chinese sentences (same rounding, Chinese units)."""
    if seconds is None:
        return "?"
    m = round(seconds / 60)
    return f"{m // 60} 小时 {m % 60:02d} 分钟" if abs(m) >= 60 else f"{m} 分钟"


def label_zh(run: Run) -> str:
    """``Run.label`` for the Chinese sentences (same values)."""
    return f"运行 {run.seq}" if run.seq is not None else f"{run.start:%Y-%m-%dT%H:%M:%SZ} 开始的运行"


def fact_line(ref: EventRef, note: str, weight: float | None = None) -> Evidence:
    """A state read from one record (a clock offset, a stuck status): it does not fade with the record's age."""
    ev = ref.event
    return Evidence(
        kind="fact",
        text=first_line(ev.message),
        source=ev.source,
        member=ev.member,
        line=ev.line,
        time=ref.time,
        weight=weight,
        note=note,
    )
