"""The history: one SQLite row per dropped bundle, holding only redacted, rendered reports.

Rows are written when an upload is accepted (state ``queued``), updated while the job runs and
when it ends.  Reports are zlib-compressed (an HTML report is mostly repetitive markup).  Rows
older than the retention period are purged; ``secure_delete`` overwrites deleted content in the
database file, so a deleted report does not linger in free pages.
"""

from __future__ import annotations

import os
import sqlite3
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    id TEXT PRIMARY KEY,
    input_name TEXT NOT NULL,
    lang TEXT NOT NULL,
    created REAL NOT NULL,
    finished REAL,
    state TEXT NOT NULL,          -- queued | running | done | failed
    status TEXT,                  -- the result's status (diagnosed, ...), when done
    top_cause TEXT,
    title TEXT,
    verdict TEXT,
    confidence REAL,
    headline TEXT,                -- the top finding's summary sentence (redacted)
    error TEXT,                   -- one line, when failed
    html BLOB,
    json BLOB,
    summary BLOB
);
CREATE INDEX IF NOT EXISTS reports_created ON reports (created);
"""

_LISTED = (
    "id, input_name, lang, created, finished, state, status, top_cause, title, verdict, confidence, headline, error"
)
STATES = ("queued", "running", "done", "failed")


@dataclass(frozen=True)
class Entry:
    """One history row without its report bodies."""

    id: str
    input_name: str
    lang: str
    created: float
    finished: float | None
    state: str
    status: str | None
    top_cause: str | None
    title: str | None
    verdict: str | None
    confidence: float | None
    headline: str | None
    error: str | None

    def public(self) -> dict[str, Any]:
        """What the job-status endpoint returns."""
        return {
            "id": self.id,
            "input_name": self.input_name,
            "created": self.created,
            "state": self.state,
            "status": self.status,
            "top_cause": self.top_cause,
            "title": self.title,
            "verdict": self.verdict,
            "confidence": self.confidence,
            "headline": self.headline,
            "error": self.error,
        }


@dataclass(frozen=True)
class Finished:
    """A job's outcome as the worker returns it (already redacted)."""

    status: str | None = None
    top_cause: str | None = None
    title: str | None = None
    verdict: str | None = None
    confidence: float | None = None
    headline: str | None = None
    html: str | None = None
    json: str | None = None
    summary: str | None = None
    error: str | None = None


def _pack(text: str | None) -> bytes | None:
    return None if text is None else zlib.compress(text.encode("utf-8"), 6)


def _unpack(blob: bytes | None) -> str | None:
    return None if blob is None else zlib.decompress(blob).decode("utf-8")


class History:
    """The SQLite file under the data folder.  A connection per call keeps it safe across threads."""

    def __init__(self, path: Path, create: bool = True) -> None:
        self.path = path
        if create:
            if not path.exists():  # private from the first byte: reports may name hosts and mounts
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            with self._connect() as db:
                db.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA secure_delete=ON")
            with db:
                yield db
        finally:
            db.close()

    def add(self, entry_id: str, input_name: str, lang: str) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT INTO reports (id, input_name, lang, created, state) VALUES (?, ?, ?, ?, 'queued')",
                (entry_id, input_name, lang, time.time()),
            )

    def mark_running(self, entry_id: str) -> None:
        with self._connect() as db:
            db.execute("UPDATE reports SET state = 'running' WHERE id = ? AND state = 'queued'", (entry_id,))

    def finish(self, entry_id: str, outcome: Finished) -> None:
        state = "failed" if outcome.error else "done"
        with self._connect() as db:
            db.execute(
                "UPDATE reports SET state = ?, finished = ?, status = ?, top_cause = ?, title = ?, verdict = ?,"
                " confidence = ?, headline = ?, error = ?, html = ?, json = ?, summary = ? WHERE id = ?",
                (
                    state,
                    time.time(),
                    outcome.status,
                    outcome.top_cause,
                    outcome.title,
                    outcome.verdict,
                    outcome.confidence,
                    outcome.headline,
                    outcome.error,
                    _pack(outcome.html),
                    _pack(outcome.json),
                    _pack(outcome.summary),
                    entry_id,
                ),
            )

    def get(self, entry_id: str) -> Entry | None:
        with self._connect() as db:
            row = db.execute(f"SELECT {_LISTED} FROM reports WHERE id = ?", (entry_id,)).fetchone()
        return Entry(*row) if row else None

    def entries(self, limit: int = 500) -> list[Entry]:
        with self._connect() as db:
            rows = db.execute(f"SELECT {_LISTED} FROM reports ORDER BY created DESC LIMIT ?", (limit,)).fetchall()
        return [Entry(*row) for row in rows]

    def body(self, entry_id: str, kind: str) -> str | None:
        """One report body: ``html``, ``json`` or ``summary``."""
        if kind not in ("html", "json", "summary"):
            raise ValueError(kind)
        with self._connect() as db:
            row = db.execute(f"SELECT {kind} FROM reports WHERE id = ?", (entry_id,)).fetchone()
        return _unpack(row[0]) if row else None

    def delete(self, entry_id: str) -> bool:
        with self._connect() as db:
            gone = db.execute("DELETE FROM reports WHERE id = ?", (entry_id,)).rowcount > 0
        self._checkpoint()
        return gone

    def purge(self, older_than_seconds: float) -> int:
        """Drop rows older than the retention period; returns how many went."""
        cutoff = time.time() - older_than_seconds
        with self._connect() as db:
            gone = db.execute("DELETE FROM reports WHERE created < ?", (cutoff,)).rowcount
        if gone:
            self._checkpoint()
        return gone

    def _checkpoint(self) -> None:
        # while another connection keeps it open, the write-ahead log still holds the deleted rows'
        # old pages: fold it into the (zeroed) database file and empty it, so no copy stays on disk
        db = sqlite3.connect(self.path, timeout=30)
        try:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.close()

    def abandon_unfinished(self) -> int:
        """At start: jobs a previous server left queued or running will never finish."""
        with self._connect() as db:
            return db.execute(
                "UPDATE reports SET state = 'failed', finished = ?, error = ? WHERE state IN ('queued', 'running')",
                (time.time(), "the server stopped before this analysis finished; drop the bundle again"),
            ).rowcount
