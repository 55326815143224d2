"""The HTML report: structure, strict CSP, escaping, redaction, both languages, bounded size."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from analyzer.limits import Limits
from analyzer.pipeline import analyse
from analyzer.redact import Redactor
from analyzer.result import build_result
from reports import view as view_module
from reports.html import render_html
from reports.summary import render_summary
from reports.view import build_view

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "fsfreeze-failed"
WAAGENT = "var/log/waagent.log"
SECRET = "CANARYsig0123456789abcdef%3D"
INJECTED = (
    "2026-10-02T08:01:30.000000Z ERROR ExtHandler ExtHandler </td><script>alert('pwned')</script>"
    '<img src=x onerror="alert(1)"> GET https://md-abc.blob.core.windows.net/c/x.vhd?sv=2018-03-28&sig='
    + SECRET
    + " -- Status Code 503\n"
)
FIXED = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _render(target: Path | list[Path], lang: str = "en") -> tuple[str, dict]:
    with analyse(target if isinstance(target, list) else [target], Limits()) as analysis:
        result = build_result(analysis, generated_at=FIXED, lang=lang)
        redactor = Redactor(analysis.bundle.redaction_key or None)
        view = build_view(analysis, result, lang, redactor)
    return render_html(result, redactor, lang, view), result


@pytest.fixture(scope="module")
def english() -> str:
    return _render(EXAMPLE)[0]


@pytest.fixture
def injected(tmp_path: Path) -> Path:
    bundle = tmp_path / "fsfreeze-failed"
    shutil.copytree(EXAMPLE, bundle)
    log = bundle / WAAGENT
    lines = log.read_text().splitlines(keepends=True)
    # Among the run's lines, inside the analysed window.
    at = max(i for i, line in enumerate(lines) if line < "2026-10-02T08:01:30") + 1
    lines.insert(at, INJECTED)
    log.write_text("".join(lines))
    return bundle


def test_sections_in_order(english: str) -> None:
    ids = ["verdict", "checklist", "vm", "runs", "timeline", "events", "inventory"]
    positions = [english.index(f'id="{i}"') for i in ids]
    assert positions == sorted(positions)
    assert english.startswith("<!DOCTYPE html>")
    assert "<footer>" in english and "2615e46768b305f259968007da1feb08b9ae05e8160ca0b5a1cdad80614b52b4" in english
    assert "2026-11-01T12:00:00Z" in english


def test_verdict_card_content(english: str) -> None:
    card = english[english.index('id="verdict"') : english.index('id="checklist"')]
    assert "Diagnosed" in card
    assert "A file system could not be frozen" in card
    assert "99%" in card
    assert "findmnt" in card  # remedy command
    assert "sudo waagent -collect-logs -full" in card  # collect next
    assert "Logs.Verbose=n" in card  # coverage banner
    # the example's storage hosts end in .core.windows.net: Azure global links only
    assert "learn.microsoft.com" in card and "docs.azure.cn" not in card


def test_checklist_lists_every_family_and_the_swimlanes(english: str) -> None:
    for family in ("The VM has no internet access", "The agent is outdated or not running"):
        assert family in english
    assert english.count('id="cause-') >= 30
    assert '<svg class="swim"' in english
    assert 'class="m-err"' in english  # the freeze failure is a red mark
    assert re.search(r'class="bar ph-[a-z-]+ analysed"', english)
    assert english.count('<svg class="swim"') == 2  # the window and the zoom on the analysed run
    assert "The analysed run, 2026-10-02 08:0" in english


def test_strict_csp_with_hashes_of_the_inline_code(english: str) -> None:
    csp = html.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', english).group(1))
    assert "default-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for tag, directive in (("script", "script-src"), ("style", "style-src")):
        (body,) = re.findall(rf"<{tag}>(.*?)</{tag}>", english, re.S)
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"{directive} 'sha256-{digest}'" in csp
    # Nothing is fetched at view time.
    assert not re.search(r"<(?:link|img|iframe|object|embed)\b", english)
    assert not re.search(r"\ssrc=", english.split("<body>", 1)[1].replace("src=x", ""))
    assert english.count("<script") == 1


def test_markup_in_a_log_line_is_escaped_and_secrets_redacted(injected: Path) -> None:
    page, _ = _render(injected)
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in page
    assert SECRET not in page and "CANARYsig" not in page
    assert "&lt;sig-" in page


def test_both_languages() -> None:
    zh, _ = _render(EXAMPLE, "zh-CN")
    assert '<html lang="zh-CN">' in zh
    for text in ("结论", "已诊断", "文件系统无法冻结", "故障排除文章的检查清单", "虚拟机无法访问互联网", "事件",
                 "代理的详细日志已关闭", "learn.microsoft.com"):  # fmt: skip
        assert text in zh
    en, _ = _render(EXAMPLE, "en")
    assert '<html lang="en">' in en and "结论" not in en


def test_deterministic_but_for_the_footer_time() -> None:
    assert _render(EXAMPLE)[0] == _render(EXAMPLE)[0]


def test_size_is_bounded_on_a_big_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(view_module, "MAX_WINDOW_ROWS", 300)
    monkeypatch.setattr(view_module, "MAX_ALERT_ROWS", 100)
    monkeypatch.setattr(view_module, "MAX_MARKS", 200)
    log = tmp_path / "waagent.log"
    with log.open("w") as fh:
        for n in range(6000):
            level = "WARNING" if n % 3 == 0 else "INFO"
            fh.write(
                f"2024-05-01T{10 + n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}.000000Z {level} ExtHandler "
                f"ExtHandler [HTTP Retry] GET http://168.63.129.16/machine?comp=goalstate -- Status Code {500 + n % 5}"
                f" attempt {''.join(chr(97 + int(d)) for d in str(n))}\n"
            )
    page, _ = _render(log)
    rows = page.count('<tr id="ev')
    assert 300 <= rows <= 300 + 100 + 50
    assert len(page) < 1_500_000
    assert not re.search(r"Left out: .* 0 events over the size cap", page)


def test_summary_text_and_markdown() -> None:
    with analyse([EXAMPLE], Limits()) as analysis:
        result = build_result(analysis, lang="zh-CN")
        redactor = Redactor(analysis.bundle.redaction_key or None)
    text = render_summary(result, redactor, "zh-CN", "text")
    assert "已诊断" in text and "sudo waagent -collect-logs -full" in text and "extension.log:51" in text
    md = render_summary(result, redactor, "en", "markdown")
    assert md.startswith("## ") and "```" in md and "Collect next" in md


@pytest.mark.parametrize(
    ("cloud", "present", "absent"),
    [
        ("AzureChinaCloud", ["portal.azure.cn"], ["portal.azure.com", "learn.microsoft.com"]),
        ("AzureCloud", ["portal.azure.com"], ["portal.azure.cn", "docs.azure.cn"]),
        ("unknown", ["portal.azure.com", "portal.azure.cn"], []),
    ],
)
def test_links_follow_the_cloud(cloud: str, present: list[str], absent: list[str]) -> None:
    result = {"vm": {"cloud": cloud}, "findings": [{"cause": "network-blocked"}, {"cause": "snapshot-fsfreeze-failed"}]}
    text = repr(view_module._links(cloud)) + repr(view_module._remedies(result, "en"))
    for host in present:
        assert host in text
    for host in absent:
        assert host not in text


def test_a_healthy_run_beside_a_possible_cause_does_not_say_nothing_is_wrong_on_the_vm() -> None:
    stopped_after = ROOT / "tests" / "fixtures" / "f2-agent-not-running-after-good-run" / "vm"
    page, result = _render(stopped_after)
    assert result["result"] == {"status": "guest-healthy", "top_cause": "agent-not-running"}
    lead = re.search(r'<p class="lead">([^<]*)</p>', page)
    assert lead is not None and "may explain a backup after it" in lead.group(1)
    with analyse([stopped_after], Limits()) as analysis:
        redactor = Redactor(analysis.bundle.redaction_key or None)
    assert "may explain a backup after it" in render_summary(result, redactor, "en", "text")
    healthy = render_summary({**result, "findings": []}, redactor, "en", "text")
    assert "the failure is on the Azure Backup service side." in healthy


def test_a_family_is_ruled_out_only_when_every_cause_that_applies_was(tmp_path: Path) -> None:
    """waagent.log and waagent.conf alone: most of family 4 (where this VM's freeze failure is) cannot
    be evaluated, so its badge must not say "ruled out" (review finding)."""
    from reports.view import _rollup

    def fam(*states: str) -> list[dict[str, str]]:
        return [{"state": st} for st in states]

    assert _rollup(fam("ruled_out", "not_evaluable", "not_applicable")) == "partly_evaluable"
    assert _rollup(fam("ruled_out", "ruled_out", "not_applicable")) == "ruled_out"
    assert _rollup(fam("not_evaluable", "possible", "ruled_out")) == "possible"
    assert _rollup(fam("not_evaluable", "not_applicable")) == "not_evaluable"
    page, _ = _render([EXAMPLE / WAAGENT, EXAMPLE / "etc" / "waagent.conf"])
    badges = dict(re.findall(r'<summary>(\d)\. [^<]*<span class="badge b-([a-z_]+)">', page))
    assert badges["4"] == "partly_evaluable"
    assert "partly checked" in page



def test_no_freeze_bar_after_the_thaw_and_the_phase_colours_have_a_legend(english: str) -> None:
    """The freeze of /data failed and / was thawed at 08:01:12; the later failure and status-report
    lines drew a 2-minute 'freeze' bar, the very picture of a freeze hang (review finding)."""
    bars = re.findall(r'class="bar ph-([a-z-]+) analysed"[^>]*><title>run 12 · [a-z-]+ · ([0-9T:.\-]+)Z', english)
    thaw = min(when for phase, when in bars if phase == "thaw")
    assert not [when for phase, when in bars if phase == "freeze" and when > thaw]
    assert '<p class="legend muted">Run phases:' in english and 'class="key ph-freeze"' in english


def test_sentences_the_tool_writes_as_evidence_are_in_the_report_language() -> None:
    """An absence is the tool's own sentence (the main evidence of agent-not-running): in a zh-CN
    report it was the one English line of the verdict box (review finding)."""
    stopped_after = ROOT / "tests" / "fixtures" / "f2-agent-not-running-after-good-run" / "vm"
    _, chinese = _render(stopped_after, "zh-CN")
    _, english = _render(stopped_after, "en")
    texts = [e["text"] for e in chinese["findings"][0]["evidence"] if e["kind"] == "absence"]
    assert texts and all("没有任何来宾代理记录" in t for t in texts)
    assert any("no agent record" in e["text"] for e in english["findings"][0]["evidence"])


def test_the_time_zone_row_gives_the_zone_and_its_offset_in_words(tmp_path: Path) -> None:
    """It read 'UTCAsia/Shanghai · inferred from zone-file' (review finding T1)."""
    from tests.helpers import AGENT_LEGACY, write_tree

    tree = write_tree(tmp_path / "vm", {"etc/timezone": "Asia/Shanghai\n", "var/log/waagent.log": AGENT_LEGACY})
    page, _ = _render(tree)
    assert "Asia/Shanghai (UTC+08:00) · inferred from the zone file" in html.unescape(page)
    chinese, _ = _render(tree, "zh-CN")
    assert "推断依据 时区文件" in html.unescape(chinese)


def test_backticks_in_remedy_texts_are_code_not_literal(english: str) -> None:
    steps = re.search(r'<ol class="steps">(.*?)</ol>', english, re.S)
    assert steps is not None
    assert "`" not in steps.group(1)
    assert "<code>MountsToSkip = /mnt/resource</code>" in steps.group(1)
