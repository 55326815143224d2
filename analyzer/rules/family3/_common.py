"""Shared evidence finders of family 3 (the backup extension cannot be updated or loaded).

Several family-3 causes look at the same failed VMSnapshot command and must agree on who owns it:
a removed-module import error belongs to ``extension-outdated``, no interpreter to
``python-missing``, exit 126 / permission denied to ``security-software-blocking``; only what none
of them explains is left to ``extension-install-failed``.  The predicates live here so the rules
cannot drift apart.

Versions and the extension's Python live in ``_versions``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from analyzer.model import EventKind
from analyzer.rules.base import EventRef, Evidence, RuleContext
from analyzer.rules.family3._versions import VMS, removed_module

__all__ = ["VMS", "removed_module"]
K = EventKind

# The missing command is the interpreter itself (exit 127): env, sh and bash wordings.
_NO_PYTHON = re.compile(
    r"/usr/bin/env: ['\u2018\"]?python[\d.]*['\u2019\"]?: No such file or directory"
    r"|\bpython[\d.]*: (?:command )?not found"
    r"|\bpython[\d.]*: No such file or directory"
)
_SAME_CALL_S = 120
_PERMISSION = re.compile(r"Permission denied|Operation not permitted")


def first_line(text: str, limit: int = 160) -> str:
    return text.split("\n", 1)[0][:limit]


# --- failed commands and who owns them -----------------------------------------------------------
# Customer scripts and workload plugins run by the extension are not the handler's own commands
# (family 4 judges them); 137/143 mean the process was killed (OOM killer, shutdown), not that the
# package is broken.
_NOT_HANDLER_COMMANDS = frozenset({"host_daemon", "prescript", "postscript", "workload"})
_KILLED = frozenset({137, 143})


def failed_commands(ctx: RuleContext, in_window: bool | None = True) -> list[EventRef]:
    """VMSnapshot handler commands that failed: non-zero exit, timeout or a failed launch."""

    def failed(ref: EventRef) -> bool:
        a = ref.event.attrs
        code = a.get("exit_code")
        if a.get("operation") in _NOT_HANDLER_COMMANDS or code in _KILLED:
            return False
        return (
            (isinstance(code, int) and code != 0)
            or bool(a.get("timeout_s"))
            or (a.get("status") == "error" and "Failed to launch" in ref.event.message)
        )

    # OTHER: agent records the parser leaves unclassified but that carry an exit code
    kinds = (K.EXT_COMMAND_RESULT, K.OTHER)
    return [r for r in ctx.events(kinds, in_window=in_window, handler=VMS) if failed(r)]


def no_interpreter(ref: EventRef) -> bool:
    """handle.sh found no Python: rc 3 / "python version unknown", or exit 127 for the interpreter itself."""
    a = ref.event.attrs
    if a.get("error") == "python_missing":
        return True
    code = a.get("exit_code")
    if code == 3 and (ref.event.parser == "vmsnapshot_shell_log" or "handle.sh" in ref.event.message):
        return True
    return code == 127 and _NO_PYTHON.search(ref.event.message) is not None


def blocked_exec(ref: EventRef) -> bool:
    """The handler script could not be executed: exit 126, permission denied, a noexec mount."""
    a = ref.event.attrs
    if a.get("exit_code") == 126:
        return True
    msg = ref.event.message
    return ("noexec" in msg or _PERMISSION.search(msg) is not None) and (
        "handle.sh" in msg or "Failed to launch" in msg or a.get("exit_code") in (1, 2, 126)
    )


_TOOLS = ("lsblk", "lsscsi", "blkid", "fsfreeze", "findmnt", "/proc/mounts", "/sys/block", "/dev/disk/azure")
_TOOL_RX = "|".join(map(re.escape, _TOOLS))
_MISSING_TOOL = re.compile(
    rf"(?:No such file or directory|command not found|not found)[^\n]*?(?P<a>{_TOOL_RX})"
    rf"|(?P<b>{_TOOL_RX})[^\n]*?(?:No such file or directory|command not found|: not found)"
)


def missing_tool(text: str) -> str | None:
    """A tool or Linux path the extension needs that the OS lacks (``lsblk``, ``/proc/mounts`` …)."""
    m = _MISSING_TOOL.search(text)
    return (m.group("a") or m.group("b")) if m else None


def _own(ctx: RuleContext, ref: EventRef) -> str | None:
    if missing_tool(ref.event.message):
        return "unsupported-os"
    if no_interpreter(ref):
        return "python-missing"
    if blocked_exec(ref):
        return "security-software-blocking"
    if removed_module(ctx, ref.event.message):
        return "extension-outdated"
    return None


def owner_of_failure(ctx: RuleContext, ref: EventRef, failures: Iterable[EventRef] = ()) -> str | None:
    """The more specific family-3 cause a failed VMSnapshot command belongs to, or None.

    A shell.log "N returned" line says nothing by itself: it takes the owner of the agent's record
    of the same invocation (within two minutes), whose captured stderr tells what went wrong.
    Only an owner the bundle can evaluate counts: one whose sources are missing (say, a pasted
    waagent.log alone, without os-release) is reported as not evaluable and would find nothing.
    """
    owner = _own(ctx, ref)
    if owner is None and ref.event.parser == "vmsnapshot_shell_log" and ref.time is not None:
        for other in failures:
            if other.event.parser != "vmsnapshot_shell_log" and other.time is not None:
                if abs((other.time - ref.time).total_seconds()) <= _SAME_CALL_S and (o := _own(ctx, other)):
                    owner = o
                    break
    # an owner the bundle cannot evaluate (its sources are missing) would hide the failure entirely
    return owner if owner is not None and ctx.can_evaluate(owner) else None


_EXC_LINE = re.compile(r"^(?:[\w.]+(?:Error|Exception)|SyntaxError|KeyboardInterrupt)\b.*$", re.M)


def exception_line(text: str) -> str | None:
    """The last ``SomeError: text`` line of a traceback in ``text``."""
    found = _EXC_LINE.findall(text)
    return found[-1][:160] if found else None


def after(refs: Iterable[EventRef], when: datetime | None) -> list[EventRef]:
    return [r for r in refs if when is not None and r.time is not None and r.time > when]


def successful_enable_after(ctx: RuleContext, when: datetime | None) -> EventRef | None:
    """A VMSnapshot command that returned 0 (enable or the shell wrapper) after ``when`` in the window."""
    ok = [
        r
        for r in ctx.events(K.EXT_COMMAND_RESULT, in_window=True, handler=VMS)
        if r.event.attrs.get("exit_code") == 0 and r.event.attrs.get("operation") in ("enable", "daemon", None)
    ]
    later = after(ok, when)
    return later[0] if later else None


def good_final_status(ctx: RuleContext, after_time: datetime | None = None) -> EventRef | None:
    """A terminal success code (0 or 1) of VMSnapshot in the window, after ``after_time`` if given."""
    refs = [
        r
        for r in ctx.events((K.STATUS_WRITE, K.EXT_STATUS, K.SNAPSHOT_RESULT), in_window=True, handler=VMS)
        if str(r.event.attrs.get("code", "")) in ("0", "1")
    ]
    if after_time is not None:
        refs = after(refs, after_time)
    return refs[-1] if refs else None


def code_events(ctx: RuleContext, code: str) -> list[EventRef]:
    """VMSnapshot records in the window that carry status code ``code``."""
    return [r for r in ctx.events(in_window=True, handler=VMS) if str(r.event.attrs.get("code", "")) == code]


def fact_evidence(ctx: RuleContext, key: str, text: str, weight: float, note: str = "") -> Evidence:
    """A fact-kind evidence item anchored on the last fact ``key`` (its source and line) when there is one."""
    facts = ctx.facts_for(key)
    if facts:
        return ctx.from_fact(facts[-1], text, weight=weight, note=note)
    return Evidence(kind="fact", text=text, weight=weight, note=note)
