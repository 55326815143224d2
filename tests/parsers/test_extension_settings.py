"""config/<seq>.settings: presence only, never a value."""

from __future__ import annotations

import json

import pytest

from analyzer.model import EventKind
from parsers.testing import parse_text

KIND = "extension_settings"
DIR = "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/config/"


def _settings(**handler) -> str:
    return json.dumps({"runtimeSettings": [{"handlerSettings": handler}]})


def test_values_never_kept():
    text = _settings(
        protectedSettingsCertThumbprint="F6ABAA61098A301EBB8A571C3C7CF77F355F7FA9",
        protectedSettings="MIIB-ENCRYPTED-BLOB",
        publicSettings={
            "taskId": "3f2c9d1e",
            "logsBlobUri": "https://a.blob.core.windows.net/l?sig=SECRETSIG",
            "commandToExecute": "echo hunter2",
        },
    )
    events, ctx = parse_text(KIND, text, path=DIR + "17.settings")
    ev = events[0]
    assert ev.kind == EventKind.GOAL_STATE_PROCESS
    assert ev.attrs["seq"] == 17 and ev.attrs["current"] is True
    assert ev.attrs["has_protected_settings"] and ev.attrs["has_public_settings"] and ev.attrs["has_thumbprint"]
    assert ev.attrs["public_keys"] == ["commandToExecute", "logsBlobUri", "taskId"]
    dump = repr(events) + repr(ctx.facts)
    for secret in ("MIIB-ENCRYPTED", "SECRETSIG", "hunter2", "F6ABAA61", "3f2c9d1e"):
        assert secret not in dump
    assert ctx.facts[0].key == "settings.seq" and ctx.facts[0].value == 17


def test_protected_settings_stripped_by_the_extension():
    events, _ = parse_text(
        KIND, _settings(protectedSettingsCertThumbprint="AB", publicSettings={}), path=DIR + "16_settings"
    )
    a = events[0].attrs
    assert a["current"] is False and a["has_thumbprint"] and not a["has_protected_settings"]
    assert not a["has_public_settings"]


def test_empty_zero_settings_and_multi_config_name():
    events, ctx = parse_text(KIND, "", path=DIR + "0.settings")
    assert events[0].attrs["empty"] is True and ctx.warnings == []
    events, _ = parse_text(KIND, _settings(), path=DIR + "rc1.4.settings")
    assert events[0].attrs["extension"] == "rc1" and events[0].attrs["seq"] == 4


@pytest.mark.parametrize("text", ['{"runtimeSettings": [', "not json"])
def test_bad(text):
    events, ctx = parse_text(KIND, text, path=DIR + "3.settings")
    assert events == [] and len(ctx.warnings) == 1
