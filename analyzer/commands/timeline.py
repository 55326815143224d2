"""`snapdiag timeline`: the merged events in UTC as a table, CSV or JSON lines (design §3)."""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterator
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


def _jsonl_lines(
    spill: EventSpill,
    tl: Timeline,
    redactor: Redactor,
    centre: datetime | None,
    half: timedelta,
    kinds: tuple[str, ...],
    wanted_levels: set[str],
) -> Iterator[str]:
    """The JSON lines of :func:`_rows` after the filters of :func:`_write_filtered`, rendered while
    the spill sorts (the sorted runs then hold short strings, not whole events)."""
    also = {(ev.member, ev.line): members for ev, members in zip(tl.events, tl.also_in, strict=True) if members}
    duplicates = tl.duplicates
    encode = _JSONL.encode
    no_members: list[str] = []

    def render(row: tuple[Any, ...], when: datetime | None, basis: str) -> str | None:
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
        row_dict = {
            "time": format_time(when),
            "time_raw": time_raw,
            "time_basis": basis,
            "source": source,
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
        return encode(row_dict) + "\n"

    return spill.sorted_rendered(tl.time_zone, render)


def _rows(spill: EventSpill, tl: Timeline, redactor: Redactor) -> Iterator[dict[str, Any]]:
    also = {(ev.member, ev.line): members for ev, members in zip(tl.events, tl.also_in, strict=True) if members}
    for ev, when, basis in spill.sorted(tl.time_zone):
        if (ev.member, ev.line) in tl.duplicates:
            continue
        yield {
            "time": format_time(when),
            "time_raw": ev.time_raw,
            "time_basis": basis,
            "source": ev.source,
            "member": redactor(ev.member),
            "line": ev.line,
            "parser": ev.parser,
            "component": ev.component,
            "level": ev.level,
            "kind": ev.kind._value_,
            "handler": ev.handler,
            "handler_version": ev.handler_version,
            "message": redactor(ev.message),
            "attrs": redactor.deep(ev.attrs),
            "also_in": [redactor(m) for m in also.get((ev.member, ev.line), [])],
            "_when": when,
        }


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
            if fmt == "jsonl":
                lines = _jsonl_lines(spill, analysis.timeline, redactor, centre, half, kinds, wanted_levels)
                _write_blocks(out, lines)
            else:
                _write_rows(out, fmt, _rows(spill, analysis.timeline, redactor), centre, half, kinds, wanted_levels)
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


def _write_rows(
    out: Any,
    fmt: str,
    rows: Iterator[dict[str, Any]],
    centre: datetime | None,
    half: timedelta,
    kinds: tuple[str, ...],
    wanted_levels: set[str],
) -> None:
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), extrasaction="ignore") if fmt == "csv" else None
    if writer is not None:
        writer.writeheader()
    pending: list[str] = []  # JSON lines written in blocks: one write call per block
    try:
        _write_filtered(out, fmt, rows, centre, half, kinds, wanted_levels, writer, pending)
    finally:
        if pending:
            out.write("".join(pending))


def _write_filtered(
    out: Any,
    fmt: str,
    rows: Iterator[dict[str, Any]],
    centre: datetime | None,
    half: timedelta,
    kinds: tuple[str, ...],
    wanted_levels: set[str],
    writer: Any,
    pending: list[str],
) -> None:
    for row in rows:
        when = row.pop("_when")
        if centre is not None and (when is None or abs(when - centre) > half):
            continue
        if kinds and row["kind"] not in kinds:
            continue
        if wanted_levels and (row["level"] or "") not in wanted_levels:
            continue
        if fmt == "jsonl":
            pending.append(_JSONL.encode(row) + "\n")
            if len(pending) >= _WRITE_BLOCK:
                out.write("".join(pending))
                pending.clear()
        elif writer is not None:
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
