"""A complete, time-ordered event stream with bounded memory: an external merge sort.

``snapdiag timeline`` must print every event of a bundle in UTC order, however large the bundle.
Events are spilled to temporary files as they are parsed (their UTC time is not known until the
bundle's time zone is inferred), then re-read in sorted runs of ``chunk`` events and merged.
"""

from __future__ import annotations

import heapq
import operator
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from analyzer.model import Event
from analyzer.timeline import utc_of_wall
from analyzer.timezone import TimeZoneInfo

_FIELDS = ("line", "kind", "message", "wall", "clock", "time_raw", "level", "component", "handler",
           "handler_version", "attrs", "source", "member", "parser", "source_index")  # fmt: skip
Row = tuple[Any, ...]
T = TypeVar("T")
# Rows are the Event fields in declaration order, so they unpack positionally.
assert tuple(f.name for f in fields(Event)) == _FIELDS
_pack = operator.attrgetter(*_FIELDS)
_LINE, _WALL, _CLOCK, _SOURCE_INDEX = (_FIELDS.index(f) for f in ("line", "wall", "clock", "source_index"))
# Rows are pickled in batches: one pickle call per batch instead of per event, and values shared
# by the rows of a batch (enum members, source and member strings) are written once per batch.
_BATCH = 512


def _unpack(row: Row) -> Event:
    return Event(*row)


def _as_item(row: Row, when: datetime | None, basis: str) -> tuple[Row, datetime | None, str]:
    return row, when, basis


_first = operator.itemgetter(0)  # the sort key of a (key, item) pair


def _write_batches(fh: Any, items: list[Any]) -> None:
    for start in range(0, len(items), _BATCH):
        pickle.dump(items[start : start + _BATCH], fh, protocol=pickle.HIGHEST_PROTOCOL)


class EventSpill:
    """Append-only spill of events in arrival order, in a private temp folder."""

    def __init__(self, folder: Path | None = None, chunk: int = 50_000) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="snapdiag-spill-", dir=folder)
        self.folder = Path(self._tmp.name)
        self.chunk = chunk
        self._arrival = open(self.folder / "arrival.pkl", "wb")
        self._pending: list[Row] = []
        self.count = 0

    def add(self, ev: Event) -> None:
        # The row holds the event's values now; the batch is written when full, when the parse
        # ends (add_all) or before sorting, before anything later could change an event.
        self._pending.append(_pack(ev))
        self.count += 1
        if len(self._pending) >= _BATCH:
            self._flush_pending()

    def _flush_pending(self) -> None:
        if self._pending:
            pickle.dump(self._pending, self._arrival, protocol=pickle.HIGHEST_PROTOCOL)
            self._pending = []

    def add_all(self, events: Iterable[Event]) -> Iterator[Event]:
        """Pass events through while spilling them (so one parse feeds two consumers)."""
        for ev in events:
            self.add(ev)
            yield ev
        self._flush_pending()

    def _read(self, path: Path) -> Iterator[Any]:
        with open(path, "rb") as fh:
            while True:
                try:
                    batch = pickle.load(fh)
                except EOFError:
                    return
                yield from batch

    def sorted(self, tz: TimeZoneInfo) -> Iterator[tuple[Event, datetime | None, str]]:
        """Every spilled event with its UTC time and basis, ordered by (time, input order)."""
        for row, when, basis in self.sorted_rendered(tz, _as_item):
            yield _unpack(row), when, basis

    def sorted_rendered(self, tz: TimeZoneInfo, render: Callable[[Row, datetime | None, str], T | None]) -> Iterator[T]:
        """``render(row, utc time, basis)`` of every spilled event, in the order of :meth:`sorted`.

        The rendering runs once per event while the sorted runs are built, and the runs keep only
        what it returns (None: the event is left out).  A caller that renders to text pays for
        pickling short strings, instead of whole events twice (``Row`` fields: :data:`_FIELDS`).
        """
        self._flush_pending()
        self._arrival.close()
        runs: list[Path] = []
        buffer: list[tuple[tuple[Any, ...], T]] = []

        def flush() -> None:
            buffer.sort(key=_first)
            path = self.folder / f"run{len(runs):05d}.pkl"
            with open(path, "wb") as fh:
                _write_batches(fh, buffer)
            runs.append(path)
            buffer.clear()

        for seq, row in enumerate(self._read(self.folder / "arrival.pkl")):
            when, basis = utc_of_wall(row[_WALL], row[_CLOCK], tz)
            item = render(row, when, basis)
            if item is None:
                continue
            buffer.append(((when is None, when or datetime.min, row[_SOURCE_INDEX], row[_LINE], seq), item))
            if len(buffer) >= self.chunk:
                flush()
        if not runs:  # everything fitted in one run: no need to write it out and read it back
            buffer.sort(key=_first)
            for _key, item in buffer:
                yield item
            return
        if buffer:
            flush()
        streams = [self._read(path) for path in runs]
        for _key, item in heapq.merge(*streams, key=_first):
            yield item

    def close(self) -> None:
        if not self._arrival.closed:
            self._arrival.close()
        self._tmp.cleanup()
