"""`snapdiag serve` through the real command line: help, --port 0, Ctrl+C, unusable options."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.serve.harness import EXAMPLE, ROOT, Client, folder_files

CLI = [sys.executable, "-m", "analyzer"]


def test_help_lists_the_options() -> None:
    out = subprocess.run([*CLI, "serve", "--help"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0
    assert "--host" in out.stdout and "--port" in out.stdout and "--data" in out.stdout


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_port_zero_serves_on_a_free_port_and_a_signal_stops_it_cleanly(tmp_path: Path, stop: int) -> None:
    data = tmp_path / "data"
    proc = subprocess.Popen(
        [*CLI, "serve", "--port", "0", "--data", str(data)], cwd=ROOT, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert found, line
        assert str(data) in line and "30 days" in line
        port = int(found.group(1))
        assert port > 0
        answer = httpx.get(f"http://127.0.0.1:{port}/", timeout=30)
        assert answer.status_code == 200 and "Drop a log bundle" in answer.text
        if stop == signal.SIGINT:  # once: an analysis through the real command's worker pool
            with Client(f"http://127.0.0.1:{port}") as client:
                job = client.wait(client.upload(folder_files(EXAMPLE)).json()["id"])
                assert job["top_cause"] == "snapshot-fsfreeze-failed"
        assert (data / "history.sqlite3").stat().st_mode & 0o077 == 0
        assert data.stat().st_mode & 0o077 == 0
        proc.send_signal(stop)
        assert proc.wait(30) == 0
        rest = proc.stderr.read()
        assert rest == "snapdiag serve: stopped\n", rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_busy_port_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        out = subprocess.run(
            [*CLI, "serve", "--port", str(port), "--data", str(tmp_path / "d")],
            capture_output=True, text=True, cwd=ROOT, timeout=60,
        )  # fmt: skip
    assert out.returncode == 2
    assert out.stderr.startswith("snapdiag: cannot listen on 127.0.0.1:") and out.stderr.count("\n") == 1


def test_an_unusable_data_folder_is_exit_2(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    out = subprocess.run(
        [*CLI, "serve", "--port", "0", "--data", str(blocker / "sub")], capture_output=True, text=True, cwd=ROOT,
        timeout=60,
    )  # fmt: skip
    assert out.returncode == 2
    assert out.stderr.startswith("snapdiag: cannot use --data") and out.stderr.count("\n") == 1


def test_without_the_serve_extra_it_says_what_to_install(tmp_path: Path) -> None:
    # a None entry in sys.modules makes `import starlette` fail as if it were not installed
    code = "import sys; sys.modules['starlette'] = None; from analyzer.cli import main; main(['serve'])"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60,
        env={**os.environ, "XDG_DATA_HOME": str(tmp_path)},
    )  # fmt: skip
    assert out.returncode == 2
    assert out.stderr == "snapdiag: snapdiag serve needs the [serve] extra: pip install 'snapdiag[serve]'\n"
    assert not (tmp_path / "snapdiag").exists()


def test_default_data_folder_follows_xdg(tmp_path: Path) -> None:
    code = "from analyzer.commands.serve import default_data_folder as d; print(d())"
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert out.stdout.strip() == str(tmp_path / "xdg" / "snapdiag")
    env = {**os.environ, "HOME": str(tmp_path / "home")}
    env.pop("XDG_DATA_HOME", None)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert out.stdout.strip() == str(tmp_path / "home" / ".local" / "share" / "snapdiag")
