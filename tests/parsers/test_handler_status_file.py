"""Extension status files: VMSnapshot quirks (code 4, ARM success), embedded upload, bad JSON."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from analyzer.model import Clock, EventKind
from parsers.testing import parse_text

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "waagent-testdata"
KIND = "handler_status_file"
SNAP = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
DIR = f"var/lib/waagent/{SNAP}-1.0.9225.0/status/"


def _sample(rel: str) -> str:
    path = SHARED / rel
    if not path.is_file():
        pytest.skip(f"shared sample {rel} not available")
    return path.read_text(encoding="utf-8")


def _status_file(code: str, status: str = "success", embedded: dict | None = None, message: str = "") -> str:
    """A status file shaped as VMBackup's HandlerUtil writes it (Python 3 key order)."""
    substatus = []
    if embedded is not None:
        inner = [{"version": "1.0", "timestampUTC": "e2794170", "status": embedded}]
        name = json.dumps(inner).replace('"e2794170"', '"\\\\/Date(1709606467000)\\\\/"')
        substatus = [{"code": "0", "name": name, "status": "success", "formattedMessage": None}]
    doc = [
        {
            "version": "1.0",
            "timestampUTC": "2024-03-05T02:41:07Z",
            "status": {
                "name": SNAP,
                "operation": "Enable",
                "status": status,
                "substatus": substatus,
                "code": code,
                "taskId": "3f2c9d1e-7b54-4c1a-9e0f-5d6a7b8c9d0e",
                "formattedMessage": {
                    "lang": "en-US",
                    "message": json.dumps(
                        {
                            "messageStr": message,
                            "snapshotConsistency": 0,
                            "jobMessage": "",
                            "isSizeComputationFailed": False,
                        }
                    ),
                },
                "storageDetails": {"partitionCount": 2, "totalUsedSizeInBytes": 1, "isStoragespacePresent": False},
                "commandStartTimeUTCTicks": "638452026000000000",
                "telemetryData": None,
                "uniqueMachineId": "0a1b2c3d-0000-0000-0000-000000000000",
                "snapshotInfo": None,
                "vmHealthInfo": None,
            },
        }
    ]
    return json.dumps(doc)


def test_real_sample_status():
    text = _sample("ext/sample-status.json")
    events, ctx = parse_text(KIND, text, path=f"var/lib/waagent/{SNAP}-1.0.9150.0/status/3.status")
    assert ctx.warnings == []
    ev = events[0]
    assert ev.kind == EventKind.EXT_STATUS
    assert ev.handler == SNAP  # the directory, not the edited document name
    assert ev.handler_version == "1.0.9150.0"
    assert ev.wall == datetime(2019, 6, 6, 23, 52, 59) and ev.clock == Clock.UTC
    a = ev.attrs
    assert (a["seq"], a["code"], a["status"], a["outcome"]) == (3, "1", "success", "succeeded")
    assert a["task_id"] == "e5e5602b-48a6-4c35-9f96-752043777af1"
    assert a["embedded_time"] == "2019-06-06T23:52:59.380000Z"
    assert (a["snapshots_ok"], a["snapshots_failed"]) == (6, 0)
    assert a["status_blob_upload_error"] is True and a["host_status_dosnapshot"] == 200
    assert a["ext_error_code"] == "success" and a["python_version"] == "2.7.12"
    facts = {f.key: f for f in ctx.facts}
    assert facts["status.code"].value == "1" and facts["status.code"].attrs["seq"] == 3
    assert facts["extension.version"].value == "1.0.9150.0"
    assert "snapshot=" not in repr(ev.attrs)  # snapshot URIs are counted, not kept


def test_arm_forced_success_is_seen_through():
    embedded = {
        "name": SNAP,
        "operation": "Enable",
        "status": "error",
        "code": "122",
        "telemetryData": [{"Key": "extErrorCode", "Value": "FailedRetryableFsFreezeTimeout"}],
        "vmHealthInfo": {"vmHealthState": 128, "vmHealthStatusCode": 122},
        "snapshotInfo": [
            {
                "isSuccessful": "false",
                "snapshotUri": None,
                "blobUri": "https://md-1.blob.core.windows.net/c/abcd",
                "errorMessage": "Failed https://md-1.blob.core.windows.net/c/abcd?sv=1&sig=SECRET timed out",
            }
        ],
    }
    text = _status_file(
        "122", embedded=embedded, message="snapshotCreator=backupHostService, hostStatusCodePreSnapshot=200, "
    )
    events, _ctx = parse_text(KIND, text, path=DIR + "17.status")
    a = events[0].attrs
    assert a["file_status"] == "success" and a["status"] == "error" and a["outcome"] == "failed"
    assert a["code"] == "122" and a["vm_health_code"] == 122
    assert a["ext_error_code"] == "FailedRetryableFsFreezeTimeout"
    assert a["host_status_presnapshot"] == 200 and a["snapshot_creator"] == "backupHostService"
    assert a["snapshots_failed"] == 1
    assert "SECRET" not in repr(events[0]) and "md-1.blob.core.windows.net/c/abcd" in a["snapshot_error"]


def test_code_4_is_unfinished_even_when_status_says_success():
    events, ctx = parse_text(
        KIND, _status_file("4", message="Transitioning state in extension"), path=DIR + "18.status"
    )
    a = events[0].attrs
    assert (a["status"], a["outcome"], a["file_status"]) == ("transitioning", "unfinished", "success")
    assert "Transitioning state in extension" in events[0].message
    assert [f.attrs["outcome"] for f in ctx.facts if f.key == "status.code"] == ["unfinished"]


@pytest.mark.parametrize(("code", "status"), [("0", "success"), ("3", "success"), ("2", "error"), ("316", "error")])
def test_code_decides_without_embedded_document(code, status):
    events, _ = parse_text(KIND, _status_file(code), path=DIR + "5.status")
    assert events[0].attrs["status"] == status


def test_old_plain_text_message_telemetry():
    text = _status_file("1").replace(
        json.dumps(
            json.dumps({"messageStr": "", "snapshotConsistency": 0, "jobMessage": "", "isSizeComputationFailed": False})
        ),
        json.dumps(" statusBlobUploadError=false, snapshotCreator=guestExtension, hostStatusCodeDoSnapshot=555, "),
    )
    events, _ = parse_text(KIND, text, path=DIR + "6.status")
    a = events[0].attrs
    assert a["host_status_dosnapshot"] == 555 and a["status_blob_upload_error"] is False
    assert a["snapshot_creator"] == "guestExtension"


def test_file_names():
    text = _status_file("1")
    assert parse_text(KIND, text, path=DIR + "16_status")[0][0].attrs["superseded"] is True
    assert parse_text(KIND, text, path=DIR + "MCExt1.9.status")[0][0].attrs["seq"] == 9
    assert "seq" not in parse_text(KIND, text, path=DIR + "tempStatusFile.status")[0][0].attrs


def test_other_extension_keeps_its_own_status():
    doc = [
        {
            "version": 1.0,
            "timestampUTC": "2024-03-05T01:00:00Z",
            "status": {
                "name": "Microsoft.Azure.Extensions.CustomScript",
                "operation": "Enable",
                "status": "error",
                "code": 1,
                "formattedMessage": {"lang": "en-US", "message": "Enable failed: exit status 127"},
            },
        }
    ]
    events, _ = parse_text(
        KIND, json.dumps(doc), path="var/lib/waagent/Microsoft.Azure.Extensions.CustomScript-2.1.10/status/0.status"
    )
    a = events[0].attrs
    assert (a["status"], a["code"]) == ("error", "1")
    assert "exit status 127" in events[0].message


def test_truncated_file_is_salvaged_with_a_warning():
    text = _status_file("122", status="success")
    cut = text[: text.index('"formattedMessage"') + 10]
    events, ctx = parse_text(KIND, cut, path=DIR + "19.status")
    assert len(ctx.warnings) == 1 and "truncated" in ctx.warnings[0].message
    a = events[0].attrs
    assert a["partial"] is True and a["code"] == "122" and a["status"] == "error" and a["seq"] == 19


def test_truncated_before_the_code_claims_nothing():
    embedded = {"name": SNAP, "status": "error", "code": "122"}
    text = _status_file("122", embedded=embedded)
    cut = text[: text.index('"status": "success", "formattedMessage": null}') + 5]
    events, _ctx = parse_text(KIND, cut, path=DIR + "19.status")
    assert "code" not in events[0].attrs  # the substatus "0" is not taken for the run's code
    assert events[0].attrs["outcome"] == "unknown"


@pytest.mark.parametrize("text", ["", "garbage", "[]", '{"status": 3}'])
def test_garbage_never_raises(text):
    events, ctx = parse_text(KIND, text, path=DIR + "1.status")
    assert len(events) <= 1
    assert ctx.warnings or not text


def test_megabyte_message_is_bounded():
    text = _status_file("2", message="x" * (1 << 20))
    events, ctx = parse_text(KIND, text, path=DIR + "7.status")
    assert len(events[0].message) < 5000
    assert all(len(repr(f.attrs)) < 5000 for f in ctx.facts)


def test_impossible_timestamp():
    text = _status_file("1").replace("2024-03-05T02:41:07Z", "2024-13-45T99:00:00Z")
    events, ctx = parse_text(KIND, text, path=DIR + "8.status")
    assert events[0].wall is None and len(ctx.warnings) == 1
