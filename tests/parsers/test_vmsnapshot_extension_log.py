"""extension.log of the VMSnapshot extension (parsers/vmsnapshot_extension_log.py), on golden files."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from analyzer.model import Clock, EventKind
from parsers import registry
from parsers.testing import parse_text
from parsers.vmsnapshot_codes import HANDLER

K = EventKind
KIND = "vmsnapshot_extension_log"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "parsers" / "vmsnapshot"
PATH = "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/extension.log"
P = f"[{HANDLER}-1.0]"
GOLDEN = ("extension-py3.log", "extension-py2.log", "extension-legacy-2016.log", "extension-freeze-hang.log")


def _parse(name: str):
    return parse_text(KIND, (FIXTURES / name).read_text(encoding="utf-8"), path=PATH)


def _facts(ctx, key):
    return [f for f in ctx.facts if f.key == key]


@pytest.mark.parametrize("name", GOLDEN)
def test_golden_file_is_fully_classified(name):
    events, ctx = _parse(name)
    assert ctx.unclassified == 0, [(e.line, e.message[:80]) for e in events if e.kind is K.OTHER]
    assert ctx.warnings == []
    assert ctx.records == len(events)
    assert all(e.wall is not None for e in events)
    assert all(e.handler == HANDLER and e.handler_version is None for e in events)
    lines = [e.line for e in events]
    assert lines == sorted(lines)


@pytest.mark.parametrize("name", ["extension-py3.log", "extension-py2.log"])
def test_golden_files_are_big_enough(name):
    _events, ctx = _parse(name)
    assert ctx.records >= 50


def test_path_and_content_detection():
    assert registry.kind_from_path(PATH) == KIND
    for name in ("extension-py3.log", "extension-py2.log", "extension-legacy-2016.log"):
        head = (FIXTURES / name).read_text(encoding="utf-8")[:4096]
        assert registry.kind_from_content(head) == KIND, name


def test_healthy_run_phase_sequence():
    events, _ = _parse("extension-py3.log")
    run = [e for e in events if e.line < 190]  # run 25; run 26 starts with its own context lines

    def first(pred):
        return min(e.line for e in run if pred(e))

    enable = first(lambda e: e.kind is K.SNAPSHOT_ENABLE and e.attrs.get("phase") == "enable")
    presnap = first(lambda e: e.kind is K.SNAPSHOT_PRESNAPSHOT and e.attrs.get("http_status") == 200)
    freeze = first(lambda e: e.kind is K.FREEZE and e.attrs.get("phase") == "start")
    frozen = first(lambda e: e.kind is K.FREEZE and e.attrs.get("phase") == "frozen")
    snapshot = first(lambda e: e.kind is K.SNAPSHOT_CALL and e.attrs.get("phase") == "started")
    thaw = first(lambda e: e.kind is K.THAW and e.attrs.get("phase") == "signal")
    final = [e for e in run if e.kind is K.STATUS_WRITE and e.attrs.get("target") == "file"]
    assert enable < presnap < freeze < frozen < snapshot < thaw < final[-1].line
    assert [e.attrs["code"] for e in final] == ["4", "4", "1"]
    assert final[-1].attrs["seq"] == 25 and final[-1].attrs["task_id"] == "0b6f3d7e-2a41-4c9b-8e15-7d2f6a9c1e34"
    summary = next(e for e in run if e.attrs.get("phase") == "summary" and e.kind is K.SNAPSHOT_RESULT)
    assert summary.attrs["code"] == "1" and summary.attrs["status"] == "success"
    assert any(e.kind is K.SNAPSHOT_CALL and e.attrs.get("path") == "host" for e in run)
    assert {e.attrs.get("mount") for e in run if e.kind is K.THAW and e.component == "safefreeze"} >= {"/", "/boot"}


def test_enable_carries_seq_and_task():
    events, _ = _parse("extension-py3.log")
    enable = next(e for e in events if e.attrs.get("phase") == "enable")
    assert enable.attrs["seq"] == 25 and enable.attrs["operation"] == "enable"
    task = next(e for e in events if e.attrs.get("phase") == "task")
    assert task.attrs["task_id"] == "0b6f3d7e-2a41-4c9b-8e15-7d2f6a9c1e34" and task.attrs["seq"] == 25


def test_py3_clocks_and_freeze_buffer_inner_times():
    events, _ = _parse("extension-py3.log")
    by_line = {e.line: e for e in events}
    assert by_line[1].clock is Clock.UTC and by_line[1].wall == datetime(2026, 5, 10, 22, 16, 40, 101010)
    buffered = [e for e in events if e.attrs.get("buffered") and e.line < 190]
    assert buffered and all(e.clock in (Clock.UTC, Clock.LOCAL) for e in buffered)
    start = next(e for e in buffered if e.attrs.get("phase") == "buffer_start")
    end = next(e for e in buffered if e.attrs.get("phase") == "buffer_end")
    frozen = next(e for e in buffered if e.message == "freezed")
    # inner lines keep the time they happened (console stamp), not the flush time of the record
    assert frozen.wall == datetime(2026, 5, 10, 22, 16, 48, 412000) and frozen.time_raw == "2026/05/10 22:16:48.412000"
    assert frozen.level == "INFO"
    assert start.wall == datetime(2026, 5, 10, 22, 16, 45, 163800)
    assert end.wall == datetime(2026, 5, 10, 22, 16, 53, 906000)  # written at flush time
    assert start.wall < frozen.wall < end.wall
    guest = next(e for e in events if e.message.startswith("Guest Agent Version"))
    assert guest.kind is K.ROUTINE and "version" not in guest.attrs


def test_safefreeze_lines_are_local_with_their_own_stamp():
    events, ctx = _parse("extension-py3.log")
    binary = [e for e in events if e.component == "safefreeze"]
    assert binary and all(e.clock is Clock.LOCAL for e in binary)
    first = binary[0]
    assert first.wall == datetime(2026, 5, 11, 6, 16, 48) and first.time_raw == "2026-05-11 06:16:48"
    pairs = _facts(ctx, "clock.pair")
    assert pairs
    offsets = {round((f.attrs["local"] - f.attrs["utc"]) / timedelta(minutes=15)) * 15 for f in pairs}
    assert offsets == {480}


def test_slash_error_records_are_local_with_level():
    events, _ = _parse("extension-py3.log")
    errors = [e for e in events if e.level == "ERROR" and e.time_raw.startswith("2026/05/12")]
    assert len(errors) == 3
    assert all(e.clock is Clock.LOCAL and e.kind is K.CONFIG for e in errors)
    assert errors[1].attrs["error"] == "decryption_failed"


def test_failed_run_freeze_failure_inside_an_unflushed_buffer():
    events, _ = _parse("extension-py3.log")
    run = [e for e in events if e.line >= 190]
    fifreeze = next(e for e in run if e.attrs.get("error") == "fifreeze_failed")
    assert fifreeze.attrs["mount"] == "/datadrive" and fifreeze.component == "safefreeze"
    assert fifreeze.clock is Clock.LOCAL and fifreeze.attrs.get("buffered") is True
    assert not any(e.attrs.get("phase") == "buffer_end" for e in run)  # thaw never ran: no End marker
    report = next(e for e in run if e.kind is K.STATUS_WRITE and e.attrs.get("code") == "121"
                  and e.attrs.get("target") == "report")
    assert report.attrs["status"] == "error" and report.attrs["seq"] == 26
    filed = next(e for e in run if e.kind is K.STATUS_WRITE and e.attrs.get("target") == "file"
                 and e.attrs.get("code") == "121")
    assert filed.attrs["status"] == "success" and filed.attrs["real_status"] == "error"
    upload = next(e for e in run if e.kind is K.STATUS_UPLOAD and e.attrs.get("code") == "121")
    assert upload.attrs["target"] == "blob" and upload.attrs["status"] == "error"
    trace = next(e for e in run if e.kind is K.PYTHON)
    assert trace.attrs["exception"] == "FileNotFoundError" and "\n" in trace.message
    assert trace.line == 244 and trace.message.count("\n") == 9


def test_py3_facts():
    _events, ctx = _parse("extension-py3.log")
    assert [f.value for f in _facts(ctx, "extension.version")] == ["1.0.9225.0"]
    assert _facts(ctx, "extension.version")[0].attrs["name"] == HANDLER
    assert [f.value for f in _facts(ctx, "extension.python")] == ["3.10.12"]
    assert [f.value for f in _facts(ctx, "extension.task_id")] == [
        "0b6f3d7e-2a41-4c9b-8e15-7d2f6a9c1e34", "6a1c9e55-03f7-4b2d-b8c4-1e9a7d3f5b20"]
    assert not any("2.0.16" in str(f.value) for f in ctx.facts)


def test_py2_every_line_stamped_and_restricted_network():
    events, ctx = _parse("extension-py2.log")
    assert all(e.clock is Clock.LOCAL for e in events)
    status = next(e for e in events if e.kind is K.STATUS_WRITE and e.attrs.get("target") == "file"
                  and e.attrs.get("code") == "4")
    assert status.message.startswith('[{"version"') and "\n" not in status.message
    flush = [e for e in events if e.attrs.get("buffered")]
    assert flush and flush[0].attrs["phase"] == "buffer_start"
    assert any(e.kind is K.SNAPSHOT_PRESNAPSHOT and e.attrs.get("code") == "555" for e in events)
    assert any(e.attrs.get("http_status") == 409 and e.attrs.get("path") == "guest" for e in events)
    assert any(e.kind is K.SNAPSHOT_RESULT and e.attrs.get("code") == "761" for e in events)
    assert [f.value for f in _facts(ctx, "extension.version")] == ["1.0.9150.0"]
    assert [f.value for f in _facts(ctx, "extension.python")] == ["2.7.5"]


def test_legacy_doubled_timestamp_takes_inner_stamp_and_level():
    events, _ = _parse("extension-legacy-2016.log")
    enable = next(e for e in events if e.attrs.get("phase") == "enable")
    assert enable.wall == datetime(2016, 12, 14, 7, 32, 10, 512301) and enable.level == "INFO"
    assert enable.clock is Clock.LOCAL and enable.attrs["seq"] == 5
    failed = next(e for e in events if e.attrs.get("error") == "fifreeze_failed")
    assert failed.attrs["mount"] == "/datadrive" and failed.attrs["code"] == "121"
    assert next(e for e in events if e.level == "WARNING" and e.kind is K.CONFIG)
    skip = events[-1]
    assert skip.kind is K.SNAPSHOT_ENABLE and skip.attrs["skip"] == "seq" and skip.attrs["seq"] == 5


def test_freeze_hang_ends_at_accepting_signals():
    events, ctx = _parse("extension-freeze-hang.log")
    last = events[-1]
    assert last.kind is K.FREEZE and last.attrs["phase"] == "signals_ready"
    assert last.message == "proceeded for accepting signals"
    assert not any(e.attrs.get("phase") in ("buffer_start", "buffer_end") for e in events)
    assert [f.value for f in _facts(ctx, "extension.version")] == ["1.0.9220.0"]


def test_python3_records_before_the_utc_change_are_local():
    text = f"2021-08-30 10:00:00.5 {P}starting enable\n2021-09-03 10:00:00 {P}starting enable\n"
    events, _ = parse_text(KIND, text)
    assert [e.clock for e in events] == [Clock.LOCAL, Clock.UTC]
    assert events[1].wall == datetime(2021, 9, 3, 10)  # fraction absent when microseconds are 0


def test_orphan_lines_and_impossible_stamps_warn_without_raising():
    text = f"  File \"x.py\", line 3\nKeyError: 1\n2024-02-30 10:00:00.1 {P}starting enable\n"
    events, ctx = parse_text(KIND, text)
    assert events[0].kind is K.OTHER and events[0].wall is None
    assert events[1].kind is K.SNAPSHOT_ENABLE and events[1].wall is None
    assert len(ctx.warnings) == 2 and ctx.records == 1


def test_unprefixed_bundled_library_errors_are_their_own_records():
    text = (f"2020/01/02 03:04:05 {P}starting daemon\n2020/01/02 03:04:05 ERROR:CalledProcessError.  Error Code is 1\n"
            "2020/01/02 03:04:05 ERROR:CalledProcessError.  Command string was lsscsi\n")
    events, ctx = parse_text(KIND, text)
    assert [e.kind for e in events] == [K.SNAPSHOT_ENABLE, K.PYTHON]
    assert events[1].level == "ERROR" and events[1].attrs["exit_code"] == 1 and "\n" in events[1].message
    assert ctx.unclassified == 0


def test_megabyte_lines_cost_linear_time():
    import time

    hostile = (
        f"2024-01-14 22:16:48.792020 {P}From Host- IsSuccessful:False, SnapshotUri:" + "x, ErrorMessage:" * 60000,
        f"2024-01-14 22:16:48.792020 {P}timespan is " + "1 " * 500000 + "x",
        "2024/01/14 22:16:48 " + "[x-1" * 250000,
    )
    for line in hostile:
        start = time.perf_counter()
        events, _ = parse_text(KIND, line + "\n")
        assert len(events) == 1
        assert time.perf_counter() - start < 3


def test_sniffer_leaves_an_agent_log_that_quotes_a_few_extension_records():
    from parsers.vmsnapshot_extension_log import sniff

    agent = "".join(f"2016/12/14 07:3{i}:00 Successfully reported handler status\n" for i in range(8))
    quoted = f"2016/12/14 07:39:00 {P}cwd is /var/lib/waagent/x\n"
    assert not sniff(agent + quoted * 2)
    assert sniff(quoted * 3 + agent[:100])


def test_crp_check_span_from_command_start_and_now():
    events, _ = parse_text(
        KIND, f"2024-01-14 22:16:44.1 {P}command start time is 2024-01-14 19:00:00 and utcNow is 2024-01-14 22:16:44\n"
    )
    assert events[0].attrs["span_s"] == 11804.0


def test_versioned_log_folder_of_2_0_agents_is_recognised():
    from parsers import registry

    base = "var/log/azure/Microsoft.Azure.RecoveryServices.VMSnapshotLinux/1.0.9103.0"
    assert registry.kind_from_path(f"{base}/extension.log") == "vmsnapshot_extension_log"
    assert registry.kind_from_path(f"{base}/shell.log") == "vmsnapshot_shell_log"


def test_recognised_failures_of_the_levelless_python3_format_are_errors() -> None:
    """The post-2021 format has no level field: the report's level filter, `timeline --level ERROR`
    and batch's unexplained errors missed the freeze failure entirely (review finding H1)."""
    p = "2026-10-02 08:01:12.434511 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]"
    text = (
        f"{p}T:S freeze, timeout value 60\n"
        f"{p}T:S Enable failed with error: freeze failed for some mount StatusCode.FailedRetryableFsFreezeFailed\n"
    )
    events, _ = parse_text(KIND, text, path=f"var/log/azure/{HANDLER}/extension.log")
    assert [e.level for e in events] == [None, "ERROR"]
