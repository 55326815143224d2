"""Batch index page: ``OUTDIR/index.html`` of ``snapdiag batch`` (design §6), an internal page for support staff.

No HTML is built here: the page is ``templates/batch_index.html.j2`` (autoescaped).  This module turns the
batch's records into plain view data (counts, table rows with sort keys, chart geometry) so the page reads
without JavaScript; the inlined ``batch_index.js`` only adds sorting and filtering.  CSS and JS are allowed
by their sha256 hashes in the page's Content-Security-Policy, exactly like the single-bundle report.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from analyzer.batch.model import SUMMARY_FIELDS, ConcurrentGroup, ErrorTemplate
from reports.html import _ENV, _asset, content_security_policy
from reports.i18n import strings as report_strings

# Caps keep a 1000-bundle page small: the full lists are in summary.json / summary.csv.
MAX_BARS = 24  # bars per version chart; the rest are one "other" bar
MAX_CAUSE_BARS = 40  # the catalogue has ~32 causes: normally every cause gets its bar
MAX_TEMPLATES = 300
MAX_LISTED_BUNDLES = 50  # bundles listed under one template or one concurrent group
MAX_ERROR_CHARS = 400

# Chart geometry (SVG user units): a label column, then the bar, then its count.
_LABEL_W, _BAR_W, _ROW_H, _BAR_H, _TOP = 230, 340, 22, 15, 4
_CHART_W = _LABEL_W + _BAR_W + 60

_EN: dict[str, Any] = {
    "title": "snapdiag batch",
    "internal": "INTERNAL",
    "internal_note": "For support staff only, not for customers: this page shows data of many VMs.",
    "generated": "generated",
    "contents": "Contents",
    "count": {"bundles": "bundles", "errors": "errors"},
    "status_error": "error",
    "warnings": "{n} reading warning(s): see the report",
    "charts": "Charts",
    "cause_chart": "Top causes",
    "cause_note": "Select a bar to show only those bundles in the table.",
    "agent_chart": "Agent version (goal state)",
    "daemon_chart": "Agent version (daemon)",
    "vmsnapshot_chart": "VMSnapshot version",
    "other": "other ({n} values)",
    "unknown": "unknown",
    "nothing": "Nothing to show.",
    "bundles": "Bundles",
    "col": {"input": "Bundle", "status": "Status", "top_cause": "Top cause", "verdict": "Verdict",
            "confidence": "Confidence", "goal_state": "Agent (goal state)", "daemon": "Agent (daemon)",
            "vmsnapshot": "VMSnapshot", "os": "OS", "cloud": "Cloud", "backup_time": "Backup time (UTC)"},
    "filter": "Filter the bundles",
    "filter_text": "Text",
    "filter_all": "all",
    "rows_shown": "rows shown",
    "sort_hint": "Select a column heading to sort.",
    "no_rows": "No bundle in this batch.",
    "concurrent": "Concurrent backups",
    "concurrent_note": "VMs whose backup runs overlap in time and share a deployment, storage account host or region.",
    "shared": "Shared",
    "shared_kinds": {"deployment": "deployment", "storage": "storage account host", "region": "region"},
    "value": "Value",
    "overlap": "Overlap (UTC)",
    "members": "Bundles (run)",
    "run": "run {seq}",
    "and_more": "and {n} more",
    "none_found": "None found.",
    "unexplained": "Unexplained errors",
    "unexplained_note": "ERROR and WARNING records that no rule used, masked and grouped into templates across the "
    "batch: new failure patterns show up here.",
    "template": "Template",
    "level": "Level",
    "records": "Records",
    "example": "Example",
    "bundle_list": "{n} bundles",
    "bundle_list_one": "1 bundle",
    "more_templates": "{n} more templates are not shown (see summary.json).",
    "errors": "Errors",
    "errors_note": "Bundles that could not be analysed.",
    "error": "Error",
}  # fmt: skip

_ZH: dict[str, Any] = {
    "title": "snapdiag 批量分析",
    "internal": "INTERNAL · 内部",
    "internal_note": "仅供支持人员使用，请勿提供给客户：本页包含许多虚拟机的数据。",
    "generated": "生成于",
    "contents": "目录",
    "count": {"bundles": "个日志包", "errors": "出错"},
    "status_error": "出错",
    "warnings": "{n} 条读取警告：请查看报告",
    "charts": "图表",
    "cause_chart": "首要原因",
    "cause_note": "选择一个条形即可在表中只显示这些日志包。",
    "agent_chart": "代理版本（目标状态）",
    "daemon_chart": "代理版本（守护进程）",
    "vmsnapshot_chart": "VMSnapshot 版本",
    "other": "其他（{n} 个值）",
    "unknown": "未知",
    "nothing": "没有可显示的内容。",
    "bundles": "日志包",
    "col": {"input": "日志包", "status": "状态", "top_cause": "首要原因", "verdict": "判定",
            "confidence": "置信度", "goal_state": "代理（目标状态）", "daemon": "代理（守护进程）",
            "vmsnapshot": "VMSnapshot", "os": "操作系统", "cloud": "云", "backup_time": "备份时间（UTC）"},
    "filter": "筛选日志包",
    "filter_text": "文本",
    "filter_all": "全部",
    "rows_shown": "行已显示",
    "sort_hint": "选择列标题即可排序。",
    "no_rows": "此批次中没有日志包。",
    "concurrent": "并发备份",
    "concurrent_note": "备份运行时间重叠，并且共用同一部署、存储帐户主机或区域的虚拟机。",
    "shared": "共用",
    "shared_kinds": {"deployment": "部署", "storage": "存储帐户主机", "region": "区域"},
    "value": "值",
    "overlap": "重叠时间（UTC）",
    "members": "日志包（运行）",
    "run": "运行 {seq}",
    "and_more": "另有 {n} 个",
    "none_found": "未发现。",
    "unexplained": "未解释的错误",
    "unexplained_note": "没有任何规则用到的 ERROR 和 WARNING 记录，经过掩码处理后在整个批次中归并为模板："
    "新的故障模式会出现在这里。",
    "template": "模板",
    "level": "级别",
    "records": "记录数",
    "example": "示例",
    "bundle_list": "{n} 个日志包",
    "bundle_list_one": "1 个日志包",
    "more_templates": "另有 {n} 个模板未显示（见 summary.json）。",
    "errors": "错误",
    "errors_note": "无法分析的日志包。",
    "error": "错误",
}  # fmt: skip

STATUSES = ("diagnosed", "inconclusive", "guest-healthy", "no-data")
_UNSAFE_LINK = re.compile(r"[:\\\x00-\x1f\x7f]")


def index_strings(lang: str) -> dict[str, Any]:
    """The page's strings for ``lang`` (anything starting with ``zh`` is Simplified Chinese)."""
    base = report_strings(lang)  # status and verdict names are shared with the single-bundle report
    own = _ZH if lang.lower().startswith("zh") else _EN
    return {**own, "status": base["status"], "verdicts": base["verdicts"]}


def safe_href(link: str) -> str | None:
    """``link`` as a relative URL, or None when it could leave OUTDIR or run code (scheme, absolute, ``..``)."""
    if not link or _UNSAFE_LINK.search(link) or link.startswith("/") or ".." in link:
        return None
    # Quoting makes every other character (``?``, ``#``, ``%``, spaces) part of the file name, never URL syntax.
    return quote(link, safe="/._-~")


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None  # NaN and inf sort as missing


def _version_key(text: str) -> str:
    """A key that sorts versions numerically as plain strings (2.10 after 2.9) in the browser."""
    return ".".join(p.zfill(10) if p.isdigit() else p.lower() for p in re.split(r"[.\-_+]", text)) if text else ""


def _when(iso: str) -> str:
    return iso[:19].replace("T", " ")


def _row_view(raw: Mapping[str, Any], t: Mapping[str, Any]) -> dict[str, Any]:
    row = {key: "" if raw.get(key) is None else str(raw.get(key)) for key in SUMMARY_FIELDS}
    failed = bool(row["error"])
    status = row["status"] or ("error" if failed else "")
    confidence = _number(row["confidence"])
    error = " ".join(row["error"].split())
    return {
        **row,
        "status": status,
        "status_label": t["status_error"] if status == "error" else t["status"].get(status, status),
        "verdict_label": t["verdicts"].get(row["verdict"], row["verdict"]),
        "failed": failed,
        "failure_cause": row["top_cause"] if status in FAILING and row["top_cause"] not in ("", "none") else "",
        "href": safe_href(row["report"]),
        "confidence_key": "" if confidence is None else repr(confidence),
        "error_short": error if len(error) <= MAX_ERROR_CHARS else error[: MAX_ERROR_CHARS - 1] + "…",
        "keys": {name: _version_key(row[name]) for name in ("daemon_version", "goal_state_agent_version",
                                                             "vmsnapshot_version")},
    }  # fmt: skip


def _chart(
    counts: Counter[str], order: list[str], unknown: str, other: str, linked: bool, cap: int = MAX_BARS
) -> dict[str, Any]:
    """Horizontal bars for ``counts`` in ``order`` (at most ``cap``, the rest folded into one bar)."""
    shown, rest = order[:cap], order[cap:]
    items = [(value or unknown, value, counts[value], linked) for value in shown]
    if rest:
        items.append((other.format(n=len(rest)), "", sum(counts[v] for v in rest), False))
    top = max((n for _, _, n, _ in items), default=0)
    bars = []
    for i, (label, value, n, link) in enumerate(items):
        y = _TOP + i * _ROW_H
        bars.append({
            "label": label if len(label) <= 34 else label[:33] + "…", "full": label, "value": value, "n": n,
            "y": y, "text_y": y + _BAR_H - 3, "w": max(2, round(_BAR_W * n / top)) if top else 0,
            "link": link and bool(value),
        })  # fmt: skip
    return {"bars": bars, "width": _CHART_W, "height": _TOP * 2 + len(items) * _ROW_H, "label_w": _LABEL_W,
            "bar_h": _BAR_H, "count_x": _LABEL_W + 6}  # fmt: skip


def _version_chart(values: Iterable[str], t: Mapping[str, Any]) -> dict[str, Any]:
    counts = Counter(values)
    common = [v for v, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    # The most common versions get a bar; they are drawn newest first, unknown last.
    head = common[:MAX_BARS]
    shown = sorted((v for v in head if v), key=_version_key, reverse=True) + [v for v in head if not v]
    return _chart(counts, shown + common[MAX_BARS:], t["unknown"], t["other"], linked=False)


def _listed(inputs: Iterable[str], hrefs: Mapping[str, str | None]) -> list[dict[str, Any]]:
    return [{"input": name, "href": hrefs.get(name)} for name in inputs]


def _groups_view(
    groups: list[ConcurrentGroup], hrefs: Mapping[str, str | None], t: Mapping[str, Any]
) -> list[dict[str, Any]]:
    out = []
    for g in sorted(groups, key=lambda g: (g.start, g.shared, g.value, g.end)):
        members = [{"input": name, "seq": seq, "href": hrefs.get(name)} for name, seq in g.members]
        out.append(
            {
                "shared": g.shared,
                "shared_label": " + ".join(t["shared_kinds"].get(k, k) for k in g.shared.split("+")),
                "value": g.value,
                "start": _when(g.start),
                "end": _when(g.end),
                "members": members[:MAX_LISTED_BUNDLES],
                "more": max(0, len(members) - MAX_LISTED_BUNDLES),
            }
        )
    return out


def _templates_view(templates: list[ErrorTemplate], hrefs: Mapping[str, str | None]) -> list[dict[str, Any]]:
    out = []
    for tp in sorted(templates, key=lambda tp: (-tp.count, tp.template))[:MAX_TEMPLATES]:
        bundles = sorted(tp.bundles)
        out.append({"template": tp.template, "level": tp.level, "count": tp.count, "n_bundles": len(bundles),
                    "example": tp.example, "bundles": _listed(bundles[:MAX_LISTED_BUNDLES], hrefs),
                    "more": max(0, len(bundles) - MAX_LISTED_BUNDLES)})  # fmt: skip
    return out


FAILING = ("diagnosed", "inconclusive")


def build_index_view(
    rows: list[dict[str, str]],
    groups: list[ConcurrentGroup],
    templates: list[ErrorTemplate],
    lang: str = "en",
    warnings: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Everything the template shows, computed once (counts, sorted rows, chart bars, sections)."""
    t = index_strings(lang)
    table = [_row_view(r, t) for r in sorted(rows, key=lambda r: str(r.get("input") or ""))]
    for r in table:
        n = int((warnings or {}).get(r["input"], 0))
        r["warnings_label"] = t["warnings"].format(n=n) if n else ""
    hrefs = {r["input"]: r["href"] for r in table}
    statuses = Counter(r["status"] for r in table)
    counts = [{"key": "bundles", "n": len(table), "label": t["count"]["bundles"], "href": "#bundles"}]
    counts += [{"key": s, "n": statuses[s], "label": t["status"][s], "href": f"#status={s}"} for s in STATUSES]
    failed = [r for r in table if r["failed"]]
    counts.append({"key": "errors", "n": len(failed), "label": t["count"]["errors"], "href": "#errors"})
    # a cause of failure: a guest-healthy bundle's top finding is advice, and "none" is no cause
    causes = Counter(r["failure_cause"] for r in table if r["failure_cause"])
    cause_order = [c for c, _ in sorted(causes.items(), key=lambda kv: (-kv[1], kv[0]))]
    extra = sorted(set(statuses) - set(STATUSES) - {"error", ""})
    return {
        "t": t,
        "rows": table,
        "counts": counts,
        "failed": failed,
        "status_options": [s for s in (*STATUSES, *extra, "error") if statuses[s]],
        "cause_options": sorted(causes),
        "cause_chart": _chart(causes, cause_order, t["unknown"], t["other"], linked=True, cap=MAX_CAUSE_BARS),
        "version_charts": [
            (t["agent_chart"], _version_chart((r["goal_state_agent_version"] for r in table), t)),
            (t["daemon_chart"], _version_chart((r["daemon_version"] for r in table), t)),
            (t["vmsnapshot_chart"], _version_chart((r["vmsnapshot_version"] for r in table), t)),
        ],
        "groups": _groups_view(groups, hrefs, t),
        "templates": _templates_view(templates, hrefs),
        "more_templates": max(0, len(templates) - MAX_TEMPLATES),
    }


def render_batch_index(
    rows: list[dict[str, str]],
    groups: list[ConcurrentGroup],
    templates: list[ErrorTemplate],
    lang: str = "en",
    generated_at: str = "",
    title: str = "",
    warnings: Mapping[str, int] | None = None,
) -> str:
    """The batch's ``index.html``: ``rows`` are summary rows (SUMMARY_FIELDS, already redacted);
    ``warnings`` counts each input's reading warnings (a damaged bundle must not look clean)."""
    view = build_index_view(rows, groups, templates, lang, warnings)
    css, js = _asset("batch_index.css"), _asset("batch_index.js")
    return _ENV.get_template("batch_index.html.j2").render(
        **view,
        lang="zh-CN" if lang.lower().startswith("zh") else "en",
        title=title or view["t"]["title"],
        generated_at=generated_at,
        css=Markup(css),  # our own file, hashed into the CSP
        js=Markup(js),  # our own file, hashed into the CSP
        csp=content_security_policy(css, js),
    )
