"""/etc/azure/vmbackup.conf, VMSnapshotPluginHost.conf, VMSnapshotScriptPluginConfig.json, workload.conf."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.model import EventKind
from parsers.testing import parse_text

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "vmbackup"
KIND = "vmbackup_conf"


def _sample(name: str) -> str:
    path = SHARED / name
    if not path.is_file():
        pytest.skip(f"shared sample {name} not available")
    return path.read_text(encoding="utf-8")


def _facts(ctx):
    return {f.key: f.value for f in ctx.facts}


def test_shipped_templates():
    _, ctx = parse_text(KIND, _sample("vmbackup.conf"), path="etc/azure/vmbackup.conf")
    assert _facts(ctx) == {"vmbackup_conf.SnapshotThread.fsfreeze": "True"}
    _, ctx = parse_text(KIND, _sample("VMSnapshotPluginHost.conf"), path="etc/azure/VMSnapshotPluginHost.conf")
    facts = _facts(ctx)
    assert facts["vmbackup_pluginhost.pre_post.timeoutInSeconds"] == "1800"
    assert facts["vmbackup_pluginhost.pre_post.pluginConfigPath0"] == "/etc/azure/VMSnapshotScriptPluginConfig.json"
    events, ctx = parse_text(
        KIND, _sample("VMSnapshotScriptPluginConfig.json"), path="etc/azure/VMSnapshotScriptPluginConfig.json"
    )
    facts = _facts(ctx)
    assert facts["vmbackup_plugin.pre_script_enabled"] is False
    assert facts["vmbackup_plugin.timeoutInSeconds"] == 30 and facts["vmbackup_plugin.fsFreezeEnabled"] is True
    assert events[0].kind == EventKind.CONFIG
    events, ctx = parse_text(KIND, _sample("workload.conf"), path="etc/azure/workload.conf")
    assert _facts(ctx)["vmbackup_workload.workload.workload_name"] == ""
    assert ctx.warnings == []


def test_customer_vmbackup_conf():
    text = """[SnapshotThread]
; tuned for the slow NFS mount
mountstoskip = /mnt/resource,/data/nfs
safefreezewaitinseconds=600
LoggingOff: True
timeout = 120
  continued value line
[Monitor]
Run = yes
broken line without separator
"""
    events, ctx = parse_text(KIND, text, path="etc/azure/vmbackup.conf")
    facts = _facts(ctx)
    assert facts["vmbackup_conf.SnapshotThread.MountsToSkip"] == "/mnt/resource,/data/nfs"
    assert facts["vmbackup_conf.SnapshotThread.SafeFreezeWaitInSeconds"] == "600"
    assert facts["vmbackup_conf.SnapshotThread.LoggingOff"] == "True"
    assert facts["vmbackup_conf.Monitor.Run"] == "yes"
    mounts = next(e for e in events if e.attrs["key"] == "SnapshotThread.MountsToSkip")
    assert mounts.line == 3 and mounts.attrs["written_as"] == "mountstoskip"
    assert ctx.unclassified == 1 and len(ctx.warnings) == 1


def test_workload_credentials_hidden():
    text = "[workload]\nworkload_name = oracle\ncredString = sys/Sup3rSecret@ORCL as sysdba\nlinux_user = oracle\n"
    events, ctx = parse_text(KIND, text, path="etc/azure/workload.conf")
    facts = _facts(ctx)
    assert facts["vmbackup_workload.workload.credString"] == "<set>"
    assert facts["vmbackup_workload.workload.workload_name"] == "oracle"
    assert "Sup3rSecret" not in repr(events) + repr(ctx.facts)


def test_plugin_params_counted_not_kept():
    text = (
        '{"pluginName": "ScriptRunner", "preScriptLocation": "/opt/pre.sh", "postScriptLocation": "/opt/post.sh",'
        ' "preScriptParams": ["-p", "dbPassw0rd"], "postScriptParams": ["", ""], "timeoutInSeconds": 1800,'
        ' "continueBackupOnFailure": false, "fsFreezeEnabled": false}'
    )
    events, ctx = parse_text(KIND, text, path="etc/azure/VMSnapshotScriptPluginConfig.json")
    facts = _facts(ctx)
    assert facts["vmbackup_plugin.preScriptParams"] == 2 and facts["vmbackup_plugin.postScriptParams"] == 0
    assert facts["vmbackup_plugin.pre_script_enabled"] is True and facts["vmbackup_plugin.post_script_enabled"] is True
    assert "dbPassw0rd" not in repr(events) + repr(ctx.facts)


@pytest.mark.parametrize("text", ["{", "[1,2]"])
def test_bad_plugin_json(text):
    events, ctx = parse_text(KIND, text, path="etc/azure/VMSnapshotScriptPluginConfig.json")
    assert events == [] and len(ctx.warnings) == 1
