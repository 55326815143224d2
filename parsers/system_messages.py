"""Message classification shared by the system-log formats (syslog, journal, dmesg, loose text).

The framing (timestamps, host, program) differs per format; what a message *means* does not, so
it is decided here once.  Three layers, cheapest first:

1. systemd unit state lines ("Started …", "<unit>: Main process exited …"): the state is parsed
   declaratively, then mapped by *which* unit it is (the agent unit, its firewall unit, an
   extension scope started by the agent through ``systemd-run``, anything else);
2. kernel and daemon messages (OOM, boot/shutdown, hung tasks, I/O errors, disk full, SELinux,
   fapolicyd, noexec, time jumps, DHCP) in one :class:`PatternSet`;
3. a default: messages with an error word that nothing understood are ``other`` and counted as
   unclassified; the rest of a system log is ``routine`` (counted, not stored, by the timeline).

Agent records copied behind a syslog/journal header (the agent's stdout appender) and the
VMSnapshot console format are recognised by :class:`SystemEmitter`, which also regroups the
continuation lines of a multi-line agent record (each physical line gets its own syslog header).

The parts live in :mod:`parsers.system_units` (1), :mod:`parsers.system_kernel` (2),
:mod:`parsers.system_classify` (the layers joined, 3), :mod:`parsers.system_emitter` (embedded
records, the emitter) and :mod:`parsers.system_samples`; this module gathers their public names.
"""

from __future__ import annotations

from parsers.system_classify import Classified, classify_message
from parsers.system_emitter import (
    Embedded,
    SysRecord,
    SystemEmitter,
    classify_embedded,
    console_clock,
    split_embedded,
)
from parsers.system_kernel import SYSTEM_PATTERNS
from parsers.system_samples import MESSAGE_SAMPLES, MessageSample, samples_for
from parsers.system_units import (
    AGENT_DESCRIPTION,
    AGENT_NET_DESCRIPTION,
    AGENT_NET_UNIT,
    AGENT_UNITS,
    UNIT_PATTERNS,
    VMSNAPSHOT_HANDLER,
    unit_role,
)

__all__ = [
    "AGENT_DESCRIPTION",
    "AGENT_NET_DESCRIPTION",
    "AGENT_NET_UNIT",
    "AGENT_UNITS",
    "MESSAGE_SAMPLES",
    "SYSTEM_PATTERNS",
    "UNIT_PATTERNS",
    "VMSNAPSHOT_HANDLER",
    "Classified",
    "Embedded",
    "MessageSample",
    "SysRecord",
    "SystemEmitter",
    "classify_embedded",
    "classify_message",
    "console_clock",
    "samples_for",
    "split_embedded",
    "unit_role",
]
