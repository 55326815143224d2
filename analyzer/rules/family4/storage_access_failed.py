"""storage-access-failed: the snapshot call reached Azure Storage but was refused.

Evidence that counts, inside the analysed run: code 85 (too many blob snapshots, "The snapshot count
against this blob has been exceeded"); code 173 / "Retrying when snapshot failed with
SnapshotRateExceeded" (throttling); per-disk snapshot results answered with HTTP 403 or 409 or a
storage error body (AuthenticationFailed, SnapshotCountExceeded, a lease conflict …); code 761
(some disks done, some not; only the telemetry extErrorCode carries it, status.code says 76) when
the failed disks were refused like that.

Traps avoided: only the extension's snapshot calls count — the agent's own 403/409 (status blob,
manifests) belong to status-upload-failed or family 3; 761 or 76 whose failed disks got *no
answer* is a network block, not a refusal; a refusal retried away in a run that succeeded is no
cause; throttling while another snapshotter (Site Recovery …) was active points to
concurrent-backups, so it is counter-evidence here.
"""

from __future__ import annotations

import re

from analyzer.knowledge import Text
from analyzer.model import EventKind
from analyzer.rules import rule
from analyzer.rules.base import EventRef, Judgement, RuleContext, say
from analyzer.rules.family4._common_a import (
    extension_refs,
    first_and_final,
    other_snapshotters,
    succeeded,
    succeeded_reason,
    with_codes,
)

_REFUSED_STATUS = (401, 403, 409)
_BODY = re.compile(
    r"AuthenticationFailed|AuthorizationFailure|AuthorizationPermissionMismatch|Server failed to authenticate"
    r"|SnapshotCountExceeded|snapshot count against this blob|SnapshotOperationRateExceeded"
    r"|rate of snapshot blob calls|SnapshotConflict|LeaseIdMissing|LeaseAlreadyPresent|lease on the blob"
    r"|BlobArchived|OperationNotAllowed|\bConflict\b|\bForbidden\b",
    re.IGNORECASE,
)
_RATE = re.compile(r"SnapshotOperationRateExceeded|rate of snapshot blob calls", re.IGNORECASE)
_RESULT_KINDS = (EventKind.SNAPSHOT_RESULT, EventKind.SNAPSHOT_CALL, EventKind.HTTP_ERROR, EventKind.EXT_STATUS)


def _refusal(ref: EventRef) -> str | None:
    """Why a per-disk result / status says storage refused the snapshot, or None."""
    ev = ref.event
    if ev.kind not in _RESULT_KINDS or ev.attrs.get("success") is True:
        return None
    status = ev.attrs.get("http_status")
    if isinstance(status, int) and status in _REFUSED_STATUS:
        return f"HTTP {status}"
    for text in (str(ev.attrs.get("error_message") or ""), str(ev.attrs.get("snapshot_error") or "")):
        m = _BODY.search(text)
        if m:
            return m.group(0)
    if ev.kind == EventKind.SNAPSHOT_RESULT:
        m = _BODY.search(ev.message[:2000])
        if m and ev.attrs.get("success") is False:
            return m.group(0)
    return None


@rule("storage-access-failed")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    refs = extension_refs(ctx)
    limit = with_codes(ctx, refs, (85,))
    throttled = with_codes(ctx, refs, (173,))
    partial = with_codes(ctx, refs, (761,))
    refused = [(r, why) for r in refs if r not in limit and (why := _refusal(r))]
    if throttled:  # 409 is also the throttling answer: in a throttled run a bare 409 is no refusal
        refused = [(r, why) for r, why in refused if why != "HTTP 409" and not _RATE.search(why)]
    if succeeded(ctx):
        j.reason = succeeded_reason(
            ctx, "any refused or throttled call was retried away", "被拒绝或被限流的调用都已通过重试解决"
        )
        return j
    for ref in limit[:1]:
        # decisive: code 85 has no other reading (too many blob snapshots on a disk)
        j.support.append(ctx.line(ref, "code 85: the disk has too many blob snapshots", weight=0.9))
    for ref in limit[1:2]:
        j.support.append(ctx.line(ref, "the snapshot limit again"))
    for ref, why in refused[:3]:
        j.support.append(ctx.line(ref, f"storage refused the snapshot call ({why})"))
    seen = {r.index for r, _ in refused}
    partial = sorted(
        (r for r in partial if r.index not in seen), key=lambda r: r.event.kind != EventKind.SNAPSHOT_RESULT
    )
    if partial and refused:
        # decisive with the refusals above: 761 = some disks done, and the others were refused, not unreachable
        j.support.append(ctx.line(partial[0], "code 761: the remaining disks were refused by storage", weight=0.85))
    for ref in first_and_final(ctx, refs, (173,)):
        j.support.append(ctx.line(ref, "code 173: storage throttled the snapshot calls"))
    if not j.support:
        j.reason = (
            say(
                "code 761 without a refused disk: the failed disks got no answer (a network matter)",
                "有代码 761，但没有被拒绝的磁盘：失败的磁盘没有收到任何应答（属于网络问题）",
            )
            if partial
            else say(
                "no snapshot call was refused by storage in the run (no 403/409, no code 85, 173 or 761 with refusals)",
                "本次运行中没有快照调用被存储拒绝（没有 403/409，也没有伴随拒绝的代码 85、173 或 761）",
            )
        )
        return j
    if throttled and not limit and not refused:
        for ref in other_snapshotters(ctx, in_window=True)[:1]:
            j.counter.append(
                ctx.line(ref, "another snapshotter was active at the same time: throttling from concurrent snapshots")
            )
    j.summary = _summary(bool(limit), bool(refused), bool(partial), bool(throttled))
    return j


def _summary(limit: bool, refused: bool, partial: bool, throttled: bool) -> Text:
    if limit:
        return say(
            "Azure Storage refused the disk snapshot because the disk already has too many blob snapshots "
            "(code 85), so the backup could not take its snapshot.",
            "Azure 存储拒绝了磁盘快照，因为该磁盘已有过多的 blob 快照（代码 85），因此备份无法创建快照。",
        )
    if refused:
        what = "Some disks were snapshotted but the others" if partial else "The snapshot calls"
        what_zh = "部分磁盘已完成快照，但其余磁盘的快照调用" if partial else "快照调用"
        return say(
            f"{what} were refused by Azure Storage (authorisation or conflict answers such as HTTP 403/409), "
            "so the snapshot set was incomplete and the backup failed.",
            f"{what_zh}被 Azure 存储拒绝（授权或冲突类应答，例如 HTTP 403/409），因此快照集不完整，备份失败。",
        )
    if throttled:
        return say(
            "Azure Storage throttled the snapshot calls (code 173, snapshot rate exceeded), so the backup "
            "gave up; too many snapshots are being taken of these disks at the same time.",
            "Azure 存储对快照调用进行了限流（代码 173，超出快照速率），因此备份放弃；这些磁盘同时被创建的快照过多。",
        )
    return say("Azure Storage refused the snapshot calls.", "Azure 存储拒绝了快照调用。")
