"""HandlerManifest.json of extensions and agent packages."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.model import EventKind
from parsers.testing import parse_text

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples"
KIND = "handler_manifest"


def _sample(rel: str) -> str:
    path = SHARED / rel
    if not path.is_file():
        pytest.skip(f"shared sample {rel} not available")
    return path.read_text(encoding="utf-8")


def test_vmbackup_manifest_template():
    text = _sample("vmbackup/HandlerManifest.json")
    path = "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/HandlerManifest.json"
    events, ctx = parse_text(KIND, text, path=path)
    ev = events[0]
    assert ev.kind == EventKind.CONFIG
    assert ev.handler == "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"  # not the template's name
    assert ev.attrs["manifest_name"] == "MyBackupTestLinuxInt"
    assert ev.attrs["enable_command"] == "main/handle.sh enable"
    assert ev.attrs["report_heartbeat"] is False and ev.attrs["reboot_after_install"] is False
    assert ctx.facts[0].key == "extension.manifest"


def test_waagent_test_manifests():
    events, _ = parse_text(KIND, _sample("waagent-testdata/ext/handler_manifest/valid_manifest.json"))
    a = events[0].attrs
    assert a["report_heartbeat"] is True and a["supports_multiple_extensions"] is True
    assert a["manifest_version"] == "1.0"
    events, _ = parse_text(
        KIND,
        _sample("waagent-testdata/ext/sample_ext-1.3.0/HandlerManifest.json"),
        path="var/lib/waagent/sample_ext-1.3.0/HandlerManifest.json",
    )
    assert events[0].handler == "sample_ext" and events[0].handler_version == "1.3.0"


def test_agent_package_manifest():
    text = (
        '[{"name": "WALinuxAgent", "version": "2.9.1.1", "handlerManifest": {"installCommand": "", '
        '"uninstallCommand": "", "updateCommand": "", "enableCommand": "python3 -u bin/WALinuxAgent-2.9.1.1-py3.8.egg '
        '-run-exthandlers", "disableCommand": "", "rebootAfterInstall": false, "reportHeartbeat": false}}]'
    )
    _, ctx = parse_text(KIND, text, path="var/lib/waagent/WALinuxAgent-2.9.1.1/HandlerManifest.json")
    fact = next(f for f in ctx.facts if f.key == "agent.package_version")
    assert fact.value == "2.9.1.1" and fact.attrs["python"] == "3.8"


@pytest.mark.parametrize("text", ["", "[{}]", "{not json", '[{"handlerManifest": null}]'])
def test_bad_manifests(text):
    events, ctx = parse_text(KIND, text)
    assert events == [] and ctx.warnings
