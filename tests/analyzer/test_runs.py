"""analyzer/runs.py: run assembly, phases, outcomes, the analysed-run choice and --backup-time.

Two halves: the healthy and decoy corpus bundles (tests/fixtures/healthy-*, decoy-*), analysed end to
end as `snapdiag analyze` would, and small synthetic timelines that pin one behaviour each.  Known
gaps of runs.py found while writing them were fixed; their tests stay as plain regressions.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from analyzer.corpus import load_case, pack
from analyzer.limits import Limits
from analyzer.model import Clock, Event, EventKind
from analyzer.pipeline import Analysis, analyse
from analyzer.report_parts import result_status
from analyzer.runs import PHASES, Run, assemble, select
from analyzer.timeline import build

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
VMS = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"
K = EventKind


# -- corpus bundles ------------------------------------------------------------------------------


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", ""))


@pytest.fixture
def analysed(tmp_path: Path) -> Iterator:
    opened: list[Analysis] = []

    def run(case: str, backup: str | None = None) -> Analysis:
        inputs = pack(load_case(FIXTURES / case), tmp_path)
        window = None
        if backup:
            lo, _, hi = backup.partition("/")
            window = (_utc(lo), _utc(hi or lo))
        analysis = analyse(inputs, Limits(), backup_time=window)
        opened.append(analysis)
        return analysis

    yield run
    for analysis in opened:
        analysis.close()


def _by_seq(runs: list[Run]) -> dict[int | None, Run]:
    return {r.seq: r for r in runs}


def _near(when: datetime | None, expected: str, seconds: float = 5) -> bool:
    return when is not None and abs((when - _utc(expected)).total_seconds()) <= seconds


def test_iso_bundle_runs_are_assembled_per_sequence_number(analysed) -> None:
    runs = _by_seq(analysed("healthy-iso-2.11").runs)
    assert {41, 42} <= set(runs)
    for seq, task, enabled in (
        (41, "3f6c2a9e-1b7d-4e5a-8c0f-9d2e4b6a1c37", "2024-10-07T21:30:50Z"),
        (42, "b84e21d7-6c3a-4f09-9e5b-7a1c3d5e2f80", "2024-10-08T21:30:52Z"),
    ):
        run = runs[seq]
        assert run.task_id == task
        assert run.handler_version == "1.0.9220.0"  # the agent's real version, not the "-1.0" prefix
        assert _near(run.enable_time, enabled)
        assert (run.last_phase, run.final_code, run.outcome) == ("finished", "1", "succeeded")
        # enable at 21:30:50, final status about 13 s later: the run spans the daemon's work
        assert 5 < (run.end - run.start).total_seconds() < 120


def test_two_runs_a_day_apart_stay_separate(analysed) -> None:
    runs = [r for r in analysed("healthy-iso-2.11").runs if r.seq in (41, 42)]
    assert len(runs) == 2
    assert runs[0].end < runs[1].start
    assert runs == sorted(runs, key=lambda r: r.start)


def test_legacy_local_times_are_converted_before_assembly(analysed) -> None:
    # Asia/Shanghai (+08:00, from etc/timezone): agent, extension and shell.log are local, .status is UTC
    analysis = analysed("healthy-legacy-2.2.45")
    runs = _by_seq(analysis.runs)
    assert analysis.timeline.time_zone.offset_text() == "Asia/Shanghai"
    assert _near(runs[37].enable_time, "2019-12-11T13:30:51Z")
    assert runs[37].task_id == "c17f4e88-2a9d-4b61-bf03-6d5e7a8c9b24"
    assert (runs[36].outcome, runs[37].outcome) == ("succeeded", "succeeded")
    assert runs[37].final_code == "1"


def test_20_era_runs_from_python2_extension_log(analysed) -> None:
    analysis = analysed("healthy-2.0-py2")
    runs = _by_seq(analysis.runs)
    assert set(runs) == {12, 13}
    assert runs[13].task_id == "8a6f0c29-3e1b-4d57-9c82-f4e1a7b3d605"
    assert (runs[13].last_phase, runs[13].outcome) == ("finished", "succeeded")
    # no failed or unfinished run: the latest one is analysed and the guest side is healthy
    assert analysis.run is runs[13] or analysis.run.seq == 13
    assert analysis.window_basis == "latest"
    assert result_status(analysis)["status"] == "guest-healthy"


@pytest.mark.parametrize(
    ("case", "seqs"),
    [
        ("decoy-hostname-ifdown", (0, 1)),
        ("decoy-dvd-telemetry", (0, 1)),
        ("decoy-hgap-timeout", (0, 1)),
        ("decoy-exit127-other-extension", (5, 6)),
        ("decoy-flat-ticket", (19,)),
    ],
)
def test_decoy_backups_succeeded_on_the_guest(analysed, case: str, seqs: tuple[int, ...]) -> None:
    runs = analysed(case).runs
    for seq in seqs:
        matching = [r for r in runs if r.seq == seq and r.final_code is not None]
        assert matching, f"{case}: no run {seq}"
        assert (matching[-1].final_code, matching[-1].outcome) == ("1", "succeeded"), case


def test_other_extensions_do_not_join_or_fail_the_backup_run(analysed) -> None:
    # exit 127 of the diagnostics extension (2.0.x) and of the Log Analytics installer (2.12) right
    # before the VMSnapshot enable, in the same goal state
    for case, seq in (("decoy-exit127-other-extension", 6), ("decoy-flat-ticket", 19)):
        run = _by_seq(analysed(case).runs)[seq]
        assert run.outcome == "succeeded"
        assert run.last_phase != "enable-failed"


def test_install_then_enable_is_one_run(analysed) -> None:
    # first backup of a VM: download, install and enable of VMSnapshot in one goal state (seq 0)
    runs = [r for r in analysed("decoy-hostname-ifdown").runs if r.seq == 0]
    assert len(runs) == 1
    assert runs[0].task_id == "e02f6b94-5d3c-4a1e-8f7b-c9d2a4e6f813"
    assert runs[0].outcome == "succeeded"


def test_backup_time_selects_the_run_around_it(analysed) -> None:
    analysis = analysed("healthy-iso-2.11", "2024-10-07T21:30:00Z")
    assert analysis.window_basis == "backup-time"
    assert analysis.run is not None and analysis.run.seq == 41
    lo, hi = analysis.window
    assert lo <= _utc("2024-10-07T21:30:50Z") <= hi


def test_backup_time_interval_takes_the_latest_run_in_it(analysed) -> None:
    analysis = analysed("healthy-iso-2.11", "2024-10-07T20:00:00Z/2024-10-08T23:00:00Z")
    assert analysis.run is not None and analysis.run.seq == 42


def test_backup_time_without_a_run_gives_no_run(analysed) -> None:
    analysis = analysed("healthy-iso-2.11", "2024-10-05T03:00:00Z")
    assert analysis.run is None
    assert analysis.window_basis == "backup-time"


def test_backup_time_points_at_the_run_after_the_hostgaplugin_timeouts(analysed) -> None:
    analysis = analysed("decoy-hgap-timeout", "2024-03-04T18:20:00Z")
    assert analysis.run is not None and analysis.run.seq == 0
    lo, hi = analysis.window
    # the vmSettings timeouts at 18:21-18:22 are inside the analysed window, the backup still succeeded
    assert lo <= _utc("2024-03-04T18:21:07Z") <= hi
    assert analysis.run.outcome == "succeeded"


@pytest.mark.parametrize(("case", "skipped", "latest"), [("healthy-iso-2.11", 40, 42), ("decoy-flat-ticket", 18, 19)])
def test_skipped_reenable_is_not_an_unfinished_run(analysed, case: str, skipped: int, latest: int) -> None:
    analysis = analysed(case)
    skips = [r for r in analysis.runs if r.seq == skipped and r.final_code is None]
    assert all(r.outcome not in ("failed", "unfinished") for r in skips)
    assert analysis.run is not None and analysis.run.seq == latest
    assert result_status(analysis)["status"] == "guest-healthy"


# -- synthetic timelines -------------------------------------------------------------------------

T0 = datetime(2024, 5, 1, 21, 30, 0)


class Tl:
    """A tiny timeline builder: one event per call, distinct lines so nothing is de-duplicated."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def add(
        self,
        seconds: float,
        kind: EventKind,
        parser: str = "vmsnapshot_extension_log",
        handler: str | None = VMS,
        message: str | None = None,
        **attrs: object,
    ) -> Tl:
        n = len(self.events) + 1
        self.events.append(
            Event(
                line=n,
                kind=kind,
                message=message or f"{kind.value} record {n}",
                wall=T0 + timedelta(seconds=seconds),
                clock=Clock.UTC,
                handler=handler,
                handler_version="1.0.9225.0" if parser == "waagent_log" and handler else None,
                parser=parser,
                source=parser,
                member=parser,
                source_index=0,
                attrs=dict(attrs),
            )
        )
        return self

    def runs(self) -> list[Run]:
        return assemble(build(self.events, []))


def _healthy(tl: Tl, at: float, seq: int, code: str = "1", task: str = "t-1") -> Tl:
    """The extension-side skeleton of one run (vmsnapshot-extension.md §3.6), agent enable first."""
    tl.add(at, K.EXT_ENABLE, "waagent_log", seq=seq, extension_version="1.0.9225.0")
    tl.add(at + 1, K.SNAPSHOT_ENABLE, seq=seq, phase="enable", operation="enable")
    tl.add(at + 2, K.SNAPSHOT_ENABLE, task_id=task)
    tl.add(at + 9, K.SNAPSHOT_PRESNAPSHOT, http_status=200, path="host")
    tl.add(at + 10, K.FREEZE, phase="start", timeout_s=60)
    tl.add(at + 14, K.SNAPSHOT_CALL, path="host")
    tl.add(at + 16, K.SNAPSHOT_RESULT, path="host")
    tl.add(at + 17, K.THAW, ok=True)
    tl.add(at + 20, K.STATUS_WRITE, seq=seq, code=code, target="file")
    return tl


def test_a_complete_run() -> None:
    (run,) = _healthy(Tl(), 0, 25, task="8b5f1c2e").runs()
    assert run.seq == 25
    assert run.task_id == "8b5f1c2e"
    assert run.handler_version == "1.0.9225.0"
    assert run.enable_time == T0
    assert (run.last_phase, run.final_code, run.outcome) == ("finished", "1", "succeeded")
    assert run.label == "run 25"
    lo, hi = run.window()
    assert lo < run.start <= run.end < hi


@pytest.mark.parametrize(
    ("code", "outcome"),
    [("0", "succeeded"), ("1", "succeeded"), ("3", "succeeded"), ("122", "failed"), ("76", "failed")],
)
def test_outcome_follows_the_final_status_code(code: str, outcome: str) -> None:
    (run,) = _healthy(Tl(), 0, 7, code=code).runs()
    assert (run.final_code, run.outcome, run.last_phase) == (code, outcome, "finished")


def test_a_run_stuck_at_the_transitioning_status_is_unfinished() -> None:
    tl = Tl().add(0, K.EXT_ENABLE, "waagent_log", seq=9).add(2, K.STATUS_WRITE, seq=9, code="4")
    (run,) = tl.runs()
    assert (run.final_code, run.outcome) == ("4", "unfinished")


def test_a_failed_enable_command_fails_the_run_at_enable() -> None:
    tl = (
        Tl()
        .add(0, K.EXT_ENABLE, "waagent_log", seq=3)
        .add(4, K.EXT_COMMAND_RESULT, "vmsnapshot_shell_log", seq=3, exit_code=1, script="handle.py")
    )
    (run,) = tl.runs()
    assert (run.last_phase, run.outcome) == ("enable-failed", "failed")


def test_a_run_without_any_status_is_unfinished_from_enable_on() -> None:
    tl = Tl().add(0, K.EXT_ENABLE, "waagent_log", seq=11).add(3, K.SNAPSHOT_ENABLE, seq=11, phase="enable")
    (run,) = tl.runs()
    assert (run.last_phase, run.final_code, run.outcome) == ("enable", None, "unfinished")


def test_phases_advance_in_order_and_never_go_back() -> None:
    tl = Tl().add(0, K.EXT_ENABLE, "waagent_log", seq=4).add(9, K.SNAPSHOT_PRESNAPSHOT, http_status=200)
    assert tl.runs()[0].last_phase == "before-freeze"
    tl.add(10, K.FREEZE, phase="start")
    assert tl.runs()[0].last_phase == "freeze"
    tl.add(14, K.SNAPSHOT_CALL, path="host")
    assert tl.runs()[0].last_phase == "snapshot"
    tl.add(17, K.THAW, ok=True)
    assert tl.runs()[0].last_phase == "thaw"
    # a late enable-side record (the daemon's context lines) does not move the phase back
    tl.add(18, K.SNAPSHOT_ENABLE, phase="context")
    assert tl.runs()[0].last_phase == "thaw"
    assert PHASES.index("thaw") > PHASES.index("freeze") > PHASES.index("before-freeze")


def test_unnumbered_extension_records_join_the_numbered_run_around_them() -> None:
    tl = _healthy(Tl(), 0, 30)
    tl.add(12, K.FREEZE, phase="binary_frozen")  # no seq: a safefreeze line
    tl.add(-120, K.EXT_STATUS, "waagent_log", message="Target handler state: enabled")  # within the lead
    runs = tl.runs()
    assert len(runs) == 1
    assert len(runs[0].events) == len(tl.events)
    assert runs[0].start == T0 - timedelta(seconds=120)


def test_unnumbered_records_far_from_any_run_form_their_own_run() -> None:
    tl = _healthy(Tl(), 0, 30)
    tl.add(6 * 3600, K.FREEZE, phase="start")
    tl.add(6 * 3600 + 5, K.THAW, ok=True)
    runs = tl.runs()
    assert [r.seq for r in runs] == [30, None]
    assert runs[1].last_phase == "thaw"
    assert runs[1].label.startswith("run at ")


def test_unnumbered_records_without_a_phase_do_not_make_a_run() -> None:
    tl = Tl().add(0, K.OTHER, message="cwd is /var/lib/waagent/x").add(5, K.ROUTINE, message="waagent new path is used")
    assert tl.runs() == []


def test_records_of_other_extensions_are_not_part_of_any_run() -> None:
    tl = _healthy(Tl(), 0, 12)
    tl.add(-5, K.EXT_COMMAND_RESULT, "waagent_log", handler="Microsoft.Azure.Extensions.CustomScript", exit_code=127)
    tl.add(-6, K.EXT_ENABLE, "waagent_log", handler="Microsoft.Azure.Extensions.CustomScript", seq=3)
    (run,) = tl.runs()
    assert run.outcome == "succeeded"
    assert run.start == T0


def test_the_same_sequence_number_after_a_long_silence_is_a_new_run() -> None:
    # a reinstall restarts the sequence numbers: seq 0 twice, a week apart
    tl = _healthy(Tl(), 0, 0, task="first")
    _healthy(tl, 7 * 86400, 0, code="122", task="second")
    runs = tl.runs()
    assert [(r.seq, r.task_id, r.outcome) for r in runs] == [(0, "first", "succeeded"), (0, "second", "failed")]


def test_status_file_of_the_run_joins_it_by_sequence_number() -> None:
    tl = _healthy(Tl(), 0, 41)
    tl.add(25, K.STATUS_WRITE, "handler_status_file", handler=None, seq=41, code="1", message="41.status")
    tl.events[-1].source = f"var/lib/waagent/{VMS}-1.0.9225.0/status/41.status"
    (run,) = tl.runs()
    assert len(run.events) == len(tl.events)


def test_select_prefers_the_latest_failed_or_unfinished_run() -> None:
    tl = _healthy(Tl(), 0, 1, code="122")
    _healthy(tl, 86400, 2)
    tl.add(2 * 86400, K.EXT_ENABLE, "waagent_log", seq=3).add(2 * 86400 + 2, K.STATUS_WRITE, seq=3, code="4")
    _healthy(tl, 3 * 86400, 4)
    runs = tl.runs()
    run, basis = select(runs)
    assert (run.seq, basis) == (3, "run 3")


def test_select_takes_the_latest_run_when_all_succeeded() -> None:
    tl = _healthy(Tl(), 0, 1)
    _healthy(tl, 86400, 2)
    run, basis = select(tl.runs())
    assert (run.seq, basis) == (2, "latest")


def test_select_without_runs_is_the_whole_bundle() -> None:
    assert select([]) == (None, "whole-bundle")


def test_select_with_backup_time() -> None:
    tl = _healthy(Tl(), 0, 1, code="122")
    _healthy(tl, 86400, 2)
    runs = tl.runs()
    day2 = T0 + timedelta(days=1)
    assert select(runs, (day2, day2))[0].seq == 2
    # within the one-hour margin of a run's span
    assert select(runs, (T0 - timedelta(minutes=50), T0 - timedelta(minutes=50)))[0].seq == 1
    assert select(runs, (T0 + timedelta(hours=5), T0 + timedelta(hours=5))) == (None, "backup-time")
    # an interval covering both: the latest run in it
    assert select(runs, (T0, day2 + timedelta(hours=1)))[0].seq == 2


def test_the_agents_view_of_the_status_does_not_set_the_code() -> None:
    # "Creating a placeholder status file ... with status: transitioning" / the agent's status summary
    tl = Tl().add(0, K.EXT_ENABLE, "waagent_log", seq=8)
    tl.add(1, K.EXT_STATUS, "waagent_log", seq=8, code="0", status="transitioning")
    tl.add(3, K.SNAPSHOT_ENABLE, seq=8, phase="enable")
    (run,) = tl.runs()
    assert run.final_code is None
    assert (run.last_phase, run.outcome) == ("enable", "unfinished")


def test_a_freeze_hang_ends_at_freeze() -> None:
    tl = Tl().add(0, K.EXT_STATUS, "waagent_log", message="Target handler state: enabled [incarnation_9]")
    tl.add(1, K.EXT_ENABLE, "waagent_log", seq=5)
    tl.add(3, K.SNAPSHOT_ENABLE, seq=5, phase="enable")
    tl.add(5, K.STATUS_WRITE, seq=5, code="4", target="file")
    tl.add(9, K.SNAPSHOT_PRESNAPSHOT, http_status=200)
    tl.add(10, K.FREEZE, phase="signals_ready")
    tl.add(20, K.EXT_STATUS, "waagent_log", message="Extension status: [('VMSnapshotLinux', 'success')]")
    (run,) = tl.runs()
    assert (run.last_phase, run.outcome) == ("freeze", "unfinished")


def test_a_failed_enable_after_the_agents_handler_state_line_is_enable_failed() -> None:
    tl = Tl().add(0, K.EXT_STATUS, "waagent_log", message="Target handler state: enabled [incarnation_3]")
    tl.add(1, K.EXT_ENABLE, "waagent_log", seq=3)
    tl.add(4, K.EXT_COMMAND_RESULT, "vmsnapshot_shell_log", seq=3, exit_code=3, script="handle.py")
    (run,) = tl.runs()
    assert (run.last_phase, run.outcome) == ("enable-failed", "failed")


def test_an_install_status_does_not_finish_the_run() -> None:
    tl = Tl().add(0, K.STATUS_WRITE, seq=0, code="0", operation="install")
    tl.add(3, K.SNAPSHOT_ENABLE, seq=0, phase="enable")
    tl.add(10, K.FREEZE, phase="signals_ready")
    (run,) = tl.runs()
    assert run.last_phase == "freeze"


def test_a_failed_download_after_the_last_run_is_the_attempt_the_backup_failed_on() -> None:
    """The next day's backup could not download the package: nothing of it reached the extension,
    so it had no sequence number; it is still the latest failed attempt (review finding)."""
    tl = _healthy(Tl(), 0, 30)
    tl.add(86400, K.EXT_DOWNLOAD, "waagent_log", status="error", error_class="ExtensionDownloadError")
    runs = tl.runs()
    assert [(r.seq, r.outcome, r.last_phase) for r in runs] == [
        (30, "succeeded", "finished"),
        (None, "failed", "enable-failed"),
    ]
    assert select(runs)[0] is runs[1]


def test_a_failed_download_before_a_later_good_run_makes_no_run() -> None:
    """A download that failed and was retried (the next goal state, hours before a good run) is
    not the backup's failure: the later good run stays the analysed one."""
    tl = Tl().add(0, K.EXT_DOWNLOAD, "waagent_log", status="error", error_class="ExtensionDownloadError")
    _healthy(tl, 6 * 3600, 31)
    runs = tl.runs()
    assert [r.seq for r in runs] == [31]
    assert select(runs) == (runs[0], "latest")
