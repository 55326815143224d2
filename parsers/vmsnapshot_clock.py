"""Clock pairs in the VMSnapshot extension.log: a local record stamp next to a UTC value of the same moment.

``do_status_report`` logs the status document whose ``timestampUTC`` it took right then, and the CRP
check logs ``utcNow`` (``datetime.utcnow()``) in the record it stamps.  Where the record stamp is local
time (Python 2 and ``ERROR:`` records, Python 3 before the 2021-09-02 change) the two give the VM's
offset, as the safefreeze double stamp does (fact ``clock.pair``, read by analyzer/timezone.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from parsers.base import ParseContext
from parsers.clock_pair import quarter_hour_offset
from parsers.vmsnapshot_codes import parse_wall

_STATUS_UTC = re.compile(r'"timestampUTC": ?"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)Z"')
# A stamp and a UTC value taken at the same moment differ from a whole quarter hour by seconds; a quoted
# older document (a status file read back) almost never lands that close.
_SLACK_S = 90
# A years-long log repeats the same pair every run: a few facts per offset are evidence enough.
_PER_OFFSET = 3


def utc_value(attrs: dict[str, Any], body: str) -> tuple[str, str] | None:
    """(UTC text, what it is) of a UTC moment written in the record, if any."""
    now = attrs.get("utc_now")
    if isinstance(now, str):
        return now, "utcNow"
    if "timestampUTC" in body:
        m = _STATUS_UTC.search(body)
        if m:
            return m.group(1), "status timestampUTC"
    return None


@dataclass
class RecordPairs:
    """Emits ``clock.pair`` facts for local records that carry a same-moment UTC value."""

    ctx: ParseContext
    seen: dict[int, int] = field(default_factory=dict)  # offset minutes -> facts emitted

    def check(self, local: datetime, raw_local: str, attrs: dict[str, Any], body: str, line: int) -> None:
        found = utc_value(attrs, body)
        utc = parse_wall(found[0].replace("T", " ")) if found else None
        if found is None or utc is None:
            return
        minutes = quarter_hour_offset(local, utc)
        if minutes is None or abs((local - utc).total_seconds() - minutes * 60) > _SLACK_S:
            return
        count = self.seen.get(minutes, 0)
        if count >= _PER_OFFSET:
            return
        self.seen[minutes] = count + 1
        raw_utc, what = found
        self.ctx.fact(
            "clock.pair",
            f"{raw_local} (local, record stamp) ~ {raw_utc} (UTC, {what})",
            line=line,
            time_raw=raw_local,
            utc=utc,
            local=local,
            basis=f"extension-{what.split()[-1]}",
        )
