"""Parse ahead: a big syslog parsed in a second process while the main one parses the rest.

Year-less syslog stamps may need the year the other sources reveal, so syslog is parsed last; when
it is large, a worker parses it at the same time without that hint.  Its events are used only when
its parse never asked for the hint (or once the parser says it will not ask any more), so the
output is the same either way; a worker that dies or errs leaves the source to the main process.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import shutil
import signal
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyzer.bundle import Source
from analyzer.model import Event, Fact
from analyzer.textio import StreamLineReader
from parsers import registry
from parsers.base import ParseContext, ParseWarning

AHEAD_KINDS = frozenset(("syslog",))  # parsed last (year hint) and large: worth a second process
AHEAD_MIN_BYTES = 4 << 20
AHEAD_SWITCH = "SNAPDIAG_PARSE_AHEAD"  # "0": never parse ahead
_EVENT_BATCH = 1024
_PICKLE = pickle.HIGHEST_PROTOCOL


class _AskedHints(dict[str, Any]):
    """Empty hints that remember whether the parser looked one up."""

    asked = False

    def get(self, key: str, default: Any = None) -> Any:
        self.asked = True
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self.asked = True
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.asked = True
        return super().__contains__(key)


@dataclass
class AheadSummary:
    """What a parse ahead learnt besides its events: reader state, context, warnings, facts."""

    hint_asked: bool
    lines_read: int = 0
    bytes_read: int = 0
    decode_errors: int = 0
    checkpoints: list[tuple[int, int]] = field(default_factory=list)
    reader_warnings: list[str] = field(default_factory=list)
    stopped: str | None = None
    records: int = 0
    unclassified: int = 0
    warnings: list[ParseWarning] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    pem_ranges: list[tuple[int, int]] = field(default_factory=list)

    def apply(self, reader: StreamLineReader, ctx: ParseContext, warnings: list[str]) -> None:
        """Leave reader, context and source warnings as the parse here would have."""
        reader.lines_read, reader.bytes_read, reader.decode_errors = (
            self.lines_read,
            self.bytes_read,
            self.decode_errors,
        )
        reader.checkpoints = list(self.checkpoints)  # the window re-read seeks with them
        reader.pem.ranges = list(self.pem_ranges)  # and masks the key bodies the parse found
        ctx.records, ctx.unclassified = self.records, self.unclassified
        ctx.warnings.extend(self.warnings)
        ctx.facts.extend(self.facts)
        warnings.extend(self.reader_warnings)

    def finish(self, warnings: list[str]) -> None:
        if self.stopped is not None:
            warnings.append(self.stopped)


def _parse_ahead(jobs: list[tuple[int, Source]], max_record_bytes: int, folder: str, conn: Any) -> None:
    """Worker process entry: never a traceback or a Ctrl-C message of its own on the user's terminal
    (the main process ends it, or parses a source itself when it is gone)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _parse_jobs(jobs, max_record_bytes, folder, conn)
    except BaseException:  # noqa: BLE001
        if os.environ.get("SNAPDIAG_DEBUG"):
            traceback.print_exc()
        os._exit(1)


def _parse_jobs(jobs: list[tuple[int, Source]], max_record_bytes: int, folder: str, conn: Any) -> None:
    """Parse each source with no hints; events to ``<index>.events`` in batches, the summary to
    ``<index>.summary``.  Stops a source once it asks a hint.  On ``conn``: ``(index, n)`` when the
    first ``n`` batches are final although the parse goes on (the parser said it will not look at
    hints again), ``(index, -1)`` when the source is done and its summary written."""
    for index, source in jobs:
        spec = registry.get(source.kind) or registry.get(registry.TEXT_KIND)
        if spec is None:
            continue
        reader_warnings: list[str] = []

        def warn(message: str, line: int | None, _w: list[str] = reader_warnings, _m: str = source.member) -> None:
            _w.append(f"{_m}: {message}")

        reader = StreamLineReader(source.open, max_record_bytes, warn)
        hints = _AskedHints()
        ctx = ParseContext(path=source.path, member=source.member, kind=source.kind, hints=hints)
        stopped = None
        base = os.path.join(folder, str(index))
        with open(base + ".events", "wb") as fh:
            batch: list[Event] = []
            written = 0
            # Only the parser's own errors degrade the source (as in the main process); an error
            # here (disk full, an event that does not pickle) ends the worker: main parses itself.
            try:
                events = iter(spec.parse(reader, ctx))
            except Exception as exc:  # noqa: BLE001
                events, stopped = iter(()), stopped_warning(source, spec.name, reader, exc)
            while True:
                try:
                    event = next(events)
                except StopIteration:
                    break
                except Exception as exc:  # noqa: BLE001
                    stopped = stopped_warning(source, spec.name, reader, exc)
                    break
                if hints.asked:
                    break  # the events depend on the hint: the main process parses this source itself
                batch.append(event)
                if len(batch) >= _EVENT_BATCH:
                    pickle.dump(batch, fh, protocol=_PICKLE)
                    batch = []
                    written += 1
                    if ctx.hints_done and not hints.asked:
                        fh.flush()
                        conn.send((index, written))
            if batch:
                pickle.dump(batch, fh, protocol=_PICKLE)
        summary = AheadSummary(hints.asked)
        if not hints.asked:
            summary = AheadSummary(False, reader.lines_read, reader.bytes_read, reader.decode_errors,
                                   reader.checkpoints, reader_warnings, stopped, ctx.records, ctx.unclassified,
                                   ctx.warnings, ctx.facts, reader.pem.ranges)  # fmt: skip
        with open(base + ".summary.part", "wb") as fh:
            pickle.dump(summary, fh, protocol=_PICKLE)
        os.replace(base + ".summary.part", base + ".summary")
        conn.send((index, -1))
    conn.close()


def stopped_warning(source: Source, parser: str, reader: StreamLineReader, exc: Exception) -> str:
    """The warning of a parser that raised (the same text as in :func:`_source_events`)."""
    return f"{source.member}: parser {parser} stopped at line {reader.lines_read}: {type(exc).__name__}: {exc}"


class AheadLost(Exception):
    """The worker stopped before finishing a source whose first events were already used."""


class Ahead:
    """One worker process parsing the big late sources while the main process parses the rest."""

    def __init__(self, jobs: list[tuple[int, Source]], max_record_bytes: int) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="snapdiag-ahead-"))
        self.indexes = {index for index, _ in jobs}
        self.final: dict[int, int] = {}  # batches known final, per source
        self.done: set[int] = set()
        mp = _context()
        for stream in (sys.stdout, sys.stderr):  # a forked child flushes these at exit: nothing may be pending
            stream.flush()
        self.conn, child = mp.Pipe(duplex=False)
        self.proc = mp.Process(target=_parse_ahead, args=(jobs, max_record_bytes, str(self.folder), child),
                               daemon=True)  # fmt: skip
        self.proc.start()
        child.close()

    def pump(self) -> bool:
        """Take in the worker's notices (waits up to 50 ms for one); False when none came and none
        can come any more (the worker is gone)."""
        got = False
        try:
            if not self.conn.poll(0.05) and (self.proc.is_alive() or not self.conn.poll(0)):
                return self.proc.is_alive()  # nothing yet (still working), or gone without a word
            while True:  # poll() also says yes at end of file: recv() then raises EOFError
                index, n = self.conn.recv()
                got = True
                if n < 0:
                    self.done.add(index)
                else:
                    self.final[index] = n
                if not self.conn.poll(0):
                    return True
        except (EOFError, OSError):
            return got

    def summary(self, index: int) -> AheadSummary | None:
        try:
            with open(self.folder / f"{index}.summary", "rb") as fh:
                summary = pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError):
            return None
        return summary if isinstance(summary, AheadSummary) and not summary.hint_asked else None

    def take(self, index: int) -> AheadStream | None:
        """Source ``index`` as parsed ahead, once it is known not to depend on hints; else None."""
        if index not in self.indexes:
            return None
        while index not in self.done and index not in self.final:
            if not self.pump():
                debug(f"parse ahead of source {index}: worker gone (exit code {self.proc.exitcode})")
                return None
        if index in self.done and self.summary(index) is None:
            debug(f"parse ahead of source {index}: not used (the parse asked for a hint)")
            return None
        return AheadStream(self, index)

    def close(self) -> None:
        if self.proc.is_alive():
            self.proc.terminate()
        self.proc.join(5)
        self.conn.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class AheadStream:
    """The events of one source parsed ahead, read while the worker may still be writing them."""

    def __init__(self, ahead: Ahead, index: int) -> None:
        self.ahead = ahead
        self.index = index
        self.summary: AheadSummary | None = None

    def events(self) -> Iterator[Event]:
        ahead, index = self.ahead, self.index
        read = 0
        with open(ahead.folder / f"{index}.events", "rb") as fh:
            while True:
                if read < ahead.final.get(index, 0):
                    batch = pickle.load(fh)
                elif index in ahead.done:
                    try:
                        batch = pickle.load(fh)
                    except EOFError:
                        break
                else:
                    if not ahead.pump():
                        raise AheadLost
                    continue
                read += 1
                yield from batch
        self.summary = ahead.summary(index)
        if self.summary is None:
            raise AheadLost


def debug(message: str) -> None:
    if os.environ.get("SNAPDIAG_DEBUG"):
        print(f"snapdiag: {message}", file=sys.stderr)


def _context() -> Any:
    """fork when this process runs one thread (fast: nothing to import), else spawn (safe under
    ``python -m analyzer`` too: its ``__main__`` runs the CLI only as the main module)."""
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def start_ahead(order: list[tuple[int, Source]], max_record_bytes: int) -> Ahead | None:
    """A worker for the late sources worth parsing ahead, or None (none, one core, or not allowed)."""
    jobs = [(i, s) for i, s in order if s.kind in AHEAD_KINDS and s.bytes >= AHEAD_MIN_BYTES]
    if not jobs or os.environ.get(AHEAD_SWITCH, "1") == "0":
        return None
    if multiprocessing.parent_process() is not None or len(os.sched_getaffinity(0)) < 2:
        return None  # a batch worker already shares the cores with its siblings; one core gains nothing
    try:
        return Ahead(jobs, max_record_bytes)
    except OSError as exc:  # no process or temp folder: parse everything here
        debug(f"parse ahead not started: {exc}")
        return None
