"""Format eras of a simulated VM: which agent, extension and OS wrote the bundle, and how.

Each era fixes the header layout of the agent's records (reference ``waagent-formats.md`` §1.2),
the extension's record writer (``vmsnapshot-extension.md`` §2.1–2.2), the versions that appear
in the text, and the last day of the logs.  Versions and dates are chosen to be consistent with
each other (an agent version that existed when the extension version was current).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# Agent record header formats (parsers.agent_record eras).
FMT_20 = "2.0"
FMT_LEGACY = "legacy"
FMT_2246 = "2.2.46"
FMT_ISO = "iso"


@dataclass(frozen=True)
class Era:
    name: str
    description: str
    last_day: date  # the day the logs were collected
    daemon_version: str
    gs_version: str  # the goal-state agent (extension handler process)
    daemon_fmt: str
    gs_fmt: str
    prefixes: bool  # legacy records carry Daemon/ExtHandler prefixes (2.2.31+)
    os_id: str
    os_version: str  # VERSION_ID
    os_pretty: str
    os_version_full: str  # VERSION
    codename: str
    python: str  # the agent's Python
    ext_version: str  # VMSnapshotLinux
    ext_python: str  # the extension's Python: "2" (slash records) or "3" (dash records)
    ext_utc: bool  # extension records and shell.log in UTC (extension change of 2021-09-02)
    heartbeat: str | None  # "event" (2.2.0-2.2.2x Event record), "debug" (2.2.49-2.11), "debug-2.13", None
    gs_style: str  # "2.0", "event", "completed" (2.2.31-2.2.53), "extensions" (2.8+)
    enable_style: str  # "2.0", "2.2.14", "2.2.46", "2.9"
    kernel: str
    syslog_copies: bool  # the agent's stdout reaches the journal and syslog
    command_execution: bool  # CommandExecution.log exists
    verbose_capable: bool  # a VERBOSE level exists in this format
    cgroups: bool  # extensions started in a systemd scope
    daemon_comm: str = "python3"  # the syslog tag of the agent's processes


ERAS: dict[str, Era] = {
    e.name: e
    for e in (
        Era(
            name="2.0",
            description="WALinuxAgent 2.0.16 script, every line stamped in local time; extension on Python 2",
            last_day=date(2017, 3, 21),
            daemon_version="2.0.16",
            gs_version="2.0.16",
            daemon_fmt=FMT_20,
            gs_fmt=FMT_20,
            prefixes=False,
            os_id="ubuntu",
            os_version="14.04",
            os_pretty="Ubuntu 14.04.5 LTS",
            os_version_full="14.04.5 LTS, Trusty Tahr",
            codename="trusty",
            python="2.7.6",
            ext_version="1.0.9110.0",
            ext_python="2",
            ext_utc=False,
            heartbeat=None,
            gs_style="2.0",
            enable_style="2.0",
            kernel="4.4.0-66-generic",
            syslog_copies=False,
            command_execution=False,
            verbose_capable=False,
            cgroups=False,
            daemon_comm="python",
        ),
        Era(
            name="legacy",
            description="WALinuxAgent 2.2.14 (local-time YYYY/MM/DD records, no process prefix); extension on Python 2",
            last_day=date(2017, 8, 24),
            daemon_version="2.2.14",
            gs_version="2.2.14",
            daemon_fmt=FMT_LEGACY,
            gs_fmt=FMT_LEGACY,
            prefixes=False,
            os_id="ubuntu",
            os_version="16.04",
            os_pretty="Ubuntu 16.04.3 LTS",
            os_version_full="16.04.3 LTS (Xenial Xerus)",
            codename="xenial",
            python="3.5.2",
            ext_version="1.0.9114.0",
            ext_python="2",
            ext_utc=False,
            heartbeat="event",
            gs_style="event",
            enable_style="2.2.14",
            kernel="4.11.0-1016-azure",
            syslog_copies=True,
            command_execution=True,
            verbose_capable=True,
            cgroups=False,
        ),
        Era(
            name="2.2.46",
            description="WALinuxAgent 2.2.46 (ISO UTC records without thread); extension on Python 3, local time",
            last_day=date(2020, 3, 18),
            daemon_version="2.2.46",
            gs_version="2.2.46",
            daemon_fmt=FMT_2246,
            gs_fmt=FMT_2246,
            prefixes=True,
            os_id="ubuntu",
            os_version="18.04",
            os_pretty="Ubuntu 18.04.4 LTS",
            os_version_full="18.04.4 LTS (Bionic Beaver)",
            codename="bionic",
            python="3.6.9",
            ext_version="1.0.9164.0",
            ext_python="3",
            ext_utc=False,
            heartbeat=None,
            gs_style="completed",
            enable_style="2.2.46",
            kernel="5.0.0-1032-azure",
            syslog_copies=True,
            command_execution=True,
            verbose_capable=True,
            cgroups=False,
        ),
        Era(
            name="iso",
            description="WALinuxAgent 2.9.1.1 daemon and 2.13.1.1 goal-state agent (ISO UTC with thread names)",
            last_day=date(2025, 6, 12),
            daemon_version="2.9.1.1",
            gs_version="2.13.1.1",
            daemon_fmt=FMT_ISO,
            gs_fmt=FMT_ISO,
            prefixes=True,
            os_id="ubuntu",
            os_version="24.04",
            os_pretty="Ubuntu 24.04.2 LTS",
            os_version_full="24.04.2 LTS (Noble Numbat)",
            codename="noble",
            python="3.12.3",
            ext_version="1.0.9225.0",
            ext_python="3",
            ext_utc=True,
            heartbeat="debug-2.13",
            gs_style="extensions",
            enable_style="2.9",
            kernel="6.8.0-1029-azure",
            syslog_copies=True,
            command_execution=True,
            verbose_capable=True,
            cgroups=True,
        ),
        Era(
            name="mixed",
            description="distro daemon 2.2.45 (local-time records), auto-updated 2.9.1.1 goal-state agent (ISO UTC)",
            last_day=date(2024, 9, 16),
            daemon_version="2.2.45",
            gs_version="2.9.1.1",
            daemon_fmt=FMT_LEGACY,
            gs_fmt=FMT_ISO,
            prefixes=True,
            os_id="ubuntu",
            os_version="20.04",
            os_pretty="Ubuntu 20.04.6 LTS",
            os_version_full="20.04.6 LTS (Focal Fossa)",
            codename="focal",
            python="3.8.10",
            ext_version="1.0.9220.0",
            ext_python="3",
            ext_utc=True,
            heartbeat="debug",
            gs_style="extensions",
            enable_style="2.9",
            kernel="5.15.0-1071-azure",
            syslog_copies=True,
            command_execution=True,
            verbose_capable=True,
            cgroups=True,
        ),
    )
}
ERA_NAMES = tuple(ERAS)
