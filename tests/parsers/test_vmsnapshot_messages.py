"""Message classification of the VMSnapshot extension (parsers/vmsnapshot_messages.py)."""

from __future__ import annotations

import json

import pytest

from analyzer.model import EventKind
from parsers.vmsnapshot_codes import code_of, duration_s, era_clock, parse_wall
from parsers.vmsnapshot_messages import PATTERN_SET, SAMPLES, classify, exception_of, match, status_document

K = EventKind


def test_every_pattern_has_a_sample_that_hits_it():
    hit = {s.pattern for s in SAMPLES if (found := match(s.message)) is not None and found.pattern == s.pattern}
    declared = {p.id for p in PATTERN_SET.patterns}
    assert declared - hit == set()


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.pattern)
def test_message_sample(sample):
    found = match(sample.message)
    assert found is not None, sample.message
    assert (found.pattern, found.kind) == (sample.pattern, sample.kind)
    for key, value in sample.attrs.items():
        assert found.attrs.get(key) == value, (key, found.attrs)


def test_unknown_message_is_other_and_unmatched():
    assert classify("something the extension never wrote") == (K.OTHER, {})
    assert match("something the extension never wrote") is None


def test_bundled_agent_constant_is_routine_without_a_version():
    kind, attrs = classify("Guest Agent Version is :WALinuxAgent-2.0.16")
    assert kind is K.ROUTINE
    assert "version" not in attrs and attrs.get("bundled_constant") is True


def test_status_line_wins_over_the_error_text_it_embeds():
    kind, attrs = classify(
        "Enable,error,122,T:S ###### Enable failed with error: freeze took longer than timeout StatusCode."
        "FailedRetryableFsFreezeTimeout,,False"
    )
    assert kind is K.STATUS_WRITE
    assert attrs["code"] == "122" and attrs["operation"] == "enable" and attrs["status"] == "error"


def test_multi_line_status_line():
    kind, attrs = classify(
        "Enable,error,121,T:S Enable failed with error: freeze failed for some mount\n StatusCode."
        "FailedRetryableFsFreezeFailed,,False"
    )
    assert kind is K.STATUS_WRITE and attrs["code"] == "121"


def test_status_document_arm_forced_success_keeps_real_status():
    inner = [{"version": "1.0", "timestampUTC": "\\/Date(1778537810000)\\/", "status": {
        "status": "error", "code": "121", "telemetryData": [{"Value": "1.0.9225.0", "Key": "extensionVersion"},
                                                              {"Value": "3.10.12", "Key": "pythonVersion"}],
        "vmHealthInfo": {"vmHealthState": 128, "vmHealthStatusCode": 121}}}]
    outer = [{"version": "1.0", "timestampUTC": "2026-05-11T22:16:50Z", "status": {
        "name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "operation": "Enable", "status": "success",
        "substatus": [{"code": "0", "name": json.dumps(inner), "status": "success", "formattedMessage": None}],
        "code": "121", "taskId": "6a1c9e55-03f7-4b2d-b8c4-1e9a7d3f5b20",
        "formattedMessage": {"lang": "en-US", "message": json.dumps(
            {"messageStr": "x statusBlobUploadError=true, snapshotCreator=backupHostService, "})}}}]
    kind, attrs = classify(json.dumps(outer))
    assert kind is K.STATUS_WRITE
    assert attrs["code"] == "121" and attrs["status"] == "success" and attrs["real_status"] == "error"
    assert attrs["ext_error_code"] == "121" and attrs["status_blob_upload_error"] is True
    assert attrs["telemetry"]["extensionVersion"] == "1.0.9225.0"
    assert attrs["task_id"] == "6a1c9e55-03f7-4b2d-b8c4-1e9a7d3f5b20"


def test_truncated_status_document_still_gives_the_code():
    assert status_document('[{"version": "1.0", "status": {"substatus": [], "code": "4", "taskId": "ab') == {
        "code": "4", "truncated": True}


def test_disk_full_is_promoted_whatever_the_message():
    kind, attrs = classify("Failed to do the snapshot with error: [Errno 28] No space left on device, stack trace: "
                           "NoneType: None")
    assert kind is K.DISK_FULL
    assert attrs["context_kind"] == "snapshot_result" and attrs["errno"] == 28


def test_exception_of_takes_the_last_traceback_line():
    text = "boom, stack trace: Traceback (most recent call last):\n  File \"x.py\", line 1\nKeyError: 556"
    assert exception_of(text) == "KeyError"
    assert exception_of("no traceback here: ValueError: x") is None


def test_crp_timeout_is_code_402():
    kind, attrs = classify("CRP timeout limit has reached, should abort.")
    assert kind is K.SNAPSHOT_RESULT and attrs["code"] == "402"


def test_skip_lines():
    assert classify("the sequence number are same, so skip, current:9== last:9")[1]["skip"] == "seq"
    kind, attrs = classify("TaskId is same as last, so skip with Processed Status, current:abc== last:abc")
    assert kind is K.SNAPSHOT_ENABLE and attrs["skip"] == "task_id" and attrs["task_id"] == "abc"


def test_code_and_value_helpers():
    assert code_of("FailedRetryableFsFreezeTimeout") == "122"
    assert code_of("FailedRetryableSnapshotFailedRestrictedNetwork") == "761"
    assert code_of("17") == "17" and code_of("NoSuchName") == "NoSuchName"
    assert duration_s("0:00:02.5") == 2.5 and duration_s("1 day, 2:00:00") == 93600 and duration_s("x") is None
    assert parse_wall("2024/01/14 22:16:48") is not None and parse_wall("2024-13-01 00:00:00") is None
    assert era_clock(parse_wall("2021-09-01 23:59:59")).value == "local"
    assert era_clock(parse_wall("2021-09-02 00:00:00")).value == "utc"
