"""agent-not-running when the agent stopped after the last good run (no --backup-time given).

The corpus holds the positive case (stopped, VM up 37 h: possible, with the pointer to
--backup-time) and the negative one (stopped and started again); these variants pin the edges.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from analyzer.limits import Limits
from analyzer.pipeline import analyse

CASE = Path(__file__).resolve().parents[1] / "fixtures" / "f2-agent-not-running-after-good-run" / "vm"


def _judged(tmp_path: Path, keep_syslog_until: str | None = None, **kwargs: object) -> dict[str, tuple[str, str]]:
    vm = tmp_path / "vm"
    shutil.copytree(CASE, vm)
    if keep_syslog_until is not None:  # the syslog ends earlier: drop its lines after that stamp
        syslog = vm / "var/log/syslog"
        lines = syslog.read_text().splitlines(keepends=True)
        syslog.write_text("".join(ln for ln in lines if not ln.startswith("Jun 1") or ln[:15] <= keep_syslog_until))
    analysis = analyse([vm], Limits(), **kwargs)  # type: ignore[arg-type]
    try:
        found = {
            f.cause.id: (f.verdict, f"{f.judgement.reason} {f.judgement.summary}") for f in analysis.diagnosis.findings
        }
        found.update({c.id: ("ruled_out", str(j.reason)) for c, j in analysis.diagnosis.ruled_out})
        return found
    finally:
        analysis.bundle.close()


def test_a_day_without_the_agent_is_possible_with_the_pointer_to_backup_time(tmp_path: Path) -> None:
    verdict, text = _judged(tmp_path)["agent-not-running"]
    assert verdict == "possible" and "--backup-time" in text and "After the last run in the logs (run" in text


def test_logs_ending_hours_after_the_stop_say_a_daily_backup_may_not_have_come(tmp_path: Path) -> None:
    verdict, reason = _judged(tmp_path, keep_syslog_until="Jun 13 05:30:00")["agent-not-running"]
    assert verdict == "possible" and "may not have come yet" in reason


def test_a_vm_that_went_down_with_its_agent_is_not_this_cause(tmp_path: Path) -> None:
    verdict, _ = _judged(tmp_path, keep_syslog_until="Jun 13 01:05:13")["agent-not-running"]
    assert verdict == "ruled_out"


def test_without_any_run_or_backup_time_a_stopped_agent_is_named_and_no_reboot_is_claimed(tmp_path: Path) -> None:
    """The corpus' agent-not-running bundle without its --backup-time: no VMSnapshot run at all, the
    agent stopped, the system log going on for a day in routine lines only.  The whole-bundle window
    must reach the end of those lines, and an agent stop must not become 'the VM shut down during
    the backup'."""
    vm = Path(__file__).resolve().parents[1] / "fixtures" / "f2-agent-not-running" / "vm"
    with analyse([vm], Limits()) as analysis:
        assert analysis.window is not None and analysis.window[1] > datetime(2024, 6, 11)  # syslog's routine end
        findings = {f.cause.id: f for f in analysis.diagnosis.findings}
    assert analysis.diagnosis.top is not None and analysis.diagnosis.top.cause.id == "agent-not-running"
    assert findings["agent-not-running"].verdict == "possible"
    shutdown = findings.get("vm-shutdown-during-backup")
    assert shutdown is None or shutdown.verdict == "possible"
