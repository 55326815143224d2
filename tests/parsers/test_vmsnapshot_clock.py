"""Clock pairs in extension.log: a local record stamp next to a same-moment UTC value (status, utcNow)."""

from __future__ import annotations

from datetime import datetime

from parsers.testing import parse_text
from parsers.vmsnapshot_codes import HANDLER

KIND = "vmsnapshot_extension_log"
P = f"[{HANDLER}-1.0]"
# HandlerUtil.do_status_report under Python 2 on a UTC+8 VM: local record stamps, the document's UTC time.
STATUS_PY2 = (
    f"2018/08/21 12:39:30 {P}file status report message:\n"
    '2018/08/21 12:39:30 [{"version": "1.0", "timestampUTC": "2018-08-21T04:39:30Z", "status": {"name": '
    f'"{HANDLER}", "operation": "Enable", "status": "error", "code": 76, "formattedMessage": {{"lang": "en-US", '
    '"message": "Enable failed with FailedRetryableSnapshotFailedNoNetwork error"}}}]\n'
)


def pairs(text: str) -> list[tuple[datetime, datetime]]:
    _, ctx = parse_text(KIND, text)
    return [(f.attrs["local"], f.attrs["utc"]) for f in ctx.facts if f.key == "clock.pair"]


def test_status_document_under_a_local_stamp_is_a_clock_pair():
    assert pairs(STATUS_PY2) == [(datetime(2018, 8, 21, 12, 39, 30), datetime(2018, 8, 21, 4, 39, 30))]


def test_status_document_as_its_own_prefixed_record_is_a_clock_pair():
    text = (
        f'2018/01/20 22:00:30 {P}[{{"version": "1.0", "timestampUTC": "2018-01-20T14:00:31Z", "status": '
        f'{{"name": "{HANDLER}", "operation": "Enable", "status": "transitioning", "code": 0}}}}]\n'
    )
    assert pairs(text) == [(datetime(2018, 1, 20, 22, 0, 30), datetime(2018, 1, 20, 14, 0, 31))]


def test_crp_utc_now_under_a_local_stamp_is_a_clock_pair():
    text = (
        f"2017/08/25 06:30:57 {P}command start time is 2017-08-24 22:30:34.592322 and utcNow is "
        "2017-08-24 22:30:57.442811\n"
    )
    assert pairs(text) == [(datetime(2017, 8, 25, 6, 30, 57), datetime(2017, 8, 24, 22, 30, 57, 442811))]


def test_utc_records_and_stale_documents_give_no_pair():
    utc_record = (
        f"2024-01-14 22:16:44.1 {P}command start time is 2024-01-14 19:00:00 and utcNow is 2024-01-14 22:16:44\n"
    )
    assert pairs(utc_record) == []  # a Python 3 record after 2021-09-02 is itself UTC
    stale = STATUS_PY2.replace("04:39:30Z", "04:31:02Z")  # a document read back, not written now
    assert pairs(stale) == []


def test_a_long_log_repeats_a_pair_only_a_few_times():
    assert len(pairs(STATUS_PY2 * 20)) == 3
