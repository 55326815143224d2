"""status-upload-failed: the snapshot may have run, but the agent could not report its status.

Evidence that counts, inside the window: the agent's own reporting failures — "Exception
uploading status blob", "Failed to upload status blob via either channel", "Failed to report vm
agent status", "HostGAPlugin: Put BlockBlob failed", "Status upload uri is missing", a status-blob
PUT answered 403 / 404.  Most telling when the extension had finished (a terminal code on disk)
and only the report was missing.

Traps avoided: the extension's own status-blob PUT (``statusBlobUploadError=true``, "blob failed
to write", "cannot write status to the status blob") is a second, optional channel — not fatal
while the agent's path works, so it is at most a weak hint; a ``.status`` stuck at code 4 means
the extension never finished (another cause), not that its status was lost; "Falling back to
direct upload" is the fallback working; an upload error in a run whose status then got through
(the agent reported status again after the error) is counter-evidence.
"""

from __future__ import annotations

import re

from analyzer.model import Event, EventKind
from analyzer.rules import rule
from analyzer.rules.base import EventRef, Judgement, RuleContext, say
from analyzer.rules.family4._common_a import extension_refs

_AGENT = ("waagent_log", "journal", "syslog")
_FAILURES = (
    "Exception uploading status blob",
    "Failed to upload status blob via either channel",
    "Failed to report vm agent status",
    "HostGAPlugin: Put BlockBlob failed",
    "Status upload uri is missing",
    "Exception creating status blob",
    "Failed to report status:",
    "Failed to upload block blob for status",
    "Failed to upload page blob for status",
)
_STATUS_PUT = re.compile(r"PUT \S*status\S* -- Status Code (40[34])\b", re.IGNORECASE)
_ANSWER = re.compile(r"\[(40[34]): ")


def _agent_failure(ev: Event) -> str | None:
    if ev.parser not in _AGENT or ev.attrs.get("status") == "success" or ev.level in ("INFO", "VERBOSE"):
        return None
    head = ev.message[:2000]
    for text in _FAILURES:
        if text in head:
            return text
    m = _STATUS_PUT.search(head) if ev.kind in (EventKind.HTTP_ERROR, EventKind.STATUS_UPLOAD) else None
    m = m or (_ANSWER.search(head) if ev.kind == EventKind.STATUS_UPLOAD else None)
    return f"status blob answered {m.group(1)}" if m else None


def _extension_only(refs: list[EventRef]) -> list[EventRef]:
    return [
        r
        for r in refs
        if (r.event.kind == EventKind.STATUS_UPLOAD and r.event.attrs.get("status") == "error")
        or r.event.attrs.get("status_blob_upload_error") is True
    ]


@rule("status-upload-failed")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    failures = [(r, why) for r in ctx.events(in_window=True) if (why := _agent_failure(r.event))]
    ok = [
        r
        for r in ctx.events(EventKind.STATUS_UPLOAD, in_window=True, parsers=_AGENT)
        if r.event.attrs.get("status") == "success"
    ]
    own = _extension_only(extension_refs(ctx))
    finished = ctx.run is not None and ctx.run.final_code not in (None, "4")
    seen: set[str] = set()
    for ref, why in failures:
        if why not in seen and len(seen) < 3:
            seen.add(why)
            j.support.append(ctx.line(ref, f"the agent could not report status ({why})"))
    if not j.support:
        en, zh = (
            (
                "only the extension's own status-blob upload failed (statusBlobUploadError); the agent's report path "
                "showed no failure",
                "只有扩展自身的状态 blob 上传失败（statusBlobUploadError）；来宾代理的状态报告路径没有出现失败",
            )
            if own
            else (
                "the agent reported no status-upload failure in the window",
                "来宾代理在时间窗口内没有报告状态上传失败",
            )
        )
        if ctx.run is not None and ctx.run.final_code == "4":
            en += "; the status stuck at code 4 means the extension never finished, not that its status was lost"
            zh += "；状态停留在代码 4 表示扩展从未完成，而不是其状态丢失"
        j.reason = say(en, zh)
        return j
    recovered = [r for r in ok if r.index > failures[-1][0].index]
    for ref in recovered[:1]:
        j.counter.append(ctx.line(ref, "the agent reported status again after the failures"))
    for ref in own[:1]:
        # weak: with the agent's path failing too, the extension's own channel was no way out either
        j.support.append(ctx.line(ref, "the extension's own status-blob upload failed as well", weight=0.2))
    if not finished:
        j.cap = "possible"
        j.reason = say(
            "the agent could not report status, but the extension never reached a final status to report",
            "来宾代理无法报告状态，但扩展也从未到达可报告的最终状态",
        )
    did = say("finished its snapshot", "已完成快照") if finished else say("ran", "已运行")
    j.summary = say(
        "The backup extension "
        + did.en
        + ", but the guest agent could not upload the VM status (its status-blob uploads through the host and to "
        "storage failed), so Azure Backup never saw the result. Restore access to 168.63.129.16 (port 32526) and to "
        "storage; if the status blob is missing, any VM update (a tag change) recreates it.",
        "备份扩展" + did.zh_cn + "，但来宾代理无法上传 VM 状态（经由主机和直接到存储的状态 blob 上传都失败了），"
        "因此 Azure 备份始终没有收到结果。请恢复对 168.63.129.16（端口 32526）和存储的访问；"
        "如果状态 blob 丢失，任何 VM 更新（例如修改标记）都会重新创建它。",
    )
    return j
