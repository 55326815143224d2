"""The SQLite history: rows, retention, and deletion that leaves no copy in the database files."""

from __future__ import annotations

import os
import time
import zlib
from pathlib import Path

from analyzer.serve.store import Finished, History


def _on_disk(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_a_row_goes_queued_running_done_with_its_reports(tmp_path: Path) -> None:
    history = History(tmp_path / "h.sqlite3")
    history.add("00000000000000a1", "bundle.tar.gz", "en")
    assert history.get("00000000000000a1").state == "queued"  # type: ignore[union-attr]
    history.mark_running("00000000000000a1")
    history.finish("00000000000000a1", Finished(status="diagnosed", top_cause="x", html="<p>h</p>", json="{}"))
    entry = history.get("00000000000000a1")
    assert entry is not None and (entry.state, entry.status, entry.top_cause) == ("done", "diagnosed", "x")
    assert history.body("00000000000000a1", "html") == "<p>h</p>"
    assert history.body("00000000000000a1", "summary") is None
    history.add("00000000000000a2", "b", "en")
    history.finish("00000000000000a2", Finished(error="no readable source"))
    assert history.get("00000000000000a2").state == "failed"  # type: ignore[union-attr]
    assert [e.id for e in history.entries()] == ["00000000000000a2", "00000000000000a1"]
    assert (tmp_path / "h.sqlite3").stat().st_mode & 0o077 == 0


def test_retention_purges_only_old_rows(tmp_path: Path) -> None:
    history = History(tmp_path / "h.sqlite3")
    history.add("00000000000000b1", "old", "en")
    time.sleep(0.05)
    history.add("00000000000000b2", "new", "en")
    old_created = history.get("00000000000000b1").created  # type: ignore[union-attr]
    assert history.purge(time.time() - old_created - 0.025) == 1
    assert [e.id for e in history.entries()] == ["00000000000000b2"]


def test_a_deleted_report_leaves_no_copy_on_disk(tmp_path: Path) -> None:
    database = tmp_path / "h.sqlite3"
    history = History(database)
    report = os.urandom(20_000).hex()  # incompressible, so its stored bytes are easy to find
    history.add("00000000000000c1", "bundle", "en")
    history.finish("00000000000000c1", Finished(status="diagnosed", html=report))
    stored = zlib.compress(report.encode(), 6)[100:164]
    assert stored in _on_disk(database)
    assert history.delete("00000000000000c1")
    assert not history.delete("00000000000000c1")
    assert stored not in _on_disk(database)


def test_unfinished_rows_are_failed_at_start(tmp_path: Path) -> None:
    history = History(tmp_path / "h.sqlite3")
    history.add("00000000000000d1", "a", "en")
    history.add("00000000000000d2", "b", "en")
    history.mark_running("00000000000000d2")
    assert history.abandon_unfinished() == 2
    assert {e.state for e in history.entries()} == {"failed"}
