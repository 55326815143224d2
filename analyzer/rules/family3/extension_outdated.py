"""extension-outdated: the installed VMSnapshotLinux is known broken for this OS / Python, or very old.

Version knowledge is data (``ctx.versions.extension``): known-broken ranges per Python with a
possibly unknown ``fixed_in``, the removed standard-library modules per Python, and the "stale"
bound.  Evidence: an import error of a removed module (``imp``, ``crypt``, ``distutils``) from the
extension's code in the window — decisive, and it wins over ``extension-install-failed`` (shell.log
shows it as "1 returned from handle.py") — and the handler version matching a known-broken entry
for the Python ``handle.sh`` picked (fact ``extension.python``, shell.log, traceback paths, else the
distribution default; never the agent's Python).  Traps: the ``-1.0`` of ``[…VMSnapshotLinux-1.0]``
is not the version and "WALinuxAgent-2.0.16" is a constant (only four-part versions count);
versions compare numerically; a "suspect" or unknown-Python match, a conditional entry, or a
merely old handler is at most ``possible``.
"""

from __future__ import annotations

from analyzer.model import EventKind
from analyzer.rules import rule
from analyzer.rules.base import EventRef, Judgement, RuleContext, say
from analyzer.rules.family3._common import fact_evidence, failed_commands, good_final_status, owner_of_failure
from analyzer.rules.family3._versions import (
    VMS,
    extension_python,
    handler_version,
    min_python_for,
    removed_module,
    short_python,
)

K = EventKind
_ME = "extension-outdated"


def _trouble(ctx: RuleContext, failures: list[EventRef]) -> tuple[list[EventRef], list[EventRef]]:
    """In-window signs that the extension failed in its own code (not owned by another cause):
    (failed enables — what a Python-version problem produces —, and those plus crashes and codes
    whose codes.toml candidates name this cause — what a conditional entry such as 9147 produces)."""
    enables = [r for r in failures if owner_of_failure(ctx, r, failures) in (None, _ME)]
    run = enables + [
        r
        for r in ctx.events(K.PYTHON, in_window=True, handler=VMS)
        if r.event.attrs.get("error") in ("exception", "agent_api_mismatch", "import")
    ]
    run += [
        r
        for r in ctx.events((K.STATUS_WRITE, K.EXT_STATUS, K.SNAPSHOT_RESULT), in_window=True, handler=VMS)
        if r.event.attrs.get("code") is not None and _ME in ctx.codes.candidates(str(r.event.attrs["code"]))
    ]
    return enables, run


@rule(_ME)
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    failures = failed_commands(ctx)
    imports = [r for r in failures if removed_module(ctx, r.event.message)]
    imports += [r for r in ctx.events(K.PYTHON, in_window=True, handler=VMS) if removed_module(ctx, r.event.message)]
    module = removed_module(ctx, imports[0].event.message) if imports else None
    version = handler_version(ctx)
    python, python_from = extension_python(ctx, (r.event.message for r in imports), min_python_for(ctx, module))
    for ref in imports[:3]:
        # the extension's own code imports a module this Python no longer has: decisive
        note = f"import of '{removed_module(ctx, ref.event.message)}', removed from the standard library"
        j.support.append(ctx.line(ref, note, weight=0.85))
    returned = [r for r in failures if r.event.parser == "vmsnapshot_shell_log" and r.event.attrs.get("exit_code") == 1]
    if imports and returned:
        j.support.append(ctx.line(returned[-1], "every interpreter handle.sh tried crashed at import"))
    enable_trouble, run_trouble = _trouble(ctx, failures) if not imports else ([], [])
    matches = ctx.versions.extension.broken_for(version, short_python(python)) if version else ()
    for m in matches:
        e = m.entry
        fixed = f"fixed in {e.fixed_in}" if e.fixed_in else "no fixed version known"
        where = python_from or "source unknown"
        text = f"VMSnapshotLinux {version} on Python {python or '?'} ({where}): {e.reason} ({fixed})"
        # a Python problem breaks the import at enable; a conditional entry (9147) fails later in the run
        trouble = enable_trouble if e.python_min else run_trouble
        if m.certainty == "confirmed":
            j.support.append(
                fact_evidence(ctx, "extension.version", text, 0.6 if imports else 0.45, f"known-broken {e.id}")
            )
        elif imports or trouble:
            # suspect or unknown Python, or a condition the data cannot check: at most possible
            j.support.append(fact_evidence(ctx, "extension.version", text, 0.25, f"{m.certainty} match of {e.id}"))
            for ref in trouble[:2]:
                j.support.append(ctx.line(ref, "the extension failed in its own code", weight=0.3))
            j.cap = None if imports else "possible"
    if version and not matches and enable_trouble and ctx.versions.extension.is_stale(version):
        # far older than any 2021+ release: a weak hint, and rather a sign the agent takes no new goal states
        stale = f"VMSnapshotLinux {version} is older than {ctx.versions.extension.stale_below}"
        stale_zh = f"VMSnapshotLinux {version} 早于 {ctx.versions.extension.stale_below}"
        j.support.append(fact_evidence(ctx, "extension.version", stale, 0.2, "stale handler"))
        j.cap, j.reason = (
            "possible",
            say(
                en=f"only a hint: {stale}; the platform pushes new versions, so check the agent",
                zh=f"仅为提示：{stale_zh}；平台会推送新版本，因此请检查来宾代理",
            ),
        )
    if j.support and (ok := good_final_status(ctx)) is not None:
        j.counter.append(ctx.line(ok, f"a snapshot succeeded with this handler ({version or 'same version'})"))
    if j.support:
        fix = next((m.entry.fixed_in for m in matches if m.entry.fixed_in), None)
        why = (
            f"its code imports '{module}', which this Python no longer has"
            if imports
            else "this version is known to fail in this setup"
        )
        why_zh = f"其代码导入了 '{module}'，而此 Python 已不再包含该模块" if imports else "已知此版本在这种环境中会失败"
        j.summary = say(
            en=(
                f"The backup extension on this VM (VMSnapshotLinux {version or 'version unknown'}) cannot run here on "
                f"Python {python or 'unknown'}: {why}, so the backup failed before a snapshot was taken. "
                + (f"Version {fix} fixes it. " if fix else "")
                + "Uninstall the extension so the next backup installs the latest one (if the version does not "
                "change, look at the agent)."
            ),
            zh=(
                f"此 VM 上的备份扩展（VMSnapshotLinux {version or '版本未知'}）无法在此处的 Python "
                f"{python or '未知'} 上运行：{why_zh}，因此备份在创建快照之前就失败了。"
                + (f"版本 {fix} 已修复此问题。" if fix else "")
                + "请卸载该扩展，以便下次备份时安装最新版本（如果版本没有变化，请检查来宾代理）。"
            ),
        )
    else:
        j.reason = say(
            en=(
                f"VMSnapshotLinux {version or '(version not found)'} on Python {python or '(unknown)'} matches no "
                "known-broken entry that the window's failures support, and no removed-module import error appears"
            ),
            zh=(
                (f"Python {python}" if python else "未知版本的 Python")
                + " 上的 "
                + (f"VMSnapshotLinux {version}" if version else "VMSnapshotLinux（未找到版本）")
                + " 不匹配任何有时间窗口内失败记录支持的已知故障条目，也没有出现已移除模块的导入错误"
            ),
        )
    return j
