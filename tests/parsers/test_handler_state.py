"""config/HandlerState and config/HandlerStatus."""

from __future__ import annotations

import pytest

from analyzer.model import EventKind
from parsers.testing import parse_text

KIND = "handler_state"
DIR = "var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/config/"


@pytest.mark.parametrize("state", ["NotInstalled", "Installed", "Enabled", "FailedUpgrade"])
def test_states(state):
    events, ctx = parse_text(KIND, state + "\n", path=DIR + "HandlerState")
    assert events[0].kind == EventKind.EXT_STATUS and events[0].attrs["state"] == state
    assert events[0].handler_version == "1.0.9225.0"
    fact = ctx.facts[0]
    assert (fact.key, fact.value, fact.attrs["name"]) == (
        "extension.state",
        state,
        "Microsoft.Azure.RecoveryServices.VMSnapshotLinux",
    )


def test_multi_config_extension_state():
    events, _ = parse_text(
        KIND,
        "disabled",
        path="var/lib/waagent/Microsoft.CPlat.Core.RunCommandHandlerLinux-1.3.2/config/rc1.HandlerState",
    )
    assert events[0].attrs == {"state": "disabled", "extension": "rc1"}


def test_handler_status_json():
    text = (
        '{"name": "Microsoft.Azure.RecoveryServices.VMSnapshotLinux", "version": "1.0.9225.0", "status": "NotReady", '
        '"code": -1, "message": "Non-zero exit code: 1, main/handle.sh enable", "supports_multi_config": false, '
        '"extension_status": null}'
    )
    events, ctx = parse_text(KIND, text, path=DIR + "HandlerStatus")
    a = events[0].attrs
    assert a == {"handler_status": "NotReady", "code": "-1", "multi_config": False}
    assert "Non-zero exit code: 1" in events[0].message
    assert ctx.facts[0].key == "extension.handler_status" and ctx.facts[0].value == "NotReady"


@pytest.mark.parametrize(
    ("text", "name"), [("Garbage words", "HandlerState"), ("{broken", "HandlerStatus"), ("[]", "HandlerStatus")]
)
def test_bad_content(text, name):
    events, ctx = parse_text(KIND, text, path=DIR + name)
    assert events == [] and len(ctx.warnings) == 1
