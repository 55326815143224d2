"""One VMSnapshot backup, as every source sees it: the agent's goal state and enable call, the
extension's enable process and daemon (freeze → host snapshot → thaw → status), shell.log.

:class:`RunSpec` holds what a scenario may change about a run; :func:`render_run` writes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from analyzer.simulate import agent_lines as al
from analyzer.simulate.agent import GS, record
from analyzer.simulate.clock import dotnet_ticks
from analyzer.simulate.context import HANDLER, WIRESERVER, Sim
from analyzer.simulate.extlog import ExtWriter, status_document
from analyzer.simulate.extras import Line, render_extras

# where a run may stop early (scenario knob ``stop_after``): "absent" (the run never reaches the VM's
# logs), "agent" (the agent gets the goal state but never starts the extension), "enable" (no
# daemon), "daemon" (the daemon stops after its transitioning status, before the snapshot) or
# "freeze" (hangs while frozen)
STOP_POINTS = ("absent", "agent", "enable", "daemon", "freeze")


@dataclass
class RunSpec:
    """One backup attempt.  Defaults describe a healthy, host-path, file-system-consistent run."""

    seq: int
    task_id: str
    start: datetime  # UTC time the goal state carrying the new sequence number reaches the agent
    command_start: datetime  # when the Backup service issued the command (commandStartTimeUTCTicks)
    final_code: str = "1"  # ExtensionErrorCodeHelper / run_result written at the end
    final_status: str = "success"  # the status inside the uploaded document
    final_message: str = "Enable Succeeded"
    stop_after: str | None = None  # None or one of STOP_POINTS
    stderr: str = ""  # what the enable command printed on stderr (shown in the agent's Command: record)
    extra: list[Line] = field(default_factory=list)  # extra lines of any source (see :mod:`.extras`)
    # extension messages to change: message prefix -> replacement (None drops the line)
    ext_rewrite: dict[str, str | None] = field(default_factory=dict)
    host_result: str = ""  # replaces the daemon's "From Host- ..." line when set
    # (seconds after the previous line, message): the freeze buffer's snapshot calls instead of the
    # host snapshot's three lines (a message may span lines, e.g. a traceback)
    snapshot_lines: list[tuple[float, str]] = field(default_factory=list)
    # the enable process logs these (level, message) after the task id, writes ``enable_final``
    # (code, status, message) as its final status and starts no daemon
    enable_lines: list[tuple[str, str]] = field(default_factory=list)
    enable_final: tuple[str, str, str] | None = None
    # the same for the daemon: after its transitioning status it logs ``daemon_lines`` and writes
    # ``daemon_final`` instead of freezing and snapshotting
    daemon_lines: list[tuple[str, str]] = field(default_factory=list)
    daemon_final: tuple[str, str, str] | None = None
    host_time: bool = False  # the daemon logs the host's time from the pre-snapshot answer (utcNow)
    collect_after: timedelta | None = None  # the logs were collected this long after the run (default 30-150 min)
    delay: timedelta = timedelta(0)  # the goal state was created this long before the agent fetched it
    # filled in by render_run
    end: datetime | None = None
    last_status: str = ""  # the last status document written (the .status file content)
    status_time: datetime | None = None


def _dt(sim: Sim, lo_ms: int, hi_ms: int) -> timedelta:
    return timedelta(microseconds=sim.rng.randrange(lo_ms * 1000, hi_ms * 1000 + 1))


def render_run(sim: Sim, run: RunSpec) -> datetime:
    """Write one run into every source; returns the time of its last line."""
    if run.stop_after not in (None, *STOP_POINTS):
        raise ValueError(f"stop_after must be one of {STOP_POINTS} or None, got {run.stop_after!r}")
    era = sim.era
    sim.seq = run.seq
    if run.stop_after == "absent":
        run.end = render_extras(sim, run.extra, run.start, run.start)
        return run.end
    t = al.fetch_goal_state(sim, run.start)
    created = t - run.delay if run.delay else None
    gs_started = t
    t = al.goal_state_started(sim, t, created)
    if run.stop_after == "agent":
        run.end = render_extras(sim, run.extra, run.start, t)
        return run.end
    t = _agent_enable(sim, run, t)
    ext = ExtWriter(sim, run.ext_rewrite)
    t_exec = t
    # handle.sh enable → handle.py -enable (returns in a few seconds)
    t_ret, t_daemon = _enable_process(sim, ext, run, t_exec)
    t = _agent_enable_returned(sim, run, t_ret)
    t = al.goal_state_completed(sim, t + _dt(sim, 1, 8), gs_started)
    al.extension_summary(sim, t + _dt(sim, 50, 200), "success")
    end = t
    if t_daemon is not None:
        end = max(end, _daemon(sim, ext, run, t_daemon))
    if era.gs_style == "2.0":
        record(sim, t_ret + _dt(sim, 1500, 4000), GS, "INFO", "Successfully reported handler status")
    if run.extra:
        end = render_extras(sim, run.extra, run.start, end)
    run.end = end
    return end


# -- agent side -----------------------------------------------------------------------------------------


def _agent_enable(sim: Sim, run: RunSpec, t: datetime) -> datetime:
    era = sim.era
    ver = era.ext_version
    if era.enable_style == "2.0":
        al.plugin_20(sim, t)
        t += _dt(sim, 1, 30)
        record(sim, t, GS, "INFO", f"Found RuntimeSettings for {HANDLER} V {ver}")
        t += _dt(sim, 5, 60)
        record(sim, t, GS, "INFO", f"Spawned main/handle.sh enable PID {sim.pid()}")
        return t + _dt(sim, 5, 40)
    inc = f" [incarnation_{sim.incarnation}]" if era.enable_style == "2.9" else ""
    for msg in (
        f"Target handler state: enabled{inc}",
        "[Enable] current handler state is: enabled",
        f"Update settings file: {run.seq}.settings",
    ):
        record(sim, t, GS, "INFO", msg, handler=True)
        t += _dt(sim, 0, 6)
    if era.enable_style != "2.9":
        record(sim, t, GS, "INFO", "Enable extension [main/handle.sh enable]", handler=True)
        return t + _dt(sim, 1, 10)
    record(sim, t, GS, "INFO", "Enable extension: [main/handle.sh enable]", handler=True)
    t += _dt(sim, 0, 2)
    env = (
        '{"AZURE_GUEST_AGENT_UNINSTALL_CMD_EXIT_CODE": "NOT_RUN", '
        f'"AZURE_GUEST_AGENT_EXTENSION_PATH": "{sim.handler_dir}", '
        f'"AZURE_GUEST_AGENT_EXTENSION_VERSION": "{ver}", '
        f'"AZURE_GUEST_AGENT_WIRE_PROTOCOL_ADDRESS": "{WIRESERVER}", '
        f'"ConfigSequenceNumber": "{run.seq}", '
        '"AZURE_GUEST_AGENT_EXTENSION_SUPPORTED_FEATURES": "[]"}'
    )
    record(
        sim, t, GS, "INFO",
        f"Executing command: {sim.handler_dir}/main/handle.sh enable with environment variables: {env}",
        handler=True,
    )  # fmt: skip
    if era.cgroups:
        t += _dt(sim, 5, 40)
        cgi = "[CGI] " if al.vtuple(era.gs_version) >= (2, 12) else ""
        record(sim, t, GS, "INFO", f"{cgi}Started extension in unit 'enable_{sim.uuid()}.scope'", handler=True)
    return t + _dt(sim, 5, 40)


def _agent_enable_returned(sim: Sim, run: RunSpec, t: datetime) -> datetime:
    era = sim.era
    t += _dt(sim, 5, 60)
    if era.enable_style == "2.9":
        record(
            sim, t, GS, "INFO", f"Command: main/handle.sh enable\n[stdout]\n\n\n[stderr]\n{run.stderr}", handler=True
        )
    elif era.enable_style == "2.2.14":
        record(
            sim, t, GS, "INFO",
            f"Event: name={HANDLER}, op=Enable, message=Launch command succeeded: main/handle.sh enable",
        )  # fmt: skip
    elif era.enable_style == "2.0":
        record(sim, t, GS, "INFO", "enableCommand completed.")
        t += _dt(sim, 1, 20)
        record(sim, t, GS, "INFO", f"Enable completed for {HANDLER}-{era.ext_version}")
        t += _dt(sim, 1, 20)
        record(sim, t, GS, "INFO", f"Processing completed for {HANDLER}-{era.ext_version}")
    return t


# -- extension: the enable invocation ---------------------------------------------------------------------


def _context_lines(sim: Sim, ext: ExtWriter, t: datetime, seq: int) -> datetime:
    era = sim.era
    lines = [f"try_parse_context : Sequence Number received {seq}", f"cwd is {sim.handler_dir}"]
    if ext.py3:
        lines.append(f"Change log file to /var/log/azure/{HANDLER}/extension.log")
    if era.enable_style in ("2.9", "2.2.46", "2.2.14"):
        lines.append(f"sequence number from environment variable is {seq}")
    else:
        lines.append(f"sequence number based on config file-names is {seq}")
    lines.append(f"setting file path is{sim.handler_dir}/config/{seq}.settings")
    for msg in lines:
        ext.rec(t, msg)
        t += _dt(sim, 0, 2)
    return t


def _python_line(sim: Sim) -> str:
    return "python3 path exists" if sim.era.ext_python == "3" else "python2.7 path exists"


def _seq_line(sim: Sim, seq: int) -> str:
    if sim.era.enable_style == "2.0":
        return "ConfigSequenceNumber not found in environment variable "
    return f"ConfigSequenceNumber from environment variable {seq}"


def _enable_process(sim: Sim, ext: ExtWriter, run: RunSpec, t0: datetime) -> tuple[datetime, datetime | None]:
    """handle.py -enable: context, settings, task id, transitioning status, daemon start.

    Returns (when handle.sh returned, when the daemon starts or None).
    """
    t = t0 + _dt(sim, 20, 80)
    ext.shell(t, _seq_line(sim, run.seq))
    ext.shell(t + _dt(sim, 1, 10), _python_line(sim))
    t += _dt(sim, 300, 900)
    t = _context_lines(sim, ext, t, run.seq)
    ext.rec(t, f"current seq no is {run.seq}")
    t += _dt(sim, 1, 4)
    ext.rec(t, "Config decoded correctly.")
    t += _dt(sim, 0, 2)
    ext.rec(t, "waagent new path is used")
    t += _dt(sim, 0, 2)
    ext.rec(t, "starting enable")
    t += _dt(sim, 0, 2)
    ext.rec(t, "patch_class_name: UbuntuPatching and orig_distro: Ubuntu")
    t += _dt(sim, 1, 2)
    ext.rec(t, f"set most recent sequence number to {run.seq}")
    t += _dt(sim, 1, 2)
    ext.rec(t, "Reading customSettings from public_settings")
    luns = [-1, *range(len(sim.disks) - 1)]
    ext.rec(t + _dt(sim, 0, 1), f"LUN list - {luns}")
    ext.rec(
        t + _dt(sim, 0, 1),
        "settings to be sent {'isSnapshotTtlEnabled': False, 'EnableVMSnapshotExtensionPolling': False}",
    )
    t += _dt(sim, 1, 3)
    ext.rec(t, f"taskId: {run.task_id}")
    if run.enable_final is not None:
        for level, msg in run.enable_lines:
            t += _dt(sim, 0, 2)
            ext.rec(t, msg, level)
        code, status, message = run.enable_final
        t = _status(sim, ext, run, t + _dt(sim, 0, 1), code, status, message, True)
        t_ret = t + _dt(sim, 150, 600)
        ext.shell(t_ret, "0 returned from handle.py")
        return t_ret, None
    sleep_ms = sim.rng.randrange(500, 5000)
    ext.rec(t + _dt(sim, 0, 1), f"Sleeping for milliseconds: {sleep_ms}")
    t += timedelta(milliseconds=sleep_ms)
    t = _status(sim, ext, run, t, "4", "success", "Transitioning state in extension", final=False)
    t_daemon = None
    if run.stop_after != "enable":
        t_daemon = t + _dt(sim, 20, 120)
        ext.shell(t_daemon, _seq_line(sim, run.seq))
        ext.shell(t_daemon + _dt(sim, 1, 10), _python_line(sim))
        t_daemon += _dt(sim, 300, 900)
    t_ret = t + _dt(sim, 150, 600)
    ext.shell(t_ret, "0 returned from handle.py")
    return t_ret, t_daemon


def _status(
    sim: Sim, ext: ExtWriter, run: RunSpec, t: datetime, code: str, status: str, message: str, final: bool
) -> datetime:
    era = sim.era
    ext.rec(t, f"Enable,{status},{code},{message},False")
    t += _dt(sim, 0, 2)
    telemetry = None
    if final:
        telemetry = {
            "extensionVersion": era.ext_version,
            "guestAgentVersion": era.gs_version,
            "pythonVersion": era.python,
            "extErrorCode": "success" if code in ("0", "1") else code,
            "osVersion": f"Ubuntu-{era.os_version}",
            "kernelVersion": era.kernel,
            "snapshotCreator": "backupHostService",
        }
    suffix = "statusBlobUploadError=false, snapshotCreator=backupHostService, hostStatusCodePreSnapshot=200, "
    if final and code in ("0", "1"):
        suffix += "hostStatusCodeDoSnapshot=200, "
    doc = status_document(
        sim, t, code=code, status=status if final else "transitioning", message=f"{message} {suffix}",
        task_id=run.task_id, command_start_ticks=dotnet_ticks(run.command_start), final=final, telemetry=telemetry,
    )  # fmt: skip
    ext.rec(t, f"file status report message:\n{doc}")
    run.last_status = doc
    run.status_time = t
    return t + _dt(sim, 1, 30)


# -- extension: the daemon ------------------------------------------------------------------------------


def _daemon(sim: Sim, ext: ExtWriter, run: RunSpec, t: datetime) -> datetime:
    t = _context_lines(sim, ext, t, run.seq)
    ext.rec(t, "starting daemon initially")
    t += _dt(sim, 20, 100)
    ext.rec(t, "Checking for the safefreeze binary")
    t += _dt(sim, 0, 2)
    for mount, device, fstype in sim.disks:
        ext.rec(t, f"mounts list item added, mount point {mount}, device-name {device}, fs-type {fstype}, "
                f"unique-name {device}")  # fmt: skip
        t += _dt(sim, 0, 2)
    ext.rec(t, "safeFreezeBinary exists True")
    ext.rec(t + _dt(sim, 0, 1), "final thread timeout60")
    t += _dt(sim, 2, 10)
    ext.rec(t, "starting daemon for freezing the file system")
    ext.rec(t + _dt(sim, 0, 1), "removing the protected settings")
    t += _dt(sim, 50, 150)
    n = len(sim.disks)
    ext.rec(t, f"isManagedVm=True, canTakeCrashConsistentSnapshot=False, backupRetryCount=0, numberOfDisks={n}, "
            "takeCrashConsistentSnapshot=False")  # fmt: skip
    ext.rec(t + _dt(sim, 0, 1), "snapshotMethodConfigValue : firstHostThenGuest")
    t += _dt(sim, 2, 10)
    ext.rec(t, "start calling the presnapshot rest api")
    t += _dt(sim, 150, 500)
    ext.rec(t, "PreSnapshot: Status Code: 200")
    if run.host_time:
        ext.rec(t, f"Date and time extracted from pre-snapshot request: {t.replace(microsecond=0)}")
    span = t - run.command_start
    ext.rec(t, f"command start time is {run.command_start} and utcNow is {t}")
    t += _dt(sim, 0, 1)
    ext.rec(t, f"timespan: {span}, total_span_in_seconds: {span.total_seconds()}, MAX_TIMESPAN: 8400")
    t += _dt(sim, 1, 5)
    ext.rec(t, "The command snapshot is being validated")
    ext.rec(t + _dt(sim, 0, 1), "commandToExecute for backup is snapshot")
    t += _dt(sim, 2, 8)
    t = _status(sim, ext, run, t, "4", "success", "Transitioning state in extension", final=False)
    ext.rec(t, "blob written succesfully")
    if run.stop_after == "daemon":
        return t
    if run.daemon_final is not None:
        return _daemon_ends_early(sim, ext, run, t)
    t += _dt(sim, 100, 500)
    ext.rec(t, "Calling do snapshot method")
    ext.rec(t + _dt(sim, 0, 1), "Taking Snapshot through Host")
    t += _dt(sim, 1, 3)
    ext.rec(t, "T:S freeze, timeout value 60")
    for mount, _d, _f in sim.disks:
        ext.rec(t, f"fsfreeze mount :{mount}")
        t += _dt(sim, 0, 1)
    ext.rec(t, "skip freeze is : False")
    mounts = [m for m, _d, _f in sim.disks]
    args = [f"{sim.handler_dir}/main/safefreeze/bin/safefreeze", "60", *reversed(mounts)]
    ext.rec(t + _dt(sim, 0, 1), f"arg : {args}")
    t += _dt(sim, 2, 6)
    ext.rec(t, "proceeded for accepting signals")
    if run.stop_after == "freeze":
        return t  # the VM hung while frozen: the buffer never reaches the disk
    return _frozen_and_after(sim, ext, run, t, mounts)


def _daemon_ends_early(sim: Sim, ext: ExtWriter, run: RunSpec, t: datetime) -> datetime:
    assert run.daemon_final is not None
    for level, msg in run.daemon_lines:
        t += _dt(sim, 1, 20)
        ext.rec(t, msg, level)
    code, status, message = run.daemon_final
    t = _status(sim, ext, run, t + _dt(sim, 1, 5), code, status, message, final=True)
    ext.rec(t, "blob written succesfully")
    t += _dt(sim, 300, 900)
    ext.shell(t, "0 returned from handle.py")
    return t


def _frozen_and_after(sim: Sim, ext: ExtWriter, run: RunSpec, t: datetime, mounts: list[str]) -> datetime:
    inner: list[str] = []
    bin_lines: list[tuple[datetime, str]] = []

    def buf(msg: str, gap: tuple[int, int] = (0, 2)) -> None:
        nonlocal t
        t += _dt(sim, *gap)
        inner.append(ext.console(t, msg))

    buf("Aquiring lock succeeded")
    buf("Thread for binary is called")
    buf("****** 1. Starting Freeze Binary ", (2, 5))
    buf("Binary subprocess Created", (1, 3))
    t_freeze = t
    bin_lines.append((t, "****** 2. Binary Freeze Started "))
    for m in mounts:
        bin_lines.append((t, f"Freezing: {m}"))
    buf("inside while with sig_handle 0", (0, 1))
    buf("****** 4. Freeze Completed (Signal=1 received)", (150, 600))
    bin_lines.append((t, "****** 3. Binary Freeze Completed "))
    buf("Binary output for signal handled: 1")
    buf("freeze_safe after returning from startproc : sig_handle=1")
    took = t - t_freeze
    inner.append(
        ext.console(
            t, f"T:S ***** freeze, time_before_freeze={t_freeze}, time_after_freeze={t}, freezeTimeTaken={took}"
        )
    )
    buf("T:S freeze result , timedout :False")
    buf("T:S doing snapshot now...", (1, 4))
    if run.snapshot_lines:
        for gap, msg in run.snapshot_lines:
            t += timedelta(seconds=gap)
            inner.append(ext.console(t, msg))
    else:
        buf("start calling the snapshot rest api", (1, 4))
        buf("****** 5. Snaphotting (Host) Started")
        buf("****** 6. Snaphotting (Host) Completed", (1200, 4500))
    buf("child process still running", (1, 4))
    buf("****** 7. Sending Thaw Signal to Binary")
    bin_lines.append((t, "****** 8. Binary Thaw Signal Received "))
    for m in reversed(mounts):
        bin_lines.append((t, f"Thawing: {m}"))
    buf("****** 9. Binary Process completed (Signal=2 received)", (20, 120))
    t += _dt(sim, 1, 4)
    ext.freeze_buffer(t, inner)
    ext.binary(t + _dt(sim, 0, 1), bin_lines)
    t += _dt(sim, 1, 3)
    ext.rec(t, "T:S thaw result ")
    t += _dt(sim, 1, 3)
    ext.rec(t, run.host_result or "From Host- IsSuccessful:True, SnapshotUri:None, ErrorMessage:None, StatusCode:200")
    ext.rec(t + _dt(sim, 0, 1), "T:S snapshotall ends...")
    t += _dt(sim, 1, 3)
    ok = run.final_code in ("0", "1")
    ext.rec(
        t,
        f"doFreezeSnapshot : run_result - {run.final_code} run_status - {run.final_status} all_failed - {not ok} "
        "unable_to_sleep - False is_inconsistent - False values post snapshot",
    )
    if ok:
        ext.rec(t + _dt(sim, 0, 1), "T:S Enable Succeeded")
    t += timedelta(seconds=sim.rng.randrange(15, 140))  # df -k and the size calculation
    ext.rec(
        t,
        f"partition count : {len(mounts) + 1}, total used size : 21474836480, is storage space present : False, "
        "is size computation failed : False",
    )
    t += _dt(sim, 1, 4)
    t = _status(sim, ext, run, t, run.final_code, run.final_status, run.final_message, final=True)
    ext.rec(t, "blob written succesfully")
    t += _dt(sim, 300, 900)
    ext.shell(t, "0 returned from handle.py")
    return t
