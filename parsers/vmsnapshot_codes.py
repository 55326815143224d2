"""Small shared helpers of the VMSnapshot parsers: status-code names, value converters, clocks.

The extension names its status codes in log text as ``StatusCode.<Name>,`` (its
``ExtensionErrorCodeHelper.StatusCodeStringBuilder``); rules want the number, so the names are
mapped here (values of ``ExtensionErrorCodeEnum`` / ``CommonVariables`` in the extension).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from analyzer.model import Clock, EventKind

HANDLER = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"

# Python-3 records, the console/freeze-buffer stamps and shell.log switched from local time to
# UTC with the extension change of 2021-09-02 ("Logging in utc…").  Rollout lagged the commit by
# weeks, so records from September/October 2021 may still be local: the date rule is the best the
# text alone allows; the bundle-level offset inference corrects the rest.
UTC_SINCE = datetime(2021, 9, 2)

STATUS_CODES: dict[str, int] = {
    "success_appconsistent": 0,
    "success": 1,
    "error": 2,
    "SuccessAlreadyProcessedInput": 3,
    "ExtensionTempTerminalState": 4,
    "error_parameter": 11,
    "error_12": 12,
    "error_wrong_time": 13,
    "error_same_taskid": 14,
    "error_http_failure": 15,
    "FailedHandlerGuestAgentCertificateNotFound": 16,
    "FailedInvalidDataDiskLunList": 17,
    "FailedRetryableSnapshotFailedNoNetwork": 76,
    "FailedSnapshotLimitReached": 85,
    "FailedRetryableFsFreezeFailed": 121,
    "FailedRetryableFsFreezeTimeout": 122,
    "FailedRetryableUnableToOpenMount": 123,
    "FailedSafeFreezeBinaryNotFound": 124,
    "FailedRetryableSnapshotRateExceeded": 173,
    "FailedPrepostPreScriptFailed": 300,
    "FailedPrepostPostScriptFailed": 301,
    "FailedPrepostPreScriptNotFound": 302,
    "FailedPrepostPostScriptNotFound": 303,
    "FailedPrepostPluginhostConfigParsing": 304,
    "FailedPrepostPluginConfigParsing": 305,
    "FailedPrepostPreScriptPermissionError": 306,
    "FailedPrepostPostScriptPermissionError": 307,
    "FailedPrepostPreScriptTimeout": 308,
    "FailedPrepostPostScriptTimeout": 309,
    "FailedPrepostPluginhostPreTimeout": 310,
    "FailedPrepostPluginhostPostTimeout": 311,
    "FailedPrepostCheckSumMismatch": 312,
    "FailedPrepostPluginhostConfigNotFound": 313,
    "FailedPrepostPluginhostConfigPermissionError": 314,
    "FailedPrepostPluginhostConfigOwnershipError": 315,
    "FailedPrepostPluginConfigNotFound": 316,
    "FailedPrepostPluginConfigPermissionError": 317,
    "FailedPrepostPluginConfigOwnershipError": 318,
    "FailedGuestAgentInvokedCommandTooLate": 402,
    "FailedWorkloadPreError": 500,
    "FailedWorkloadConfParsingError": 501,
    "FailedWorkloadInvalidRole": 502,
    "FailedWorkloadInvalidWorkloadName": 503,
    "FailedWorkloadPostError": 504,
    "FailedWorkloadAuthorizationMissing": 505,
    "FailedWorkloadConnectionError": 506,
    "FailedWorkloadIPCDirectoryMissing": 507,
    "FailedWorkloadDatabaseStatusChanged": 508,
    "FailedWorkloadQuiescingError": 509,
    "FailedWorkloadQuiescingTimeout": 510,
    "FailedWorkloadDatabaseInNoArchiveLog": 511,
    "FailedWorkloadLogModeChanged": 512,
    "FailedHostSnapshotRemoteServerError": 556,
    "FailedRetryableSnapshotFailedRestrictedNetwork": 761,
}

_DURATION = re.compile(r"^(?:(?P<days>-?\d+) days?, )?(?P<h>\d+):(?P<m>\d{2}):(?P<s>\d{2}(?:\.\d+)?)$")


def code_of(name: str) -> str:
    """``FailedRetryableFsFreezeTimeout`` → ``"122"``; digits pass through; unknown names stay."""
    name = name.strip()
    if name.isdigit():
        return name
    value = STATUS_CODES.get(name)
    return str(value) if value is not None else name


def to_bool(text: str) -> bool | str:
    """Python's ``str(bool)`` back to a bool; anything else is kept as written."""
    if text == "True":
        return True
    if text == "False":
        return False
    return text


def duration_s(text: str) -> float | None:
    """``str(timedelta)`` (``0:00:02.512345``, ``1 day, 2:00:00``) → seconds, else None."""
    m = _DURATION.match(text.strip())
    if m is None:
        return None
    days = int(m.group("days") or 0)
    return round(days * 86400 + int(m.group("h")) * 3600 + int(m.group("m")) * 60 + float(m.group("s")), 6)


def parse_wall(text: str) -> datetime | None:
    """``YYYY-MM-DD HH:MM:SS[.f]`` or ``YYYY/MM/DD …`` → naive datetime; None when impossible."""
    if len(text) > 10 and text[4] == "/":
        text = text.replace("/", "-", 2)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def era_clock(wall: datetime | None) -> Clock:
    """Clock of a Python-3 record / console stamp / shell line with no zone: by date (see UTC_SINCE)."""
    if wall is None:
        return Clock.UNKNOWN
    return Clock.UTC if wall >= UTC_SINCE else Clock.LOCAL


@dataclass(frozen=True, slots=True)
class MsgSample:
    """A message as the extension writes it (after the record prefix) and what it must classify to.

    The parsers turn these into full-line :class:`parsers.patterns.Sample` records.  ``binary``
    marks a safefreeze line (written with its own ``YYYY-MM-DD HH:MM:SS`` stamp).
    """

    pattern: str
    message: str
    kind: EventKind
    attrs: dict[str, Any] = field(default_factory=dict)
    binary: bool = False
