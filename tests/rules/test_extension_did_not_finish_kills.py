"""extension-did-not-finish names a kill only when it was the extension's process."""

from __future__ import annotations

from pathlib import Path

from analyzer.limits import Limits
from analyzer.pipeline import analyse
from analyzer.simulate import generate_bundle

# a user's python3 (UID 1000, in its session's cgroup) killed for memory during the backup
FOREIGN_OOM = """\
Jun 12 23:19:30 vm-backup10 kernel: [258556.118204] gunicorn invoked oom-killer: gfp_mask=0x1100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0
Jun 12 23:19:30 vm-backup10 kernel: [258556.118530] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/user.slice/user-1000.slice/session-4.scope,task=python3,pid=8812,uid=1000
Jun 12 23:19:30 vm-backup10 kernel: [258556.118571] Out of memory: Killed process 8812 (python3) total-vm:1284512kB, anon-rss:402236kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:1020kB oom_score_adj:0
"""  # noqa: E501 — real kernel lines


def test_a_users_python_killed_for_memory_is_not_quoted_as_the_extensions_death(tmp_path: Path) -> None:
    bundle = generate_bundle(tmp_path / "vm", scenario="extension-did-not-finish", era="iso", size="200K")
    syslog = bundle / "var" / "log" / "syslog"
    lines = syslog.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line[:15] > "Jun 12 23:19:30")
    syslog.write_text("".join(lines[:at]) + FOREIGN_OOM + "".join(lines[at:]))
    with analyse([bundle], Limits()) as analysis:
        found = {f.cause.id: f for f in analysis.diagnosis.findings}
    summary = str(found["extension-did-not-finish"].judgement.summary)
    assert "8812" not in summary and "Killed process" not in summary
