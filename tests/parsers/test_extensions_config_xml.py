"""ExtensionsConfig.xml: plugins, seqNo per handler, cloud from the status blob, never a secret."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from analyzer.model import Clock, EventKind
from parsers.testing import parse_text

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "waagent-testdata"
KIND = "extensions_config_xml"


def _sample(rel: str) -> str:
    path = SHARED / rel
    if not path.is_file():
        pytest.skip(f"shared sample {rel} not available")
    return path.read_text(encoding="utf-8")


def _everything(events, ctx) -> str:
    return repr([(e.message, e.attrs, e.time_raw) for e in events]) + repr(
        [(f.key, f.value, f.attrs) for f in ctx.facts]
    )


def test_real_multi_extension_config():
    text = _sample("hostgaplugin/ext_conf.xml")
    events, ctx = parse_text(KIND, text, path="var/lib/waagent/ExtensionsConfig.10.xml")
    assert ctx.warnings == []
    doc, *plugins = events
    assert doc.kind == EventKind.GOAL_STATE_FETCH
    assert doc.attrs["incarnation"] == 10
    assert doc.attrs["activity_id"] == "a33f6f53-43d6-4625-b322-1a39651a00c9"
    assert doc.wall == datetime(2021, 11, 16, 13, 22, 50, 620521) and doc.clock == Clock.UTC
    assert doc.time_raw == "637726657706205217"
    # one event per runtime setting; the multi-config handler has three
    names = [(e.handler, e.attrs.get("extension")) for e in plugins]
    assert ("Microsoft.CPlat.Core.RunCommandHandlerLinux", "MCExt2") in names
    assert len(plugins) == 7
    vmaccess = next(e for e in plugins if e.handler == "Microsoft.OSTCExtensions.VMAccessForLinux")
    assert vmaccess.attrs["has_protected_settings"] is True
    assert vmaccess.attrs["has_public_settings"] is False
    assert vmaccess.attrs["auto_upgrade"] is False
    assert vmaccess.handler_version == "1.5.11"
    facts = {(f.key, f.value) for f in ctx.facts}
    assert ("cloud", "AzureCloud") in facts
    assert ("storage.host", "dcrcl3a0xs.blob.core.windows.net") in facts
    assert ("goal_state.required_feature", "MultipleExtensionsPerHandler") in facts
    dump = _everything(events, ctx)
    for secret in ("sig=", "KNWgC2", "MIIBsAYJ", "commandToExecute", "cee174d4", "GCS_AUTO_CONFIG", "sv=2018"):
        assert secret not in dump


def test_redacted_history_copy():
    text = _sample("hibernate/goal_state_1/ExtensionsConfig.xml")
    events, ctx = parse_text(KIND, text, path="var/lib/waagent/history/2025-06-11T21-39-20__1/ExtensionsConfig.xml")
    assert ctx.warnings == []
    # createdOnTicks wins over the folder time
    assert events[0].wall == datetime(2025, 6, 11, 21, 39, 17, 62709)
    seqs = {e.handler: e.attrs.get("seq") for e in events[1:]}
    assert seqs["Microsoft.Azure.Extensions.CustomScript"] == 4
    families = [f for f in ctx.facts if f.key == "ga_family.version"]
    assert families[0].value == "2.13.1.1" and families[0].attrs["name"] == "Prod"
    assert ("storage.host", "foo-bar.z6.blob.storage.azure.net") in {(f.key, f.value) for f in ctx.facts}


def test_minimal_in_vm_metadata():
    events, ctx = parse_text(KIND, _sample("wire/ext_conf_in_vm_metadata.xml"), path="ext_conf.xml")
    assert events[1].handler == "OSTCExtensions.ExampleHandlerLinux"
    assert events[1].attrs["seq"] == 0
    assert "hfRh7gzUE7" not in _everything(events, ctx)


def _doc(blob_host: str, body: str = "") -> str:
    return (
        "<Extensions>"
        f'<StatusUploadBlob statusBlobType="BlockBlob">https://{blob_host}/vhds/vm.status?sig=abc&amp;se=x'
        f"</StatusUploadBlob>{body}</Extensions>"
    )


@pytest.mark.parametrize(
    ("host", "cloud"),
    [
        ("md-x.blob.core.chinacloudapi.cn", "AzureChinaCloud"),
        ("md-x.blob.core.usgovcloudapi.net", "AzureUSGovernment"),
        ("md-x.blob.core.windows.net", "AzureCloud"),
    ],
)
def test_cloud_from_storage_suffix(host, cloud):
    _events, ctx = parse_text(KIND, _doc(host), path="var/lib/waagent/ExtensionsConfig.4.xml")
    facts = {f.key: f.value for f in ctx.facts}
    assert facts["cloud"] == cloud
    assert facts["storage.host"] == host
    assert facts["goal_state.incarnation"] == 4  # from the file name when the attribute is absent


def test_vmsnapshot_seq_and_state():
    body = (
        '<Plugins><Plugin name="Microsoft.Azure.RecoveryServices.VMSnapshotLinux" version="1.0.9225.0" '
        'state="enabled" autoUpgrade="true"/></Plugins><PluginSettings>'
        '<Plugin name="Microsoft.Azure.RecoveryServices.VMSnapshotLinux" version="1.0.9225.0">'
        '<RuntimeSettings seqNo="31">{"runtimeSettings":[{"handlerSettings":{"protectedSettingsCertThumbprint":"AB",'
        '"protectedSettings":"MIIBsecret","publicSettings":{"objectStr":"c2FzLXVybA=="}}}]}</RuntimeSettings>'
        "</Plugin></PluginSettings>"
    )
    events, ctx = parse_text(KIND, _doc("x.blob.core.windows.net", body), path="ExtensionsConfig.xml")
    snap = events[1]
    assert snap.handler == "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
    assert snap.attrs["seq"] == 31 and snap.attrs["operation"] == "enable"
    assert snap.line == 1
    dump = _everything(events, ctx)
    assert "MIIBsecret" not in dump and "c2FzLXVybA" not in dump and "objectStr" not in dump


def test_unparsable_settings_text_is_judged_by_key_names():
    body = (
        '<PluginSettings><Plugin name="A.B" version="1.0"><RuntimeSettings seqNo="2">{"protectedSettings": "zz'
        "</RuntimeSettings></Plugin></PluginSettings>"
    )
    events, ctx = parse_text(KIND, _doc("x.blob.core.windows.net", body), path="ExtensionsConfig.xml")
    assert events[1].attrs["has_protected_settings"] is True
    assert ctx.warnings == []


def test_hostile_and_wrong_documents():
    bomb = '<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><Extensions>&b;</Extensions>'
    events, ctx = parse_text(KIND, bomb, path="ExtensionsConfig.xml")
    assert events == [] and len(ctx.warnings) == 1
    events, ctx = parse_text(KIND, "<GoalState/>", path="ExtensionsConfig.xml")
    assert events == [] and ctx.unclassified == 1
