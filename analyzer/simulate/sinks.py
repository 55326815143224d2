"""Where generated lines go: one buffer per file, flushed in time order once per simulated day.

Writers add ``(time, text)`` records in any order during a day; :meth:`Outputs.flush` sorts each
file's buffer by time (ties keep insertion order) and appends it to the file, so memory holds at
most one day of lines.  With ``root=None`` nothing is written and only bytes are counted (the
planner's dry run).
"""

from __future__ import annotations

import itertools
from datetime import datetime
from pathlib import Path
from typing import TextIO

_ORDER = itertools.count()


class Sink:
    """The lines of one file for the current day."""

    __slots__ = ("buf", "fh", "path", "pending", "written")

    def __init__(self, path: str, fh: TextIO | None) -> None:
        self.path = path
        self.fh = fh
        self.buf: list[tuple[datetime, int, str]] = []
        self.pending = 0  # bytes buffered
        self.written = 0  # bytes flushed

    def add(self, t: datetime, text: str) -> None:
        self.buf.append((t, next(_ORDER), text))
        self.pending += len(text) + 1  # the text is ASCII: one byte per character

    def flush(self) -> None:
        if not self.buf:
            return
        self.buf.sort()
        if self.fh is not None:
            self.fh.write("\n".join(rec[2] for rec in self.buf))
            self.fh.write("\n")
        self.written += self.pending
        self.buf.clear()
        self.pending = 0


class Outputs:
    """All files of one bundle under ``root`` (logical VM paths), or counters only."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.sinks: dict[str, Sink] = {}
        self.static_bytes = 0

    def sink(self, path: str) -> Sink:
        s = self.sinks.get(path)
        if s is None:
            fh = None
            if self.root is not None:
                target = self.root / path
                target.parent.mkdir(parents=True, exist_ok=True)
                # ASCII only (the agent encodes with backslashreplace); "\n" line ends on every OS
                fh = open(target, "w", encoding="ascii", errors="backslashreplace", newline="\n")
            s = self.sinks[path] = Sink(path, fh)
        return s

    def write_static(self, path: str, text: str) -> None:
        """A small file written whole (configuration, status documents)."""
        self.static_bytes += len(text.encode("utf-8"))
        if self.root is not None:
            target = self.root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", newline="\n")

    def pending(self) -> int:
        return sum(s.pending for s in self.sinks.values())

    def total(self) -> int:
        """Bytes written or buffered so far, static files included."""
        return self.static_bytes + sum(s.written + s.pending for s in self.sinks.values())

    def flush(self) -> None:
        for s in self.sinks.values():
            s.flush()

    def close(self) -> None:
        self.flush()
        for s in self.sinks.values():
            if s.fh is not None:
                s.fh.close()
                s.fh = None
