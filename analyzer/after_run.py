"""After the last good run: causes of the backups the logs end without.

With no --backup-time the analysed run is the latest one, and when it succeeded the report used to
stop there ("guest side healthy").  But a support bundle is usually collected after the failed
job, and a backup that never reached the extension (the agent crash-looping, its state corrupt,
DHCP without the fabric address, extensions switched off) leaves no run at all: only the agent's
own records after the last good run.  So the rules are also run over that stretch, without a run,
and what they find there is added as *possible* (never likely: which backup failed is not known),
with a reason that says where it was found and how to judge the failed backup itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from analyzer.engine import Diagnosis, explain_runner_up
from analyzer.knowledge import Text, load_weights
from analyzer.rules.base import say
from analyzer.runs import Run
from analyzer.timeline import Timeline

_START_AFTER = timedelta(minutes=5)  # the run's own closing records belong to it
_MIN_AFTER = timedelta(hours=1)  # less: the bundle was collected right after the run


def after_window(
    timeline: Timeline, runs: list[Run], run: Run | None, backup_time: tuple[datetime, datetime] | None
) -> tuple[datetime, datetime] | None:
    """The stretch after the analysed run, when it is the last run, it succeeded, and no backup
    time was given; None otherwise."""
    if backup_time is not None or run is None or run.outcome != "succeeded" or not runs or run is not runs[-1]:
        return None
    end = timeline.activity_end
    start = run.end + _START_AFTER
    if end is None or end - start < _MIN_AFTER:
        return None
    return start, end


def add_after_findings(diagnosis: Diagnosis, after: Diagnosis, run: Run) -> None:
    """Findings of the stretch after ``run`` that the run's own judgement did not make, as possible.

    Each cause stays in exactly one bucket: one found after the run leaves ruled_out/not_evaluable."""
    cap = load_weights().cap_without_window_evidence
    found = {f.cause.id for f in diagnosis.findings}
    when = f"{run.end:%Y-%m-%d %H:%M}Z"
    for finding in after.findings:
        cause = finding.cause.id
        if cause in found:
            continue
        diagnosis.ruled_out = [(c, j) for c, j in diagnosis.ruled_out if c.id != cause]
        diagnosis.not_evaluable = [(c, m) for c, m in diagnosis.not_evaluable if c.id != cause]
        finding.verdict = "possible"
        finding.confidence = min(finding.confidence, cap)
        finding.explains_phase = False
        summary = finding.judgement.summary or finding.cause.summary
        en, zh = (summary.en, summary.zh_cn) if isinstance(summary, Text) else (summary, summary)
        # the summary is what the report and the ticket note show: it must say where this was found
        finding.judgement.summary = say(
            en=f"After the last run in the logs ({run.label}, which succeeded at {when}): {en} This may explain a "
            "later backup; give the failed backup's time with --backup-time to judge that backup.",
            zh=f"在日志中最后一次运行（{run.label}，于 {when} 成功）之后：{zh}这可能解释之后的某次备份失败；"
            "请用 --backup-time 给出失败备份的时间以判断那次备份。",
        )
        diagnosis.findings.append(finding)
    diagnosis.findings.sort(key=lambda f: (-f.confidence, f.cause.family, f.cause.id))
    explain_runner_up(diagnosis)
