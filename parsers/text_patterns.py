"""What the fallback text parser looks for (:mod:`parsers.text`): portal error codes and texts,
interpreter and module errors, exit codes (one :class:`~parsers.patterns.PatternSet`), and the
line shapes it recognises (quotes, ISO / ``date`` stamps, extension records, instance-view JSON).
"""

from __future__ import annotations

import re
from datetime import datetime

import regex

from analyzer.model import Clock, EventKind
from parsers.patterns import Pattern, PatternSet, literal_trie_regex
from parsers.syslog import parse_offset

K = EventKind

# Error codes of Azure Backup jobs (Microsoft's troubleshooting articles, reference
# vmsnapshot-extension.md §8), and the message texts the portal shows for the common ones.
PORTAL_CODES = (
    "GuestAgentSnapshotTaskStatusError",
    "UserErrorGuestAgentStatusUnavailable",
    "UserErrorVmProvisioningStateFailed",
    "ExtensionSnapshotFailedNoNetwork",
    "ExtensionOperationFailedForManagedDisks",
    "ExtentionOperationFailed",
    "BackUpOperationFailedV2",
    "BackUpOperationFailed",
    "UserErrorRpCollectionLimitReached",
    "UserErrorKeyvaultPermissionsNotConfigured",
    "UserErrorUnsupportedDiskSize",
    "UserErrorBackupOperationInProgress",
    "UserErrorCrpReportedUserError",
    "UserErrorBcmDatasourceNotPresent",
    "UserErrorFsFreezeFailed",
    "UserErrorUnableToOpenMount",
    "ExtensionFailedSnapshotLimitReachedError",
    "ExtensionFailedTimeoutVMNetworkUnresponsive",
    "UserErrorVmNotInDesirableState",
    "VmNotInDesirableState",
    "ExtensionStuckInDeletionState",
    "UserErrorRequestDisallowedByPolicy",
    "CopyingVHDsFromBackUpVaultTakingLongTime",
)
_PORTAL_MESSAGES = (
    ("Could not communicate with the VM agent for snapshot status", "GuestAgentSnapshotTaskStatusError"),
    ("Snapshot VM sub task timed out", "GuestAgentSnapshotTaskStatusError"),
    ("VM Agent unable to communicate with Azure Backup", "UserErrorGuestAgentStatusUnavailable"),
    ("Snapshot operation failed due to no network connectivity", "ExtensionSnapshotFailedNoNetwork"),
    ("Failed to freeze one or more mount-points", "UserErrorFsFreezeFailed"),
    ("The VM is in failed provisioning state", "UserErrorVmProvisioningStateFailed"),
    ("Snapshot limit exceeded", "ExtensionFailedSnapshotLimitReachedError"),
)


def to_int(value: str) -> int:
    return int(value)


TEXT_PATTERNS = PatternSet(
    [
        Pattern(
            "portal-code",
            K.OTHER,
            (*PORTAL_CODES, "UserError"),
            r"\b(?P<portal_code>" + "|".join(PORTAL_CODES) + r"|UserError[A-Z]\w+)\b",
            {"event": "portal_error"},
        ),
        *(
            Pattern(f"portal-message-{i}", K.OTHER, (text,), attrs={"event": "portal_error", "portal_code": code})
            for i, (text, code) in enumerate(_PORTAL_MESSAGES)
        ),
        Pattern(
            "env-python-missing",
            K.PYTHON,
            ("No such file or directory",),
            r"/usr/bin/env: ['‘\"]?(?P<interpreter>python[\d.]*)['’\"]?: No such file or directory",
            {"error": "interpreter_not_found"},
        ),
        Pattern(
            "python-command-not-found",
            K.PYTHON,
            ("command not found",),
            r"(?P<interpreter>python[\d.]*): (?:command )?not found",
            {"error": "interpreter_not_found"},
        ),
        Pattern("python-version-unknown", K.PYTHON, ("python version unknown",), attrs={"error": "no_interpreter"}),
        Pattern(
            "python-no-module",
            K.PYTHON,
            ("No module named",),
            r"(?:(?P<exception>ModuleNotFoundError|ImportError): )?No module named ['\"]?(?P<module>[\w.]+)",
            {"error": "module_missing"},
        ),
        Pattern(
            "returned-from-handle",
            K.EXT_COMMAND_RESULT,
            ("returned from handle",),
            r"(?P<exit_code>\d+) returned from handle(?:_host_daemon)?\.py",
            {},
            {"exit_code": to_int},
        ),
        Pattern(
            "non-zero-exit",
            K.EXT_COMMAND_RESULT,
            ("Non-zero exit code",),
            r"Non-zero exit code: (?P<exit_code>-?\d+)",
            {},
            {"exit_code": to_int},
        ),
        Pattern(
            "exit-code",
            K.EXT_COMMAND_RESULT,
            ("exit code", "exit status", "exited with code", "Exit code"),
            r"(?i)\bexit(?:ed with)? (?:code|status)[:=]?\s*(?P<exit_code>-?\d+)",
            {},
            {"exit_code": to_int},
        ),
    ]
)

# stdlib-re gate over the literals (see system_classify._gate): skip the PatternSet on plain prose
TEXT_GATE = re.compile(literal_trie_regex({lit for p in TEXT_PATTERNS.patterns for lit in p.literals}))
QUOTE = regex.compile(r"^(?:\s*>)+\s?|^\s+")
ISO_START = regex.compile(
    r"^(?P<ts>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d{1,9})?)(?P<tz>Z|[+-]\d\d:?\d\d)?(?:\s+|$)"
)
EXT_RECORD = regex.compile(
    r"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})?) \[(?P<handler>[^\]\s]+)-(?P<envver>\d+\.\d+)\](?P<msg>.*)$"
)
# `date` / `date -u` output before "- " (shell.log style), any locale layout close to C's
DATE_START = regex.compile(
    r"^(?P<ts>[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?: [AP]M)?) (?P<tz>[A-Z]{2,5}) (?P<year>\d{4})- ?"
)
EXC_LINE = regex.compile(r"^(?P<exception>[A-Za-z_][\w.]*)(?::\s|:$|$)")
IV_CODE = regex.compile(r"\"code\"\s*:\s*\"(?P<code>(?:ProvisioningState|ComponentStatus|PowerState)/[^\"]*)\"")
IV_FIELD = regex.compile(
    r"\"(?P<key>displayStatus|message|level|time|name|type|typeHandlerVersion|vmAgentVersion)\""
    r"\s*:\s*\"(?P<value>(?:[^\"\\]|\\.)*)\""
)
IV_LEVEL = {"Error": "ERROR", "Warning": "WARNING", "Info": "INFO"}
MAX_AGENT_LINES = 200
MAX_TB_LINES = 200


def iso_time(ts: str, tz: str | None) -> tuple[datetime | None, Clock]:
    try:
        wall = datetime.fromisoformat(ts.replace(",", ".").replace(" ", "T")[:26])
    except ValueError:
        return None, Clock.UNKNOWN
    if not tz:
        return wall, Clock.UNKNOWN
    delta = parse_offset(tz)
    if delta is None:
        return wall, Clock.UNKNOWN
    return wall - delta, Clock.UTC
