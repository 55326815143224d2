"""Run every source of a bundle through its parser, keeping provenance on every event and fact.

Sources are parsed in a fixed order and their events come out in that order.  A big syslog file
(parsed last, since its year-less stamps may need the year the other sources reveal) is parsed
ahead in a second process while this one parses the rest (analyzer/parse_ahead.py); its events are used only
when its parse never asked for that year, so the output is the same either way.  A rotated syslog
file that needs a year also gets the first record of the next newer file of its group, dated with
the hints that file's own parse gets (parsers/syslog_group.py): rotation groups are read oldest first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from analyzer.archive import is_localtime
from analyzer.bundle import Bundle, Source
from analyzer.limits import Limits
from analyzer.model import Event, Fact
from analyzer.parse_ahead import Ahead, AheadLost, AheadStream, debug, start_ahead, stopped_warning
from analyzer.textio import SliceReader, StreamLineReader
from parsers import registry
from parsers.base import ParseContext
from parsers.syslog_group import GroupHints, first_record_time
from parsers.syslog_years import NEWEST_ANCHOR

# Parse documents and agent logs before year-less system logs so the latter get a year hint.
_LATE_KINDS = ("syslog", "journal", "dmesg", "text")


@dataclass
class SourceStats:
    source: Source
    parser: str
    index: int = -1
    lines: int = 0
    records: int = 0
    unclassified: int = 0
    events: int = 0
    warnings: list[str] = field(default_factory=list)
    reader: StreamLineReader | None = None  # kept for re-reading a window (seek checkpoints)
    hints: dict[str, object] = field(default_factory=dict)


@dataclass
class ParseOutput:
    facts: list[Fact] = field(default_factory=list)
    stats: list[SourceStats] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    newest_year: int | None = None
    newest_anchor: datetime | None = None  # newest time of a dated (not year-inferred) event


def _hints(out: ParseOutput) -> dict[str, object]:
    """What the sources parsed so far tell a parser: the newest year, the newest dated moment."""
    hints: dict[str, object] = {"year": out.newest_year} if out.newest_year else {}
    if out.newest_anchor is not None:
        hints[NEWEST_ANCHOR] = out.newest_anchor
    return hints


class _YearHints:
    """The hints of each source, made once: a rotated syslog file that needs a year looks at the
    next newer file of its group, dated with the very hints that file's own parse gets later."""

    def __init__(self, sources: list[Source], limits: Limits, out: ParseOutput) -> None:
        self.sources = sources
        self.limits = limits
        self.out = out
        self.made: dict[int, dict[str, object]] = {}
        self.firsts: dict[int, datetime | None] = {}

    def for_source(self, index: int) -> dict[str, object]:
        if index not in self.made:
            base = _hints(self.out)
            newer = self._newer_sibling(index)
            self.made[index] = base if newer is None else GroupHints(base, lambda: self._first_time(newer))
        return self.made[index]

    def _newer_sibling(self, index: int) -> int | None:
        """The next newer syslog file of the same rotation group (sources are sorted oldest first)."""
        source = self.sources[index]
        if source.kind != "syslog" or not source.group:
            return None
        for later in range(index + 1, len(self.sources)):
            other = self.sources[later]
            if other.group != source.group:
                return None
            # strictly newer only: two live copies of one path (two roots) are not a rotation
            if other.kind == "syslog" and other.bytes > 0 and other.age < source.age:
                return later
        return None

    def _first_time(self, index: int) -> datetime | None:
        if index not in self.firsts:
            source = self.sources[index]
            reader = StreamLineReader(source.open, self.limits.max_record_bytes, lambda message, line: None)
            ctx = ParseContext(path=source.path, member=source.member, kind=source.kind,
                               hints=self.for_source(index))  # fmt: skip
            try:
                self.firsts[index] = first_record_time(reader, ctx)
            except Exception:  # an unreadable newer file only loses the hint; its own parse reports it  # noqa: BLE001
                self.firsts[index] = None
        return self.firsts[index]


def _order(sources: list[Source]) -> list[tuple[int, Source]]:
    indexed = list(enumerate(sources))
    return sorted(indexed, key=lambda p: (p[1].kind in _LATE_KINDS, p[0]))


def iter_events(bundle: Bundle, limits: Limits, out: ParseOutput) -> Iterator[Event]:
    """Yield every event of every source; facts, stats and warnings are collected in ``out``.

    A parser that fails on a source degrades that source only: the error becomes a warning and
    the events read before it are kept.
    """
    order = _order(bundle.sources)
    ahead = start_ahead(order, limits.max_record_bytes)
    years = _YearHints(bundle.sources, limits, out)
    try:
        for index, source in order:
            yield from _source_events(index, source, limits, out, ahead, years.for_source)
    finally:
        if ahead is not None:
            ahead.close()


def _streamed(stream: AheadStream, serial: Callable[[], Iterable[Event]]) -> Iterator[Event]:
    """The events parsed ahead; should the worker die midway, the parse here goes on from there
    (it is deterministic: its first events are the ones already given)."""
    given = 0
    try:
        for event in stream.events():
            given += 1
            yield event
    except AheadLost:
        debug("parse ahead: worker lost midway, the rest is parsed here")
        stream.summary = None
        for i, event in enumerate(serial()):
            if i >= given:
                yield event


def _source_events(
    index: int,
    source: Source,
    limits: Limits,
    out: ParseOutput,
    ahead: Ahead | None,
    hints_for: Callable[[int], dict[str, object]],
) -> Iterator[Event]:
    if source.kind == "binary" or source.bytes == 0:
        out.stats.append(SourceStats(source, parser="", index=index))
        return
    spec = registry.get(source.kind) or registry.get(registry.TEXT_KIND)
    stats = SourceStats(source, parser=spec.kind if spec else "", index=index)
    out.stats.append(stats)
    if spec is None:
        return

    def warn(message: str, line: int | None, _stats: SourceStats = stats, _src: Source = source) -> None:
        if not is_localtime(_src.path):  # a binary zone file read for its text footer: expected bytes
            _stats.warnings.append(f"{_src.member}: {message}")

    reader = StreamLineReader(source.open, limits.max_record_bytes, warn)
    hints = hints_for(index)
    stats.reader = reader
    stats.hints = hints
    ctx = ParseContext(path=source.path, member=source.member, kind=source.kind, hints=hints)
    stream = ahead.take(index) if ahead is not None else None
    try:
        if stream is None:
            events = spec.parse(reader, ctx)
        else:
            events = _streamed(stream, lambda: spec.parse(reader, ctx))
        for event in events:
            event.source = source.path
            event.member = source.member
            event.parser = spec.kind
            event.source_index = index
            stats.events += 1
            if event.wall is not None and (out.newest_year is None or event.wall.year > out.newest_year):
                if event.wall.year <= 9998:
                    out.newest_year = event.wall.year
            if event.wall is not None and event.wall.year <= 9998 and not event.attrs.get("year_inferred"):
                if out.newest_anchor is None or event.wall > out.newest_anchor:
                    out.newest_anchor = event.wall
            yield event
    except Exception as exc:  # a parser bug or a hostile file degrades one source only  # noqa: BLE001
        stats.warnings.append(stopped_warning(source, spec.name, reader, exc))
    if stream is not None and stream.summary is not None:  # parsed ahead: its reader and context state
        stream.summary.apply(reader, ctx, stats.warnings)
        stream.summary.finish(stats.warnings)
    stats.lines = reader.lines_read
    stats.records = ctx.records
    stats.unclassified = ctx.unclassified
    stats.warnings.extend(
        f"{source.member}: line {w.line}: {w.message}" if w.line else f"{source.member}: {w.message}"
        for w in ctx.warnings
    )
    for fact in ctx.facts:
        fact.source = source.path
        fact.member = source.member
        fact.parser = spec.kind
        out.facts.append(fact)


def reparse_slice(stats: SourceStats, start: int, end: int) -> Iterator[Event]:
    """Events of lines ``start..end`` of one source, parsed again (facts and warnings dropped).

    Used to keep every event of the analysed window, which the first pass only counted.  A record
    cut by the slice start is parsed from its continuation lines as well as the parser can.
    """
    spec = registry.get(stats.source.kind) or registry.get(registry.TEXT_KIND)
    if spec is None or stats.reader is None:
        return
    source = stats.source
    ctx = ParseContext(path=source.path, member=source.member, kind=source.kind, hints=stats.hints.copy())
    try:
        for event in spec.parse(SliceReader(stats.reader, start, end), ctx):
            event.source = source.path
            event.member = source.member
            event.parser = spec.kind
            event.source_index = stats.index
            yield event
    except Exception:  # the first pass already reported this source's problems  # noqa: BLE001
        return
