"""Runs: each VMSnapshot attempt assembled from every source that saw it (design §1 "Runs").

A run is keyed by the ConfigSequenceNumber the agent passes to the extension; the agent's enable
lines, the extension's own records (task id, phases, status writes), shell.log return lines and
the ``.status`` file all carry it or follow it in time.  The same sequence number can come back
after a reinstall, so a long silence starts a new run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from analyzer.model import Event, EventKind
from analyzer.timeline import Timeline

VMSNAPSHOT = "VMSnapshotLinux"
PHASES = ("no-enable", "enable", "enable-failed", "before-freeze", "freeze", "snapshot", "thaw", "status", "finished")
_PHASE_OF_KIND = {
    EventKind.EXT_ENABLE: "enable",
    EventKind.SNAPSHOT_ENABLE: "enable",
    EventKind.EXT_COMMAND_RESULT: "enable",
    EventKind.SNAPSHOT_PRESNAPSHOT: "before-freeze",
    EventKind.FREEZE: "freeze",
    EventKind.SNAPSHOT_CALL: "snapshot",
    EventKind.SNAPSHOT_RESULT: "snapshot",
    EventKind.THAW: "thaw",
    EventKind.STATUS_WRITE: "status",
    EventKind.EXT_STATUS: "status",
}
_RUN_GAP = timedelta(hours=3)
# Sources written by the extension itself (or its status file): only they prove progress past enable.
_EXTENSION_SIDE = frozenset(
    {
        "vmsnapshot_extension_log",
        "vmsnapshot_shell_log",
        "handler_status_file",
        "host_based_extension_log",
        "syslog",
        "journal",
    }
)
# Where the run's status code is read from: the extension's own reports and the agent's copy of them.
_STATUS_SOURCES = frozenset({"vmsnapshot_extension_log", "handler_status_file", "waagent_status_json"})
_LEAD = timedelta(minutes=10)
_SUCCESS_CODES = {"0", "1"}
_UNFINISHED_CODES = {"4"}
_WINDOW_MARGIN = timedelta(hours=1)


@dataclass
class Run:
    seq: int | None
    start: datetime
    end: datetime
    task_id: str | None = None
    handler_version: str | None = None
    enable_time: datetime | None = None
    last_phase: str = "no-enable"
    final_code: str | None = None
    outcome: str = "unknown"  # failed | succeeded | unfinished | unknown
    status_uploaded: bool | None = None
    events: list[int] = field(default_factory=list)  # indices into Timeline.events
    skipped: str | None = None  # "seq" | "task_id": the extension skipped it as already processed

    @property
    def label(self) -> str:
        return f"run {self.seq}" if self.seq is not None else f"run at {self.start:%Y-%m-%dT%H:%M:%SZ}"

    def window(self) -> tuple[datetime, datetime]:
        return self.start - _WINDOW_MARGIN, self.end + _WINDOW_MARGIN


def is_vmsnapshot(ev: Event) -> bool:
    return (
        VMSNAPSHOT in (ev.handler or "")
        or ev.parser.startswith("vmsnapshot")
        or (ev.parser == "handler_status_file" and VMSNAPSHOT in ev.source)
    )


def _seq_of(ev: Event) -> int | None:
    seq = ev.attrs.get("seq")
    if isinstance(seq, int):
        return seq
    if isinstance(seq, str) and seq.isdigit():
        return int(seq)
    return None


def assemble(tl: Timeline) -> list[Run]:
    """Runs in time order.

    Events that carry a sequence number found the runs; events without one (most extension
    records, agent lines of old versions) join the run whose span, widened by a lead of a few
    minutes (the agent logs "Target handler state" before it writes the settings file), holds
    them.  Only where no numbered run is near do unnumbered events form a run of their own.
    """
    refs = [
        (i, ev, when)
        for i, (ev, when) in enumerate(zip(tl.events, tl.times, strict=True))
        if when is not None and is_vmsnapshot(ev)
    ]
    runs: list[Run] = []
    open_by_seq: dict[int, Run] = {}
    loose: list[tuple[int, Event, datetime]] = []
    for index, ev, when in refs:
        seq = _seq_of(ev)
        if seq is None:
            loose.append((index, ev, when))
            continue
        run = open_by_seq.get(seq)
        if run is None or when - run.end > _RUN_GAP:
            run = Run(seq=seq, start=when, end=when)
            runs.append(run)
            open_by_seq[seq] = run
        run.events.append(index)
        run.end = max(run.end, when)
    orphans: list[Run] = []
    last_numbered = max((r.end for r in runs), default=None)
    for index, ev, when in loose:
        home = _home_run(runs, when)
        if home is None:
            home = next((r for r in reversed(orphans) if when - r.end <= _RUN_GAP), None)
            if home is None:
                # A failed download or command of VMSnapshot after the last numbered run is an
                # attempt too: the one the backup failed on, which never got as far as a sequence
                # number (a package that cannot be downloaded is never enabled).
                late_failure = _failed_step(ev) and (last_numbered is None or when > last_numbered)
                if _phase_of(ev) is None and not late_failure:
                    continue
                home = Run(seq=None, start=when, end=when)
                orphans.append(home)
        home.events.append(index)
        home.start = min(home.start, when)
        home.end = max(home.end, when)
    runs.extend(orphans)
    runs.sort(key=lambda r: r.start)
    for run in runs:
        run.events.sort(key=lambda i: (tl.times[i] or run.start, i))
        for i in run.events:
            ev, when = tl.events[i], tl.times[i]
            assert when is not None
            _absorb(run, ev, when)
        _conclude(run, tl)
    return runs


def _home_run(runs: list[Run], when: datetime) -> Run | None:
    """The numbered run that was going on at ``when`` (or starts within the lead time after it)."""
    best = None
    for run in runs:
        if run.start - _LEAD <= when <= run.end + _RUN_GAP and (best is None or run.start > best.start):
            if when >= run.start - _LEAD:
                best = run
    return best


def _phase_of(ev: Event) -> str | None:
    """The run phase an event proves was reached (extension-side evidence for everything past enable)."""
    if ev.kind in (EventKind.EXT_ENABLE, EventKind.SNAPSHOT_ENABLE):
        return "enable"
    if ev.parser not in _EXTENSION_SIDE:
        return None  # the agent's view of status, its placeholder files, its retries: not progress
    return _PHASE_OF_KIND.get(ev.kind) if ev.kind not in (EventKind.STATUS_WRITE, EventKind.EXT_STATUS) else None


def _absorb(run: Run, ev: Event, when: datetime) -> None:
    if ev.attrs.get("task_id") and not run.task_id:
        run.task_id = str(ev.attrs["task_id"])
    if ev.handler_version and not run.handler_version and ev.handler and VMSNAPSHOT in ev.handler:
        run.handler_version = ev.handler_version
    version = ev.attrs.get("extension_version") or (
        ev.attrs.get("version") if ev.kind == EventKind.EXT_ENABLE else None
    )
    if version and not run.handler_version:
        run.handler_version = str(version)
    phase = _phase_of(ev)
    if ev.attrs.get("skip") in ("seq", "task_id") and ev.parser in _EXTENSION_SIDE:
        run.skipped = str(ev.attrs["skip"])
    if phase == "enable" and run.enable_time is None:
        run.enable_time = when
    code = ev.attrs.get("code")
    install_report = str(ev.attrs.get("operation", "")).lower() == "install"  # handle.py -install, before enable
    failed_write = bool(ev.attrs.get("error"))  # e.g. "cannot get status report parameters": nothing written
    if (
        code is not None
        and not install_report
        and not failed_write
        and ev.kind in (EventKind.STATUS_WRITE, EventKind.EXT_STATUS)
        and ev.parser in _STATUS_SOURCES
    ):
        run.final_code = str(code)
        if run.final_code not in _UNFINISHED_CODES:
            phase = "finished"
    if phase and PHASES.index(phase) > PHASES.index(run.last_phase):
        run.last_phase = phase


def _conclude(run: Run, tl: Timeline) -> None:
    if run.skipped and run.final_code in (None, "3"):
        # Already processed: no new status is written.  Not a failure of its own (a re-enable at
        # boot); the duplicate-task-skipped rule judges it when it is the run the backup waited on.
        run.outcome = "unknown"
        return
    if run.final_code in _SUCCESS_CODES:
        run.outcome = "succeeded"
    elif run.final_code in _UNFINISHED_CODES or (run.final_code is None and run.last_phase != "no-enable"):
        run.outcome = "unfinished"
    elif run.final_code is not None:
        run.outcome = "failed" if run.final_code != "3" else "succeeded"
    failed_command = any(_failed_step(tl.events[i]) for i in run.events)
    if failed_command and run.outcome != "succeeded":
        run.outcome = "failed"
        if run.last_phase in ("no-enable", "enable"):
            run.last_phase = "enable-failed"


def _failed_step(ev: Event) -> bool:
    """A command of the handler that failed, or its package that could not be downloaded."""
    if ev.kind == EventKind.EXT_COMMAND_RESULT:
        return (ev.attrs.get("exit_code") or 0) != 0 or bool(ev.attrs.get("timeout_s"))
    if ev.kind == EventKind.EXT_DOWNLOAD:
        return (
            ev.level == "ERROR"
            or ev.attrs.get("status") == "error"
            or "DownloadError" in str(ev.attrs.get("error_class", ""))
        )
    return False


def select(runs: list[Run], backup_time: tuple[datetime, datetime] | None = None) -> tuple[Run | None, str]:
    """The analysed run and the basis of the choice (design §1)."""
    if backup_time is not None:
        lo, hi = backup_time
        near = [r for r in runs if r.start - _WINDOW_MARGIN <= hi and r.end + _WINDOW_MARGIN >= lo]
        if near:
            return near[-1], "backup-time"
        return None, "backup-time"
    for run in reversed(runs):
        if run.outcome in ("failed", "unfinished"):
            return run, run.label
    if runs:
        return runs[-1], "latest"
    return None, "whole-bundle"
