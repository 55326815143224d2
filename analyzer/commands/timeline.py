"""`snapdiag timeline`: the merged events in UTC as a table, CSV or JSON lines (design §3)."""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from analyzer.limits import Limits
from analyzer.merge import EventSpill
from analyzer.pipeline import analyse
from analyzer.redact import Redactor
from analyzer.textio import terminal_safe
from analyzer.timeline import COLUMNS, Timeline, format_time
from analyzer.timezone import TimeZoneInfo

_WINDOW = re.compile(r"^(\d+)\s*([smhd])$")
_CSV_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_JSONL = json.JSONEncoder(ensure_ascii=False, default=str)  # what json.dumps builds for every call
_WRITE_BLOCK = 256


def parse_window(text: str) -> timedelta:
    from analyzer.cli import EXIT_USAGE, Fail

    m = _WINDOW.match(text.strip())
    if not m:
        raise Fail(f"--window needs a duration like 30m, 2h or 1d, got {text!r}", EXIT_USAGE)
    unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[m.group(2)]
    return timedelta(**{unit: int(m.group(1))})


def parse_instant(text: str, option: str) -> datetime:
    """An ISO time that must carry an offset (Z or +08:00); returned as naive UTC."""
    from analyzer.cli import EXIT_USAGE, Fail

    try:
        when = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError as exc:
        raise Fail(
            f"{option} needs an ISO time with an offset, e.g. 2024-05-01T10:00:00Z, got {text!r}", EXIT_USAGE
        ) from exc
    if when.tzinfo is None:
        raise Fail(f"{option} must carry an offset (Z or +08:00): {text!r}", EXIT_USAGE)
    return when.astimezone(UTC).replace(tzinfo=None)


def _row_renderer(
    tl: Timeline,
    redactor: Redactor,
    centre: datetime | None,
    half: timedelta,
    kinds: tuple[str, ...],
    wanted_levels: set[str],
) -> Callable[[Any, datetime | None, str], dict[str, Any] | None]:
    """The design §3 row of a spilled event, redacted, or None when a filter (or de-duplication)
    leaves it out.  It runs while the spill sorts, so the sorted runs hold rows, not whole events."""
    also = {(ev.member, ev.line): members for ev, members in zip(tl.events, tl.also_in, strict=True) if members}
    duplicates = tl.duplicates
    no_members: list[str] = []

    def render(row: tuple[Any, ...], when: datetime | None, basis: str) -> dict[str, Any] | None:
        (line, kind, message, _wall, _clock, time_raw, level, component, handler, handler_version, attrs, source,
         member, parser, _index) = row  # fmt: skip
        if (member, line) in duplicates:
            return None
        if centre is not None and (when is None or abs(when - centre) > half):
            return None
        kind_value = kind._value_
        if kinds and kind_value not in kinds:
            return None
        if wanted_levels and (level or "") not in wanted_levels:
            return None
        return {
            "time": format_time(when),
            "time_raw": time_raw,
            "time_basis": basis,
            "source": redactor(source),
            "member": redactor(member),
            "line": line,
            "parser": parser,
            "component": component,
            "level": level,
            "kind": kind_value,
            "handler": handler,
            "handler_version": handler_version,
            "message": redactor(message),
            "attrs": redactor.deep(attrs),
            "also_in": [redactor(m) for m in also.get((member, line), no_members)],
        }

    return render


def _jsonl_lines(
    spill: EventSpill, tl: Timeline, render: Callable[[Any, datetime | None, str], dict[str, Any] | None]
) -> Iterator[str]:
    """JSON lines, encoded while the spill sorts (the sorted runs then hold short strings)."""
    encode = _JSONL.encode

    def line(row: tuple[Any, ...], when: datetime | None, basis: str) -> str | None:
        rendered = render(row, when, basis)
        return None if rendered is None else encode(rendered) + "\n"

    return spill.sorted_rendered(tl.time_zone, line)


def neutralise_csv(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_CSV_DANGEROUS):
        return "'" + value
    return value


def run_timeline(
    inputs: list[Path],
    limits: Limits,
    tz: TimeZoneInfo | None,
    fmt: str,
    around: str | None,
    window: str,
    kinds: tuple[str, ...],
    levels: tuple[str, ...],
) -> int:
    centre = parse_instant(around, "--around") if around else None
    half = parse_window(window)
    wanted_levels = {lv.upper() for lv in levels}
    out = sys.stdout
    spill = EventSpill()
    try:
        with analyse(inputs, limits, tz, spill=spill) as analysis:
            redactor = Redactor(analysis.bundle.redaction_key or None)
            tl = analysis.timeline
            render = _row_renderer(tl, redactor, centre, half, kinds, wanted_levels)
            if fmt == "jsonl":
                _write_blocks(out, _jsonl_lines(spill, tl, render))
            else:
                _write_rows(out, fmt, spill.sorted_rendered(tl.time_zone, render))
    finally:
        spill.close()
    return 0


def _write_blocks(out: Any, lines: Iterator[str]) -> None:
    """Write text lines in blocks of :data:`_WRITE_BLOCK` (one write call per block)."""
    pending: list[str] = []
    try:
        for text in lines:
            pending.append(text)
            if len(pending) >= _WRITE_BLOCK:
                out.write("".join(pending))
                pending.clear()
    finally:
        if pending:
            out.write("".join(pending))


def _write_rows(out: Any, fmt: str, rows: Iterator[dict[str, Any]]) -> None:
    """CSV (attrs and also_in as JSON text, formula cells neutralised) or the terminal table."""
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), extrasaction="ignore") if fmt == "csv" else None
    if writer is not None:
        writer.writeheader()
    for row in rows:
        if writer is not None:
            row["attrs"] = json.dumps(row["attrs"], ensure_ascii=False, default=str, sort_keys=True)
            row["also_in"] = json.dumps(row["also_in"])
            writer.writerow({k: neutralise_csv(v) for k, v in row.items()})
        else:
            first_line = (row["message"] or "").split("\n", 1)[0]
            out.write(
                terminal_safe(
                    f"{row['time'] or '-':27} {row['level'] or '-':7} {row['kind']:20} "
                    f"{row['source']}:{row['line']}  {first_line}"
                )
                + "\n"
            )
