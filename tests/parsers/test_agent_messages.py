"""Classification of agent messages: every pattern has a sample, and the attrs rules rely on."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.model import EventKind as K
from parsers import registry
from parsers.agent_messages import all_patterns, classify, exception_of, match_message, operation_of, strip_query
from parsers.agent_record import iter_agent_records

VMS = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
DIR = f"/var/lib/waagent/{VMS}-1.0.9225.0"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "parsers" / "waagent"


def _sample_pattern_ids() -> set[str | None]:
    hit: set[str | None] = set()
    for kind in ("waagent_log", "command_execution_log"):
        for sample in registry.get(kind).samples:
            for rec in iter_agent_records(enumerate(sample.text.splitlines(), 1)):
                level = rec.header.level if rec.header else None
                hit.add(match_message(rec.message, level).pattern_id)
    return hit


def test_every_pattern_has_a_sample():
    hit = _sample_pattern_ids()
    missing = [p.id for p in all_patterns() if p.id not in hit]
    assert missing == []


def test_pattern_ids_unique_and_tables_joined_in_order():
    ids = [p.id for p in all_patterns()]
    assert len(ids) == len(set(ids))
    # life cycle before disk_full before the catch-alls
    assert ids.index("failed_with_exception") < ids.index("disk_full") < ids.index("cgroup_any") < ids.index("routine")


# --- versions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "role", "version"),
    [
        ("Azure Linux Agent Version:2.2.45", "daemon", "2.2.45"),
        ("Azure Linux Agent Version: 2.10.0.8", "daemon", "2.10.0.8"),
        ("Azure Linux Agent Version: WALinuxAgent-2.0.16", "daemon", "2.0.16"),
        ("Azure Linux Agent (Goal State Agent version 2.15.0.1)", "goal_state", "2.15.0.1"),
        ("Agent WALinuxAgent-2.2.45 is running as the goal state agent", "goal_state", "2.2.45"),
        ("WALinuxAgent-2.11.1.12 running as process 812", "goal_state", "2.11.1.12"),
    ],
)
def test_version_lines(message, role, version):
    kind, attrs = classify(message)
    assert kind is K.AGENT_VERSION and attrs["role"] == role and attrs["version"] == version


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("[HEARTBEAT] Agent WALinuxAgent-2.2.47 is running as the goal state agent", {"version": "2.2.47"}),
        (
            "[HEARTBEAT] Agent WALinuxAgent-2.2.49 is running as the goal state agent [DEBUG HeartbeatCounter: 5;"
            "HeartbeatId: 3D9C;DroppedPackets: 2;UpdateGSErrors: 1;AutoUpdate: 1]",
            {"counter": 5, "dropped_packets": 2, "update_gs_errors": 1},
        ),
        (
            "[HEARTBEAT] Agent WALinuxAgent-2.13.1.1 is running as the goal state agent [DEBUG HeartbeatCounter: 7;"
            "HeartbeatId: 3D9C;UpdateGSErrors: 0;AutoUpdate: 0;UpdateMode: RSM;]",
            {"counter": 7, "update_mode": "RSM", "auto_update": "0"},
        ),
    ],
)
def test_heartbeat_variants(message, expected):
    kind, attrs = classify(message)
    assert kind is K.HEARTBEAT and attrs["role"] == "goal_state"
    assert expected.items() <= attrs.items()


def test_heartbeat_event_record_of_2_2_14():
    kind, attrs = classify("Event: name=WALinuxAgent-2.2.14, op=HeartBeat, message=", "INFO")
    assert kind is K.HEARTBEAT and attrs["version"] == "2.2.14"


# --- start / stop / crash ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("Agent did not terminate cleanly: Agent WALinuxAgent-2.9.1.1 failed with exception: x", K.AGENT_CRASH),
        ("Agent WALinuxAgent-2.9.1.1 failed with exception: [ProtocolError] x", K.AGENT_CRASH),
        ("Agent WALinuxAgent-2.9.1.1 restarted more than 3 times in 300 seconds", K.AGENT_CRASH),
        ("EnvHandler thread died, restarting", K.AGENT_CRASH),
        ("Monitor thread died, restarting", K.AGENT_CRASH),
        ("Daemon ended with exception -- Sleep 15 seconds and restart daemon", K.AGENT_CRASH),
        ("ended with exception -- Sleep 15 seconds and restart daemon", K.AGENT_CRASH),  # 2.2.46 "Daemon Daemon …"
        ("Agent WALinuxAgent-2.9.1.1 is an orphan -- exiting", K.AGENT_STOP),
        ("Goal state agent WALinuxAgent-2.2.14 was orphaned -- exiting", K.AGENT_STOP),
        ("Agent WALinuxAgent-2.2.14 discovered WALinuxAgent-2.2.18 as an update and will exit", K.AGENT_UPDATE),
        ("Run daemon", K.AGENT_START),
    ],
)
def test_life_cycle(message, kind):
    assert classify(message)[0] is kind


def test_crash_with_disk_full_stays_a_crash_but_carries_errno():
    kind, attrs = classify("Agent WALinuxAgent-2.2.45 failed with exception: [Errno 28] No space left on device: '/x'")
    assert kind is K.AGENT_CRASH and attrs["errno"] == 28


@pytest.mark.parametrize(
    "message",
    [
        "Failed to save handler status: [Errno 28] No space left on device",
        "[Errno 28] No space left on device\nTraceback (most recent call last):\n"
        '  File "a.py", line 1, in f\nOSError: [Errno 28] No space left on device',
    ],
)
def test_disk_full(message):
    kind, attrs = classify(message)
    assert kind is K.DISK_FULL and attrs["errno"] == 28


def test_traceback_adds_exception_to_the_header_kind():
    msg = (
        "Error fetching the goal state: [ProtocolError] x\nTraceback (most recent call last):\n"
        '  File "w.py", line 5, in f\n    g()\nazurelinuxagent.common.exception.ProtocolError: [ProtocolError] x'
    )
    kind, attrs = classify(msg, "ERROR")
    assert kind is K.GOAL_STATE_ERROR and attrs["exception"] == "ProtocolError"
    assert exception_of("no traceback here") is None


def test_bare_traceback_record_is_python():
    result = match_message("Traceback (most recent call last):\n  File \"x\", line 1, in y\nKeyError: 'a'")
    assert result.kind is K.PYTHON and result.attrs["exception"] == "KeyError" and result.pattern_id == "traceback"


# --- the Event: record --------------------------------------------------------------------------


def test_event_failure_record():
    msg = (
        f"Event: name={VMS}, op=Enable, message=[ExtensionError] Timeout(300);CPUThrottledTime(12.4secs): "
        f"{DIR}/main/handle.sh enable\n[stdout]\nx\n\n[stderr]\ny, duration=0"
    )
    kind, attrs = classify(msg, "ERROR")
    assert kind is K.EXT_COMMAND_RESULT
    assert attrs["op"] == "Enable" and attrs["name"] == VMS and attrs["operation"] == "enable"
    assert attrs["timeout_s"] == 300 and attrs["cpu_throttled_s"] == "12.4" and attrs["error_class"] == "ExtensionError"
    assert attrs["status"] == "error" and attrs["duration_ms"] == 0


def test_event_numbered_error_class_of_2_2_14():
    kind, attrs = classify(
        f"Event: name={VMS}, op=Enable, message=[000003] Non-zero exit code: 1, main/handle.sh enable", "ERROR"
    )
    assert kind is K.EXT_COMMAND_RESULT and attrs["exit_code"] == 1 and attrs["error_class"] == "ExtensionError"


def test_event_success_of_old_agents():
    kind, attrs = classify(
        f"Event: name={VMS}, op=Enable, message=Launch command succeeded: main/handle.sh enable", "INFO"
    )
    assert kind is K.EXT_ENABLE and attrs["status"] == "success"
    assert (
        classify("Event: name=WALinuxAgent, op=ProcessGoalState, message=Incarnation 3, duration=120", "INFO")[0]
        is K.GOAL_STATE_PROCESS
    )


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        (
            "Event: name=WALinuxAgent, op=ReportStatus, message=Exception uploading status blob: x, duration=0",
            K.STATUS_UPLOAD,
        ),
        (
            "Event: name=WALinuxAgent, op=ExtensionProcessing, message=Failed to report vm agent status: "
            "[ProtocolError] x, duration=0",
            K.STATUS_UPLOAD,
        ),
        ("Event: name=WALinuxAgent, op=UnhandledError, message=[ProtocolError] x, duration=0", K.AGENT_CRASH),
        (
            "Event: name=WALinuxAgent, op=ActivateResourceDisk, message=[ResourceDiskError] unable to detect disk "
            "topology, duration=0",
            K.PROVISIONING,
        ),
        ("Event: name=WALinuxAgent, op=ReportEventErrors, message=DroppedEventsCount: 1", K.ROUTINE),
        ("Event: name=WALinuxAgent, op=FetchGoalState, message=[ProtocolError] boom, duration=0", K.GOAL_STATE_ERROR),
        (
            "Event: name=Microsoft.Azure.Extensions.CustomScript, op=ExtensionProcessing, message=Dependent Extension "
            "Microsoft.Azure.Extensions.CustomScript did not succeed. Status was error, duration=0",
            K.EXT_STATUS,
        ),
    ],
)
def test_event_kinds(message, kind):
    assert classify(message, "ERROR")[0] is kind


def test_event_with_unknown_agent_op_is_unclassified():
    result = match_message("Event: name=WALinuxAgent, op=SomethingNew, message=hello, duration=0", "ERROR")
    assert result.kind is K.OTHER and result.pattern_id is None


# --- extension handling --------------------------------------------------------------------------


def test_executing_command_env():
    msg = (
        f"Executing command: {DIR}/main/handle.sh enable with environment variables: "
        f'{{"AZURE_GUEST_AGENT_EXTENSION_PATH": "{DIR}", "AZURE_GUEST_AGENT_EXTENSION_VERSION": "1.0.9225.0", '
        '"ConfigSequenceNumber": "41", "ConfigExtensionName": "snap"}'
    )
    kind, attrs = classify(msg)
    assert kind is K.EXT_ENABLE
    assert attrs["seq"] == 41 and attrs["version"] == "1.0.9225.0" and attrs["operation"] == "enable"
    assert attrs["name"] == VMS and attrs["extension_name"] == "snap"


def test_executing_command_with_cut_json():
    msg = (
        f"Executing command: {DIR}/main/handle.sh install with environment variables: "
        '{"ConfigSequenceNumber": "7", "AZURE_GUEST_AGENT_EXTENSION_VERSION": "1.0.9225.0"'
    )
    kind, attrs = classify(msg)
    assert kind is K.EXT_INSTALL and attrs["seq"] == 7 and attrs["version"] == "1.0.9225.0"


@pytest.mark.parametrize(
    ("command", "operation"),
    [
        ("main/handle.sh enable", "enable"),
        ("bin/custom-script-shim enable", "enable"),
        ("omsagent_shim.sh -uninstall", "uninstall"),
        ("/var/lib/waagent/x-1.0/scripts/install.sh", "install"),
        ("handler.sh update", "update"),
        ("nothing here", None),
    ],
)
def test_operation_of(command, operation):
    assert operation_of(command) == operation


@pytest.mark.parametrize(
    ("message", "kind", "attrs"),
    [
        (
            "Target handler state: enabled [incarnation 3]",
            K.EXT_STATUS,
            {"target_state": "enabled", "incarnation": "3"},
        ),
        ("Target handler state: uninstall [etag_1234]", K.EXT_STATUS, {"target_state": "uninstall", "etag": "1234"}),
        ("[Disable] current handler state is: enabled", K.EXT_DISABLE, {"operation": "disable"}),
        ("Uninstall extension [main/handle.sh uninstall]", K.EXT_UNINSTALL, {"operation": "uninstall"}),
        ("Update extension [main/handle.sh update]", K.EXT_UPDATE, {"operation": "update"}),
        ("Disable extension: [main/handle.sh disable]", K.EXT_DISABLE, {"operation": "disable"}),
        ("Update settings file: snap.12.settings", K.EXT_ENABLE, {"seq": 12}),
        (f"Unable to find version 1.0.9999.0 in manifest for extension {VMS}", K.EXT_DOWNLOAD, {"status": "error"}),
        (
            "Command: main/handle.sh install\n[stdout]\nok\n[stderr]",
            K.EXT_COMMAND_RESULT,
            {"operation": "install", "status": "success"},
        ),
    ],
)
def test_extension_messages(message, kind, attrs):
    got_kind, got = classify(message)
    assert got_kind is kind and attrs.items() <= got.items()


def test_extension_summary_tuples_py2_and_py3():
    _, attrs = classify(
        "A new goal state was received, but not all the extensions in the previous goal state have completed: "
        f"[(u'Microsoft.Azure.Extensions.CustomScript', u'success'), (u'{VMS}', u'transitioning')]"
    )
    assert attrs["extensions"] == {"Microsoft.Azure.Extensions.CustomScript": "success", VMS: "transitioning"}
    assert attrs["pending"] == [VMS] and attrs["incomplete"] is True


def test_stdout_words_do_not_decide_the_kind():
    msg = (
        "Command: main/handle.sh enable\n[stdout]\nError fetching the goal state: fake\n"
        "[HTTP Failed] GET http://x/ -- IOError y\n[stderr]"
    )
    kind, attrs = classify(msg)
    assert kind is K.EXT_COMMAND_RESULT and "url" not in attrs


# --- network -----------------------------------------------------------------------------------


def test_http_attrs_and_query_never_kept():
    msg = (
        "Fetch failed: [HttpError] [HTTP Retry] GET https://acct.blob.core.windows.net/c/b.xml?sv=2020&sig=SECRET%3D "
        "-- Status Code 503 -- 25 attempts made"
    )
    kind, attrs = classify(msg, "WARNING")
    assert kind is K.HTTP_ERROR
    assert attrs["url"] == "https://acct.blob.core.windows.net/c/b.xml" and "SECRET" not in str(attrs)
    assert attrs["http_status"] == 503 and attrs["attempts"] == 25 and attrs["host"] == "acct.blob.core.windows.net"


def test_redacted_sas_url_of_2_14():
    _, attrs = classify(
        "Fetch failed: [HttpError] [HTTP Retry] GET https://h.blob.core.windows.net/$system/x.vmSettings?<redacted> "
        "-- Status Code 404 -- 1 attempts made"
    )
    assert attrs["url"] == "https://h.blob.core.windows.net/$system/x.vmSettings" and attrs["http_status"] == 404


def test_gone_status_and_errno():
    _, attrs = classify(
        "Error fetching the goal state: [ProtocolError] Error fetching goal state Inner error: [ResourceGoneError] "
        "[HTTP Failed] [410: Gone] b''"
    )
    assert attrs["http_status"] == 410
    _, attrs = classify(
        "[HTTP Failed] GET http://168.63.129.16/machine/ -- IOError [Errno 101] Network is unreachable -- 6 "
        "attempts made"
    )
    assert (
        attrs["errno"] == 101
        and attrs["io_error"] == "[Errno 101] Network is unreachable"
        and attrs["host"] == "168.63.129.16"
    )


def test_strip_query():
    assert strip_query("https://a/b?sig=x#f") == "https://a/b"


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("WireServer is not responding. Reset dhcp endpoint", K.WIRESERVER),
        ("No protocol found.", K.DHCP),
        ("Protocol endpoint not found: [ProtocolError] x", K.DHCP),
        ("Failed to upload status blob via either channel", K.STATUS_UPLOAD),
        ("HostGAPlugin: Put BlockBlob failed: [HttpError] x", K.STATUS_UPLOAD),
        ("Failed to report vm agent status for more than 0:30:00", K.STATUS_UPLOAD),
        (
            "The firewall rules for Azure Fabric are not setup correctly (the environment thread will fix it): x. "
            "Current state:\nChain OUTPUT",
            K.FIREWALL,
        ),
        ("Using nft [version 1.0.2] to manage firewall rules", K.FIREWALL),
    ],
)
def test_network_kinds(message, kind):
    assert classify(message)[0] is kind


def test_dhcp_client_not_running_is_benign():
    kind, attrs = classify("Dhcp client is not running.", "WARNING")
    assert kind is K.DHCP and attrs["benign"] is True


# --- config, cgroups, routine ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "key", "value"),
    [
        (
            "******** Extensions.Enabled is set to False, not processing the operation ********",
            "Extensions.Enabled",
            "n",
        ),
        ("******** OS.EnableFirewall is set to False, not processing the operation ********", "OS.EnableFirewall", "n"),
        (
            "******** Autoupdate.Frequency changed from its default: 3600. New value: 7200.  ********",
            "Autoupdate.Frequency",
            "7200",
        ),
        ("******** lib dir is in an unexpected location: /data/waagent ********", "Lib.Dir", "/data/waagent"),
    ],
)
def test_config_banners(message, key, value):
    kind, attrs = classify(message)
    assert kind is K.CONFIG and attrs["conf_key"] == key and attrs["conf_value"] == value


def test_extensions_disabled_banner_marks_disabled():
    _, attrs = classify("******** Extensions.Enabled is set to False, not processing the operation ********")
    assert attrs["disabled"] == "extensions"


@pytest.mark.parametrize(
    "message",
    [
        "[CGW] The agent's process is not within a memory cgroup",
        "[CGI] Agent cgroups enabled: True",
        "[PERIODIC] Could not collect metrics for cgroup azuremonitor-coreagent. Error : [CGroupsException] x",
        "Could not mount cgroups: [Errno 1] Operation not permitted: '/sys/fs/cgroup/cpu,cpuacct' -> "
        "'/sys/fs/cgroup/cpu'",
    ],
)
def test_cgroup(message):
    assert classify(message)[0] is K.CGROUP


def test_separator_and_unknown():
    assert match_message("").pattern_id == "separator"
    assert classify("   ")[0] is K.ROUTINE
    result = match_message("Something the agent never wrote")
    assert result.kind is K.OTHER and result.pattern_id is None
