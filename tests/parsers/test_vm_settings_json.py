"""VmSettings.json (FastTrack): real redacted history copy, unredacted settings, bad JSON."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from analyzer.model import Clock, EventKind
from parsers.testing import parse_text

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "waagent-testdata"
KIND = "vm_settings_json"


def _sample(rel: str) -> str:
    path = SHARED / rel
    if not path.is_file():
        pytest.skip(f"shared sample {rel} not available")
    return path.read_text(encoding="utf-8")


def test_real_history_copy():
    text = _sample("hibernate/goal_state_1/VmSettings.json")
    events, ctx = parse_text(KIND, text, path="var/lib/waagent/history/2025-06-11T21-44-40__1-3/VmSettings.json")
    assert ctx.warnings == []
    doc = events[0]
    assert doc.kind == EventKind.GOAL_STATE_FETCH
    assert doc.attrs["source"] == "FastTrack" and doc.attrs["incarnation"] == 1
    assert doc.wall == datetime(2025, 6, 11, 21, 44, 37, 174634) and doc.clock == Clock.UTC
    seqs = {e.handler: e.attrs.get("seq") for e in events[1:]}
    assert seqs == {
        "Microsoft.GuestConfiguration.ConfigurationforLinux": 0,
        "Microsoft.Azure.Extensions.CustomScript": 5,
        "Microsoft.CPlat.Core.LinuxHibernateExtension": 0,
    }
    facts = {f.key: f.value for f in ctx.facts}
    assert facts["hostgaplugin.version"] == "1.0.8.175"
    assert facts["cloud"] == "AzureCloud"


def _vm_settings(**extra) -> str:
    doc = {
        "hostGAPluginVersion": "1.0.8.179",
        "vmSettingsSchemaVersion": "0.0",
        "activityId": "a33f6f53-43d6-4625-b322-1a39651a00c9",
        "correlationId": "9a47a2a2-e740-4bfc-b11b-4f2f7cfe7d2e",
        "inSvdSeqNo": 3,
        "extensionsLastModifiedTickCount": 638452026000000000,
        "extensionGoalStatesSource": "Fabric",
        "onHold": True,
        "statusUploadBlob": {
            "statusBlobType": "BlockBlob",
            "value": "https://md-1.blob.core.chinacloudapi.cn/$system/vm.status?sv=2018&sig=TOPSECRET&sp=w",
        },
        "requiredFeatures": [{"name": "MultipleExtensionsPerHandler"}],
        "extensionGoalStates": [
            {
                "name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux",
                "version": "1.0.9225.0",
                "state": "enabled",
                "autoUpgrade": True,
                "settingsSeqNo": 12,
                "isMultiConfig": False,
                "settings": [
                    {
                        "protectedSettingsCertThumbprint": "AB12",
                        "protectedSettings": "MIIunredactedPROTECTED",
                        "publicSettings": '{"taskId": "t", "logsBlobUri": "https://x.blob.core.windows.net/l?sig=LEAK"}',
                    }
                ],
            },
            {
                "name": "Microsoft.CPlat.Core.RunCommandHandlerLinux",
                "version": "1.3.2",
                "state": "enabled",
                "isMultiConfig": True,
                "settings": [
                    {"extensionName": "rc1", "seqNo": 4, "extensionState": "disabled", "publicSettings": "{}"}
                ],
            },
        ],
        **extra,
    }
    return json.dumps(doc, indent=2)


def test_unredacted_document_keeps_no_secret():
    events, ctx = parse_text(KIND, _vm_settings(), path="var/lib/waagent/VmSettings.7.json")
    dump = repr([(e.message, e.attrs) for e in events]) + repr([(f.key, f.value, f.attrs) for f in ctx.facts])
    for secret in ("TOPSECRET", "MIIunredacted", "LEAK", "logsBlobUri", "sig="):
        assert secret not in dump
    facts = {f.key: f.value for f in ctx.facts}
    assert facts["cloud"] == "AzureChinaCloud"
    assert facts["goal_state.on_hold"] is True
    assert facts["goal_state.etag"] == 7
    snap = events[1]
    assert snap.attrs["seq"] == 12 and snap.attrs["has_protected_settings"] and snap.attrs["has_public_settings"]
    mc = events[2]
    assert mc.attrs["extension"] == "rc1" and mc.attrs["seq"] == 4 and mc.attrs["operation"] == "disable"


def test_keys_are_case_insensitive():
    text = (
        _vm_settings().replace('"extensionGoalStates"', '"ExtensionGoalStates"').replace('"inSvdSeqNo"', '"InSvdSeqNo"')
    )
    events, _ = parse_text(KIND, text, path="VmSettings.json")
    assert events[0].attrs["in_svd_seq_no"] == 3 and len(events) == 3


@pytest.mark.parametrize(
    "text",
    [
        _vm_settings()[:300],  # truncated
        "[" * 100_000 + "]" * 100_000,  # nested too deeply
        "",
        "{not json",
    ],
)
def test_bad_json_is_a_warning(text):
    events, ctx = parse_text(KIND, text, path="VmSettings.json")
    assert events == [] and len(ctx.warnings) == 1


def test_top_level_not_an_object():
    events, ctx = parse_text(KIND, "[1, 2]", path="VmSettings.json")
    assert events == [] and ctx.unclassified == 1


def test_one_megabyte_string_stays_out_of_messages():
    big = "A" * (1 << 20)
    text = _vm_settings(activityId=big)
    events, ctx = parse_text(KIND, text, path="VmSettings.json")
    assert all(len(e.message) < 2000 for e in events)
    assert ctx.warnings == []
