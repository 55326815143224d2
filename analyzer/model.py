"""The typed records that flow between the stages: sources, events, facts.

Parsers emit :class:`Event` and :class:`Fact` objects; the timeline turns event clocks into UTC;
rules read events and facts only.  Everything here is plain data so that it pickles (batch
workers) and serialises to the JSON contract without adapters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    """The closed event-kind enum of design §3.  A new kind is added here and named in the note."""

    AGENT_START = "agent_start"
    AGENT_STOP = "agent_stop"
    AGENT_CRASH = "agent_crash"
    AGENT_VERSION = "agent_version"
    AGENT_UPDATE = "agent_update"
    HEARTBEAT = "heartbeat"
    GOAL_STATE_FETCH = "goal_state_fetch"
    GOAL_STATE_PROCESS = "goal_state_process"
    GOAL_STATE_ERROR = "goal_state_error"
    EXT_DOWNLOAD = "ext_download"
    EXT_INSTALL = "ext_install"
    EXT_ENABLE = "ext_enable"
    EXT_DISABLE = "ext_disable"
    EXT_UNINSTALL = "ext_uninstall"
    EXT_UPDATE = "ext_update"
    EXT_COMMAND_RESULT = "ext_command_result"
    EXT_STATUS = "ext_status"
    SNAPSHOT_ENABLE = "snapshot_enable"
    SNAPSHOT_PRESNAPSHOT = "snapshot_presnapshot"
    FREEZE = "freeze"
    THAW = "thaw"
    SNAPSHOT_CALL = "snapshot_call"
    SNAPSHOT_RESULT = "snapshot_result"
    STATUS_WRITE = "status_write"
    STATUS_UPLOAD = "status_upload"
    HTTP_ERROR = "http_error"
    PROXY = "proxy"
    DHCP = "dhcp"
    WIRESERVER = "wireserver"
    FIREWALL = "firewall"
    CGROUP = "cgroup"
    OOM = "oom"
    DISK_FULL = "disk_full"
    PYTHON = "python"
    CONFIG = "config"
    PROVISIONING = "provisioning"
    ROUTINE = "routine"
    OTHER = "other"


class Clock(StrEnum):
    """What a timestamp was written in, as far as the parser knows from the format alone."""

    UTC = "utc"  # ISO agent lines, Python-3 extension lines from 2021-09-02 on (decided by date) …
    LOCAL = "local"  # VM local time (legacy agent, Python-2 extension, safefreeze, year-less syslog)
    UNKNOWN = "unknown"  # neither the format nor the date tells (pasted text without a zone)


class TimeBasis(StrEnum):
    """How the UTC `time` of an event was obtained (design §3 `time_basis`)."""

    UTC = "utc"
    LOCAL_INFERRED = "local-inferred"
    LOCAL_ASSUMED = "local-assumed"
    UNKNOWN = "unknown"


LEVELS = ("VERBOSE", "INFO", "WARNING", "ERROR")


@dataclass(slots=True)
class Event:
    """One record of a source, classified.

    ``wall`` is the timestamp exactly as written (naive), ``clock`` says which clock it is in; the
    timeline computes the UTC ``time`` and ``time_basis``.  ``line`` is the 1-based first line of
    the record.  ``message`` holds the whole record text (continuation lines joined with ``\\n``),
    unredacted: redaction happens at every output boundary.

    Common ``attrs`` names (rules rely on them; parsers use them where they apply):
    ``seq`` (int, ConfigSequenceNumber), ``task_id``, ``code`` (str, VMSnapshot status code),
    ``exit_code`` (int), ``timeout_s`` (int), ``http_status`` (int), ``host``, ``url`` (no query),
    ``port`` (int), ``op`` (agent Event op), ``error_class`` (e.g. ``ExtensionError``),
    ``exception`` (Python exception type), ``errno`` (int), ``version``, ``role``
    (``daemon`` | ``goal_state``), ``operation`` (install|enable|…), ``status``
    (success|error|transitioning|…), ``phase``, ``incarnation``, ``path`` (``host`` | ``guest``).
    """

    line: int
    kind: EventKind
    message: str
    wall: datetime | None = None
    clock: Clock = Clock.UNKNOWN
    time_raw: str = ""
    level: str | None = None
    component: str | None = None
    handler: str | None = None
    handler_version: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    # Filled by the parse driver, not by the parser:
    source: str = ""
    member: str = ""
    parser: str = ""
    source_index: int = -1


@dataclass(slots=True)
class Fact:
    """A value learned from a source: a version, a config value, a state.

    Keys are dotted and stable (rules read them).  Agent: ``agent.daemon_version``,
    ``agent.goal_state_version``, ``agent.python`` (attrs ``role``), ``agent.service``,
    ``agent.log_era``, ``agent.status``.  OS: ``os.name``, ``os.version``, ``os.id``,
    ``os.id_like``, ``os.family``, ``os.pretty``, ``os.kernel``.  Extension:
    ``extension.version`` (attrs ``name``, ``basis``), ``extension.state``,
    ``extension.handler_status``, ``extension.python``, ``extension.task_id`` (attrs ``seq``),
    ``status.code`` (attrs ``seq``, ``name``), ``mrseq``, ``settings.seq``.  Config:
    ``waagent_conf.<Key>`` (``Logs.Verbose`` also inferred from VERBOSE records),
    ``vmbackup_conf.<Section>.<Key>``, ``vmbackup_pluginhost.*``, ``vmbackup_plugin.*``,
    ``vmbackup_workload.*``, ``provisioning.*``.  Platform: ``wireserver``, ``dhcp.option_245``,
    ``dhcp.server``, ``dhcp.address``, ``deployment.name``, ``role.name``, ``role.instance``,
    ``cloud``, ``storage.host``, ``goal_state.*``, ``hosting_env.*``, ``imds.*``,
    ``logcollector.*``.  Clock: ``clock.pair`` (a moment seen in UTC and local time: attrs
    ``utc``, ``local`` as datetimes or ISO text), ``clock.offset`` (``+08:00``), ``clock.local`` /
    ``clock.utc`` (one reading each, e.g. sosreport ``date`` and ``date --utc``),
    ``clock.zone_abbrev``, ``time_zone.name`` / ``.offset`` / ``.abbrev`` / ``.posix``.
    """

    key: str
    value: Any
    line: int | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    time_raw: str = ""
    # Filled by the parse driver:
    source: str = ""
    member: str = ""
    parser: str = ""


@dataclass(slots=True)
class SourceRef:
    """Where a record came from: the logical path on the VM and the member address in the input."""

    path: str
    member: str
    kind: str
