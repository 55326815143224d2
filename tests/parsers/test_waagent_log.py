"""waagent.log: golden files of every format era, detection, facts, odd input."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from analyzer.model import Clock
from analyzer.model import EventKind as K
from parsers import registry
from parsers.agent_record import ERA_20, ERA_2246, ERA_ISO, ERA_LEGACY, iter_agent_records
from parsers.testing import parse_text
from parsers.waagent_log import sniff

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "parsers" / "waagent"
VMS = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"

# file: (records, eras present, (first line, last line) of every multi-line record)
GOLDEN = {
    "era-2.0.log": (63, {ERA_20}, [(41, 47)]),
    "era-legacy.log": (75, {ERA_LEGACY}, [(64, 75), (81, 87)]),
    "era-2.2.46.log": (62, {ERA_2246, ERA_ISO}, [(27, 35), (40, 47), (61, 67)]),
    "era-iso.log": (84, {ERA_ISO}, [(34, 39), (47, 50), (60, 65), (66, 67), (90, 100), (101, 102), (109, 110)]),
    "mixed.log": (53, {ERA_LEGACY, ERA_ISO}, [(36, 42), (43, 44), (46, 49), (52, 59), (64, 68)]),
}
CLOCK_OF_ERA = {ERA_20: Clock.LOCAL, ERA_LEGACY: Clock.LOCAL, ERA_2246: Clock.UTC, ERA_ISO: Clock.UTC}


def load(name: str):
    text = (FIXTURES / name).read_text()
    events, ctx = parse_text("waagent_log", text, path="var/log/waagent.log")
    return text, events, ctx


def facts(ctx, key):
    return [(f.value, f.attrs) for f in ctx.facts if f.key == key]


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_records_lines_and_classification(name):
    count, eras, multi = GOLDEN[name]
    text, events, ctx = load(name)
    recs = list(iter_agent_records(enumerate(text.splitlines(), 1)))
    assert len(events) == ctx.records == count >= 50
    assert ctx.unclassified == 0, [e.message for e in events if e.kind is K.OTHER]
    assert ctx.warnings == []
    assert {r.header.era for r in recs} == eras
    assert {v for v, _ in facts(ctx, "agent.log_era")} == eras
    assert [(r.line, r.end_line) for r in recs if r.end_line != r.line] == multi
    assert [e.line for e in events if "\n" in e.message] == [first for first, _ in multi if "\n" in _msg(recs, first)]
    for rec, ev in zip(recs, events, strict=True):
        assert ev.line == rec.line and ev.clock is CLOCK_OF_ERA[rec.header.era] and ev.wall is not None
        assert ev.time_raw and ev.level in ("VERBOSE", "INFO", "WARNING", "ERROR")


def _msg(recs, line):
    return next(r.message for r in recs if r.line == line)


def test_2_0_era():
    _, events, ctx = load("era-2.0.log")
    tb = next(e for e in events if e.line == 41)
    assert tb.kind is K.PYTHON and tb.attrs["exception"] == "AttributeError" and tb.message.count("\n") == 5
    assert events[0].kind is K.AGENT_VERSION and events[0].wall == datetime(2016, 7, 13, 9, 58, 31)
    enable_fail = [e for e in events if e.kind is K.EXT_COMMAND_RESULT and e.attrs.get("status") == "error"]
    assert [e.attrs.get("exit_code") or e.attrs.get("timeout_s") for e in enable_fail] == [1, 300]
    assert facts(ctx, "agent.daemon_version") == [("2.0.16", {})]
    assert facts(ctx, "extension.version") == [
        ("1.4.6.0", {"name": "Microsoft.OSTCExtensions.VMAccessForLinux"}),
        ("1.0.9103.0", {"name": VMS}),
    ]


def test_legacy_era():
    _, events, ctx = load("era-legacy.log")
    ev = next(e for e in events if e.line == 64)
    assert ev.kind is K.EXT_COMMAND_RESULT and ev.handler == VMS and ev.component == "ExtHandler"
    assert (
        ev.attrs["exit_code"] == 1
        and ev.attrs["error_class"] == "ExtensionOperationError"
        and ev.attrs["exception"] == "ModuleNotFoundError"
    )
    old_fail = next(e for e in events if e.line == 32)
    assert old_fail.attrs["error_class"] == "ExtensionError" and old_fail.component is None
    seqs = [e.attrs["seq"] for e in events if e.attrs.get("step") == "settings"]
    assert seqs == [3, 4, 25]
    assert [v for v, _ in facts(ctx, "agent.daemon_version")] == ["2.2.14", "2.2.45"]
    assert [v for v, _ in facts(ctx, "agent.goal_state_version")] == ["2.2.14", "2.2.45"]
    assert facts(ctx, "agent.service") == [("walinuxagent", {})]
    assert facts(ctx, "agent.python")[0] == ("3.5.2", {"role": "daemon"})
    assert next(e for e in events if e.line == 81).kind is K.DISK_FULL


def test_2246_era_and_self_update_to_threaded_format():
    _, events, ctx = load("era-2.2.46.log")
    by_line = {e.line: e for e in events}
    assert by_line[27].kind is K.FIREWALL and by_line[27].message.startswith("Firewall rules:")
    assert by_line[40].attrs["timeout_s"] == 300 and by_line[40].handler == VMS
    sas = by_line[58]
    assert sas.kind is K.STATUS_UPLOAD and sas.attrs["http_status"] == 403 and "?" not in sas.attrs["url"]
    assert "sig=" in sas.message  # the message stays unredacted; outputs redact
    assert by_line[59].component is None and by_line[59].kind is K.PROVISIONING  # prefix-less record
    assert by_line[82].handler == VMS and by_line[82].component == f"[{VMS}-1.0.9164.0]"
    assert [v for v, _ in facts(ctx, "agent.goal_state_version")] == ["2.2.46", "2.2.53"]


def test_iso_era():
    _, events, ctx = load("era-iso.log")
    by_line = {e.line: e for e in events}
    separators = [e.line for e in events if e.attrs.get("separator")]
    assert separators == [23, 25, 28, 51, 76, 78, 82]
    enable = [e for e in events if e.kind is K.EXT_ENABLE and "seq" in e.attrs and e.attrs.get("operation") == "enable"]
    assert [(e.line, e.attrs["seq"], e.attrs["version"]) for e in enable] == [
        (58, 41, "1.0.9225.0"),
        (88, 42, "1.0.9225.0"),
    ]
    assert by_line[60].kind is K.EXT_COMMAND_RESULT and by_line[60].message.count("\n") == 5
    failure = by_line[90]
    assert failure.kind is K.EXT_COMMAND_RESULT and failure.attrs["op"] == "Enable"
    assert (
        failure.attrs["timeout_s"] == 300
        and failure.attrs["cpu_throttled_s"] == "12.4"
        and failure.attrs["exception"] == "KeyboardInterrupt"
    )
    redacted = by_line[72]
    assert redacted.attrs["url"].endswith(".status") and "<redacted>" in redacted.message
    assert by_line[81].attrs["pending"] == [VMS]
    assert by_line[13].component == "Daemon" and by_line[13].kind is K.GOAL_STATE_FETCH  # prefix-less goal-state logger
    assert facts(ctx, "agent.daemon_version") == [("2.9.1.1", {})]
    assert facts(ctx, "agent.goal_state_version") == [("2.14.0.1", {})]
    assert facts(ctx, "waagent_conf.Extensions.GoalStatePeriod") == [("10", {})]
    assert facts(ctx, "os.name") == [("ubuntu", {})] and facts(ctx, "os.version") == [("22.04", {})]
    assert facts(ctx, "wireserver") == [("168.63.129.16", {})]
    assert facts(ctx, "extension.version") == [("1.0.9225.0", {"name": VMS})]


def test_mixed_local_daemon_and_utc_goal_state_agent():
    _, events, ctx = load("mixed.log")
    clocks = {(e.component, e.clock) for e in events if e.component in ("Daemon", "ExtHandler")}
    assert clocks == {("Daemon", Clock.LOCAL), ("ExtHandler", Clock.UTC)}
    launched = next(e for e in events if e.line == 50)
    assert launched.clock is Clock.LOCAL and launched.wall == datetime(2024, 3, 12, 18, 15, 2, 31877)
    noexec = next(e for e in events if e.line == 36)
    assert noexec.attrs["exit_code"] == 126 and noexec.handler == VMS
    assert facts(ctx, "agent.daemon_version") == [("2.2.45", {})]
    assert facts(ctx, "agent.goal_state_version") == [("2.10.0.8", {})]
    assert facts(ctx, "waagent_conf.AutoUpdate.UpdateToLatestVersion") == [("n", {})]
    assert {v for v, a in facts(ctx, "agent.python")} == {"2.7.5", "3.6.8"}


# --- detection --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["var/log/waagent.log", "waagent.log", "case/attachments/waagent.log"])
def test_kind_from_path(path):
    assert registry.kind_from_path(path) == "waagent_log"


def test_sniff_pasted_excerpt():
    head = "Here is the log:\n" + "\n".join((FIXTURES / "era-iso.log").read_text().splitlines()[50:60])
    assert sniff(head)
    assert registry.detect_kind("ticket-notes.txt", head) == "waagent_log"
    legacy = "\n".join((FIXTURES / "era-legacy.log").read_text().splitlines()[:3])
    assert sniff(legacy)
    assert sniff("\n".join((FIXTURES / "era-2.0.log").read_text().splitlines()[:5]))


def test_sniff_rejects_log_collector_results():
    # results.txt uses the same "…Z LEVEL message" shape but whole seconds: not an agent log.
    head = "2024-05-01T10:00:00Z INFO Starting log collection at 2024-05-01T10:00:00Z\n" * 2
    assert not sniff(head)


def test_sniff_rejects_extension_logs():
    ext_log = "\n".join(f"2018/08/21 04:37:1{i} [{VMS}-1.0]line {i}" for i in range(6))
    assert not sniff(ext_log)
    only_handler = "\n".join(f"2024-05-01T10:00:0{i}.000000Z INFO ExtHandler [{VMS}-1.0.9225.0] x" for i in range(3))
    assert not sniff(only_handler)
    assert not sniff("2024-05-01T10:00:00.000000Z INFO ExtHandler ExtHandler one header only\nplain text")


# --- odd input --------------------------------------------------------------------------------


def test_preamble_impossible_time_and_verbose():
    text = (
        "runcated record tail from a rotated file\n"
        '  File "x.py", line 1, in y\n'
        "2024-02-30T10:00:00.000000Z INFO ExtHandler ExtHandler Run daemon\n"
        "2024-05-01T10:00:00.000000Z VERBOSE ExtHandler ExtHandler Report vm agent status\n"
    )
    events, ctx = parse_text("waagent_log", text)
    assert [e.kind for e in events] == [K.OTHER, K.AGENT_START, K.ROUTINE]
    assert events[0].wall is None and events[0].line == 1 and ctx.unclassified == 0
    assert events[1].wall is None and events[1].time_raw == "2024-02-30T10:00:00.000000Z"
    assert len(ctx.warnings) == 2
    assert facts(ctx, "waagent_conf.Logs.Verbose") == [("y", {"inferred": "VERBOSE records present"})]


def test_unknown_message_counts_as_unclassified():
    events, ctx = parse_text(
        "waagent_log", "2024-05-01T10:00:00.000000Z INFO ExtHandler ExtHandler A brand new message\n"
    )
    assert events[0].kind is K.OTHER and ctx.unclassified == 1 and ctx.records == 1


def test_handler_environment_version_is_not_an_extension_version():
    # A 2.0-style "[…VMSnapshotLinux-1.0]" prefix carries the HandlerEnvironment version.
    text = f"2018/08/21 04:37:12 [{VMS}-1.0]T:S freeze, timeout value 60\n2018/08/21 04:37:13 [{VMS}-1.0]x\n"
    _events, ctx = parse_text("waagent_log", text)
    assert facts(ctx, "extension.version") == []


def test_versions_kept_whole_for_numeric_comparison():
    _events, ctx = parse_text(
        "waagent_log", "2024-05-01T10:00:00.000000Z INFO Daemon Daemon Azure Linux Agent Version: 2.10.0.8\n"
    )
    assert facts(ctx, "agent.daemon_version") == [("2.10.0.8", {})]


def test_facts_recorded_once_per_value():
    line = "2024-05-01T10:00:00.000000Z INFO ExtHandler ExtHandler WALinuxAgent-2.9.1.1 running as process 1\n"
    _events, ctx = parse_text("waagent_log", line * 50)
    assert len(facts(ctx, "agent.goal_state_version")) == 1
