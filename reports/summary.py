"""Ticket-ready summary (`snapdiag analyze … --summary text|markdown`): verdict, key evidence, collect next."""

from __future__ import annotations

from typing import Any

from analyzer.redact import Redactor
from reports.i18n import note, status_note, strings

MAX_EVIDENCE = 5


def _evidence_line(e: dict[str, Any]) -> str:
    where = f"{e['source']}:{e['line']}" if e.get("line") else (e.get("source") or "")
    when = f"{e['time'][:19].replace('T', ' ')}Z " if e.get("time") else ""
    text = " ".join(str(e.get("text") or "").split())
    if len(text) > 300:
        text = text[:300] + " …"
    return f"{when}{where}: {text}".strip()


def render_summary(result: dict[str, Any], redactor: Redactor, lang: str = "en", fmt: str = "text") -> str:
    """The verdict, key evidence and collect-next list in ``lang``; ``fmt`` is ``text`` or ``markdown``."""
    r: dict[str, Any] = redactor.deep(result)  # type: ignore[assignment]
    t = strings(lang)
    md = fmt == "markdown"
    status = r["result"]["status"]
    top = r["findings"][0] if r["findings"] else None
    out: list[str] = []

    def head(text: str) -> None:
        out.append("")
        out.append(f"### {text}" if md else f"{text}:")

    def code(text: str) -> None:
        if md:
            out.extend(["```", text, "```"])
        else:
            out.extend("    " + line for line in text.splitlines())

    title = f"{t['summary_title']} — {t['verdict']}: {t['status'].get(status, status)}"
    out.append(f"## {title}" if md else title)
    out.append(status_note(t, status, top is not None))
    if top:
        bold = "**" if md else ""
        out.append("")
        out.append(
            f"{t['top_cause']}: {bold}{top['title']}{bold} ({top['cause']}, {t['verdicts'].get(top['verdict'])}, "
            f"{t['confidence']} {top['confidence'] * 100:.0f}%)"
        )
        if top.get("summary"):
            out.append(top["summary"])
        if top.get("remedy"):
            head(t["remedy"])
            for n, step in enumerate(dict.fromkeys(top["remedy"]), 1):
                text, _, command = step.partition("\n$ ")
                out.append(f"{n}. {text}")
                if command:
                    code(command)
        if top.get("evidence"):
            head(t["key_evidence"])
            for e in top["evidence"][:MAX_EVIDENCE]:
                line = _evidence_line(e)
                out.append(f"- `{line}`" if md else f"- {line}")
        if len(r["findings"]) > 1:
            second = r["findings"][1]
            out.append("")
            out.append(
                f"{t['runner_up']}: {second['title']} ({second['cause']}, {t['verdicts'].get(second['verdict'])}, "
                f"{second['confidence'] * 100:.0f}%)"
            )
            if top.get("why_not_runner_up"):
                out.append(f"{t['why_lost']}: {top['why_not_runner_up']}")
    else:
        out.append(t["no_cause"])
    notes = r["coverage"]["notes"]
    if notes:
        head(t["coverage"])
        out.extend(f"- {note(n, lang)}" for n in notes)
    if r["collect_next"]:
        head(t["collect_next"])
        for n, c in enumerate(r["collect_next"], 1):
            out.append(f"{n}. {c['why']}")
            code(c["command"])
    out.append("")
    out.append(
        f"snapdiag {r['tool']['version']} · {t['knowledge']} {r['tool']['knowledge_version']} · "
        f"{t['input']} {r['bundle']['sha256']}"
    )
    return "\n".join(out) + "\n"
