"""python-missing: the extension's wrapper finds no usable Python interpreter.

Evidence in the window: shell.log "python version unknown" and "3 returned from handle.py" (rc 3 is
handle.sh's "no interpreter at all"), the agent's "Non-zero exit code: 3" for VMSnapshot's
``main/handle.sh``, and exit 127 whose output says the missing command is the interpreter itself
(``/usr/bin/env: 'python': No such file or directory``, ``python: command not found``) — a decisive
signature.  Traps: exit 127 of any other command (another extension, a missing ``lsscsi``) is not
this cause; an old "python version unknown" followed by good runs is history, not the failure
(a successful ``0 returned from handle.py`` after the failure is counter-evidence).
"""

from __future__ import annotations

from analyzer.model import EventKind
from analyzer.rules import rule
from analyzer.rules.base import Judgement, RuleContext, say
from analyzer.rules.family3._common import VMS, failed_commands, no_interpreter, successful_enable_after


@rule("python-missing")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    unknown = list(
        ctx.events(EventKind.PYTHON, in_window=True, where=lambda ev: ev.attrs.get("error") == "python_missing")
    )
    failures = failed_commands(ctx)
    owned = [r for r in failures if no_interpreter(r)]
    for ref in unknown[:2]:
        j.support.append(ctx.line(ref, "handle.sh found no Python interpreter"))
    for ref in owned[:4]:
        code = ref.event.attrs.get("exit_code")
        if code == 127:
            # the shell says the interpreter itself is missing: decisive
            j.support.append(ctx.line(ref, "exit 127: the missing command is the Python interpreter", weight=0.9))
        else:
            j.support.append(ctx.line(ref, "exit 3 from handle.sh: no Python interpreter found"))
    other_127 = [r for r in failures if r.event.attrs.get("exit_code") == 127 and r not in owned]
    other_127 += list(
        ctx.events(
            EventKind.EXT_COMMAND_RESULT,
            where=lambda ev: ev.attrs.get("exit_code") == 127 and VMS not in (ev.handler or ""),
        )
    )
    last = max((r.time for r in (*unknown, *owned) if r.time), default=None)
    if last is not None and (ok := successful_enable_after(ctx, last)) is not None:
        j.counter.append(ctx.line(ok, "handle.sh ran Python successfully after the failure"))
    if j.support:
        j.summary = say(
            en=(
                "The backup extension's wrapper (handle.sh) found no usable Python interpreter on the VM, so the "
                "extension could not start and no snapshot was taken. Install python3 and make `python` resolvable."
            ),
            zh=(
                "备份扩展的包装脚本（handle.sh）在 VM 上找不到可用的 Python 解释器，因此扩展无法启动，"
                "也没有创建快照。请安装 python3，并确保 `python` 命令可以被找到。"
            ),
        )
    elif other_127:
        j.reason = say(
            en=(
                "the only exit code 127 comes from another command, not from VMSnapshot's interpreter "
                f"({other_127[0].event.handler or 'another command'}); no 'python version unknown' or exit 3 in the "
                "window"
            ),
            zh=(
                "唯一的退出码 127 来自另一个命令，而不是 VMSnapshot 的解释器"
                f"（{other_127[0].event.handler or '另一个命令'}）；时间窗口内没有 'python version unknown' 或退出码 3"
            ),
        )
    else:
        j.reason = say(
            en=(
                "no 'python version unknown', no exit 3 from handle.sh and no missing-interpreter exit 127 "
                "in the window"
            ),
            zh="时间窗口内没有 'python version unknown'，没有 handle.sh 的退出码 3，也没有因缺少解释器导致的退出码 127",
        )
    return j
