"""Scenarios of family 2 (the guest agent does not run the extension): one per catalogue cause."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from analyzer.simulate import extras as x
from analyzer.simulate.agent_lines import _launch_cmd
from analyzer.simulate.context import HANDLER, Sim
from analyzer.simulate.eras import FMT_LEGACY
from analyzer.simulate.run import RunSpec
from analyzer.simulate.scenarios import scenario


@scenario(
    "agent-crash-loop",
    "the goal-state agent crashes on every start around the backup; the daemon gives up after 3 restarts",
    "failed",
)
def agent_crash_loop(sim: Sim, run: RunSpec) -> None:
    run.stop_after = "absent"
    v = sim.era.gs_version
    exc = "'NoneType' object is not iterable"
    launched = f"Agent WALinuxAgent-{v} launched with command '{_launch_cmd(sim)}'"
    t = -120.0
    for _ in range(4):
        run.extra += [
            x.agent(t, f"Agent WALinuxAgent-{v} failed with exception: {exc}", "WARNING"),
            x.Line(t + 1.2, "daemon", f"{launched} failed with return code: 1", "WARNING"),
            x.agent(t + 32, f"Agent did not terminate cleanly: Agent WALinuxAgent-{v} failed with exception: {exc}"),
        ]
        t += 62
    run.extra += [
        x.Line(t, "daemon", f"{launched} failed with exception: Agent WALinuxAgent-{v} restarted more than 3 times "
               "in 300 seconds", "WARNING"),
        x.Line(t + 0.1, "daemon", f"Event: name=WALinuxAgent, op=Enable, message={launched} failed with exception: "
               f"Agent WALinuxAgent-{v} restarted more than 3 times in 300 seconds, duration=0", "ERROR"),
    ]  # fmt: skip
    sim.agent_cutoff = run.start + timedelta(seconds=t + 1)


@scenario(
    "agent-not-running",
    "an administrator stopped the agent service 50 minutes before the backup; other logs go on",
    "failed",
)
def agent_not_running(sim: Sim, run: RunSpec) -> None:
    run.stop_after = "absent"
    run.collect_after = timedelta(hours=3)
    stop = -50 * 60.0
    v, dv = sim.era.gs_version, sim.era.daemon_version
    run.extra += [
        x.syslog(stop - 1, f"sudo[{sim.pid()}]", "azureuser : TTY=pts/0 ; PWD=/home/azureuser ; USER=root ; "
                 "COMMAND=/bin/systemctl stop walinuxagent"),
        x.syslog(stop, "systemd[1]", "Stopping Azure Linux Agent..."),
        x.Line(stop, "daemon", f"Agent WALinuxAgent-{dv} forwarding signal 15 to WALinuxAgent-{v}"),
        x.syslog(stop + 1, "systemd[1]", "walinuxagent.service: Deactivated successfully."),
        x.syslog(stop + 1, "systemd[1]", "Stopped Azure Linux Agent."),
    ]  # fmt: skip
    sim.agent_cutoff = run.start + timedelta(seconds=stop)


@scenario(
    "agent-outdated",
    "a distribution agent 2.2.45 with auto-update off is in charge; it never runs the backup's enable",
    "failed",
)
def agent_outdated(sim: Sim, run: RunSpec) -> None:
    sim.era = dataclasses.replace(
        sim.era, daemon_version="2.2.45", gs_version="2.2.45", daemon_fmt=FMT_LEGACY, gs_fmt=FMT_LEGACY,
        heartbeat=None, gs_style="completed", enable_style="2.2.46", cgroups=False,
    )  # fmt: skip
    sim.conf["AutoUpdate.Enabled"] = "n"
    run.stop_after = "agent"
    run.extra += [
        x.handler(0.05, "Target handler state: enabled"),
        x.handler(0.06, "[Enable] current handler state is: enabled"),
        x.agent(0.5, f"Event: name={HANDLER}, op=Download, message=Failed to get ext handler pkgs: "
                "[ExtensionError] Unable to find version in manifest, duration=0", "ERROR"),
    ]  # fmt: skip


@scenario(
    "agent-state-corrupt",
    "the backup handler's HandlerStatus is gone and the agent refuses the handler version (Downgrade not allowed)",
    "failed",
)
def agent_state_corrupt(sim: Sim, run: RunSpec) -> None:
    run.stop_after = "agent"
    for i in range(3):
        at = 0.3 + 3 * i
        run.extra += [
            x.handler(at, "Failed to save handler status: [Errno 2] No such file or directory: "
                      f"'{sim.handler_dir}/config/HandlerStatus'", "ERROR"),
            x.agent(at + 0.002, f"Event: name={HANDLER}, op=None, message=[ExtensionError] Downgrade not allowed, "
                    "duration=0", "ERROR"),
        ]  # fmt: skip


@scenario(
    "extensions-disabled",
    "Extensions.Enabled=n in waagent.conf: the agent skips the backup extension",
    "failed",
)
def extensions_disabled(sim: Sim, run: RunSpec) -> None:
    sim.conf["Extensions.Enabled"] = "n"
    run.stop_after = "agent"
    run.extra.append(
        x.agent(0.2, f"Extension '{HANDLER}' will not be processed since extension processing is disabled. To "
                "enable extension processing, set Extensions.Enabled=y in '/etc/waagent.conf'", "ERROR")
    )  # fmt: skip
