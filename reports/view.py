"""The view model of the HTML report: what the page shows beyond the JSON result.

A report never parses: this reads the :class:`~analyzer.pipeline.Analysis` (its timeline, runs and
knowledge) and the result dict, and returns plain data — table rows, swimlane geometry, the
four-family checklist, cloud links — every string already redacted.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from analyzer.knowledge import load_catalogue
from analyzer.model import Event, EventKind
from analyzer.pipeline import Analysis
from analyzer.redact import Redactor
from analyzer.report_parts import remedy_command
from analyzer.runs import Run
from analyzer.timeline import format_time
from analyzer.timezone import format_offset
from reports.i18n import strings

#: Table caps: the window's events, then warnings/errors outside it (evidence rows are always kept).
#: Sized so a 1 GB verbose bundle stays well under 3 MB (measured: 4000/2000/1500 gave 3.02 MB, the
#: table ~500 bytes a row and a swimlane mark ~490 bytes).
MAX_WINDOW_ROWS = 3000
MAX_ALERT_ROWS = 1500
#: Marks drawn in the swimlanes (errors first, then the rest in time order).
MAX_MARKS = 900
#: A message longer than this is cut in the table (the evidence keeps its own text).
MAX_MESSAGE = 1200

ARTICLE_PATH = "/backup/backup-azure-troubleshoot-vm-backup-fails-snapshot-timeout"
VMSNAPSHOT = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"

_SNAPSHOT_KINDS = {
    EventKind.SNAPSHOT_ENABLE,
    EventKind.SNAPSHOT_PRESNAPSHOT,
    EventKind.FREEZE,
    EventKind.THAW,
    EventKind.SNAPSHOT_CALL,
    EventKind.SNAPSHOT_RESULT,
}
_NETWORK_KINDS = {EventKind.HTTP_ERROR, EventKind.PROXY, EventKind.DHCP, EventKind.WIRESERVER, EventKind.FIREWALL}
_ERROR_KINDS = {EventKind.AGENT_CRASH, EventKind.GOAL_STATE_ERROR, EventKind.HTTP_ERROR, EventKind.OOM,
                EventKind.DISK_FULL}  # fmt: skip
_PHASE_OF_KIND = {
    EventKind.SNAPSHOT_ENABLE: "enable",
    EventKind.EXT_ENABLE: "enable",
    EventKind.SNAPSHOT_PRESNAPSHOT: "before-freeze",
    EventKind.FREEZE: "freeze",
    EventKind.SNAPSHOT_CALL: "snapshot",
    EventKind.SNAPSHOT_RESULT: "snapshot",
    EventKind.THAW: "thaw",
    EventKind.STATUS_WRITE: "status",
}

# SVG geometry (viewBox units).
LABEL_W = 150
PLOT_W = 850
LANE_H = 26
TOP = 22


def _level(ev: Event) -> str:
    if ev.level in ("ERROR", "CRITICAL", "FATAL"):
        return "ERROR"
    if ev.level in ("WARNING", "WARN"):
        return "WARNING"
    if ev.kind in _ERROR_KINDS:
        return "ERROR"
    return ev.level or "INFO"


_FAILURE = re.compile(r"(?i)\b(?:fail(?:ed|ure|s)?|error|exception|traceback|timed? ?out|denied|refused|unreachable)\b")


def _severity(ev: Event, level: str, support: bool) -> str:
    """The colour of a swimlane mark: err (red), warn (amber) or info."""
    if level == "ERROR" or support:
        return "err"
    if level == "WARNING":
        return "warn"
    exit_code = ev.attrs.get("exit_code")
    if ev.attrs.get("error") or (isinstance(exit_code, int) and exit_code != 0) or ev.attrs.get("timeout_s"):
        return "err"
    if ev.kind not in (EventKind.ROUTINE, EventKind.HEARTBEAT) and _FAILURE.search(ev.message[:400]):
        return "err"
    return "info"


def _short_handler(name: str) -> str:
    return name.rsplit(".", 1)[-1] if name.count(".") >= 2 else name


def _lane(ev: Event) -> str:
    """The swimlane key of an event: agent, ext:<name>, snapshot, network, status."""
    if ev.kind == EventKind.STATUS_UPLOAD:
        return "status"
    if ev.kind in _NETWORK_KINDS:
        return "network"
    if ev.kind in _SNAPSHOT_KINDS or ev.parser in ("vmsnapshot_extension_log", "vmsnapshot_shell_log"):
        return "snapshot"
    if ev.handler:
        return "ext:" + ev.handler
    if ev.kind.value.startswith("ext_"):
        return "ext:?"
    return "agent"


def _component(ev: Event) -> str:
    if ev.handler:
        return _short_handler(ev.handler)
    return ev.component or ev.parser or "?"


def _is_analysed(analysis: Analysis, run: Run) -> bool:
    return run is analysis.run  # the analysed run is one of analysis.runs


def _anchor(index: int) -> str:
    return f"ev{index}"


def _links(cloud: str) -> list[dict[str, str]]:
    catalogue = load_catalogue()
    names = [cloud] if cloud not in (None, "", "unknown") else ["AzureCloud", "AzureChinaCloud"]
    out = []
    for name in names:
        try:
            c = catalogue.cloud(name)
        except KeyError:
            continue
        out.append({"cloud": name, "article": c.docs + ARTICLE_PATH, "portal": c.portal})
    return out


def _remedies(result: dict[str, Any], lang: str) -> dict[str, list[dict[str, Any]]]:
    catalogue = load_catalogue()
    cloud = result["vm"].get("cloud") or "unknown"
    out: dict[str, list[dict[str, Any]]] = {}
    for f in result["findings"]:
        if f["cause"] not in catalogue:
            continue
        grouped: list[dict[str, Any]] = []
        for step in catalogue.cause(f["cause"]).remedy_for("linux", cloud):
            text = step.text.get(lang)
            command = remedy_command(step.command, f.get("evidence", []))
            if not grouped or grouped[-1]["text"] != text or grouped[-1]["command"] != command:
                grouped.append({"text": text, "command": command, "links": []})
            if step.link:
                grouped[-1]["links"].append({"cloud": step.cloud, "href": step.link})
        for g in grouped:
            if len(g["links"]) < 2:  # one link: the cloud is implied
                for link in g["links"]:
                    link["cloud"] = None
        out[f["cause"]] = grouped
    return out


_CJK = re.compile(r"[\u3400-\u9fff]")


def _explanations(result: dict[str, Any], lang: str) -> dict[str, str]:
    """The catalogue's summary in ``lang`` for findings whose rule wrote its summary in English only.

    The template then shows it with the English detail beneath; a rule summary already in the
    asked language needs no such help.
    """
    if lang == "en":
        return {}
    catalogue = load_catalogue()
    return {
        f["cause"]: catalogue.cause(f["cause"]).summary.get(lang)
        for f in result["findings"]
        if f["cause"] in catalogue and not _CJK.search(f.get("summary") or "")
    }


def _checklist(result: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    catalogue = load_catalogue()
    t = strings(lang)
    state: dict[str, dict[str, Any]] = {}
    for f in result["findings"]:
        state[f["cause"]] = {"state": f["verdict"], "confidence": f["confidence"], "evidence": f["evidence"],
                             "counter": f["counter_evidence"], "note": f["summary"]}  # fmt: skip
    for r in result["ruled_out"]:
        state[r["cause"]] = {"state": "ruled_out", "evidence": r["evidence"], "note": r["reason"]}
    for r in result["not_evaluable"]:
        state[r["cause"]] = {"state": "not_evaluable", "missing": r["missing"]}
    for r in result["not_applicable"]:
        state[r["cause"]] = {"state": "not_applicable", "note": r["reason"]}
    families = []
    for number in (1, 2, 3, 4):
        items = []
        for cause in catalogue.family(number):
            entry = {"cause": cause.id, "title": cause.title.get(lang), "state": "not_evaluable", "evidence": [],
                     "counter": [], "missing": [], "note": None, "confidence": None}  # fmt: skip
            entry.update(state.get(cause.id, {}))
            items.append(entry)
        order = {"likely": 0, "possible": 1, "ruled_out": 2, "not_evaluable": 3, "not_applicable": 4}
        items.sort(key=lambda e: (order.get(e["state"], 5), e["cause"]))
        families.append({"number": number, "title": t["families"][number], "causes": items, "state": _rollup(items)})
    return families


def _rollup(items: list[dict[str, Any]]) -> str:
    """A family's badge.  "Ruled out" only when every cause that applies was ruled out: one ruled-out
    cause among unevaluated ones (a ticket with waagent.log only) must not read as "not this family",
    which sent engineers away from the family that held the real cause."""
    states = [e["state"] for e in items if e["state"] != "not_applicable"]
    for verdict in ("likely", "possible"):
        if verdict in states:
            return verdict
    if not states:
        return "not_applicable" if items else "not_evaluable"
    if all(st == "ruled_out" for st in states):
        return "ruled_out"
    return "partly_evaluable" if "ruled_out" in states else "not_evaluable"


class _Scale:
    def __init__(self, start: datetime, end: datetime) -> None:
        self.start = start
        self.span = max((end - start).total_seconds(), 1.0)

    def x(self, when: datetime) -> float:
        frac = (when - self.start).total_seconds() / self.span
        return round(LABEL_W + max(0.0, min(1.0, frac)) * PLOT_W, 1)


def _lanes(
    analysis: Analysis,
    rows_by_index: dict[int, dict[str, Any]],
    lang: str,
    window: tuple[datetime, datetime] | None,
) -> dict[str, Any] | None:
    """Swimlane geometry over ``window`` (the analysed window, or the analysed run for the zoom)."""
    if window is None:
        return None
    t = strings(lang)
    scale = _Scale(*window)
    tl = analysis.timeline
    names = {"agent": t["lane_agent"], "snapshot": t["lane_snapshot"], "network": t["lane_network"],
             "status": t["lane_status"], "ext:?": t["lane_extensions"]}  # fmt: skip
    lane_keys: list[str] = ["agent"]
    marks: list[tuple[int, str, dict[str, Any]]] = []
    for index, row in rows_by_index.items():
        if index < 0 or not row["in_window"]:
            continue
        when = tl.times[index]
        if when is None or not window[0] <= when <= window[1]:
            continue
        ev = tl.events[index]
        key = _lane(ev)
        if key.startswith("ext:") and key not in lane_keys:
            lane_keys.append(key)
        severity = {"err": 0, "warn": 1}.get(row["severity"], 2)
        marks.append((severity, key, row))
    ext_lanes = sorted(k for k in lane_keys if k.startswith("ext:"))
    order = ["agent", *ext_lanes, "snapshot", "network", "status"]
    lane_y = {key: TOP + i * LANE_H for i, key in enumerate(order)}
    lanes = [
        {"key": key, "y": lane_y[key], "label": names.get(key) or _short_handler(key[4:]), "mid": lane_y[key] + 13}
        for key in order
    ]
    marks.sort(key=lambda m: (m[0], m[2]["order"]))
    drawn = marks[:MAX_MARKS]
    out_marks = []
    for severity, key, row in sorted(drawn, key=lambda m: (-m[0], m[2]["order"])):
        ev_time = tl.times[row["index"]]
        if ev_time is None:
            continue
        out_marks.append(
            {
                "x": scale.x(ev_time),
                "y": lane_y[key] + 4,
                "cls": ("err", "warn", "info")[severity],
                "anchor": row["id"],
                "title": f"{row['time']} {row['level']} {row['kind']} — {row['message'][:160]}",
            }
        )
    bars = []
    for run in analysis.runs:
        if run.end < window[0] or run.start > window[1]:
            continue
        points: list[tuple[datetime, str]] = []
        for i in run.events:
            when = tl.times[i]
            phase = _PHASE_OF_KIND.get(tl.events[i].kind)
            # a freeze-failure or status-report line after the thaw does not reopen "freeze" (that drew
            # minutes of frozen file systems that never were)
            if phase == "freeze" and any(p == "thaw" for _, p in points):
                continue
            if when is not None and phase and (not points or points[-1][1] != phase):
                points.append((when, phase))
        if not points:
            points = [(run.start, "enable")]
        analysed = _is_analysed(analysis, run)
        for n, (when, phase) in enumerate(points):
            end = points[n + 1][0] if n + 1 < len(points) else run.end
            x0, x1 = scale.x(when), scale.x(end)
            bars.append(
                {
                    "x": x0,
                    "w": max(round(x1 - x0, 1), 2.0),
                    "y": lane_y["snapshot"] + 7,
                    "phase": phase,
                    "analysed": analysed,
                    "title": f"{run.label} · {phase} · {format_time(when)}",
                }
            )
    markers = []
    if analysis.backup_time is not None and window[0] <= analysis.backup_time[0] <= window[1]:
        markers.append({"x": scale.x(analysis.backup_time[0]), "label": t["backup_time"]})
    elif analysis.run is not None and analysis.run.enable_time is not None:
        markers.append({"x": scale.x(analysis.run.enable_time), "label": t["run_start"]})
    ticks = []
    for n in range(5):
        when = window[0] + (window[1] - window[0]) * (n / 4)
        span = window[1] - window[0]
        # a picture over more than a day needs the dates on its axis
        fmt = "%m-%d %H:%M" if span > timedelta(hours=20) else "%H:%M" if span > timedelta(minutes=20) else "%H:%M:%S"
        label = when.strftime(fmt)
        ticks.append({"x": round(LABEL_W + PLOT_W * n / 4, 1), "label": label})
    height = TOP + len(order) * LANE_H + 6
    return {
        "lanes": lanes,
        "marks": out_marks,
        "bars": bars,
        "markers": markers,
        "ticks": ticks,
        "width": LABEL_W + PLOT_W + 10,
        "height": height,
        "plot_x": LABEL_W,
        "plot_end": LABEL_W + PLOT_W,
        "not_drawn": max(0, len(marks) - len(out_marks)),
    }


def _rows(
    analysis: Analysis, result: dict[str, Any], redactor: Redactor
) -> tuple[dict[int, dict[str, Any]], dict[str, int]]:
    tl = analysis.timeline
    window = analysis.window
    index_of: dict[tuple[str, int], int] = {}
    for i, ev in enumerate(tl.events):
        index_of.setdefault((ev.member, ev.line), i)
    evidence_idx: set[int] = set()
    support_idx: set[int] = set()
    for group in ("findings", "ruled_out"):
        for item in result[group]:
            for key in ("evidence", "counter_evidence"):
                for e in item.get(key, []):
                    i = index_of.get((e.get("member") or "", e.get("line") or 0))
                    if i is not None:
                        evidence_idx.add(i)
                        if group == "findings" and key == "evidence":
                            support_idx.add(i)
    chosen: dict[int, bool] = {}
    counts = {"window": 0, "alerts": 0, "outside": 0, "capped": 0}
    for i, (ev, when) in enumerate(zip(tl.events, tl.times, strict=True)):
        in_window = window is not None and when is not None and window[0] <= when <= window[1]
        alert = _level(ev) in ("ERROR", "WARNING")
        if i in evidence_idx:
            chosen[i] = in_window
        elif in_window:
            if counts["window"] < MAX_WINDOW_ROWS:
                counts["window"] += 1
                chosen[i] = True
            else:
                counts["capped"] += 1
        elif alert:
            if counts["alerts"] < MAX_ALERT_ROWS:
                counts["alerts"] += 1
                chosen[i] = False
            else:
                counts["capped"] += 1
        else:
            counts["outside"] += 1
    rows: dict[int, dict[str, Any]] = {}
    for order, i in enumerate(sorted(chosen)):
        ev = tl.events[i]
        # Redact before cutting: a cut secret would otherwise get the stand-in of its prefix (the
        # swimlane titles cut this message again).
        message = redactor(ev.message) or ""
        message = message if len(message) <= MAX_MESSAGE else message[:MAX_MESSAGE] + " …"
        rows[i] = {
            "index": i,
            "order": order,
            "id": _anchor(i),
            "time": (format_time(tl.times[i]) or ev.time_raw or "")[:23].replace("T", " "),
            "level": _level(ev),
            "severity": _severity(ev, _level(ev), i in support_idx),
            "component": _component(ev),
            "kind": ev.kind.value,
            "source": ev.source or ev.member,
            "member": ev.member,
            "line": ev.line,
            "message": message,
            "in_window": chosen[i],
            "evidence": i in evidence_idx,
        }
    # Evidence read from a line that is no kept event (a status file, a collapsed repeat): a row of
    # its own, so that every evidence link has a target.  Negative keys: no timeline event.
    extra = 0
    for group in ("findings", "ruled_out"):
        for item in result[group]:
            for key in ("evidence", "counter_evidence"):
                for e in item.get(key, []):
                    member, line = e.get("member") or "", e.get("line") or 0
                    if (
                        not line
                        or (member, line) in index_of
                        or any(r["member"] == member and r["line"] == line for r in rows.values() if r["index"] < 0)
                    ):
                        continue
                    extra += 1
                    text = str(e.get("text") or "")
                    rows[-extra] = {
                        "index": -extra,
                        "order": len(rows),
                        "id": f"ex{extra}",
                        "time": (e.get("time") or "")[:23].replace("T", " "),
                        "level": "INFO",
                        "severity": "err" if group == "findings" and key == "evidence" else "info",
                        "component": "evidence",
                        "kind": str(e.get("kind") or "line"),
                        "source": e.get("source") or member,
                        "member": member,
                        "line": line,
                        "message": text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + " …",
                        "in_window": False,
                        "evidence": True,
                    }
    if extra:
        ordered = sorted(rows.values(), key=lambda r: (r["time"] or "9999", r["order"]))
        rows = {r["index"]: r for r in ordered}
        for order, r in enumerate(ordered):
            r["order"] = order
    return rows, counts


def build_view(analysis: Analysis, result: dict[str, Any], lang: str, redactor: Redactor) -> dict[str, Any]:
    """Everything the page needs beyond ``result``; every string redacted."""
    rows, counts = _rows(analysis, result, redactor)
    lanes = _lanes(analysis, rows, lang, analysis.window)
    zoom = None
    zoom_span = None
    run = analysis.run
    if run is not None and analysis.window is not None:
        margin = max((run.end - run.start) / 20, timedelta(seconds=5))
        span = (max(run.start - margin, analysis.window[0]), min(run.end + margin, analysis.window[1]))
        if (span[1] - span[0]) * 3 < analysis.window[1] - analysis.window[0]:
            zoom = _lanes(analysis, rows, lang, span)
            zoom_span = [format_time(span[0]), format_time(span[1])]
    anchors = {f"{row['member']}:{row['line']}": row["id"] for row in rows.values()}
    table = list(rows.values())
    runs = []
    for run in analysis.runs:
        runs.append({"label": run.label, "analysed": _is_analysed(analysis, run), "start": format_time(run.start)})
    view = {
        "rows": table,
        "counts": counts,
        "routine": result["timeline"]["routine_counted"],
        "filters": {
            "level": sorted({r["level"] for r in table}),
            "kind": sorted({r["kind"] for r in table}),
            "component": sorted({r["component"] for r in table}),
        },
        "anchors": anchors,
        "lanes": lanes,
        "zoom": zoom,
        "zoom_span": zoom_span,
        "checklist": _checklist(result, lang),
        "remedies": _remedies(result, lang),
        "explanations": _explanations(result, lang),
        "links": _links(result["vm"].get("cloud") or "unknown"),
        "analysed_seq": analysis.run.seq if analysis.run is not None else None,
        "analysed_start": format_time(analysis.run.start) if analysis.run is not None else None,
        "runs": runs,
        "vmsnapshot": next((e for e in result["vm"]["extensions"] if e["name"] == VMSNAPSHOT), None),
        "other_extensions": [e for e in result["vm"]["extensions"] if e["name"] != VMSNAPSHOT],
        "time_zone": _time_zone_label(analysis),
    }
    return redactor.deep(view)  # type: ignore[return-value]


def _time_zone_label(analysis: Analysis) -> str:
    """'UTC+08:00', or 'Asia/Shanghai (UTC+08:00)' for a named zone: the engineer converts the
    portal's local backup time with it, so the numeric offset is always shown (at the analysed
    window, which matters for zones with daylight saving)."""
    tz = analysis.timeline.time_zone
    text = tz.offset_text()
    if text[:1] in "+-":
        return f"UTC{text}"
    if tz.zone is None:
        return text
    when = analysis.window[1] if analysis.window is not None else datetime.now(UTC).replace(tzinfo=None)
    offset = when.replace(tzinfo=UTC).astimezone(tz.zone).utcoffset()  # the window is UTC
    return f"{text} (UTC{format_offset(offset or timedelta(0))})"
