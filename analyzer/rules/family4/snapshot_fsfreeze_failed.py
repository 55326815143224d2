"""snapshot-fsfreeze-failed: a file system refused to freeze, could not be opened, or the freeze timed out.

Evidence that counts, inside the analysed run: the safefreeze binary's ``Failed to FIFREEZE:`` /
``Failed to open:`` / ``Failed to stat:`` lines; the extension's ``freeze failed for some mount``,
``file open failed for some mount``, ``freeze timed-out``, ``freeze took longer than timeout`` and
``sig_handle=0`` (no "frozen" signal in time); the freeze lock held by another freezer (``Mount
Points already freezed by some other processor``, or lock retries that never got the lock); and
the codes 121, 122, 123 in the run's status.

Traps avoided: lock retries that end in "Aquired Lock Successful" are harmless contention; a
``Failed to FITHAW`` alone is at most a hint; an old failed freeze followed by a good run does not
explain a later failure (the run judged here succeeded → ruled out); code 123 can also be a
security product (it is named, not claimed); a freeze that *hung* (no "Logs during Freeze End")
is snapshot-freeze-hang, not a refusal.
"""

from __future__ import annotations

from analyzer.knowledge import Text
from analyzer.model import EventKind
from analyzer.rules import rule
from analyzer.rules.base import EventRef, Judgement, RuleContext, say
from analyzer.rules.family4._common_a import extension_refs, status_ref, succeeded, succeeded_reason, with_codes
from analyzer.runs import PHASES

_MOUNT_ERRORS = {"fifreeze_failed": "refused to freeze", "open_failed": "could not be opened", "stat_failed": "is gone"}
_RESULT_ERRORS = ("freeze_failed", "open_failed", "timeout", "already_frozen")
_CODES = (121, 122, 123)


def _lock_never_acquired(refs: list[EventRef]) -> list[EventRef]:
    busy = [r for r in refs if r.event.kind == EventKind.FREEZE and r.event.attrs.get("lock") == "busy"]
    if not busy:
        return []
    acquired = any(r.event.attrs.get("lock") == "acquired" and r.index > busy[0].index for r in refs)
    return [] if acquired else busy


@rule("snapshot-fsfreeze-failed")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    refs = extension_refs(ctx)
    freeze = [r for r in refs if r.event.kind in (EventKind.FREEZE, EventKind.THAW)]
    mounts = [r for r in freeze if r.event.attrs.get("error") in _MOUNT_ERRORS]
    results = [
        r for r in freeze if r.event.attrs.get("error") in _RESULT_ERRORS or r.event.attrs.get("timedout") is True
    ]
    no_signal = [r for r in freeze if r.event.attrs.get("sig_handle") == 0 and "startproc" in r.event.message]
    lock = _lock_never_acquired(freeze)
    fithaw = [r for r in freeze if r.event.attrs.get("error") == "fithaw_failed"]
    status = status_ref(ctx, refs, _CODES)
    if succeeded(ctx):
        en, zh = "every mount froze", "所有挂载点都已冻结"
        if lock:
            en += "; the freeze lock was busy for a moment and then acquired"
            zh += "；冻结锁曾短暂被占用，随后已成功获取"
        j.reason = succeeded_reason(ctx, en, zh)
        return j
    for ref in mounts[:3]:
        ev = ref.event
        # decisive: the safefreeze binary names the mount and the kernel's refusal
        j.support.append(
            ctx.line(ref, f"{ev.attrs.get('mount', 'a mount')} {_MOUNT_ERRORS[ev.attrs['error']]}", weight=0.85)
        )
    for ref in results[:2]:
        j.support.append(ctx.line(ref, _result_note(ref)))
    for ref in no_signal[:1]:
        j.support.append(ctx.line(ref, "no 'frozen' signal from the freeze binary in time"))
    for ref in lock[:2]:
        j.support.append(ctx.line(ref, "the freeze lock was held by another freezer and never released"))
    if status is not None:
        j.support.append(ctx.line(status, f"the run ended with freeze code {status.event.attrs.get('code')}"))
    coded = [r for r in with_codes(ctx, refs, _CODES) if r not in results and r != status]
    for ref in coded[:1] if not j.support else []:
        j.support.append(ctx.line(ref, "the extension reported a freeze failure code"))
    for ref in fithaw[:1]:
        # weak: a thaw error follows a mount that was never frozen (duplicate entries), rarely a cause itself
        j.support.append(ctx.line(ref, "a mount could not be thawed (was it frozen at all?)", weight=0.2))
    if not j.support:
        if ctx.run is not None and PHASES.index(ctx.run.last_phase) < PHASES.index("freeze"):
            # nothing was frozen, so nothing is known about freezing: say what the run did reach
            j.reason = say(
                f"{ctx.run.label} never reached the freeze (it stopped at '{ctx.run.last_phase}')",
                f"{ctx.run.label} 从未进入冻结阶段（停在“{ctx.run.last_phase}”）",
            )
            return j
        j.reason = say(
            "every mount froze in the run (no FIFREEZE/open failure, no freeze timeout, no held lock, no 121-123)",
            "本次运行中所有挂载点都已冻结（没有 FIFREEZE/open 失败，没有冻结超时，没有被占用的锁，也没有 121-123）",
        )
        return j
    code = str(status.event.attrs.get("code")) if status is not None else None
    j.summary = _summary(mounts, results, no_signal, lock, code)
    return j


def _result_note(ref: EventRef) -> str:
    error = "timeout" if ref.event.attrs.get("timedout") is True else ref.event.attrs.get("error")
    return {
        "timeout": "the freeze timed out (code 122)",
        "already_frozen": "another freezer (e.g. Site Recovery) already held the file systems frozen",
        "open_failed": "a mount point could not be opened (code 123)",
    }.get(str(error), "a mount refused to freeze (code 121)")


def _summary(
    mounts: list[EventRef], results: list[EventRef], no_signal: list[EventRef], lock: list[EventRef], code: str | None
) -> Text:
    if mounts:
        names = sorted({str(r.event.attrs.get("mount")) for r in mounts if r.event.attrs.get("mount")})
        why = mounts[0].event.attrs.get("error_message")
        return say(
            f"The backup could not freeze {', '.join(names) or 'a file system'}"
            + (f" ({why})" if why else "")
            + ", so no "
            "consistent snapshot could be taken. Check that mount (stale or duplicate entry, unclean file system) or "
            "skip it with MountsToSkip in /etc/azure/vmbackup.conf.",
            f"备份无法冻结 {'、'.join(names) or '某个文件系统'}"
            + (f"（{why}）" if why else "")
            + "，因此无法创建一致的快照。请检查该挂载点（过时或重复的条目、未正常卸载的文件系统），"
            "或在 /etc/azure/vmbackup.conf 中用 MountsToSkip 跳过它。",
        )
    errors = {"timeout" if r.event.attrs.get("timedout") is True else r.event.attrs.get("error") for r in results}
    if lock or "already_frozen" in errors:
        return say(
            "Another freezer (such as Site Recovery) held the file-system freeze lock during the backup, so the "
            "backup could not freeze the file systems. Schedule the two apart.",
            "备份期间另一个冻结程序（例如 Site Recovery）持有文件系统冻结锁，因此备份无法冻结文件系统。"
            "请将两者的计划时间错开。",
        )
    # a missing "frozen" signal explains a timeout, not a run that itself ended with 121 and
    # logged "timedout :False" (a mount refused): the run's own code decides
    if "timeout" in errors or (no_signal and code != "121"):
        return say(
            "The file systems did not report frozen within the wait time (freeze timeout, code 122): heavy I/O or a "
            "slow mount delayed the freeze. Raise SafeFreezeWaitInSeconds or skip the slow mount.",
            "文件系统未在等待时间内报告已冻结（冻结超时，代码 122）：繁重的 I/O 或响应缓慢的挂载点拖慢了冻结。"
            "请调大 SafeFreezeWaitInSeconds，或跳过该缓慢的挂载点。",
        )
    if code == "121":
        return say(
            "A file system refused to freeze for the snapshot (code 121, FailedRetryableFsFreezeFailed), so no "
            "consistent snapshot could be taken. Find the mount in extension.log's freeze lines (stale or duplicate "
            "entry, unclean file system) and fix it or skip it with MountsToSkip in /etc/azure/vmbackup.conf.",
            "有文件系统拒绝为快照而冻结（代码 121，FailedRetryableFsFreezeFailed），因此无法创建一致的快照。"
            "请在 extension.log 的冻结记录中找到该挂载点（过时或重复的条目、未正常卸载的文件系统），"
            "修复它或在 /etc/azure/vmbackup.conf 中用 MountsToSkip 跳过它。",
        )
    return say(
        "A file system could not be frozen for the snapshot (codes 121-123).",
        "有文件系统无法为快照而冻结（代码 121-123）。",
    )
