"""What the guest agent logs in a normal day, per era: start-up, heartbeats, goal states, routine
lines, occasional HTTP retry warnings and tracebacks, and VERBOSE HTTP lines when enabled.

Message texts are the agent's own format strings (reference ``waagent-formats.md`` §2) filled
with plausible values; each era only uses the strings its agent version wrote.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from analyzer.simulate.agent import DAEMON, GS, record
from analyzer.simulate.clock import iso_z
from analyzer.simulate.context import HANDLER, WIRESERVER, Sim

_MS = timedelta(milliseconds=1)
# systemd, logrotate and OpenSSL versions of the distro releases used by the eras
_DISTRO_TOOLS = {
    "focal": ("systemd 245 (245.4-4ubuntu3.24)", "3.14.0", "OpenSSL 1.1.1f  31 Mar 2020"),
    "noble": ("systemd 255 (255.4-1ubuntu8.6)", "3.21.0", "OpenSSL 3.0.13 30 Jan 2024"),
}


def _ms(sim: Sim, lo: int = 1, hi: int = 40) -> timedelta:
    return timedelta(microseconds=sim.rng.randrange(lo * 1000, hi * 1000))


def _egg(sim: Sim, version: str) -> str:
    py = ".".join(sim.era.python.split(".")[:2])
    return f"bin/WALinuxAgent-{version}-py{py}.egg"


def _launch_cmd(sim: Sim) -> str:
    return f"python3 -u {_egg(sim, sim.era.gs_version)} -run-exthandlers"


def vtuple(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in version.split("."))


def version_line(version: str) -> str:
    sep = ": " if vtuple(version) >= (2, 9, 0) else ":"
    return f"Azure Linux Agent Version{sep}{version}"


# -- start-up ------------------------------------------------------------------------------------------


def start_sequence(sim: Sim, t: datetime) -> datetime:
    """Daemon start, extension-handler start; returns the time the handler is up."""
    era = sim.era
    sim.daemon_pid = sim.pid()
    sim.gs_pid = sim.daemon_pid + sim.rng.randrange(40, 400)
    sim.heartbeat_id = sim.uuid().upper()
    sim.heartbeat_counter = 0
    if era.daemon_fmt == "2.0":
        return _start_20(sim, t)
    osname = f"{era.os_id} {era.os_version}"
    d = [
        version_line(era.daemon_version),
        f"OS: {osname}",
        f"Python: {era.python}",
        "Run daemon",
        f"No RDMA handler exists for distro='Ubuntu' version='{era.os_version}'",
        "Clean protocol" if not era.prefixes else "cloud-init is enabled: True",
        "Detect protocol endpoints",
        f"Wire server endpoint:{WIRESERVER}",
        "Fabric preferred wire protocol version:2015-04-05",
        "Wire protocol version:2012-11-30",
        f"Found private key matching thumbprint {sim.rng.getrandbits(160):040X}",
        "Provisioning already completed, skipping.",
        "RDMA capabilities are not enabled, skipping",
        f"Determined Agent WALinuxAgent-{era.gs_version} to be the latest agent",
    ]
    for msg in d:
        t += _ms(sim, 1, 120)
        record(sim, t, DAEMON, "INFO", msg)
    t += timedelta(milliseconds=sim.rng.randrange(300, 900))
    if era.gs_style == "extensions":
        gs = [
            f"Azure Linux Agent (Goal State Agent version {era.gs_version})",
            f"OS: {osname}",
            f"Python: {era.python}",
        ]
        if vtuple(era.gs_version) >= (2, 10):
            gs.append("CPU Arch: x86_64")
        systemd, logrotate, openssl = _DISTRO_TOOLS.get(era.codename, _DISTRO_TOOLS["focal"])
        gs += [
            f"Distro: {era.os_id}-{era.os_version}; OSUtil: Ubuntu18OSUtil; AgentService: walinuxagent; "
            f"Python: {era.python}; Arch: x86_64; systemd: True; systemd_version: {systemd}; LISDrivers: Absent; "
            f"logrotate: logrotate {logrotate};",
            f"WALinuxAgent-{era.gs_version} running as process {sim.gs_pid}",
            f"OpenSSL version: {openssl}",
            "Goal State Period: 6 sec. This indicates how often the agent checks for new goal states and reports "
            "status.",
        ]
    else:
        gs = [
            f"Agent WALinuxAgent-{era.gs_version} is running as the goal state agent",
            f"WALinuxAgent-{era.gs_version} running as process {sim.gs_pid}",
            "Start env monitor service.",
        ]
        if era.prefixes:
            gs.insert(
                1,
                f"Distro info: {era.os_id} {era.os_version}, osutil class being used: Ubuntu18OSUtil, "
                "agent service name: walinuxagent",
            )
            gs.append("Successfully added Azure fabric firewall rules")
    for msg in gs:
        t += _ms(sim, 1, 60)
        record(sim, t, GS, "INFO", msg)
    if era.heartbeat:
        t += _ms(sim)
        heartbeat(sim, t)
    t += timedelta(seconds=sim.rng.randrange(20, 60))
    if era.prefixes:
        cmd = _launch_cmd(sim)
        record(
            sim,
            t,
            DAEMON,
            "INFO",
            f"Agent WALinuxAgent-{era.gs_version} launched with command '{cmd}' is successfully running",
        )
    return t


def _start_20(sim: Sim, t: datetime) -> datetime:
    mac = ":".join(f"{sim.rng.randrange(256):02X}" for _ in range(3))
    lines = [
        f"Azure Linux Agent Version: WALinuxAgent-{sim.era.daemon_version}",
        "Linux Distribution Detected      : Ubuntu",
        "IPv4 address: 10.0.0.4",
        f"MAC  address: 00:0D:3A:{mac}",
        "Probing for Azure environment.",
        f"Discovered Azure endpoint: {WIRESERVER}",
        "Fabric preferred wire protocol version: 2015-04-05",
        "Negotiated wire protocol version: 2012-11-30",
    ]
    for msg in lines:
        t += timedelta(milliseconds=sim.rng.randrange(10, 900))
        record(sim, t, DAEMON, "INFO", msg)
    return t


# -- heartbeat -----------------------------------------------------------------------------------------


def heartbeat(sim: Sim, t: datetime) -> None:
    era = sim.era
    sim.heartbeat_counter += 1
    n = sim.heartbeat_counter
    if era.heartbeat == "event":
        record(sim, t, GS, "INFO", f"Event: name=WALinuxAgent-{era.gs_version}, op=HeartBeat, message=")
    elif era.heartbeat == "debug":
        record(
            sim, t, GS, "INFO",
            f"[HEARTBEAT] Agent WALinuxAgent-{era.gs_version} is running as the goal state agent [DEBUG "
            f"HeartbeatCounter: {n};HeartbeatId: {sim.heartbeat_id};DroppedPackets: 0;UpdateGSErrors: 0;AutoUpdate: 1]",
        )  # fmt: skip
    elif era.heartbeat == "debug-2.13":
        record(
            sim, t, GS, "INFO",
            f"[HEARTBEAT] Agent WALinuxAgent-{era.gs_version} is running as the goal state agent [DEBUG "
            f"HeartbeatCounter: {n};HeartbeatId: {sim.heartbeat_id};UpdateGSErrors: 0;AutoUpdate: 1;"
            "UpdateMode: SelfUpdate;]",
        )  # fmt: skip


# -- goal states ---------------------------------------------------------------------------------------


def fetch_goal_state(sim: Sim, t: datetime) -> datetime:
    """A new incarnation reaches the agent (2.8+ wording, or the era's equivalent)."""
    sim.incarnation += 1
    inc = sim.incarnation
    era = sim.era
    if era.gs_style == "extensions":
        record(
            sim,
            t,
            GS,
            "INFO",
            f"Fetched a new incarnation for the WireServer goal state [incarnation {inc}]",
            bare=True,
        )
        t += _ms(sim, 2, 30)
        record(sim, t, GS, "INFO", f"Fetching full goal state from the WireServer [incarnation {inc}]", bare=True)
        t += _ms(sim, 40, 300)
        done = (
            "Fetch goal state from WireServer completed"
            if vtuple(era.gs_version) >= (2, 13)
            else "Fetch goal state completed"
        )
        record(sim, t, GS, "INFO", done, bare=True)
    elif era.gs_style == "2.0":
        record(sim, t, GS, "INFO", "Retrieved GoalState from Azure Fabric.")
    return t + _ms(sim, 5, 60)


def goal_state_started(sim: Sim, t: datetime, created_at: datetime | None = None) -> datetime:
    """``created_at``: when the platform created the goal state (default: a few seconds before ``t``)."""
    if sim.era.gs_style == "extensions":
        record(sim, t, GS, "INFO", "")
        t += _ms(sim, 0, 2)
        back = timedelta(seconds=sim.rng.randrange(3, 20))
        created_t = (created_at if created_at is not None else t) - back
        if sim.platform_lag is not None and t >= sim.platform_lag[0]:
            created_t -= sim.platform_lag[1]
        created = iso_z(created_t)
        record(
            sim, t, GS, "INFO",
            f"ProcessExtensionsGoalState started [incarnation_{sim.incarnation} channel: WireServer source: Fabric "
            f"activity: {sim.uuid()} correlation {sim.uuid()} created: {created}]",
        )  # fmt: skip
    return t + _ms(sim, 2, 20)


def goal_state_completed(sim: Sim, t: datetime, started: datetime) -> datetime:
    era = sim.era
    ms = max(1, int((t - started).total_seconds() * 1000))
    if era.gs_style == "extensions":
        record(sim, t, GS, "INFO", f"ProcessExtensionsGoalState completed [incarnation_{sim.incarnation} {ms} ms]\n")
        t += _ms(sim, 0, 2)
        record(sim, t, GS, "INFO", "")
    elif era.gs_style == "completed":
        record(sim, t, GS, "INFO", f"ProcessGoalState completed [incarnation {sim.incarnation}; {ms} ms]")
    elif era.gs_style == "event":
        record(sim, t, GS, "INFO", "Event: name=WALinuxAgent, op=ProcessGoalState, message=")
    else:
        record(sim, t, GS, "INFO", "Finished processing ExtensionsConfig.xml")
    return t + _ms(sim)


def quiet_goal_state(sim: Sim, t: datetime) -> None:
    """A goal state that changes nothing for the backup extension (every few hours)."""
    era = sim.era
    t = fetch_goal_state(sim, t)
    started = t
    t = goal_state_started(sim, t)
    if era.gs_style == "2.0":
        plugin_20(sim, t, found_only=True)
        t += timedelta(milliseconds=sim.rng.randrange(50, 400))
    else:
        t += timedelta(milliseconds=sim.rng.randrange(5, 120))
    t = goal_state_completed(sim, t, started)
    if era.gs_style == "2.0":
        t += timedelta(seconds=sim.rng.randrange(1, 4))
        record(sim, t, GS, "INFO", "Successfully reported handler status")


def plugin_20(sim: Sim, t: datetime, found_only: bool = False) -> None:
    ver = sim.era.ext_version
    record(sim, t, GS, "INFO", f"ContainerId: {sim.container_id}")
    record(sim, t, GS, "INFO", f"RoleInstanceId: {sim.container_id.replace('-', '')}._{sim.host}")
    record(sim, t, GS, "INFO", f"Found Plugin: {HANDLER} version: {ver}")
    if found_only:
        record(sim, t, GS, "INFO", f"Processing completed for {HANDLER}-{ver}")


def extension_summary(sim: Sim, t: datetime, status: str = "success") -> None:
    if sim.era.gs_style != "extensions":
        return
    pairs = f"[('{HANDLER}', '{status}')]"
    record(sim, t, GS, "INFO", f"Extension status: {pairs}")
    if status in ("success", "error"):
        record(
            sim,
            t + _ms(sim, 0, 2),
            GS,
            "INFO",
            f"All extensions in the goal state have reached a terminal state: {pairs}",
        )


# -- routine and noise ---------------------------------------------------------------------------------


def hourly(sim: Sim, t: datetime) -> None:
    """Periodic log collection (Logs.Collect=y, 2.7+); nothing periodic for older agents."""
    if sim.era.gs_style != "extensions":
        return
    record(sim, t, GS, "INFO", "Starting log collection...", thread="CollectLogsHandler")
    t += timedelta(milliseconds=sim.rng.randrange(2500, 9000))
    size = sim.rng.randrange(2_000_000, 9_000_000)
    record(
        sim, t, GS, "INFO",
        f"Successfully collected logs. Archive size: {size} b, elapsed time: {sim.rng.randrange(2500, 9000)} ms.",
        thread="CollectLogsHandler",
    )  # fmt: skip
    record(sim, t + _ms(sim, 100, 900), GS, "INFO", "Successfully uploaded logs.", thread="CollectLogsHandler")


def http_warning(sim: Sim, t: datetime) -> None:
    """A transient HTTP failure the agent retries (benign in a healthy bundle)."""
    era = sim.era
    pick = sim.rng.random()
    if era.gs_fmt == "2.0":
        record(sim, t, GS, "ERROR", "Socket IOError timed out, args:('timed out',)")
        record(sim, t, GS, "ERROR", "Retry=0")
        record(sim, t, GS, "ERROR", f"HTTP Req: GET http://{WIRESERVER}/machine/?comp=goalstate")
        record(sim, t, GS, "ERROR", "HTTP Err: response is empty.")
        return
    if era.gs_style == "extensions":
        if pick < 0.5:
            record(
                sim, t, GS, "WARNING",
                f"Error in SendHostPluginHeartbeat: [HttpError] [HTTP Failed] GET http://{WIRESERVER}:32526/health -- "
                "IOError timed out -- 1 attempts made --- [NOTE: Will not log the same error for the next hour]",
                thread="MonitorHandler",
            )  # fmt: skip
        else:
            record(
                sim, t, GS, "WARNING",
                f"Fetch failed: [HttpError] [HTTP Retry] GET http://{WIRESERVER}:32526/extensionArtifact -- "
                "Status Code 502 -- 1 attempts made",
            )  # fmt: skip
        return
    code = sim.rng.choice(("[Errno 111] Connection refused", "timed out", "[Errno 104] Connection reset by peer"))
    record(
        sim,
        t,
        GS,
        "WARNING",
        f"[HTTP Failed] GET http://{WIRESERVER}/machine/?comp=goalstate -- IOError {code} -- 1 attempts made",
    )


def traceback(sim: Sim, t: datetime) -> None:
    """A caught, logged exception with its traceback (the loop carries on)."""
    era = sim.era
    if era.gs_fmt == "2.0":
        lines = [
            "Traceback (most recent call last):",
            '  File "/usr/sbin/waagent", line 6200, in main',
            "    WaAgent.Run()",
            '  File "/usr/sbin/waagent", line 6075, in Run',
            "    goalState = self.UpdateGoalState()",
            "AttributeError: 'NoneType' object has no attribute 'read'",
        ]
        record(sim, t, GS, "ERROR", "\n".join(lines))
        return
    egg = _egg(sim, era.gs_version)
    if vtuple(era.gs_version) < (2, 2, 30):  # before cgroup monitoring: a telemetry event file race
        path = f"/var/lib/waagent/events/{sim.rng.randrange(1_500_000_000, 1_600_000_000)}.tld"
        frames = (
            f'  File "{egg}/azurelinuxagent/ga/monitor.py", line 154, in collect_event\n'
            '    with open(evt_file_name, "rb") as evt_file:\n'
        )
    else:
        path = "/sys/fs/cgroup/memory/system.slice/walinuxagent.service/memory.stat"
        frames = (
            f'  File "{egg}/azurelinuxagent/ga/monitor.py", line 131, in _operation\n'
            "    metrics = CGroupsTelemetry.poll_all_tracked()\n"
            f'  File "{egg}/azurelinuxagent/common/cgroup.py", line 242, in get_memory_usage\n'
            "    with open(os.path.join(self.path, 'memory.stat')) as stat_file:\n"
        )
    text = (
        f"[Errno 2] No such file or directory: '{path}'\n"
        "Traceback (most recent call last):\n"
        f"{frames}"
        f"FileNotFoundError: [Errno 2] No such file or directory: '{path}'"
    )
    thread = "MonitorHandler" if era.gs_fmt == "iso" else None
    record(sim, t, GS, "WARNING", text, thread=thread)


def verbose_http(sim: Sim, t: datetime, n: int) -> None:
    """One goal-state poll of a Logs.Verbose=y agent: the HTTP connection and status report lines."""
    era = sim.era
    kind = n % 3
    if kind == 0:
        msg = (
            "HTTP connection [GET] [/machine/?comp=goalstate] [None] "
            "[{'x-ms-agent-name': 'WALinuxAgent', 'x-ms-version': '2012-11-30'}]"
        )
    elif kind == 1:
        msg = (
            f'HTTP connection [PUT] [/status] [{{"content": "{sim.rng.getrandbits(64):016x}"}}] '
            "[{'Content-type': 'application/json', 'x-ms-version': '2015-09-01', "
            f"'x-ms-containerid': '{sim.uuid()}', 'x-ms-host-config-name': 'vm-backup01.0.vm-backup01.1.xml'}}]"
        )
    else:
        msg = "Report vm agent status"
    if era.gs_style == "extensions" and kind == 0:
        msg = msg.replace("[/machine/", f"[http://{WIRESERVER}/machine/")
    record(sim, t, GS, "VERBOSE", msg)
