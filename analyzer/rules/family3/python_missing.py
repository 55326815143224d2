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
from analyzer.rules.base import Judgement, RuleContext
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
        j.summary = (
            "The backup extension's wrapper (handle.sh) found no usable Python interpreter on the VM, so the "
            "extension could not start and no snapshot was taken. Install python3 and make `python` resolvable."
        )
    elif other_127:
        j.reason = (
            "the only exit code 127 comes from another command, not from VMSnapshot's interpreter "
            f"({other_127[0].event.handler or 'another command'}); no 'python version unknown' or exit 3 in the window"
        )
    else:
        j.reason = (
            "no 'python version unknown', no exit 3 from handle.sh and no missing-interpreter exit 127 in the window"
        )
    return j
