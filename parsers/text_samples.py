"""Real-format sample lines of the fallback text parser (:mod:`parsers.text`), with what each must give."""

from __future__ import annotations

from analyzer.model import EventKind
from parsers.patterns import Sample
from parsers.system_units import VMSNAPSHOT_HANDLER

K = EventKind

_AGENT_ERR = (
    "2024-05-01T10:15:40.118562Z ERROR ExtHandler ExtHandler Event: name=Microsoft.Azure.RecoveryServices."
    "VMSnapshotLinux, op=Enable, message=[ExtensionOperationError] Non-zero exit code: 127, "
    "/var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/main/handle.sh enable"
)

SAMPLES = (
    Sample(
        text="Backup job failed: GuestAgentSnapshotTaskStatusError",
        kind=K.OTHER,
        attrs={"portal_code": "GuestAgentSnapshotTaskStatusError", "event": "portal_error"},
    ),
    Sample(
        text="Error: Could not communicate with the VM agent for snapshot status.",
        kind=K.OTHER,
        attrs={"portal_code": "GuestAgentSnapshotTaskStatusError"},
    ),
    Sample(
        text="Snapshot VM sub task timed out.", kind=K.OTHER, attrs={"portal_code": "GuestAgentSnapshotTaskStatusError"}
    ),
    Sample(
        text="Error message: VM Agent unable to communicate with Azure Backup",
        kind=K.OTHER,
        attrs={"portal_code": "UserErrorGuestAgentStatusUnavailable"},
    ),
    Sample(
        text="Snapshot operation failed due to no network connectivity on the virtual machine",
        kind=K.OTHER,
        attrs={"portal_code": "ExtensionSnapshotFailedNoNetwork"},
    ),
    Sample(
        text="Failed to freeze one or more mount-points of the VM to take a file-system consistent snapshot.",
        kind=K.OTHER,
        attrs={"portal_code": "UserErrorFsFreezeFailed"},
    ),
    Sample(
        text="The VM is in failed provisioning state",
        kind=K.OTHER,
        attrs={"portal_code": "UserErrorVmProvisioningStateFailed"},
    ),
    Sample(
        text="Snapshot limit exceeded for some of the disks",
        kind=K.OTHER,
        attrs={"portal_code": "ExtensionFailedSnapshotLimitReachedError"},
    ),
    Sample(text="Error code: UserErrorSomethingNew", kind=K.OTHER, attrs={"portal_code": "UserErrorSomethingNew"}),
    Sample(
        text="/usr/bin/env: 'python': No such file or directory",
        kind=K.PYTHON,
        attrs={"interpreter": "python", "error": "interpreter_not_found"},
    ),
    Sample(text="main/handle.sh: line 12: python3: command not found", kind=K.PYTHON, attrs={"interpreter": "python3"}),
    Sample(
        text="Wed Feb 12 03:27:44 UTC 2020- python version unknown", kind=K.PYTHON, attrs={"error": "no_interpreter"}
    ),
    Sample(
        text="ModuleNotFoundError: No module named 'imp'",
        kind=K.PYTHON,
        attrs={"module": "imp", "exception": "ModuleNotFoundError"},
    ),
    Sample(
        text="Tue Mar 10 02:41:07 PM UTC 2026- 1 returned from handle.py",
        kind=K.EXT_COMMAND_RESULT,
        attrs={"exit_code": 1},
    ),
    Sample(
        text="[ExtensionOperationError] Non-zero exit code: 127, main/handle.sh enable",
        kind=K.EXT_COMMAND_RESULT,
        attrs={"exit_code": 127},
    ),
    Sample(text="The enable command failed with exit code 126", kind=K.EXT_COMMAND_RESULT, attrs={"exit_code": 126}),
    Sample(
        text='Traceback (most recent call last):\n  File "/var/lib/waagent/Microsoft.Azure.RecoveryServices.'
        'VMSnapshotLinux-1.0.9225.0/main/handle.py", line 24, in <module>\n    import imp\n'
        "ModuleNotFoundError: No module named 'imp'",
        kind=K.PYTHON,
        attrs={"exception": "ModuleNotFoundError", "module": "imp"},
    ),
    Sample(
        text='      "code": "ProvisioningState/failed/-2146233088",\n      "level": "Error",\n'
        '      "displayStatus": "Provisioning failed",\n      "message": "Enable failed: exit code 1"\n    }',
        kind=K.EXT_STATUS,
        level="ERROR",
        attrs={"status": "failed", "display_status": "Provisioning failed"},
    ),
    Sample(text='    "vmAgentVersion": "2.9.1.1",', kind=K.AGENT_VERSION, attrs={"version": "2.9.1.1"}),
    Sample(
        text='  "code": "PowerState/deallocated",\n  "displayStatus": "VM deallocated"\n}',
        kind=K.OTHER,
        attrs={"event": "power_state", "state": "deallocated"},
    ),
    Sample(
        text="Out of memory: Killed process 23456 (python3) total-vm:812344kB",
        kind=K.OOM,
        attrs={"pid": 23456, "process": "python3"},
    ),
    Sample(
        text="May  1 10:15:02 vm-backup01 kernel: INFO: task safefreeze:41235 blocked for more than 120 seconds.",
        kind=K.OTHER,
        attrs={"event": "hung_task", "process": "safefreeze"},
    ),
    Sample(
        text="> " + _AGENT_ERR,
        kind=K.EXT_COMMAND_RESULT,
        level="ERROR",
        component="ExtHandler",
        attrs={"exit_code": 127},
    ),
    Sample(
        text="2024-01-14 22:16:48.792020 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]T:S freeze, "
        "timeout value 60",
        kind=K.FREEZE,
        handler=VMSNAPSHOT_HANDLER,
    ),
)
