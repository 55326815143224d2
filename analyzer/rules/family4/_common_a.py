"""Shared helpers of the family-4 rules, part A (storage refusal, freeze, pre/post scripts, resource
pressure, concurrent snapshots, DHCP, shutdown, status upload).

The questions they share: which records belong to the analysed run (the extension's own records
first), which status codes the run reported (the ``.status`` file, the extension's status lines,
the ``StatusCode.<Name>,`` texts and the telemetry ``extErrorCode``), and whether the run
succeeded after all (a refusal that was retried away is no cause).
"""

from __future__ import annotations

from collections.abc import Iterable

from analyzer.knowledge import Text
from analyzer.model import Event, EventKind
from analyzer.rules.base import EventRef, RuleContext, say
from analyzer.runs import is_vmsnapshot

EXTENSION_PARSERS = ("vmsnapshot_extension_log", "vmsnapshot_shell_log", "handler_status_file")
STATUS_KINDS = (EventKind.STATUS_WRITE, EventKind.EXT_STATUS)


def run_refs(ctx: RuleContext) -> list[EventRef]:
    """The analysed run's records; without a run, the VMSnapshot records of the window (or all)."""
    if ctx.run is not None:
        return ctx.run_events()
    in_window = True if ctx.window is not None else None
    return list(ctx.events(in_window=in_window, where=is_vmsnapshot))


def extension_refs(ctx: RuleContext) -> list[EventRef]:
    """The run's records written by the extension itself (its log, shell.log, the ``.status`` file)."""
    return [r for r in run_refs(ctx) if r.event.parser in EXTENSION_PARSERS]


def code_of(ctx: RuleContext, ev: Event) -> int | None:
    """The VMSnapshot status code an extension record carries (number or ``StatusCode`` name)."""
    raw = ev.attrs.get("code")
    if raw is None:
        return None
    entry = ctx.codes.status(str(raw))
    return entry.code if entry is not None else None


def ext_error_code(ctx: RuleContext, ev: Event) -> int | None:
    """The telemetry ``extErrorCode`` of a status document (761 lives only here)."""
    raw = ev.attrs.get("ext_error_code")
    if raw is None or str(raw).lower() == "success":
        return None
    entry = ctx.codes.status(str(raw))
    return entry.code if entry is not None else None


def with_codes(ctx: RuleContext, refs: Iterable[EventRef], codes: Iterable[int]) -> list[EventRef]:
    """Records carrying one of ``codes`` as status code or as telemetry extErrorCode."""
    wanted = set(codes)
    return [r for r in refs if code_of(ctx, r.event) in wanted or ext_error_code(ctx, r.event) in wanted]


def final_code(ctx: RuleContext) -> int | None:
    if ctx.run is None or ctx.run.final_code is None:
        return None
    entry = ctx.codes.status(ctx.run.final_code)
    return entry.code if entry is not None else None


def succeeded(ctx: RuleContext) -> bool:
    return ctx.run is not None and ctx.run.outcome == "succeeded"


def status_ref(ctx: RuleContext, refs: list[EventRef], codes: Iterable[int]) -> EventRef | None:
    """The last status record (file or status line) that reported one of ``codes``."""
    hits = [r for r in refs if r.event.kind in STATUS_KINDS and code_of(ctx, r.event) in set(codes)]
    return hits[-1] if hits else None


def run_label(ctx: RuleContext) -> Text:
    """The analysed run's name in both languages (``.en`` is the run's label, as before)."""
    run = ctx.run
    if run is None:
        return say("the analysed window", "所分析的时间窗口")
    zh = f"运行 {run.seq}" if run.seq is not None else f"{run.start:%Y-%m-%dT%H:%M:%SZ} 开始的运行"
    return say(run.label, zh)


def succeeded_reason(ctx: RuleContext, en: str, zh: str) -> Text:
    """The ruling-out sentence of a good run, in both languages: <run> succeeded (code N): <en>."""
    label, code = run_label(ctx), ctx.run.final_code if ctx.run else "?"
    return say(f"{label.en} succeeded (code {code}): {en}", f"{label.zh_cn} 已成功（代码 {code}）：{zh}")


# Other backup / replication tools that take blob snapshots or freeze file systems on the VM.
OTHER_SNAPSHOTTERS = ("SiteRecovery", "WorkloadBackup", "AzureBackupLinuxWorkload", "Veeam", "Commvault", "Rubrik")


def other_snapshotter(ev: Event) -> str | None:
    """The name of another backup / replication extension an event is about, if any."""
    for name in (ev.handler or "", str(ev.attrs.get("handler") or "")):
        if name and "VMSnapshot" not in name and any(s.lower() in name.lower() for s in OTHER_SNAPSHOTTERS):
            return name
    return None


def other_snapshotters(ctx: RuleContext, in_window: bool | None = None) -> list[EventRef]:
    """Records of another backup / replication extension (in the window, or anywhere)."""
    return list(ctx.events(in_window=in_window, where=lambda ev: other_snapshotter(ev) is not None))


def first_and_final(ctx: RuleContext, refs: list[EventRef], codes: Iterable[int]) -> list[EventRef]:
    """The first record with one of ``codes`` and the run's status that ended with it (no repeats)."""
    hits = with_codes(ctx, refs, codes)
    final = status_ref(ctx, refs, codes)
    out = hits[:1]
    if final is not None and final not in out:
        out.append(final)
    return out
