"""extension-download-failed: the VMSnapshotLinux manifest or package cannot be downloaded.

Evidence: the agent's failed download records *for the VMSnapshot handler* in the window —
``Event: name=…VMSnapshotLinux, op=Download, message=… [ExtensionDownloadError] …`` (a decisive
signature: the agent says it could not fetch this very handler), "Failed to download the
extension package from all uris", "Unable to find version … in manifest" — and the channel
failures ("Download failed both on the primary and fallback channels") logged right after a
VMSnapshot "Downloading" line.  Traps: a download error of *another* extension proves nothing for
the backup; "Download failed, switching to host plugin" alone is a working fallback; a VMSnapshot
enable that ran (or a good snapshot) after the failure in the window is counter-evidence.
"""

from __future__ import annotations

from datetime import timedelta

from analyzer.model import EventKind
from analyzer.rules import rule
from analyzer.rules.base import EventRef, Judgement, RuleContext, say
from analyzer.rules.family3._common import VMS, first_line, good_final_status, successful_enable_after

_NOT_IN_MANIFEST = ("Unable to fetch Bundle URI", "Unable to find version")
_FOLLOW = timedelta(minutes=6)  # the agent caps one whole download at 5 minutes (wire.py)


def _failed(ref: EventRef) -> bool:
    a = ref.event.attrs
    return a.get("status") == "error" or a.get("error_class") == "ExtensionDownloadError" or ref.event.level == "ERROR"


def _follows_vms(ref: EventRef, downloads: list[EventRef]) -> bool:
    """The download under way when a handler-less failure was logged was VMSnapshot's."""
    before = [
        d
        for d in downloads
        if d.event.handler and not _failed(d) and d.time and ref.time and timedelta(0) <= ref.time - d.time <= _FOLLOW
    ]
    return bool(before) and VMS in (before[-1].event.handler or "")


@rule("extension-download-failed")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    downloads = list(ctx.events(EventKind.EXT_DOWNLOAD, in_window=True))
    starts = [r for r in downloads if VMS in (r.event.handler or "") and not _failed(r)]
    own = [r for r in downloads if VMS in (r.event.handler or "") and _failed(r)]
    # channel-level failures carry no handler name: they count when they follow a VMSnapshot download
    channel = [r for r in downloads if not r.event.handler and _failed(r) and _follows_vms(r, downloads)]
    no_version = [r for r in (*own, *channel) if any(t in r.event.message for t in _NOT_IN_MANIFEST)]
    for ref in no_version[:3]:
        # the manifest was fetched but names no package for this version: often an agent too old to read it
        j.support.append(ctx.line(ref, "the manifest offers no package for this version", weight=0.3))
    for ref in own:
        if ref not in no_version:
            decisive = ref.event.attrs.get("error_class") == "ExtensionDownloadError"
            # the agent names this handler and the download error class: decisive
            note = "the agent could not download the backup extension"
            j.support.append(ctx.line(ref, note, weight=0.85 if decisive else None))
    for ref in [r for r in channel if r not in no_version][:3]:
        j.support.append(ctx.line(ref, "both download channels failed right after VMSnapshot's download started"))
    if no_version and len(no_version) == len(own) + len(channel):
        j.cap = "possible"
        j.reason = say(
            en=(
                "the manifest was downloaded but lists no package for the requested version; with an old agent this "
                "is the agent's fault (see agent-outdated)"
            ),
            zh=(
                "清单（manifest）已下载，但其中没有所请求版本的包；"
                "如果来宾代理版本较旧，则是来宾代理的问题（参见 agent-outdated）"
            ),
        )
    last_failure = max((r.time for r in (*own, *channel) if r.time), default=None)
    if last_failure is not None:
        ok = successful_enable_after(ctx, last_failure) or good_final_status(ctx, last_failure)
        if ok is not None:
            j.counter.append(ctx.line(ok, "the backup extension ran after the failed download"))
    others = [r for r in downloads if r.event.handler and VMS not in r.event.handler and _failed(r)]
    if j.support:
        version = next((r.event.attrs.get("version") for r in starts if r.event.attrs.get("version")), None)
        what = f"VMSnapshotLinux {version}" if version else "the VMSnapshotLinux package"
        what_zh = f"VMSnapshotLinux {version}" if version else "VMSnapshotLinux 包"
        detail = first_line(own[0].event.message, 140) if own else "all download channels failed"
        detail_zh = first_line(own[0].event.message, 140) if own else "所有下载通道均失败"
        j.summary = say(
            en=(
                f"The guest agent could not download {what} ({detail}), so the backup extension was never installed "
                "or updated and no snapshot could be taken for this backup."
            ),
            zh=f"来宾代理无法下载 {what_zh}（{detail_zh}），因此备份扩展从未被安装或更新，本次备份无法创建快照。",
        )
    elif others:
        j.reason = say(
            en=(
                f"download errors in the window belong to another extension ({others[0].event.handler}), "
                "not to VMSnapshotLinux"
            ),
            zh=f"时间窗口内的下载错误属于另一个扩展（{others[0].event.handler}），而不是 VMSnapshotLinux",
        )
    else:
        j.reason = say(
            en="no failed download of the VMSnapshotLinux manifest or package in the analysed window",
            zh="所分析的时间窗口内没有 VMSnapshotLinux 清单（manifest）或包的下载失败记录",
        )
    return j
