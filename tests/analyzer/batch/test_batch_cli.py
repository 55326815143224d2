"""`snapdiag batch` through the real command line (design §6, issue #7)."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from analyzer.batch.model import SUMMARY_FIELDS
from tests.helpers import run_cli


def _rows(out: Path) -> list[dict[str, str]]:
    raw = (out / "summary.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))


def test_batch_writes_reports_and_summary_and_exit_4_for_a_corrupt_bundle(tickets: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = run_cli(["batch", str(tickets), "-o", str(out), "--jobs", "2"], cwd=tmp_path)
    assert run.code == 4, run.stderr
    assert "Traceback" not in run.stderr
    rows = _rows(out)
    assert list(rows[0]) == list(SUMMARY_FIELDS)
    assert [r["input"] for r in rows] == sorted(r["input"] for r in rows)
    by_name = {r["name"]: r for r in rows}
    assert by_name["case-c-corrupt.tar.gz"]["status"] == "error"
    assert by_name["case-c-corrupt.tar.gz"]["error"] and "\n" not in by_name["case-c-corrupt.tar.gz"]["error"]
    assert by_name["case-c-corrupt.tar.gz"]["report"] == ""
    assert by_name["case-a"]["top_cause"] == "snapshot-fsfreeze-failed"
    assert by_name["case-b.tar.gz"]["top_cause"] == "network-blocked"
    assert by_name["case-d.zip"]["status"] == "guest-healthy"
    for row in rows:
        if row["report"]:
            report = json.loads((out / row["report"]).with_name("report.json").read_text())
            assert report["bundle"]["sha256"] == row["sha256"]
            assert report["result"]["top_cause"] == row["top_cause"]
            assert (out / row["report"]).read_text().startswith("<!DOCTYPE html>")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["rows"] == rows
    assert summary["internal"] is True and {"concurrent_backups", "unexplained_errors"} <= set(summary)
    index = (out / "index.html").read_text()
    assert "INTERNAL" in index and all(f'href="{r["report"]}"' in index for r in rows if r["report"])
    assert "case-c-corrupt.tar.gz" in run.stderr


def test_resume_skips_finished_bundles_and_retries_failed_ones(tickets: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = run_cli(["batch", str(tickets), "-o", str(out), "--jobs", "2"], cwd=tmp_path)
    assert first.code == 4
    report = next(out.glob("*case-a-*/report.json"))
    before = report.stat().st_mtime_ns
    (tickets / "case-c-corrupt.tar.gz").unlink()
    second = run_cli(["batch", str(tickets), "-o", str(out), "--jobs", "2", "--resume"], cwd=tmp_path)
    assert second.code == 0, second.stderr
    assert "(4 resumed)" in second.stderr
    assert report.stat().st_mtime_ns == before
    assert [r["name"] for r in _rows(out)] == ["case-a", "case-b.tar.gz", "case-d.zip", "case-e"]
    # a changed bundle (new bytes, new sha256) is analysed again
    (tickets / "case-a" / "var" / "log" / "extra.txt").parent.mkdir(parents=True, exist_ok=True)
    (tickets / "case-a" / "var" / "log" / "extra.txt").write_text("note\n")
    old = {p.name for p in out.glob("*case-a-*")}
    third = run_cli(["batch", str(tickets), "-o", str(out), "--jobs", "2", "--resume"], cwd=tmp_path)
    assert "(3 resumed)" in third.stderr
    new = {p.name for p in out.glob("*case-a-*")}
    assert len(new) == 1 and new != old  # the superseded report folder is gone


def test_same_key_same_stand_ins_across_a_resumed_batch(tickets: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_cli(["batch", str(tickets), "-o", str(out), "--jobs", "1"], cwd=tmp_path)
    key = (out / ".snapdiag" / "batch-key").read_text()
    assert len(bytes.fromhex(key)) == 32
    assert (out / ".snapdiag" / "batch-key").stat().st_mode & 0o077 == 0
    run_cli(["batch", str(tickets), "-o", str(out), "--jobs", "1", "--resume"], cwd=tmp_path)
    assert (out / ".snapdiag" / "batch-key").read_text() == key


def test_no_bundle_is_exit_3_and_a_file_as_outdir_is_exit_2(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    run = run_cli(["batch", str(empty), "-o", str(tmp_path / "out")], cwd=tmp_path)
    assert run.code == 3 and run.stderr.count("\n") == 1
    (tmp_path / "file").write_text("x")
    (empty / "a.log").write_text("hello\n")
    run = run_cli(["batch", str(empty), "-o", str(tmp_path / "file")], cwd=tmp_path)
    assert run.code == 2 and run.stderr.count("\n") == 1


def test_unreachable_scheduler_is_one_line_exit_2(tickets: Path, tmp_path: Path) -> None:
    run = run_cli(["batch", str(tickets), "-o", str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:9"], cwd=tmp_path)
    assert run.code == 2, run.stderr
    assert run.stderr.count("\n") == 1 and "Dask scheduler" in run.stderr


def test_scheduler_without_dask_installed_is_exit_2_with_a_hint(tickets: Path, tmp_path: Path) -> None:
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "distributed.py").write_text("raise ImportError('no dask here')\n")
    env = {"PYTHONPATH": f"{shim}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    run = run_cli(["batch", str(tickets), "-o", str(tmp_path / "o"), "--scheduler", "tcp://x:1"], cwd=tmp_path, env=env)
    assert run.code == 2 and "pip install 'snapdiag[dask]'" in run.stderr


def test_ctrl_c_stops_cleanly_with_130(tickets: Path, tmp_path: Path) -> None:
    for n in range(12):  # enough work that the interrupt lands mid-batch
        (tickets / f"copy-{n}").mkdir()
        for src in (tickets / "case-a").rglob("*"):
            if src.is_file():
                dst = tickets / f"copy-{n}" / src.relative_to(tickets / "case-a")
                dst.parent.mkdir(parents=True, exist_ok=True)
                dst.write_bytes(src.read_bytes() + f"\n# copy {n}\n".encode())
    proc = subprocess.Popen(
        [sys.executable, "-m", "analyzer", "batch", str(tickets), "-o", str(tmp_path / "o"), "--jobs", "2"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # the signal goes to the group, as a terminal's Ctrl-C does
    )
    deadline = time.monotonic() + 60
    while not list((tmp_path / "o").glob("*/.outcome.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    text = err.decode()
    assert proc.returncode == 130, text
    assert "Traceback" not in text and "interrupted" in text


def test_progress_bar_on_a_terminal_only(tickets: Path, tmp_path: Path) -> None:
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # a new pty is 0x0
    proc = subprocess.Popen(
        [sys.executable, "-m", "analyzer", "batch", str(tickets), "-o", str(tmp_path / "tty"), "--jobs", "2"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=follower,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(leader)
    shown = b"".join(chunks).decode(errors="replace")
    assert "5/5" in shown and "bundle/s" in shown and "failed=1" in shown
    quiet = run_cli(["batch", str(tickets), "-o", str(tmp_path / "pipe"), "--jobs", "2"], cwd=tmp_path)
    assert "bundle/s" not in quiet.stderr and "5/5" not in quiet.stderr


def test_resume_after_the_key_was_lost_makes_every_report_again(tickets: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_cli(["batch", str(tickets), "-o", str(out), "--jobs", "2"], cwd=tmp_path)
    (out / ".snapdiag" / "batch-key").unlink()
    again = run_cli(["batch", str(tickets), "-o", str(out), "--jobs", "2", "--resume"], cwd=tmp_path)
    assert "(0 resumed)" in again.stderr  # old stand-ins would not match the new key's


def test_resume_in_another_language_makes_the_reports_again(tickets: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_cli(["batch", str(tickets), "-o", str(out), "--jobs", "2"], cwd=tmp_path)
    again = run_cli(["batch", str(tickets), "-o", str(out), "--jobs", "2", "--resume", "--lang", "zh-CN"], cwd=tmp_path)
    assert "(0 resumed)" in again.stderr
    assert 'lang="zh-CN"' in next(out.glob("*case-a-*/report.html")).read_text()


def test_a_salvaged_damaged_bundle_does_not_look_clean_in_the_batch_views(tickets: Path, tmp_path: Path) -> None:
    good = (tickets / "case-b.tar.gz").read_bytes()
    (tickets / "case-f-truncated.tar.gz").write_bytes(good[: len(good) * 2 // 3])
    out = tmp_path / "out"
    run_cli(["batch", str(tickets), "-o", str(out), "--jobs", "2"], cwd=tmp_path)
    summary = json.loads((out / "summary.json").read_text())
    damaged = f"{tickets}/case-f-truncated.tar.gz"
    assert summary["warnings"].get(damaged, 0) >= 1
    assert f"{tickets}/case-a" not in summary["warnings"]  # a clean bundle has no entry
    index = (out / "index.html").read_text()
    assert "reading warning(s): see the report" in index
