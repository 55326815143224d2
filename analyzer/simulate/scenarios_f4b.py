"""Scenarios of family 4, part B: the host address, the status report and the 140-minute budget."""

from __future__ import annotations

from datetime import datetime, timedelta

from analyzer.simulate import extras as x
from analyzer.simulate.context import WIRESERVER, Sim
from analyzer.simulate.run import RunSpec
from analyzer.simulate.scenarios import scenario

_CRP = "CRP timeout limit has reached, should abort."


def _lease(sim: Sim) -> str:
    """A dhclient lease of the VM's NIC that carries no option 245 (no ``unknown-245``)."""
    return (
        "lease {\n  interface \"eth0\";\n  fixed-address 10.0.0.4;\n  option subnet-mask 255.255.255.0;\n"
        "  option routers 10.0.0.1;\n  option dhcp-lease-time 4294967295;\n  option dhcp-message-type 5;\n"
        "  option domain-name-servers 10.0.0.10;\n  option dhcp-server-identifier 10.0.0.10;\n"
        f"  option domain-name \"{sim.host}.internal\";\n  renew 4 2037/01/01 00:00:00;\n}}\n"
    )  # fmt: skip


@scenario(
    "dhcp-fabric-address-missing",
    "since a reboot 3 h before the backup the (custom) DHCP server returns no option 245: the agent never finds "
    "168.63.129.16",
    "failed",
)
def dhcp_fabric_address_missing(sim: Sim, run: RunSpec) -> None:
    run.stop_after = "absent"
    run.collect_after = timedelta(hours=2)
    boot = -3 * 3600.0
    sim.agent_cutoff = run.start + timedelta(seconds=boot - 60)
    sim.files["var/lib/dhcp/dhclient.eth0.leases"] = _lease(sim)
    e = sim.era
    run.extra += [
        x.syslog(boot - 60, "systemd-logind[802]", "System is rebooting."),
        x.syslog(boot, "kernel", f"[    0.000000] Linux version {e.kernel} (buildd@lcy02-amd64-024) #65-Ubuntu SMP"),
        x.syslog(boot + 30, "dhclient[611]", "DHCPACK of 10.0.0.4 from 10.0.0.10"),
        x.Line(boot + 40, "daemon", f"Azure Linux Agent Version: {e.daemon_version}"),
        x.Line(boot + 40.2, "daemon", "Run daemon"),
    ]  # fmt: skip
    t = boot + 41
    for retry in range(int((-boot + 3600) // 600)):
        run.extra += [
            x.Line(t, "daemon", "Detect protocol endpoints"),
            x.Line(t + 0.01, "daemon", "WireServer endpoint is not found. Rerun dhcp handler"),
            x.Line(t + 0.02, "daemon", f"Test for route to {WIRESERVER}"),
            x.Line(t + 0.03, "daemon", f"No route exists to {WIRESERVER}", "WARNING"),
            x.Line(t + 0.04, "daemon", "Send dhcp request"),
            x.Line(t + 30, "daemon", "Protocol endpoint not found: WireProtocol, [ProtocolError] Failed to receive "
                   "dhcp response."),
            x.Line(t + 30.01, "daemon", f"Retry detect protocols: retry={retry}"),
        ]  # fmt: skip
        t += 600


@scenario(
    "status-upload-failed",
    "the snapshot succeeds but the agent cannot upload the status blob (403 on both channels)",
    "succeeded",
)
def status_upload_failed(sim: Sim, run: RunSpec) -> None:
    blob = f"https://md-{sim.uuid()[:12]}.blob.core.windows.net/$system/{sim.host}.{sim.uuid()}.status"
    err403 = (
        "[HttpError] [HTTP Failed] [403: Server failed to authenticate the request. Make sure the value of "
        "Authorization header is formed correctly including the signature.]"
    )
    t = 5.0
    for _ in range(3):
        run.extra += [
            x.agent(t, f"HostGAPlugin: Put BlockBlob failed: {err403}", "WARNING", after_end=True),
            x.agent(t + 0.3, f"Event: name=WALinuxAgent, op=ReportStatus, message=Exception uploading status blob: "
                    f"[HttpError] [HTTP Failed] PUT {blob} -- 403, duration=0", "ERROR", after_end=True),
            x.agent(t + 0.31, "Failed to report status: [ProtocolError] Failed to upload status blob via either "
                    "channel", "WARNING", after_end=True),
            x.agent(t + 0.32, "Event: name=WALinuxAgent, op=ExtensionProcessing, message=Failed to report vm agent "
                    "status: [ProtocolError] Failed to upload status blob via either channel, duration=0", "ERROR",
                    after_end=True),
        ]  # fmt: skip
        t += 600


def _crp_abort(run: RunSpec) -> None:
    run.snapshot_lines = [
        (0.001, _CRP),
        (0.001, "T:S takeSnapshotFromOnlyHost : Thawing as failing due to CRP timeout"),
    ]
    run.host_result = "From Host- IsSuccessful:False, SnapshotUri:None, ErrorMessage:None, StatusCode:200"
    run.final_code, run.final_status, run.final_message = "402", "error", _CRP


@scenario(
    "extension-invoked-too-late",
    "the agent was stopped when the backup command came and restarted 2 h 25 min later: the extension aborts (402)",
    "failed",
)
def extension_invoked_too_late(sim: Sim, run: RunSpec) -> None:
    delay = timedelta(minutes=145)
    run.delay = delay
    run.command_start -= delay
    run.host_time = True
    _crp_abort(run)
    stop = -delay.total_seconds() - 600
    sim.agent_cutoff = run.start + timedelta(seconds=stop)
    sim.agent_resume = run.start - timedelta(seconds=30)
    e = sim.era
    run.extra += [
        x.syslog(stop - 1, f"sudo[{sim.pid()}]", "svc-cfgmgmt : TTY=unknown ; PWD=/ ; USER=root ; "
                 "COMMAND=/usr/bin/systemctl stop walinuxagent"),
        x.syslog(stop, "systemd[1]", "Stopping Azure Linux Agent..."),
        x.Line(stop, "daemon", f"Agent WALinuxAgent-{e.daemon_version} forwarding signal 15 to "
               f"WALinuxAgent-{e.gs_version}"),
        x.syslog(stop + 2, "systemd[1]", "Stopped Azure Linux Agent."),
        x.syslog(-31, f"sudo[{sim.pid()}]", "svc-cfgmgmt : TTY=unknown ; PWD=/ ; USER=root ; "
                 "COMMAND=/usr/bin/systemctl start walinuxagent"),
        x.syslog(-30, "systemd[1]", "Started Azure Linux Agent."),
        x.Line(-29, "daemon", f"Azure Linux Agent Version: {e.daemon_version}"),
        x.agent(-25, f"Azure Linux Agent (Goal State Agent version {e.gs_version})"),
    ]  # fmt: skip


@scenario(
    "vm-clock-skew",
    "the VM clock runs 3 hours ahead (no time sync): every backup command looks too old to the extension (402)",
    "failed",
)
def vm_clock_skew(sim: Sim, run: RunSpec) -> None:
    lag = timedelta(hours=3)
    sim.platform_lag = (datetime.min, lag)

    def skewed(r: RunSpec) -> None:
        r.command_start -= lag
        _crp_abort(r)

    sim.each_run = skewed
    skewed(run)
