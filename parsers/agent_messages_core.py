"""Agent message table: versions, start / stop / crash, self-update exits, ``Event:`` records.

Part of :mod:`parsers.agent_messages` (which joins the tables and holds the matching engine).
Format strings: ``azurelinuxagent/daemon/main.py``, ``ga/update.py``, ``common/event.py`` of
Azure/WALinuxAgent v2.2.14 … v2.15.0.1 and the 2.0.x ``waagent`` script (branch ``archive/2.0``).
"""

from __future__ import annotations

from analyzer.model import EventKind
from parsers.agent_messages import VMS as _VMS
from parsers.agent_messages import V, iso_line, legacy_line, old_line
from parsers.agent_messages_event import post_event
from parsers.patterns import Pattern, Sample

K = EventKind
_GS = {"role": "goal_state"}
_DAEMON = {"role": "daemon"}

PATTERNS: tuple[Pattern, ...] = (
    # -- the structured "Event:" echo of a telemetry event (kind decided in _post_event) ------------
    Pattern("event_record", K.OTHER, ("Event: name=",), r"^Event: name=(?P<name>[^,]*), op=(?P<op>[^,]*), message="),
    # -- versions ------------------------------------------------------------------------------
    Pattern(
        "daemon_version",
        K.AGENT_VERSION,
        ("Azure Linux Agent Version",),
        rf"^(?:Windows )?Azure Linux Agent Version ?: ?(?:WALinuxAgent-)?(?P<version>{V})",
        attrs=_DAEMON,
    ),
    Pattern(
        "goal_state_agent_version",
        K.AGENT_VERSION,
        ("(Goal State Agent version",),
        rf"\(Goal State Agent version (?P<version>{V})\)",
        attrs=_GS,
    ),
    Pattern(
        "heartbeat",
        K.HEARTBEAT,
        ("[HEARTBEAT]",),
        rf"^\[HEARTBEAT\] Agent WALinuxAgent-(?P<version>{V}) is running as the goal state agent"
        r"(?: \[DEBUG (?:HeartbeatCounter: (?P<counter>\d+);HeartbeatId: (?P<heartbeat_id>[^;\]]+);"
        r"(?:DroppedPackets: (?P<dropped_packets>-?\d+);)?UpdateGSErrors: (?P<update_gs_errors>\d+);"
        r"AutoUpdate: (?P<auto_update>\d)(?:;UpdateMode: (?P<update_mode>\w+))?)?)?",
        attrs=_GS,
    ),
    Pattern(
        "running_as_goal_state_agent",
        K.AGENT_VERSION,
        ("is running as the goal state agent",),
        rf"^Agent WALinuxAgent-(?P<version>{V}) is running as the goal state agent",
        attrs=_GS,
    ),
    Pattern(
        "running_as_process",
        K.AGENT_VERSION,
        ("running as process",),
        rf"^WALinuxAgent-(?P<version>{V}) running as process (?P<pid>\d+)",
        attrs=_GS,
    ),
    # -- start: daemon, and the daemon launching the goal-state agent ----------------------------
    Pattern("run_daemon", K.AGENT_START, ("Run daemon",), r"^Run daemon\s*$", attrs=_DAEMON),
    Pattern(
        "daemon_already_running",
        K.AGENT_START,
        ("Daemon is already running",),
        r"Daemon is already running: (?P<pid>\d+)",
        attrs=_DAEMON,
    ),
    Pattern(
        "installed_is_current",
        K.AGENT_START,
        ("is the most current agent",),
        rf"^Installed Agent WALinuxAgent-(?P<version>{V}) is the most current agent",
        attrs=_GS,
    ),
    Pattern(
        "determined_latest",
        K.AGENT_START,
        ("to be the latest agent",),
        rf"^Determined Agent WALinuxAgent-(?P<version>{V}) to be the latest agent",
        attrs=_GS,
    ),
    Pattern(
        "launched_running",
        K.AGENT_START,
        ("is successfully running",),
        rf"^Agent WALinuxAgent-(?P<version>{V}) launched with command '(?P<command>[^']*)' is successfully running",
        attrs=_GS,
    ),
    Pattern(
        "test_agent", K.AGENT_START, ("as test agent",), rf"^Enabled Agent WALinuxAgent-(?P<version>{V}) as test agent"
    ),
    # -- crash / restart -----------------------------------------------------------------------
    Pattern(
        "launched_failed_rc",
        K.AGENT_CRASH,
        ("failed with return code",),
        rf"^Agent WALinuxAgent-(?P<version>{V}) launched with command '(?P<command>[^']*)' "
        r"failed with return code: (?P<exit_code>-?\d+)",
    ),
    Pattern(
        "launched_returned_code",
        K.AGENT_CRASH,
        ("' returned code: ",),
        rf"^Agent WALinuxAgent-(?P<version>{V}) launched with command '(?P<command>[^']*)' returned code: "
        rf"(?P<exit_code>-?\d+)",
    ),
    Pattern(
        "exthandler_exited",
        K.AGENT_CRASH,
        ("ExtHandler process",),
        rf"^ExtHandler process WALinuxAgent-(?P<version>{V}) launched with command '(?P<command>[^']*)' "
        r"exited with return code: (?P<exit_code>\S+)",
    ),
    Pattern(
        "failed_with_exception",
        K.AGENT_CRASH,
        ("failed with exception",),
        rf"^Agent WALinuxAgent-(?P<version>{V}) (?:launched with command '(?P<command>[^']*)' )?failed with exception",
    ),
    Pattern(
        "restarted_more_than",
        K.AGENT_CRASH,
        ("restarted more than",),
        rf"^Agent WALinuxAgent-(?P<version>{V}) restarted more than (?P<restarts>\d+) times in (?P<seconds>\d+) "
        rf"seconds",
    ),
    Pattern(
        "not_terminated_cleanly",
        K.AGENT_CRASH,
        ("did not terminate cleanly",),
        r"did not terminate cleanly: ?(?P<reason>.*)",
    ),
    Pattern("thread_died", K.AGENT_CRASH, ("thread died",), r"^(?P<thread_name>\w+) thread died, restarting"),
    Pattern(
        "daemon_ended_with_exception",
        K.AGENT_CRASH,
        ("ended with exception -- Sleep",),
        r"ended with exception -- Sleep (?P<sleep_s>\d+) seconds",
        attrs=_DAEMON,
    ),
    # 2.0.x main loop: traceback, "Exception: <text>", "Restart agent in 15 seconds".
    Pattern(
        "restart_agent_in",
        K.AGENT_CRASH,
        ("Restart agent in",),
        r"^Restart agent in (?P<sleep_s>\d+) seconds",
        attrs=_DAEMON,
    ),
    Pattern("exception_line_20", K.AGENT_CRASH, ("Exception: ",), r"^Exception: (?P<reason>.*)"),
    # -- stop ----------------------------------------------------------------------------------
    Pattern(
        "orphan_exit",
        K.AGENT_STOP,
        ("is an orphan -- exiting", "was orphaned -- exiting"),
        rf"WALinuxAgent-(?P<version>{V}) (?:is an orphan|was orphaned) -- exiting",
        attrs={"reason": "orphan"},
    ),
    Pattern(
        "forwarding_signal",
        K.AGENT_STOP,
        ("forwarding signal",),
        rf"^Agent WALinuxAgent-(?P<version>{V}) forwarding signal (?P<signal>\d+)",
    ),
    Pattern(
        "memory_limit_exit",
        K.AGENT_STOP,
        ("reached memory limit -- exiting",),
        rf"WALinuxAgent-(?P<version>{V}) is reached memory limit",
        attrs={"reason": "memory_limit"},
    ),
    Pattern(
        "agent_disabled",
        K.CONFIG,
        ("Disabling the guest agent by sleeping forever", "Disabling guest agent in accordance with ovf-env.xml"),
        attrs={"disabled": "agent"},
    ),
    Pattern(
        "allow_extension_operations", K.CONFIG, ("osProfile.allowExtensionOperations",), attrs={"disabled": "agent"}
    ),
    # -- self-update exits (the new version runs next) -----------------------------------------
    Pattern(
        "discovered_update",
        K.AGENT_UPDATE,
        ("discovered update", "as an update and will exit"),
        rf"^Agent WALinuxAgent-(?P<version>{V}) discovered (?:update )?WALinuxAgent-(?P<new_version>{V})",
    ),
    Pattern(
        "reverting_to_installed",
        K.AGENT_UPDATE,
        ("is reverting to the installed agent",),
        rf"WALinuxAgent-(?P<version>{V})",
    ),
    Pattern(
        "completed_update_checks",
        K.AGENT_UPDATE,
        ("completed all update checks",),
        rf"^Current Agent (?P<version>{V}) completed all update checks, exiting current process to \w+ "
        rf"to the new Agent version (?P<new_version>{V})",
    ),
    # -- disk full: before everything below, so "Failed to save …: [Errno 28] …" says disk_full ----
    Pattern("disk_full", K.DISK_FULL, ("No space left on device", "[Errno 28]"), attrs={"errno": 28}),
)

SAMPLES: tuple[Sample, ...] = (
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            f"Event: name={_VMS}, op=Enable, message=[ExtensionOperationError] Non-zero exit code: 1, "
            f"/var/lib/waagent/{_VMS}-1.0.9225.0/main/handle.sh enable\n[stdout]\nhello\n\n[stderr]\n"
            "bad thing, duration=0",
            "ERROR",
        ),
        K.EXT_COMMAND_RESULT,
        "ERROR",
        "ExtHandler",
        _VMS,
        {
            "op": "Enable",
            "exit_code": 1,
            "error_class": "ExtensionOperationError",
            "operation": "enable",
            "status": "error",
        },
    ),
    Sample(
        legacy_line("Daemon", "Azure Linux Agent Version:2.2.45"),
        K.AGENT_VERSION,
        "INFO",
        "Daemon",
        attrs={"version": "2.2.45", "role": "daemon"},
    ),
    Sample(
        iso_line("Daemon Daemon", "Azure Linux Agent Version: 2.9.1.1"),
        K.AGENT_VERSION,
        attrs={"version": "2.9.1.1", "role": "daemon"},
    ),
    Sample(
        iso_line("ExtHandler ExtHandler", "Azure Linux Agent (Goal State Agent version 2.15.0.1)"),
        K.AGENT_VERSION,
        attrs={"version": "2.15.0.1", "role": "goal_state"},
    ),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            "[HEARTBEAT] Agent WALinuxAgent-2.12.0.4 is running as the goal state agent [DEBUG HeartbeatCounter: 3;"
            "HeartbeatId: 6E2F1A3B-1C2D-4E5F-8A9B-0C1D2E3F4A5B;DroppedPackets: 0;UpdateGSErrors: 0;AutoUpdate: 1;"
            "UpdateMode: SelfUpdate;]",
        ),
        K.HEARTBEAT,
        attrs={"version": "2.12.0.4", "counter": 3, "update_gs_errors": 0, "update_mode": "SelfUpdate"},
    ),
    Sample(
        legacy_line("ExtHandler", "Agent WALinuxAgent-2.2.45 is running as the goal state agent"),
        K.AGENT_VERSION,
        attrs={"version": "2.2.45", "role": "goal_state"},
    ),
    Sample(
        iso_line("ExtHandler ExtHandler", "WALinuxAgent-2.9.1.1 running as process 1234"),
        K.AGENT_VERSION,
        attrs={"version": "2.9.1.1", "pid": 1234},
    ),
    Sample(iso_line("Daemon Daemon", "Run daemon"), K.AGENT_START, component="Daemon", attrs={"role": "daemon"}),
    Sample(legacy_line("Daemon", "Daemon is already running: 1012"), K.AGENT_START, attrs={"pid": 1012}),
    Sample(
        iso_line("Daemon Daemon", "Installed Agent WALinuxAgent-2.2.53 is the most current agent"),
        K.AGENT_START,
        attrs={"version": "2.2.53"},
    ),
    Sample(
        iso_line("Daemon Daemon", "Determined Agent WALinuxAgent-2.9.1.1 to be the latest agent"),
        K.AGENT_START,
        attrs={"version": "2.9.1.1", "role": "goal_state"},
    ),
    Sample(
        iso_line(
            "Daemon Daemon",
            "Agent WALinuxAgent-2.9.1.1 launched with command 'python3 -u bin/WALinuxAgent-2.9.1.1-py3.8.egg "
            "-run-exthandlers' is successfully running",
        ),
        K.AGENT_START,
        attrs={"version": "2.9.1.1"},
    ),
    Sample(legacy_line("Daemon", "Enabled Agent WALinuxAgent-2.2.14 as test agent"), K.AGENT_START),
    Sample(
        iso_line(
            "Daemon Daemon",
            "Agent WALinuxAgent-2.9.1.1 launched with command 'python3 -u bin/WALinuxAgent-2.9.1.1-py3.8.egg "
            "-run-exthandlers' failed with return code: 1",
            "WARNING",
        ),
        K.AGENT_CRASH,
        "WARNING",
        attrs={"exit_code": 1},
    ),
    Sample(
        legacy_line(
            "Daemon",
            "Agent WALinuxAgent-2.2.45 launched with command 'python -u bin/WALinuxAgent-2.2.45-py2.7.egg "
            "-run-exthandlers' returned code: 1",
            "WARNING",
        ),
        K.AGENT_CRASH,
        attrs={"exit_code": 1},
    ),
    Sample(
        iso_line(
            "Daemon Daemon",
            "ExtHandler process WALinuxAgent-2.9.1.1 launched with command 'python3 -u bin/WALinuxAgent-2.9.1.1-"
            "py3.8.egg -run-exthandlers' exited with return code: None",
            "WARNING",
        ),
        K.AGENT_CRASH,
    ),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            "Agent WALinuxAgent-2.9.1.1 failed with exception: [Errno 13] Permission denied: '/var/lib/waagent/x'",
            "WARNING",
        ),
        K.AGENT_CRASH,
        attrs={"version": "2.9.1.1", "errno": 13},
    ),
    Sample(
        iso_line("Daemon Daemon", "Agent WALinuxAgent-2.9.1.1 restarted more than 3 times in 300 seconds", "WARNING"),
        K.AGENT_CRASH,
        attrs={"restarts": 3, "seconds": 300},
    ),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            "Agent did not terminate cleanly: Agent WALinuxAgent-2.9.1.1 failed with exception: x",
        ),
        K.AGENT_CRASH,
    ),
    Sample(
        iso_line("ExtHandler ExtHandler", "MonitorHandler thread died, restarting", "WARNING"),
        K.AGENT_CRASH,
        attrs={"thread_name": "MonitorHandler"},
    ),
    Sample(
        iso_line("Daemon Daemon", "Daemon ended with exception -- Sleep 15 seconds and restart daemon", "WARNING"),
        K.AGENT_CRASH,
        attrs={"sleep_s": 15},
    ),
    Sample(old_line("Restart agent in 15 seconds"), K.AGENT_CRASH, "INFO", attrs={"sleep_s": 15}),
    Sample(old_line("ERROR:Exception: [Errno 110] Connection timed out"), K.AGENT_CRASH, "ERROR", attrs={"errno": 110}),
    Sample(
        iso_line("ExtHandler ExtHandler", "Agent WALinuxAgent-2.9.1.1 is an orphan -- exiting"),
        K.AGENT_STOP,
        attrs={"reason": "orphan"},
    ),
    Sample(
        iso_line("Daemon Daemon", "Agent WALinuxAgent-2.9.1.1 forwarding signal 15 to WALinuxAgent-2.9.1.1\n"),
        K.AGENT_STOP,
        attrs={"signal": 15},
    ),
    Sample(
        iso_line("ExtHandler ExtHandler", "Agent WALinuxAgent-2.9.1.1 is reached memory limit -- exiting"), K.AGENT_STOP
    ),
    Sample(
        iso_line(
            "Daemon Daemon",
            "Disabling the guest agent by sleeping forever; to re-enable, remove /var/lib/waagent/disable_agent and "
            "restart",
            "WARNING",
        ),
        K.CONFIG,
        attrs={"disabled": "agent"},
    ),
    Sample(
        iso_line(
            "Daemon Daemon",
            "To enable VM extensions, also ensure that the VM's osProfile.allowExtensionOperations property is set "
            "to true.",
            "WARNING",
        ),
        K.CONFIG,
    ),
    Sample(
        legacy_line("ExtHandler", "Agent WALinuxAgent-2.2.45 discovered update WALinuxAgent-2.2.53 -- exiting"),
        K.AGENT_UPDATE,
        attrs={"new_version": "2.2.53"},
    ),
    Sample(
        legacy_line("ExtHandler", "Agent WALinuxAgent-2.2.45 is reverting to the installed agent -- exiting"),
        K.AGENT_UPDATE,
    ),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            "Current Agent 2.8.9.9 completed all update checks, exiting current process to upgrade to the new Agent "
            "version 2.10.0.7",
        ),
        K.AGENT_UPDATE,
        attrs={"new_version": "2.10.0.7"},
    ),
    Sample(
        iso_line(
            "ExtHandler ExtHandler",
            "Failed to save goal state: [Errno 28] No space left on device: '/var/lib/waagent/history'",
            "WARNING",
        ),
        K.DISK_FULL,
        attrs={"errno": 28},
    ),
)

POST = {"event_record": post_event}
