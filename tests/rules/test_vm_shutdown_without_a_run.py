"""vm-shutdown-during-backup needs a backup to place the reboot in: a run, or --backup-time."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from analyzer.limits import Limits
from analyzer.pipeline import analyse
from tests.helpers import write_tree

SYSLOG = """\
Jun 12 20:10:01 vm-db01 CRON[4411]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)
Jun 12 20:16:58 vm-db01 systemd[1]: Stopping Azure Linux Agent...
Jun 12 20:16:59 vm-db01 systemd[1]: Stopped Azure Linux Agent.
Jun 12 20:17:02 vm-db01 systemd[1]: Reached target Shutdown.
Jun 12 20:17:03 vm-db01 kernel: [ 8812.004412] reboot: Restarting system
Jun 12 20:17:41 vm-db01 kernel: [    0.000000] Linux version 6.8.0-1021-azure (buildd@lcy02-amd64-041) #25-Ubuntu SMP
Jun 12 20:17:55 vm-db01 systemd[1]: Starting Azure Linux Agent...
Jun 12 20:17:55 vm-db01 systemd[1]: Started Azure Linux Agent.
Jun 12 21:10:01 vm-db01 CRON[5120]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)
Jun 12 22:10:01 vm-db01 CRON[6001]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)
"""
AGENT = "2025-06-12T20:18:30.118211Z INFO Daemon Daemon Azure Linux Agent Version: 2.9.1.1\n"


def _shutdown(tmp_path: Path, **kwargs: object) -> tuple[str, float] | None:
    tree = write_tree(tmp_path / "vm", {"var/log/syslog": SYSLOG, "var/log/waagent.log": AGENT})
    with analyse([tree], Limits(), **kwargs) as analysis:  # type: ignore[arg-type]
        found = {f.cause.id: (f.verdict, f.confidence) for f in analysis.diagnosis.findings}
    return found.get("vm-shutdown-during-backup")


def test_a_reboot_in_a_bundle_without_a_run_or_backup_time_is_possible_at_most(tmp_path: Path) -> None:
    found = _shutdown(tmp_path)
    assert found is not None and found[0] == "possible"


def test_the_same_reboot_inside_a_given_backup_time_is_likely(tmp_path: Path) -> None:
    when = datetime(2025, 6, 12, 20, 15)
    found = _shutdown(tmp_path, backup_time=(when, when))
    assert found is not None and found[0] == "likely"
