"""CommandExecution*.log: the agent's per-handler copy of its records."""

from __future__ import annotations

import pytest

from analyzer.model import Clock
from analyzer.model import EventKind as K
from parsers import registry
from parsers.command_execution_log import handler_from_path, sniff
from parsers.testing import parse_text

VMS = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
DIR = f"/var/lib/waagent/{VMS}-1.0.9225.0"
P = f"ExtHandler [{VMS}-1.0.9225.0]"

LOG = f"""2025-07-20T08:00:02.401200Z INFO {P} Target handler state: enabled [incarnation_4]
2025-07-20T08:00:02.402001Z INFO {P} [Enable] current handler state is: enabled
2025-07-20T08:00:02.410090Z INFO {P} Update settings file: 41.settings
2025-07-20T08:00:02.410502Z INFO {P} Enable extension: [main/handle.sh enable]
2025-07-20T08:00:02.410977Z INFO {P} Executing command: {DIR}/main/handle.sh enable with environment variables: \
{{"AZURE_GUEST_AGENT_EXTENSION_PATH": "{DIR}", "AZURE_GUEST_AGENT_EXTENSION_VERSION": "1.0.9225.0", \
"AZURE_GUEST_AGENT_WIRE_PROTOCOL_ADDRESS": "168.63.129.16", "ConfigSequenceNumber": "41"}}
2025-07-20T08:00:08.771208Z INFO {P} Command: main/handle.sh enable
[stdout]
2025/07/20 08:00:03 [{VMS}-1.0]set most recent sequence number to 41
2025/07/20 08:00:08 [{VMS}-1.0]Extension enabled
[stderr]
2019/10/07 21:52:31.959800 INFO [{VMS}-1.0.9149.0] Enable extension [main/handle.sh enable]
2019/10/07 21:52:38.011000 INFO continuation-free prefix-less record from an old agent
"""


def test_parse_records_and_handler():
    events, ctx = parse_text("command_execution_log", LOG, path=f"var/log/azure/{VMS}/CommandExecution.log")
    assert ctx.records == len(events) == 8 and ctx.unclassified == 1
    assert [e.line for e in events] == [1, 2, 3, 4, 5, 6, 11, 12]
    assert all(e.handler == VMS for e in events)  # the last one from the folder name
    assert events[6].handler_version == "1.0.9149.0" and events[6].clock is Clock.LOCAL
    executing = events[4]
    assert (
        executing.kind is K.EXT_ENABLE and executing.attrs["seq"] == 41 and executing.attrs["version"] == "1.0.9225.0"
    )
    assert events[5].kind is K.EXT_COMMAND_RESULT and events[5].message.count("\n") == 4
    versions = [(f.value, f.attrs) for f in ctx.facts if f.key == "extension.version"]
    assert versions == [("1.0.9225.0", {"name": VMS}), ("1.0.9149.0", {"name": VMS})]


@pytest.mark.parametrize(
    ("path", "handler"),
    [
        (f"var/log/azure/{VMS}/CommandExecution.log", VMS),
        (
            "var/log/azure/Microsoft.CPlat.Core.RunCommandHandlerLinux/CommandExecution_myCmd.log",
            "Microsoft.CPlat.Core.RunCommandHandlerLinux.myCmd",
        ),
        ("CommandExecution.log", None),
        ("var/log/waagent.log", None),
    ],
)
def test_handler_from_path(path, handler):
    assert handler_from_path(path) == handler


@pytest.mark.parametrize(
    "path",
    [f"var/log/azure/{VMS}/CommandExecution.log", "var/log/azure/X/CommandExecution_ext.log", "CommandExecution.log"],
)
def test_kind_from_path(path):
    assert registry.kind_from_path(path) == "command_execution_log"


def test_sniff_only_handler_records():
    head = "\n".join(LOG.splitlines()[:11])
    assert sniff(head)
    assert registry.detect_kind("pasted.txt", head) == "command_execution_log"
    assert not sniff(LOG)  # a record without a handler prefix: not a pure CommandExecution copy
    assert not sniff(
        "2024-05-01T10:00:00.000000Z INFO ExtHandler ExtHandler a\n2024-05-01T10:00:01.000000Z INFO ExtHandler "
        "ExtHandler b"
    )
