"""extension-install-failed: install / enable / update of VMSnapshotLinux fails or times out.

Evidence in the window: the agent's ``[ExtensionOperationError] Non-zero exit code`` or
``Timeout(300)`` for VMSnapshot's ``main/handle.sh``, shell.log "N returned from handle.py" with
N ≠ 0, tracebacks of ``handle.py`` / "Failed to call the daemon", code 12 (ENOENT in the daemon), a
handler status ``NotReady`` for VMSnapshot.  This is the catch-all of family 3, so a failure that a
more specific cause owns is not counted here (shared predicates in ``_common``): a removed-module
import error is ``extension-outdated``, no interpreter is ``python-missing``, exit 126 / permission
denied / noexec is ``security-software-blocking``, code 124 (safefreeze missing) likewise, code 16
is ``settings-decryption-failed``.  A later successful enable in the window is counter-evidence.
"""

from __future__ import annotations

from analyzer.model import EventKind
from analyzer.rules import rule
from analyzer.rules.base import Judgement, RuleContext, say
from analyzer.rules.family3._common import (
    VMS,
    code_events,
    exception_line,
    fact_evidence,
    failed_commands,
    first_line,
    missing_tool,
    owner_of_failure,
    successful_enable_after,
)

_UNSUPPORTED = ("bsd", "appliance")


@rule("extension-install-failed")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    owned: dict[str, int] = {}
    mine = []
    failures = failed_commands(ctx)
    for ref in failures:
        owner = owner_of_failure(ctx, ref, failures)
        if owner:
            owned[owner] = owned.get(owner, 0) + 1
        else:
            mine.append(ref)
    for ref in mine[:4]:
        a = ref.event.attrs
        note = f"timed out after {a['timeout_s']} s" if a.get("timeout_s") else f"exit code {a.get('exit_code')}"
        j.support.append(ctx.line(ref, f"the backup extension's {a.get('operation') or 'command'} failed: {note}"))
    crashes = [
        r
        for r in ctx.events(EventKind.PYTHON, in_window=True, handler=VMS)
        if r.event.attrs.get("error") == "exception" and owner_of_failure(ctx, r) is None
    ]
    for ref in crashes[:2]:
        j.support.append(ctx.line(ref, "the extension's handle.py raised an exception"))
    tools = any(missing_tool(r.event.message) for r in ctx.events(in_window=True, handler=VMS))
    if str(ctx.fact("os.family", "")) not in _UNSUPPORTED and not tools:
        for ref in code_events(ctx, "12")[:1]:
            j.support.append(ctx.line(ref, "code 12: a file or command the extension needs was missing"))
    for fact in ctx.facts_for("extension.handler_status"):
        if str(fact.value) == "NotReady" and VMS in str(fact.attrs.get("name", "")) and (mine or crashes):
            j.support.append(
                fact_evidence(ctx, "extension.handler_status", "VMSnapshotLinux handler status NotReady", 0.3)
            )
            break
    last = max((r.time for r in (*mine, *crashes) if r.time), default=None)
    if last is not None and (ok := successful_enable_after(ctx, last)) is not None:
        j.counter.append(ctx.line(ok, "a later enable of the backup extension succeeded"))
    if j.support:
        agent = [r for r in mine if r.event.parser != "vmsnapshot_shell_log"]
        first = agent[0] if agent else mine[0] if mine else crashes[0] if crashes else None
        detail = detail_zh = ""
        if first is not None:
            quoted = exception_line(first.event.message) or first_line(first.event.message, 140)
            detail, detail_zh = f" ({quoted})", f"（{quoted}）"
        j.summary = say(
            en=(
                f"The agent ran the backup extension but its install/enable failed{detail}, so the snapshot was never "
                "started. Read the extension's output (shell.log, CommandExecution.log) for the trigger, fix it and "
                "uninstall the extension so the next backup reinstalls it cleanly."
            ),
            zh=(
                f"来宾代理运行了备份扩展，但其安装/启用失败{detail_zh}，因此快照从未开始。请查看扩展的输出"
                "（shell.log、CommandExecution.log）找出触发原因，修复后卸载该扩展，以便下次备份时重新完整安装。"
            ),
        )
    elif owned:
        names = ", ".join(sorted(owned))
        j.reason = say(
            en=f"the failed VMSnapshot command(s) in the window are explained by a more specific cause: {names}",
            zh=f"时间窗口内失败的 VMSnapshot 命令已由更具体的原因解释：{names}",
        )
    else:
        j.reason = say(
            en="no failed install/enable/update of VMSnapshotLinux (non-zero exit, timeout, traceback) in the window",
            zh="时间窗口内没有 VMSnapshotLinux 安装/启用/更新失败的记录（非零退出码、超时、回溯）",
        )
    return j
