"""The diagnosis engine: every catalogue cause judged by its rule, weighed, ranked, bucketed.

Every cause id ends in exactly one of findings, ruled_out, not_evaluable, not_applicable
(design §4).  Confidence comes from the evidence the rule returned (knowledge/weights.toml: a
noisy-OR of per-item weights, decay with distance from the run window, counter-evidence, the
portal-code prior), never from counting ERROR lines.  A cause that cannot explain the last phase
the analysed run reached is held below ``likely`` so that it cannot be the verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from analyzer import rules
from analyzer.knowledge import Cause, Text, Weights, load_catalogue, load_codes, load_versions, load_weights
from analyzer.model import Fact
from analyzer.rules.base import Evidence, Judgement, Message, RuleContext, localize, say
from analyzer.runs import Run
from analyzer.timeline import Timeline

# Which knowledge phases (causes.toml ``phases``) can explain a run that stopped at a run phase.
# A run stuck right after enable, with nothing from the extension, may have failed in the enable
# call or before the freeze; a run that finished writing its status may still not have had it
# delivered (the agent uploads it afterwards).
_EXPLAINS = {
    "no-enable": ("no-enable",),
    "enable": ("before-freeze", "enable-failed"),
    "finished": ("finished", "status"),
}
TARGET_OS = "linux"


@dataclass
class Finding:
    cause: Cause
    verdict: str  # likely | possible
    confidence: float
    judgement: Judgement
    explains_phase: bool
    why_not_runner_up: Message | None = None


@dataclass
class Diagnosis:
    findings: list[Finding] = field(default_factory=list)
    ruled_out: list[tuple[Cause, Judgement]] = field(default_factory=list)
    not_evaluable: list[tuple[Cause, list[Message]]] = field(default_factory=list)
    not_applicable: list[tuple[Cause, Message]] = field(default_factory=list)
    phase: str = "no-enable"
    knowledge_version: str = ""
    rule_errors: list[str] = field(default_factory=list)

    @property
    def top(self) -> Finding | None:
        return self.findings[0] if self.findings else None


def run_phase(run: Run | None) -> str:
    return "no-enable" if run is None else run.last_phase


def explains_phase(cause: Cause, phase: str, run: Run | None = None) -> bool:
    phases = _EXPLAINS.get(phase, (phase,))
    if phase == "finished" and run is not None and run.outcome == "failed":
        # the extension wrote its own failure code: a status that was not delivered cannot explain it
        phases = ("finished",)
    return any(p in cause.phases for p in phases)


def _weigh(evidence: Evidence, ctx: RuleContext, weights: Weights) -> float:
    if evidence.weight is not None:
        base = evidence.weight
        if evidence.kind == "line" and not evidence.in_window:
            # an explicit weight still fades with distance from the window
            factor = weights.decayed(ctx.minutes_outside(evidence.time)) / weights.line_in_window
            return base * factor
        return base
    if evidence.kind == "line":
        return weights.decayed(ctx.minutes_outside(evidence.time))
    return weights.base(evidence.kind)


def diagnose(
    timeline: Timeline,
    runs: list[Run],
    run: Run | None,
    window: tuple[datetime, datetime] | None,
    facts: list[Fact],
    kinds: frozenset[str],
    job_error: str | None = None,
    backup_time: tuple[datetime, datetime] | None = None,
) -> Diagnosis:
    catalogue = load_catalogue()
    weights = load_weights()
    codes = load_codes()
    portal = codes.portal(job_error) if job_error else None
    job_error = portal.code if portal is not None else job_error  # case and aliases as codes.toml has them
    versions = load_versions()
    phase = run_phase(run)
    diagnosis = Diagnosis(phase=phase, knowledge_version=catalogue.knowledge_version)
    outside = logs_miss_the_backup(timeline, backup_time, window, run)
    for cause in catalogue.causes:
        if cause.os != TARGET_OS:
            diagnosis.not_applicable.append(
                (cause, say(f"{cause.os.capitalize()} only", f"仅适用于 {cause.os.capitalize()}"))
            )
            continue
        if outside is not None:
            diagnosis.not_evaluable.append((cause, [outside]))
            continue
        missing = cause.missing(kinds)
        if missing:
            diagnosis.not_evaluable.append((cause, [say(" or ".join(g), " 或 ".join(g)) for g in missing]))
            continue
        judge = rules.get(cause.id)
        if judge is None:
            diagnosis.not_evaluable.append(
                (cause, [say("no rule for this cause in this version", "此版本尚无该原因的规则")])
            )
            continue
        ctx = RuleContext(cause, timeline, runs, run, window, facts, kinds, codes, versions, job_error, backup_time)
        try:
            judgement = judge(ctx)
        except Exception as exc:  # a rule bug degrades one cause, never the report  # noqa: BLE001
            diagnosis.rule_errors.append(f"rule {cause.id}: {type(exc).__name__}: {exc}")
            diagnosis.not_evaluable.append(
                (cause, [say(f"rule error ({type(exc).__name__})", f"规则出错（{type(exc).__name__}）")])
            )
            continue
        if judgement.not_evaluable:
            diagnosis.not_evaluable.append((cause, judgement.not_evaluable))
            continue
        for item in (*judgement.support, *judgement.counter):
            if item.kind == "line" and item.time is not None:
                item.in_window = ctx.in_window(item.time)
        if not judgement.support:
            diagnosis.ruled_out.append((cause, judgement))
            continue
        confidence = weights.combine(
            (_weigh(e, ctx, weights) for e in judgement.support),
            counter=len(judgement.counter),
            window_evidence=any(e.kind == "line" and e.in_window for e in judgement.support),
            portal_prior=bool(job_error) and job_error in cause.portal_codes,
        )
        explains = explains_phase(cause, phase, run)
        if judgement.cap == "possible" or not explains:
            confidence = min(confidence, weights.cap_without_window_evidence)
        verdict = weights.verdict(confidence)
        if verdict is None:
            if not judgement.reason:
                judgement.reason = say(
                    f"evidence too weak (confidence {confidence:.2f})", f"证据不足（置信度 {confidence:.2f}）"
                )
            diagnosis.ruled_out.append((cause, judgement))
            continue
        diagnosis.findings.append(Finding(cause, verdict, confidence, judgement, explains))
    _explaining_first(diagnosis.findings, weights)
    diagnosis.findings.sort(key=lambda f: (-f.confidence, f.cause.family, f.cause.id))
    diagnosis.ruled_out.sort(key=lambda p: p[0].id)
    diagnosis.not_evaluable.sort(key=lambda p: p[0].id)
    diagnosis.not_applicable.sort(key=lambda p: p[0].id)
    explain_runner_up(diagnosis)
    return diagnosis


def _explaining_first(findings: list[Finding], weights: Weights) -> None:
    """The top cause must explain the phase the run reached (causes.md): a finding that cannot is
    held just below the best one that can, so the confidence order (the report's contract) and
    the verdict agree.  Without any explaining finding, nothing changes."""
    best = max((f.confidence for f in findings if f.explains_phase), default=None)
    if best is None:
        return
    for finding in findings:
        if not finding.explains_phase and finding.confidence >= best:
            finding.confidence = round(max(best - 0.01, 0.0), 2)
            finding.verdict = weights.verdict(finding.confidence) or "possible"


def logs_miss_the_backup(
    timeline: Timeline,
    backup_time: tuple[datetime, datetime] | None,
    window: tuple[datetime, datetime] | None,
    run: Run | None,
) -> Text | None:
    """What is missing when the given backup time (with its window's margins) lies wholly outside
    the logs and no run is near it: every rule would otherwise rule its cause out from the silence
    of logs that simply do not cover that time."""
    first, last = timeline.first, timeline.activity_end
    if backup_time is None or run is not None or window is None or first is None or last is None:
        return None
    lo, hi = backup_time
    if last < window[0]:
        return say(
            f"logs covering the backup time (these end at {last:%Y-%m-%d %H:%M}Z, before {lo:%Y-%m-%d %H:%M}Z: "
            "collect them after the failed backup)",
            f"覆盖备份时间的日志：这些日志在 {last:%Y-%m-%d %H:%M}Z 结束，早于 {lo:%Y-%m-%d %H:%M}Z"
            "（请在备份失败之后收集日志）",
        )
    if first > window[1]:
        return say(
            f"logs covering the backup time (these start at {first:%Y-%m-%d %H:%M}Z, after {hi:%Y-%m-%d %H:%M}Z: "
            "add the older rotated logs)",
            f"覆盖备份时间的日志：这些日志从 {first:%Y-%m-%d %H:%M}Z 开始，晚于 {hi:%Y-%m-%d %H:%M}Z"
            "（请收集较早的轮转日志）",
        )
    return None


def explain_runner_up(diagnosis: Diagnosis) -> None:
    if len(diagnosis.findings) < 2:
        return
    top, runner = diagnosis.findings[0], diagnosis.findings[1]
    if not runner.explains_phase:
        reason = say(
            f"it cannot explain the last phase the run reached ({diagnosis.phase})",
            f"它无法解释本次运行到达的最后阶段（{diagnosis.phase}）",
        )
    elif not any(e.in_window for e in runner.judgement.support if e.kind == "line"):
        reason = say(
            "none of its evidence falls inside the analysed run's window", "它的证据都不在所分析运行的时间窗口内"
        )
    else:
        own = {(e.member, e.line, e.text) for e in runner.judgement.support}
        separating = next((e for e in top.judgement.support if (e.member, e.line, e.text) not in own), None)
        if separating is not None and separating.kind == "line":
            where = f"{separating.source}:{separating.line}" if separating.line else (separating.source or "")
            first_line = localize(separating.text, "en").split("\n", 1)[0][:160]
            reason = say(
                f"weaker evidence; {top.cause.id} is shown by {where} \u201c{first_line}\u201d",
                f"证据较弱；{top.cause.id} 由 {where} 证实：\u201c{first_line}\u201d",
            )
        else:
            reason = say(
                f"weaker evidence ({runner.confidence:.2f} against {top.confidence:.2f})",
                f"证据较弱（{runner.confidence:.2f}，对比 {top.confidence:.2f}）",
            )
    head = f"{runner.cause.id} ({runner.verdict}, {runner.confidence:.2f}): "
    top.why_not_runner_up = say(head + reason.en, head + reason.zh_cn)
