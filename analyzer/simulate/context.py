"""The state of one simulated VM while its bundle is written: era, clock, ids, counters, outputs."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from analyzer.simulate.clock import VmClock
from analyzer.simulate.eras import Era
from analyzer.simulate.sinks import Outputs

HANDLER = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
WIRESERVER = "168.63.129.16"
WAAGENT_LOG = "var/log/waagent.log"
SYSLOG = "var/log/syslog"
EXT_LOG_DIR = f"var/log/azure/{HANDLER}"
EXTENSION_LOG = f"{EXT_LOG_DIR}/extension.log"
SHELL_LOG = f"{EXT_LOG_DIR}/shell.log"
COMMAND_EXECUTION_LOG = f"{EXT_LOG_DIR}/CommandExecution.log"


@dataclass
class Sim:
    """Everything the writers share.  One instance per generated bundle (or dry run)."""

    era: Era
    clock: VmClock
    rng: random.Random
    out: Outputs
    verbose: bool = False
    host: str = "vm-backup01"
    conf: dict[str, str] = field(default_factory=dict)
    daemon_pid: int = 1187
    gs_pid: int = 1290
    heartbeat_id: str = ""
    heartbeat_counter: int = 0
    incarnation: int = 1
    seq: int = 0
    boot_id: int = 0
    session: int = 1
    disks: list[tuple[str, str, str]] = field(default_factory=list)  # (mount, device, fs type)
    machine_id: str = ""
    container_id: str = ""
    # scenario overrides of the VM as a whole
    agent_cutoff: datetime | None = None  # the agent writes nothing after this time (stopped, hung) ...
    agent_resume: datetime | None = None  # ... until this time (None: never again)
    # (since, lag): from ``since`` on the VM clock runs ``lag`` ahead of the platform's (goal-state
    # "created:" stamps lag behind the agent's record times)
    platform_lag: tuple[datetime, timedelta] | None = None
    each_run: Callable[[Any], None] | None = None  # applied to the RunSpec of every earlier run
    os_release: str | None = None  # /etc/os-release text instead of the era's Ubuntu
    files: dict[str, str] = field(default_factory=dict)  # extra static files: bundle path -> text

    def agent_silent(self, t: datetime) -> bool:
        """Whether the agent writes nothing at ``t`` (see ``agent_cutoff``)."""
        if self.agent_cutoff is None or t <= self.agent_cutoff:
            return False
        return self.agent_resume is None or t < self.agent_resume

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def pid(self) -> int:
        return self.rng.randrange(1500, 60000)

    @property
    def handler_dir(self) -> str:
        return f"/var/lib/waagent/{HANDLER}-{self.era.ext_version}"

    @property
    def handler_prefix(self) -> str:
        return f"[{HANDLER}-{self.era.ext_version}]"

    def local(self, t: datetime) -> datetime:
        return self.clock.local(t)
