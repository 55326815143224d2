"""prepost-script-failed: application-consistent pre/post scripts or workload quiescing failed.

Evidence that counts, inside the analysed run: ``Prescript/Postscript for <plugin> timed out.`` or
``… failed with error code: N .``, the plugin host's summary (``PreScript failed for the plugin …
StatusCode.<Name>,``), ``Workload Patch failed with …``, script or plugin configuration errors
(permissions, ownership, parsing), and the codes 300–315, 317–318, 500–512.

How far it goes: ``likely`` only for a timeout (308–311) or a configured abort — the plugin host
said ``Continue Backup: False``, the extension logged ``Failing backup as OnAppFailureDoFsFreeze
is set to false``, or the run ended with the script's own code; a failed script followed by a
file-system-consistent snapshot (code 1, "Triggering File System Consistent Backup") is
``possible`` at most.  Traps avoided: code 316 ("Plugin host file does not exist", no scripts
configured) is the normal state and never evidence, nor is the missing plugin-host config (313)
that accompanies it; an app-consistent success (code 0) rules the cause out.
"""

from __future__ import annotations

from analyzer.model import EventKind
from analyzer.rules import rule
from analyzer.rules.base import EventRef, Judgement, RuleContext, say
from analyzer.rules.family4._common_a import code_of, extension_refs, final_code, run_label, status_ref

PREPOST = frozenset((*range(300, 316), 317, 318, *range(500, 513)))
TIMEOUTS = frozenset(range(308, 312))


def _failure(ctx: RuleContext, ref: EventRef) -> int | None:
    """The pre/post code a script, plugin or workload record reports as a failure (316 excluded)."""
    ev = ref.event
    code = code_of(ctx, ev)
    if code not in PREPOST:
        return None
    if ev.kind == EventKind.EXT_COMMAND_RESULT and ev.attrs.get("status") == "error":
        return code
    if ev.kind == EventKind.CONFIG and ev.attrs.get("status") == "error":
        return code
    return None


@rule("prepost-script-failed")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    refs = extension_refs(ctx)
    failures = [(r, c) for r in refs if (c := _failure(ctx, r)) is not None]
    timeouts = [(r, c) for r, c in failures if c in TIMEOUTS or r.event.attrs.get("timeout") is True]
    aborts = [
        r
        for r in refs
        if (r.event.attrs.get("continue_backup") is False and r.event.kind == EventKind.EXT_COMMAND_RESULT)
        or "OnAppFailureDoFsFreeze is set to false" in r.event.message
    ]
    fallback = [r for r in refs if r.event.attrs.get("consistency") == "filesystem" and code_of(ctx, r.event) != 316]
    final = final_code(ctx)
    ended_on_script = status_ref(ctx, refs, PREPOST)
    if final == 0:
        label = run_label(ctx)
        j.reason = say(
            f"{label.en} took an application-consistent snapshot (code 0): the scripts worked",
            f"{label.zh_cn} 已创建应用一致性快照（代码 0）：脚本运行正常",
        )
        return j
    for ref, code in timeouts[:2]:
        # decisive: a script timeout holds the snapshot back and pushes the job past its deadline
        j.support.append(ctx.line(ref, f"the pre/post script timed out (code {code})", weight=0.85))
    for ref, code in [(r, c) for r, c in failures if (r, c) not in timeouts][:2]:
        j.support.append(ctx.line(ref, f"the pre/post step failed (code {code})"))
    for ref in aborts[:1]:
        j.support.append(ctx.line(ref, "the configuration aborts the backup when the script fails"))
    if ended_on_script is not None:
        j.support.append(ctx.line(ended_on_script, f"the run ended with the script's code {final}"))
    for ref in fallback[:1] if j.support else []:
        # a hint: the extension itself names the script failure that made it fall back
        j.support.append(ctx.line(ref, "the backup fell back to file-system consistency because of it", weight=0.3))
    if not j.support:
        normal = any(code_of(ctx, r.event) == 316 for r in refs)
        j.reason = (
            say(
                "only code 316 (no pre/post scripts configured), which is the normal state",
                "只有代码 316（未配置 pre/post 脚本），这是正常状态",
            )
            if normal
            else say(
                "no pre/post script or workload step failed in the run",
                "本次运行中没有 pre/post 脚本或工作负载步骤失败",
            )
        )
        return j
    aborted = bool(timeouts or aborts or ended_on_script is not None)
    if not aborted or final == 1:
        j.cap = "possible"
        j.reason = (
            say(
                "a script failed, but the backup went on with a file-system-consistent snapshot",
                "有脚本失败，但备份继续进行，创建了文件系统一致性快照",
            )
            if final == 1 or fallback
            else say(
                "a script step failed, but neither a timeout nor a configured abort stopped the backup",
                "有脚本步骤失败，但既没有超时，也没有按配置中止，备份并未因此停止",
            )
        )
    how = say("timed out", "超时") if timeouts else say("failed", "失败")
    then = (
        say(
            " and the configuration stops the backup on a script failure, so no snapshot was taken.",
            "，且配置规定脚本失败时停止备份，因此没有创建快照。",
        )
        if aborted and final != 1
        else say(
            "; the backup fell back to a file-system-consistent snapshot.",
            "；备份已回退为文件系统一致性快照。",
        )
        if final == 1 or fallback
        else say(".", "。")
    )
    j.summary = say(
        "The application-consistent pre/post script step "
        + how.en
        + then.en
        + " Fix the script (exit code, run time), its permissions (root-owned, not group/world writable) or its "
        "timeout in the plugin configuration.",
        "应用一致性 pre/post 脚本步骤"
        + how.zh_cn
        + then.zh_cn
        + "请修复脚本（退出码、运行时间）、其权限（属主为 root，且组用户和其他用户不可写）"
        "或插件配置中的超时设置。",
    )
    return j
