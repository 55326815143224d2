"""settings-decryption-failed: the extension cannot read its (protected) settings.

Evidence in the window: extension.log "unable to load certificate" (→ code 16), "Failed to decrypt
protected settings using both CMS and SMIME commands", "JSON exception decoding decrypted
protected settings"; status code 16 (``FailedHandlerGuestAgentCertificateNotFound``; reaches this
cause through codes.toml candidates); the agent's "Certificate required by goal state is not on
disk" / failed certificate download shortly before.  Traps: "CMS decryption failed …, attempting
fallback to SMIME" followed by a successful SMIME decryption is normal; an old certificate warning
followed by "Downloaded certificate" and good runs is history; a successful decryption or a good
snapshot later in the window is counter-evidence.
"""

from __future__ import annotations

from analyzer.model import EventKind
from analyzer.rules import rule
from analyzer.rules.base import Judgement, RuleContext, say
from analyzer.rules.family3._common import VMS, after, code_events, good_final_status

_EXT_ERRORS = ("settings_unreadable", "decryption_failed")
_CERT_TEXT = (
    "Certificate required by goal state is not on disk",
    "Cannot convert PFX to PEM",
    "Unable to download certificates",
    "goal state certificates",
)


@rule("settings-decryption-failed")
def judge(ctx: RuleContext) -> Judgement:
    j = Judgement()
    ext = list(
        ctx.events(EventKind.CONFIG, in_window=True, handler=VMS, where=lambda ev: ev.attrs.get("error") in _EXT_ERRORS)
    )
    for ref in ext[:3]:
        j.support.append(ctx.line(ref, "the extension could not read its protected settings"))
    codes = [r for r in code_events(ctx, "16") if r.event.kind in (EventKind.STATUS_WRITE, EventKind.EXT_STATUS)]
    if "settings-decryption-failed" in ctx.codes.candidates(16):
        for ref in codes[-1:]:
            j.support.append(ctx.line(ref, "status code 16: no settings could be read (certificate not found)"))
    certs = [
        r
        for r in ctx.events(EventKind.GOAL_STATE_ERROR, in_window=True)
        if any(t in r.event.message for t in _CERT_TEXT)
    ]
    if j.support:  # the agent's certificate trouble explains the failure only when the extension failed too
        for ref in certs[:2]:
            j.support.append(ctx.line(ref, "the agent did not have the certificate the settings are encrypted with"))
    last = max((r.time for r in (*ext, *codes) if r.time), default=None)
    decrypted = after(
        ctx.events(EventKind.ROUTINE, in_window=True, handler=VMS, text="Successfully decrypted protected settings"),
        last,
    )
    if decrypted:
        j.counter.append(ctx.line(decrypted[0], "the settings were decrypted later"))
    if last is not None and (ok := good_final_status(ctx, last)) is not None:
        j.counter.append(ctx.line(ok, "a later snapshot succeeded"))
    if j.support:
        j.summary = say(
            en=(
                "The backup extension could not decrypt its protected settings (the certificate the agent should have "
                "placed in /var/lib/waagent was missing or unreadable), so it had no snapshot instructions and "
                "reported code 16. Restart the agent so it fetches the certificates again, check openssl, and re-run "
                "the backup."
            ),
            zh=(
                "备份扩展无法解密其受保护的设置（来宾代理本应放在 /var/lib/waagent 中的证书缺失或不可读），"
                "因此没有拿到快照指令，并报告了代码 16。请重启来宾代理以重新获取证书，检查 openssl，然后重新运行备份。"
            ),
        )
    elif certs:
        j.reason = say(
            en=(
                "the agent logged a certificate problem, but the extension read its settings "
                "(no decryption error, no code 16 in the window)"
            ),
            zh="来宾代理记录了证书问题，但扩展已读取其设置（时间窗口内没有解密错误，也没有代码 16）",
        )
    else:
        j.reason = say(
            en="no 'unable to load certificate', decryption failure or code 16 in the window",
            zh="时间窗口内没有 'unable to load certificate'、解密失败或代码 16",
        )
    return j
