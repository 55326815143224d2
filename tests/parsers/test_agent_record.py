"""Header framing and record assembly of the guest agent's log, every era."""

from __future__ import annotations

from datetime import datetime

import pytest

from analyzer.model import Clock
from parsers.agent_record import ERA_20, ERA_2246, ERA_ISO, ERA_LEGACY, iter_agent_records, split_header

VMS = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"


def records(text: str, **kw):
    return list(iter_agent_records(enumerate(text.splitlines(), 1), **kw))


# --- split_header: one line ------------------------------------------------------------------


def test_iso_thread_and_prefix():
    h = split_header(
        "2023-03-13T15:44:04.906673Z INFO ExtHandler ExtHandler Azure Linux Agent (Goal State Agent version 9.9.9.9)"
    )
    assert h is not None
    assert (h.era, h.clock, h.level, h.thread, h.prefix, h.component) == (
        ERA_ISO,
        Clock.UTC,
        "INFO",
        "ExtHandler",
        "ExtHandler",
        "ExtHandler",
    )
    assert h.wall == datetime(2023, 3, 13, 15, 44, 4, 906673)
    assert h.time_raw == "2023-03-13T15:44:04.906673Z"
    assert h.message == "Azure Linux Agent (Goal State Agent version 9.9.9.9)"
    assert h.handler is None


def test_iso_helper_thread_component_is_prefix():
    h = split_header("2021-07-29T04:40:17.190879Z WARNING EnvHandler ExtHandler Dhcp client is not running.")
    assert (h.thread, h.prefix, h.component, h.message) == (
        "EnvHandler",
        "ExtHandler",
        "ExtHandler",
        "Dhcp client is not running.",
    )


def test_iso_handler_prefix():
    line = (
        f"2021-03-30T19:45:33.793213Z INFO ExtHandler [{VMS}-1.0.9225.0] Target handler state: enabled [incarnation 3]"
    )
    h = split_header(line)
    assert (h.era, h.thread, h.handler, h.handler_version) == (ERA_ISO, "ExtHandler", VMS, "1.0.9225.0")
    assert h.prefix == h.component == f"[{VMS}-1.0.9225.0]"
    assert h.message == "Target handler state: enabled [incarnation 3]"


def test_multi_config_handler_prefix():
    h = split_header(
        "2024-01-01T00:00:00.000000Z INFO ExtHandler [Microsoft.CPlat.Core.RunCommandHandlerLinux.myCmd-1.3.2] "
        "Enable extension: [x]"
    )
    assert (h.handler, h.handler_version) == ("Microsoft.CPlat.Core.RunCommandHandlerLinux.myCmd", "1.3.2")


@pytest.mark.parametrize("tag", ["[HEARTBEAT]", "[PERIODIC]", "[ExtensionError]", "[CGW]", "[CGI]", "[ProtocolError]"])
def test_message_tags_are_not_handler_prefixes(tag):
    h = split_header(f"2024-01-01T00:00:00.000000Z INFO ExtHandler ExtHandler {tag} something")
    assert h.handler is None and h.prefix == "ExtHandler" and h.message == f"{tag} something"
    h46 = split_header(f"2020-01-08T10:00:00.123456Z WARNING ExtHandler {tag} something")
    assert h46.handler is None and h46.message == f"{tag} something"


def test_iso_2246_prefix_only():
    h = split_header("2021-05-28T01:17:40.683072Z INFO ExtHandler Wire server endpoint:168.63.129.16")
    assert (h.era, h.thread, h.prefix, h.component) == (ERA_2246, None, "ExtHandler", "ExtHandler")
    assert h.message == "Wire server endpoint:168.63.129.16"
    h = split_header(f"2020-01-08T10:00:00.123456Z INFO [{VMS}-1.0.9164.0] [Enable] current handler state is: enabled")
    assert (h.era, h.thread, h.handler) == (ERA_2246, None, VMS)


def test_lone_token_is_a_thread_once_the_file_showed_threads():
    line = "2024-05-01T10:00:00.000000Z INFO ExtHandler Fetched a new incarnation for the WireServer goal state [incarnation 3]"  # noqa: E501
    assert split_header(line).era == ERA_2246
    h = split_header(line, threaded={"ExtHandler"})
    assert (h.era, h.thread, h.prefix, h.component) == (ERA_ISO, "ExtHandler", None, "ExtHandler")


@pytest.mark.parametrize(
    ("line", "component", "message"),
    [
        # 2.2.46 records whose message starts with a prefix-like word: not (thread, prefix) pairs
        ("2020-01-08T10:00:01.812990Z INFO ExtHandler Firewall rules:", "ExtHandler", "Firewall rules:"),
        (
            "2020-01-08T10:00:01.812990Z WARNING Daemon ExtHandler process WALinuxAgent-2.2.46 launched",
            "Daemon",
            "ExtHandler process WALinuxAgent-2.2.46 launched",
        ),
        (
            "2020-01-08T10:00:01.812990Z WARNING Disabling guest agent in accordance with ovf-env.xml",
            None,
            "Disabling guest agent in accordance with ovf-env.xml",
        ),
    ],
)
def test_2246_messages_that_look_like_threads(line, component, message):
    h = split_header(line)
    assert (h.component, h.message, h.thread) == (component, message, None)


def test_python_310_thread_name_and_log_collector():
    h = split_header("2024-01-01T00:00:00.000000Z INFO Thread-3 (run) ExtHandler hello")
    assert (h.thread, h.prefix, h.message) == ("Thread-3 (run)", "ExtHandler", "hello")
    h = split_header("2023-08-27T08:13:42.520557Z WARNING MainThread LogCollector Fetch failed: x")
    assert (h.thread, h.prefix, h.component) == ("MainThread", "LogCollector", "LogCollector")


@pytest.mark.parametrize(
    "line",
    [
        "2024-05-01T10:00:00.123456Z INFO ExtHandler ExtHandler ",
        "2024-05-01T10:00:00.123456Z INFO ExtHandler ExtHandler",
    ],
)
def test_empty_message_records(line):
    h = split_header(line)
    assert (h.thread, h.prefix, h.message) == ("ExtHandler", "ExtHandler", "")


def test_empty_message_prefixless_and_no_component():
    h = split_header("2024-05-01T10:00:00.123456Z INFO ExtHandler ", threaded={"ExtHandler"})
    assert (h.thread, h.prefix, h.message) == ("ExtHandler", None, "")
    h = split_header("2024-05-01T10:00:00.123456Z INFO")
    assert h is not None and h.message == "" and h.component is None


def test_redacted_sas_line_and_2_14_zero_microseconds():
    h = split_header(
        "2025-07-20T08:12:18.000000Z ERROR ExtHandler ExtHandler Event: name=WALinuxAgent, op=ReportStatus, "
        "message=x?<redacted>"
    )
    assert h.wall == datetime(2025, 7, 20, 8, 12, 18) and h.message.endswith("<redacted>")


def test_legacy_with_and_without_prefix():
    h = split_header("2019/10/07 21:52:28.615720 INFO Daemon Azure Linux Agent Version:2.2.43")
    assert (h.era, h.clock, h.prefix, h.component, h.thread) == (ERA_LEGACY, Clock.LOCAL, "Daemon", "Daemon", None)
    assert h.wall == datetime(2019, 10, 7, 21, 52, 28, 615720) and h.time_raw == "2019/10/07 21:52:28.615720"
    h = split_header("2023/06/07 08:04:35.336313 WARNING Disabling guest agent in accordance with ovf-env.xml")
    assert (h.era, h.prefix, h.component, h.level) == (ERA_LEGACY, None, None, "WARNING")
    h = split_header("2019/10/07 21:54:16.629444 INFO [M.A.E.CS-2.0.7] Target handler state")
    assert (h.handler, h.handler_version, h.message) == ("M.A.E.CS", "2.0.7", "Target handler state")


def test_20_levels_and_prefix():
    h = split_header("2016/07/13 10:00:00 ERROR:something failed")
    assert (h.era, h.clock, h.level, h.message, h.component) == (ERA_20, Clock.LOCAL, "ERROR", "something failed", None)
    assert split_header("2016/07/13 10:00:00 WARNING:careful").level == "WARNING"
    assert split_header("2016/07/13 10:00:00 Azure Linux Agent Version: WALinuxAgent-2.0.16").level == "INFO"
    h = split_header(f"2018/08/21 04:37:12 [{VMS}-1.0]T:S freeze, timeout value 60")
    assert (h.handler, h.handler_version, h.message) == (VMS, "1.0", "T:S freeze, timeout value 60")
    assert split_header("2023/07/10 20:50:1 short seconds").wall == datetime(2023, 7, 10, 20, 50, 1)


def test_impossible_time_keeps_the_header():
    h = split_header("2024-13-45T10:00:00.000000Z INFO ExtHandler ExtHandler x")
    assert h is not None and h.wall is None and h.time_raw == "2024-13-45T10:00:00.000000Z"
    assert split_header("2019/02/30 10:00:00.000001 INFO Daemon x").wall is None


@pytest.mark.parametrize(
    "line",
    [
        "",
        '  File "x.py", line 1, in <module>',
        "[stdout]",
        "Inner error: [HttpError] x",
        "2024-01-14 22:16:48.792020 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]Taking Snapshot",
        "2024-05-01T10:00:00.123456Z DEBUG ExtHandler x",
        "2019/10/07 21:52:28.615720 DEBUG x",
        "Tue Mar 10 02:41:07 PM UTC 2026- 1 returned from handle.py",
        "20240501 not a date",
    ],
)
def test_not_headers(line):
    assert split_header(line) is None


# --- iter_agent_records: whole records --------------------------------------------------------

EVENT_WITH_STD = "\n".join(
    [
        "2024-05-01T10:00:00.000001Z INFO ExtHandler ExtHandler first",
        f"2024-05-01T10:00:02.000001Z ERROR ExtHandler ExtHandler Event: name={VMS}, op=Enable, "
        "message=[ExtensionOperationError] Non-zero exit code: 1, /x/handle.sh enable",
        "[stdout]",
        f"2024/05/01 10:00:01 [{VMS}-1.0]set most recent sequence number to 41",
        f"2024/05/01 10:00:01 ERROR:[{VMS}-1.0]Unable to locate a .settings file!",
        "",
        "[stderr]",
        "Traceback (most recent call last):",
        '  File "handle.py", line 1, in <module>',
        "ModuleNotFoundError: No module named 'imp'",
        ", duration=0",
        "2016/07/13 10:00:00 outside any record? no: still the stdout record",
        "2019/10/07 21:52:28.615720 INFO Daemon next record",
        "",
    ]
)


def test_stdout_block_keeps_20_looking_lines_until_next_modern_header():
    recs = records(EVENT_WITH_STD)
    assert [(r.line, r.end_line) for r in recs] == [(1, 1), (2, 12), (13, 13)]
    msg = recs[1].message
    assert msg.startswith("Event: name=") and "ERROR:[Microsoft" in msg and msg.endswith("still the stdout record")
    assert recs[2].header.component == "Daemon"


def test_20_lines_outside_a_block_are_records():
    text = "2024-05-01T10:00:00.000001Z INFO ExtHandler ExtHandler no block here\n2016/07/13 10:00:00 a 2.0 record\n"
    assert [r.line for r in records(text)] == [1, 2]


def test_continuations_inner_error_and_trailing_blank():
    text = (
        "2021-12-29T06:50:49.904601Z ERROR ExtHandler ExtHandler Error fetching the goal state: [ProtocolError] "
        "Error fetching goal state\n"
        "Inner error: [ResourceGoneError] [HTTP Failed] [410: Gone]\n"
        "2024-05-01T10:00:00.000001Z INFO ExtHandler ExtHandler ProcessExtensionsGoalState completed [incarnation_4 "
        "6400 ms]\n"
        "\n"
        "2024-05-01T10:00:01.000001Z INFO ExtHandler ExtHandler \n"
    )
    recs = records(text)
    assert [(r.line, r.end_line) for r in recs] == [(1, 2), (3, 4), (5, 5)]
    assert recs[0].message.endswith("Inner error: [ResourceGoneError] [HTTP Failed] [410: Gone]")
    assert recs[1].message == "ProcessExtensionsGoalState completed [incarnation_4 6400 ms]"
    assert recs[2].message == ""


def test_lines_before_first_header_and_blank_preamble():
    text = '  File "x.py", line 3, in run\nOSError: boom\n2024-05-01T10:00:00.000001Z INFO ExtHandler ExtHandler hi\n'
    recs = records(text)
    assert recs[0].header is None and (recs[0].line, recs[0].end_line) == (1, 2)
    assert recs[1].line == 3
    assert [r.line for r in records("\n\n2024-05-01T10:00:00.000001Z INFO ExtHandler ExtHandler hi\n")] == [3]


def test_20_traceback_is_one_record():
    text = (
        "2016/07/13 10:40:02 ERROR:Traceback (most recent call last):\n"
        '2016/07/13 10:40:02 ERROR:  File "/usr/sbin/waagent", line 6200, in main\n'
        "2016/07/13 10:40:02 ERROR:    WaAgent.Run()\n"
        "2016/07/13 10:40:02 ERROR:AttributeError: 'NoneType' object has no attribute 'read'\n"
        "2016/07/13 10:40:02 ERROR:\n"
        "2016/07/13 10:40:02 ERROR:Exception: 'NoneType' object has no attribute 'read'\n"
        "2016/07/13 10:40:02 Restart agent in 15 seconds\n"
    )
    recs = records(text)
    assert [(r.line, r.end_line) for r in recs] == [(1, 5), (6, 6), (7, 7)]
    assert recs[0].message.splitlines()[-1] == "AttributeError: 'NoneType' object has no attribute 'read'"
    assert recs[0].message.splitlines()[1].startswith("  File")


def test_20_same_second_lines_are_separate_records():
    text = (
        "2016/07/13 11:00:12 ERROR:Process 4242 returned non-zero exit code(1)\n"
        "2016/07/13 11:00:12 ERROR:Enable failed for X-1.0\n"
    )
    assert len(records(text)) == 2


def test_record_cap_truncates_text_not_line_span():
    text = "2024-05-01T10:00:00.000001Z INFO ExtHandler ExtHandler x\n" + "y" * 50 + "\n" + "z" * 50 + "\n"
    (rec,) = records(text, max_record_chars=60)
    assert rec.truncated and rec.end_line == 3 and len(rec.message) <= 60


def test_any_iterable_of_numbered_lines():
    def gen():
        yield 100, "2019/10/07 21:52:28.615720 INFO Daemon a"
        yield 101, "continued"
        yield 205, "2019/10/07 21:52:29.615720 INFO Daemon b"

    recs = list(iter_agent_records(gen()))
    assert [(r.line, r.end_line, r.message) for r in recs] == [(100, 101, "a\ncontinued"), (205, 205, "b")]
