"""host-snapshot-service-error: the host-side snapshot service (BHS) answered the backup with an error.

The extension asks 168.63.129.16 (the Backup Host Service) for a pre-snapshot and a snapshot.  An
HTTP 500 whose body is not a JSON error becomes status 556: "BHS is not runnning on host machine"
on the pre-snapshot, ``hostStatusCodeDoSnapshot=556`` and "T:S Enable failed with
FailedHostSnapshotRemoteServerError error" on the snapshot.  Extensions that name 556 but cannot map
it to a health state fail to write that status ("cannot get status report parameters , Exception
556") and the run stays at code 4 — the backup then ends as a status timeout.

Evidence: those records in the analysed run, 5xx from the host calls, 556 in the status telemetry or
as the final code (through codes.toml candidates).  Traps avoided: a host that did not answer at all
(555) is wireserver-unreachable; a BHS error on the pre-snapshot that the guest path made up for
(the run succeeded) is harmless; a BHS error in an older run followed by good runs is not the run.
"""

from __future__ import annotations

from analyzer.model import EventKind
from analyzer.rules import rule
from analyzer.rules.base import EventRef, Judgement, RuleContext, say
from analyzer.rules.family4._common_b import (
    EXT_LOG,
    STATUS_FILE,
    code_of,
    fact_line,
    first_line,
    good_run_after,
    label_zh,
    of,
    points_to,
    run_refs,
    write_failures,
)

_HOST_KINDS = (EventKind.SNAPSHOT_PRESNAPSHOT, EventKind.SNAPSHOT_RESULT, EventKind.SNAPSHOT_CALL)


def _is_556(ctx: RuleContext, code: object) -> bool:
    entry = ctx.codes.status(str(code)) if code is not None else None
    return entry is not None and entry.code == 556


# The extension reports its own pseudo-statuses in the same field: 555 is "no HTTP response at all"
# (the guest cannot reach 168.63.129.16: wireserver-unreachable), 557 an empty 2xx body, 558 an
# exception in the extension itself.  Only a real server error (and 556, a 500 from the host
# service) is the host's doing.
_NOT_THE_HOST = frozenset({555, 557, 558})


def _host_5xx(ref: EventRef) -> bool:
    a = ref.event.attrs
    status = a.get("http_status") or 0
    return (
        ref.event.kind in _HOST_KINDS and a.get("path") == "host" and status >= 500 and status not in _NOT_THE_HOST
    )


@rule("host-snapshot-service-error")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    refs = run_refs(ctx)
    ext = of(refs, EXT_LOG)
    unwritable = [r for r in write_failures(refs) if "556" in r.event.message]
    named = [r for r in ext if r.event.kind == EventKind.SNAPSHOT_RESULT and _is_556(ctx, r.event.attrs.get("code"))]
    bhs = [r for r in ext if r.event.attrs.get("error") == "bhs_not_running"]
    fivexx = [r for r in ext if _host_5xx(r) and r.event.attrs.get("error") != "bhs_not_running"]
    telemetry = [
        r
        for r in of(refs, STATUS_FILE)
        if 556 in (r.event.attrs.get("host_status_presnapshot"), r.event.attrs.get("host_status_dosnapshot"))
    ]
    final = ctx.run.final_code if ctx.run else None
    if not (unwritable or named or bhs or fivexx or telemetry or _is_556(ctx, final)):
        j.reason = say(
            en="no host-side error (BHS not running, HTTP 5xx from the host, code 556) in the analysed run",
            zh="所分析的运行中没有主机端错误（BHS 未运行、主机返回 HTTP 5xx、代码 556）",
        )
        return j
    if ctx.run is not None and ctx.run.outcome == "succeeded":
        j.reason = say(
            en=f"{ctx.run.label} succeeded (code {final}): the other snapshot path made up for the host error",
            zh=f"{label_zh(ctx.run)} 已成功（代码 {final}）：另一条快照路径弥补了主机错误",
        )
        return j
    for ref in unwritable[:1]:
        # decisive: the extension could not even write the 556 result, so the job saw no status at all
        j.support.append(ctx.line(ref, "the 556 result could not be written: the status stays at code 4", 0.9))
    for ref in named[:1]:
        j.support.append(
            ctx.line(ref, "the snapshot failed on the host service (FailedHostSnapshotRemoteServerError)", 0.85)
        )
    host_path = final is None or final == "4" or points_to(ctx, final)
    for ref in (bhs + fivexx)[:2]:
        note = "the host snapshot service answered HTTP 500 / not running"
        j.support.append(ctx.line(ref, note, None if host_path else 0.2))
    if _is_556(ctx, final) and not unwritable:
        status = next((r for r in reversed(refs) if code_of(r) == final), None)
        if status is not None:
            j.support.append(fact_line(status, "final status code 556"))
    for ref in telemetry[:1]:
        j.support.append(fact_line(ref, "the status telemetry records host status 556"))
    if not host_path and not (unwritable or named):
        j.cap = "possible"
        j.reason = say(
            en=f"the run failed with code {final}, which the host error does not explain on its own",
            zh=f"该运行以代码 {final} 失败，仅凭主机错误无法解释这一点",
        )
    good = good_run_after(ctx)
    if good is not None:
        j.counter.append(ctx.line(good, "a later run got through the host service"))
    lead = (unwritable or named or bhs or fivexx or telemetry or refs)[0]
    j.summary = say(
        en="The Azure host's snapshot service (168.63.129.16, 'BHS') answered the backup's request with a "
        f"server error ({first_line(lead.event.message, 100)!r})"
        + (
            "; the extension could not even record that error (556), so no final status was written"
            if unwritable
            else ""
        )
        + ". This is on the platform side, not in the VM: retry later, and if it repeats open a support request "
        "with the run's task id" + (f" ({ctx.run.task_id})" if ctx.run and ctx.run.task_id else "") + ".",
        zh="Azure 主机的快照服务（168.63.129.16，'BHS'）对备份请求返回了服务器错误"
        f"（{first_line(lead.event.message, 100)!r}）"
        + ("；扩展甚至无法记录该错误（556），因此没有写入最终状态" if unwritable else "")
        + "。这是平台端的问题，而不是 VM 内部的问题：请稍后重试；如果问题重复出现，请提交支持请求并附上该运行的任务 ID"
        + (f"（{ctx.run.task_id}）" if ctx.run and ctx.run.task_id else "")
        + "。",
    )
    return j
