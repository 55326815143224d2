"""Scenarios of family 4 (the snapshot or its status fails): one per catalogue cause.

``concurrent-backups`` is a cross-bundle cause and has no single-bundle scenario.
"""

from __future__ import annotations

from datetime import timedelta

from analyzer.simulate import extras as x
from analyzer.simulate.context import Sim
from analyzer.simulate.run import RunSpec
from analyzer.simulate.scenarios import scenario


def _fail(run: RunSpec, code: str, name: str, message: str | None = None) -> None:
    run.final_code = code
    run.final_status = "error"
    run.final_message = message or f"T:S Enable failed with {name} error StatusCode.{name},"


@scenario(
    "storage-access-failed",
    "Azure Storage refuses one disk's snapshot: SnapshotCountExceeded (409) and final code 85",
    "failed",
)
def storage_access_failed(sim: Sim, run: RunSpec) -> None:
    msg = "SnapshotCountExceeded: The snapshot count against this blob has been exceeded."
    run.host_result = f"From Host- IsSuccessful:False, SnapshotUri:None, ErrorMessage:{msg}, StatusCode:409"
    _fail(run, "85", "FailedSnapshotLimitReached")


@scenario(
    "host-snapshot-service-error",
    "the host's backup service answers the snapshot with HTTP 500 (556, FailedHostSnapshotRemoteServerError)",
    "failed",
)
def host_snapshot_service_error(sim: Sim, run: RunSpec) -> None:
    run.host_result = "From Host- IsSuccessful:False, SnapshotUri:None, ErrorMessage:None, StatusCode:556"
    _fail(
        run,
        "556",
        "FailedHostSnapshotRemoteServerError",
        "T:S Enable failed with FailedHostSnapshotRemoteServerError error",
    )


@scenario(
    "prepost-script-failed",
    "the application-consistent pre-script times out and the plugin host aborts the backup (308)",
    "failed",
)
def prepost_script_failed(sim: Sim, run: RunSpec) -> None:
    run.daemon_lines += [
        ("INFO", "Running prescript for ScriptRunner module..."),
        ("INFO", "Prescript for ScriptRunner timed out."),
        ("INFO", "Finished prescript execution from PluginHost side. Continue Backup: False"),
        ("INFO", "PreScript failed for the plugin ScriptRunner StatusCode.FailedPrepostPreScriptTimeout,"),
    ]
    run.daemon_final = ("308", "error", "T:S Enable failed with FailedPrepostPreScriptTimeout error")


@scenario(
    "snapshot-fsfreeze-failed",
    "a mount refuses FIFREEZE (safefreeze 'Failed to FIFREEZE'), the run ends with code 121",
    "failed",
)
def snapshot_fsfreeze_failed(sim: Sim, run: RunSpec) -> None:
    mount = sim.disks[-1][0]
    run.ext_rewrite.update({
        f"Freezing: {mount}": f"Failed to FIFREEZE: {mount}: Operation not supported",
        "****** 4. Freeze Completed": "****** 4. Freeze Failed (Signal=0 received)",
        "Binary output for signal handled: 1": "Binary output for signal handled: 0",
        "freeze_safe after returning from startproc : sig_handle=1": (
            "freeze_safe after returning from startproc : sig_handle=0"
        ),
        "T:S freeze result , timedout :False": "T:S freeze result , timedout :False, freeze failed for some mount",
    })  # fmt: skip
    _fail(run, "121", "FailedRetryableFsFreezeFailed")


@scenario(
    "snapshot-freeze-hang",
    "the VM hangs while the file systems are frozen: the log stops at 'proceeded for accepting signals'",
    "unfinished",
)
def snapshot_freeze_hang(sim: Sim, run: RunSpec) -> None:
    run.stop_after = "freeze"
    run.extra += [
        x.syslog(125, "kernel", "[3881720.224107] INFO: task jbd2/sda1-8:412 blocked for more than 120 seconds.",
                 after_end=True),
        x.syslog(125.001, "kernel", '[3881720.224190] "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables '
                 "this message.", after_end=True),
    ]  # fmt: skip


@scenario(
    "extension-did-not-finish",
    "the snapshot worker dies after its transitioning status: the .status stays at code 4",
    "unfinished",
)
def extension_did_not_finish(sim: Sim, run: RunSpec) -> None:
    run.stop_after = "daemon"
    run.collect_after = timedelta(hours=3)


@scenario(
    "vm-resource-pressure",
    "the OOM killer kills the extension's worker (python3 in the VMSnapshot scope) mid-run",
    "unfinished",
)
def vm_resource_pressure(sim: Sim, run: RunSpec) -> None:
    run.stop_after = "daemon"
    pid = sim.pid()
    scope = (
        "/azure.slice/azure-vmextensions.slice/azure-vmextensions-Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
        f".slice/enable_{sim.uuid()}.scope"
    )
    run.extra += [
        x.syslog(1, "kernel", "[258556.118204] mysqld invoked oom-killer: gfp_mask=0x1100cca(GFP_HIGHUSER_MOVABLE), "
                 "order=0, oom_score_adj=-600", after_end=True),
        x.syslog(1, "kernel", "[258556.118530] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,"
                 f"mems_allowed=0,global_oom,task_memcg={scope},task=python3,pid={pid},uid=0", after_end=True),
        x.syslog(1, "kernel", f"[258556.118571] Out of memory: Killed process {pid} (python3) total-vm:1284512kB, "
                 "anon-rss:402236kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:1020kB oom_score_adj:0",
                 after_end=True),
    ]  # fmt: skip


@scenario(
    "vm-shutdown-during-backup",
    "an unattended-upgrade reboot hits the VM in the middle of the snapshot",
    "unfinished",
)
def vm_shutdown_during_backup(sim: Sim, run: RunSpec) -> None:
    run.stop_after = "daemon"
    e = sim.era
    run.extra += [
        x.syslog(1, f"unattended-upgrade[{sim.pid()}]", "Automatic reboot scheduled, rebooting now", after_end=True),
        x.syslog(2, "systemd-logind[802]", "System is rebooting.", after_end=True),
        x.syslog(3, "systemd[1]", "Reached target Shutdown.", after_end=True),
        x.syslog(45, "kernel", f"[    0.000000] Linux version {e.kernel} (buildd@lcy02-amd64-024) #65-Ubuntu SMP",
                 after_end=True),
    ]  # fmt: skip


@scenario(
    "duplicate-task-skipped",
    "the extension skips the request as an already processed task id (code 3)",
    "succeeded",
)
def duplicate_task_skipped(sim: Sim, run: RunSpec) -> None:
    skip = f"TaskId is same as last, so skip with Processed Status, current:{run.task_id}== last:{run.task_id}"
    run.enable_lines.append(("INFO", skip))
    run.enable_final = ("3", "success", "TaskId AlreadyProcessed nothing to do")


@scenario(
    "disk-full",
    "/var is full: the extension cannot write its settings and status (Errno 28)",
    "failed",
)
def disk_full(sim: Sim, run: RunSpec) -> None:
    run.stop_after = "daemon"
    run.extra += [
        x.ext(0.5, "Unable to write the status file: [Errno 28] No space left on device: "
              f"'{sim.handler_dir}/status/{run.seq}.status'", "ERROR", after_end=True),
        x.agent(2, f"Error in handling the extension {'{'}{sim.handler_prefix[1:-1]}{'}'}: "
                f"[Errno 28] No space left on device: '/var/lib/waagent/history/{run.seq}'", "ERROR",
                after_end=True),
    ]  # fmt: skip
