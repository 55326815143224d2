"""The agent's status documents in all eras."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from analyzer.model import Clock, EventKind
from parsers.testing import parse_text

KIND = "waagent_status_json"
SNAP = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"


def _summary() -> str:
    # 2.2.35-2.4: written by write_ext_handlers_status_to_info_file (code, message, extensions popped)
    return json.dumps(
        {
            "agent_name": "WALinuxAgent",
            "current_version": "2.2.45",
            "goal_state_version": "2.2.45",
            "distro_details": "centos:7.9.2009",
            "last_successful_status_upload_time": "2020-11-02T08:15:42Z",
            "python_version": "Python: 2.7.5",
            "extensions_status": [
                {"name": SNAP, "version": "1.0.9164.0", "status": "NotReady"},
                {"name": "Microsoft.OSTCExtensions.VMAccessForLinux", "version": "1.5.10", "status": "Ready"},
            ],
        }
    )


def _blob(meta: bool = False, update: bool = False) -> dict:
    doc = {
        "version": "1.1",
        "timestampUTC": "2024-03-05T02:42:00Z",
        "aggregateStatus": {
            "guestAgentStatus": {
                "version": "2.9.1.1",
                "status": "Ready",
                "formattedMessage": {"lang": "en-US", "message": "Guest Agent is running"},
            },
            "handlerAggregateStatus": [
                {
                    "handlerVersion": "1.0.9225.0",
                    "handlerName": SNAP,
                    "status": "Ready",
                    "code": 0,
                    "useExactVersion": True,
                    "formattedMessage": {"lang": "en-US", "message": "Plugin enabled"},
                    "runtimeSettingsStatus": {
                        "settingsStatus": {
                            "status": {
                                "name": SNAP,
                                "configurationAppliedTime": None,
                                "operation": "Enable",
                                "status": "success",
                                "code": "122",
                                "formattedMessage": {"lang": "en-US", "message": "see substatus"},
                                "substatus": [
                                    {
                                        "name": json.dumps(
                                            [
                                                {
                                                    "version": "1.0",
                                                    "timestampUTC": "/Date(1709606467000)/",
                                                    "status": {"status": "error", "code": "122"},
                                                }
                                            ]
                                        ),
                                        "status": "success",
                                        "code": "0",
                                        "formattedMessage": {"lang": "en-US", "message": None},
                                    }
                                ],
                            },
                            "version": 1.0,
                            "timestampUTC": "2024-03-05T02:41:07Z",
                        },
                        "sequenceNumber": 17,
                    },
                },
                {
                    "handlerVersion": "2.1.10",
                    "handlerName": "Microsoft.Azure.Extensions.CustomScript",
                    "status": "NotReady",
                    "code": 1009,
                    "useExactVersion": True,
                    "formattedMessage": {
                        "lang": "en-US",
                        "message": "Failed to download https://x.blob.core.windows.net/a?sig=LEAK",
                    },
                },
            ],
            "vmArtifactsAggregateStatus": {
                "goalStateAggregateStatus": {
                    "formattedMessage": {"lang": "en-US", "message": "GoalState executed successfully"},
                    "timestampUTC": "2024-03-05T02:30:05Z",
                    "inSvdSeqNo": "17",
                    "status": "Success",
                    "code": 0,
                }
            },
        },
        "guestOSInfo": {
            "computerName": "secret-host-name",
            "osName": "centos",
            "osVersion": "7.9.2009",
            "version": "2.9.1.1",
        },
        "supportedFeatures": [{"Key": "MultipleExtensionsPerHandler", "Value": "1.0"}],
    }
    if meta:
        doc["_metadataNotSentToCRP"] = {
            "agentName": "WALinuxAgent",
            "daemonVersion": "2.2.45",
            "pythonVersion": "Python: 3.6.8",
            "extensionSupportedFeatures": [],
        }
    if update:
        doc["aggregateStatus"]["guestAgentStatus"]["updateStatus"] = {
            "expectedVersion": "2.10.0.8",
            "status": "Error",
            "code": 1,
            "formattedMessage": {"lang": "en-US", "message": "Failed to download agent"},
        }
    return doc


def test_summary_era():
    events, ctx = parse_text(KIND, _summary(), path="var/lib/waagent/waagent_status.json")
    assert ctx.warnings == []
    doc, snap, _vmaccess = events
    assert doc.kind == EventKind.STATUS_WRITE and doc.attrs["upload_confirmed"] is False
    assert doc.wall == datetime(2020, 11, 2, 8, 15, 42) and doc.clock == Clock.UTC
    assert snap.kind == EventKind.EXT_STATUS and snap.handler == SNAP and snap.attrs["handler_status"] == "NotReady"
    facts = {(f.key, f.value) for f in ctx.facts}
    assert ("agent.goal_state_version", "2.2.45") in facts
    assert ("agent.python", "2.7.5") in facts
    assert ("extension.state", "NotReady") in facts


def test_blob_era_with_vmsnapshot_failure():
    text = json.dumps(_blob(), indent=2)
    events, ctx = parse_text(KIND, text, path="var/lib/waagent/history/2024-03-05T02-42-00__17/waagent_status.json")
    assert ctx.warnings == []
    kinds = [e.kind for e in events]
    assert kinds == [EventKind.STATUS_WRITE, EventKind.GOAL_STATE_PROCESS, EventKind.EXT_STATUS, EventKind.EXT_STATUS]
    snap = events[2]
    assert snap.handler == SNAP and snap.handler_version == "1.0.9225.0"
    assert snap.attrs["seq"] == 17 and snap.attrs["code"] == "122"
    assert snap.attrs["status"] == "error" and snap.attrs["file_status"] == "success"
    assert snap.wall == datetime(2024, 3, 5, 2, 41, 7)  # the settings status time
    assert events[1].attrs["in_svd_seq_no"] == 17 and events[1].attrs["status"] == "Success"
    cse = events[3]
    assert cse.attrs["handler_code"] == "1009"
    dump = repr([(e.message, e.attrs) for e in events]) + repr([(f.key, f.value, f.attrs) for f in ctx.facts])
    assert "secret-host-name" not in dump and "LEAK" not in dump
    facts = {(f.key, f.value) for f in ctx.facts}
    assert ("agent.goal_state_version", "2.9.1.1") in facts
    assert ("status.code", "122") in facts
    assert ("status.incarnation", 17) in facts


def test_2_5_era_metadata_and_update_status():
    text = json.dumps(_blob(meta=True, update=True))
    events, ctx = parse_text(KIND, text, path="var/lib/waagent/waagent_status.23.json")
    facts = {(f.key, f.value) for f in ctx.facts}
    assert ("agent.daemon_version", "2.2.45") in facts and ("agent.python", "3.6.8") in facts
    assert ("status.incarnation", 23) in facts
    update = next(e for e in events if e.kind == EventKind.AGENT_UPDATE)
    assert update.attrs["version"] == "2.10.0.8" and update.attrs["status"] == "Error"


@pytest.mark.parametrize("text", ["", "{", "[1]", '{"something": "else"}', "x" * 1000])
def test_bad_documents_warn(text):
    events, ctx = parse_text(KIND, text, path="waagent_status.json")
    assert events == [] and len(ctx.warnings) == 1


def test_megabyte_values_are_bounded():
    doc = _blob()
    doc["aggregateStatus"]["guestAgentStatus"]["version"] = "9" * (1 << 20)
    doc["aggregateStatus"]["handlerAggregateStatus"][0]["handlerName"] = "N" * (1 << 20)
    events, ctx = parse_text(KIND, json.dumps(doc), path="waagent_status.json")
    assert all(len(e.message) < 5000 and len(repr(e.attrs)) < 5000 for e in events)
    assert all(len(repr(f.value)) < 1000 for f in ctx.facts)
