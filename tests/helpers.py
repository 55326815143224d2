"""Builders for test bundles: every archive is made in tmp_path at test time (no binary blobs)."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
import tarfile
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode() if isinstance(content, str) else content
        if rel.endswith(".gz") and not data.startswith(b"\x1f\x8b"):
            data = gzip.compress(data)
        target.write_bytes(data)
    return root


def _bytes(content: str | bytes) -> bytes:
    return content.encode() if isinstance(content, str) else content


def make_tar(path: Path, files: dict[str, str | bytes], mode: str = "w:gz") -> Path:
    with tarfile.open(path, mode) as tar:
        for name, content in files.items():
            data = _bytes(content)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1700000000
            tar.addfile(info, io.BytesIO(data))
    return path


def make_zip(path: Path, files: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            zf.writestr(name, _bytes(content))
    return path


def zip_bytes(files: dict[str, str | bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            zf.writestr(name, _bytes(content))
    return buf.getvalue()


def tar_bytes(files: dict[str, str | bytes], mode: str = "w:gz") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tar:
        for name, content in files.items():
            data = _bytes(content)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


AGENT_ISO = (
    "2024-05-01T10:00:00.123456Z INFO ExtHandler ExtHandler Azure Linux Agent (Goal State Agent version 2.9.1.1)\n"
)
AGENT_LEGACY = "2019/10/07 21:52:28.615720 INFO Daemon Azure Linux Agent Version:2.2.45\n"
EXT_PY3 = (
    "2024-01-14 22:16:48.792020 [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0]PreSnapshot: Status Code: 200\n"
)


# --- running the real CLI under hang guards (design §8) ------------------------------------------


@dataclass
class CliRun:
    code: int
    stdout: str
    stderr: str
    max_rss_mb: float
    seconds: float
    timed_out: bool


def run_cli(args: list[str], cwd: Path, timeout: float = 120.0, env: dict[str, str] | None = None) -> CliRun:
    """Run ``python -m analyzer ARGS`` in ``cwd``; measure peak RSS with os.wait4, kill on timeout."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("SNAPDIAG_DEBUG", None)
    start = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "analyzer", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=full_env,
    )
    timed_out = threading.Event()

    def _kill() -> None:
        timed_out.set()
        proc.kill()

    timer = threading.Timer(timeout, _kill)
    timer.start()
    out_chunks: list[bytes] = []
    err_chunks: list[bytes] = []
    readers = [
        threading.Thread(target=lambda: out_chunks.append(proc.stdout.read())),  # type: ignore[union-attr]
        threading.Thread(target=lambda: err_chunks.append(proc.stderr.read())),  # type: ignore[union-attr]
    ]
    for t in readers:
        t.start()
    _, status, usage = os.wait4(proc.pid, 0)
    timer.cancel()
    for t in readers:
        t.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return CliRun(
        code=proc.returncode,
        stdout=b"".join(out_chunks).decode("utf-8", "replace"),
        stderr=b"".join(err_chunks).decode("utf-8", "replace"),
        max_rss_mb=usage.ru_maxrss / 1024,
        seconds=time.monotonic() - start,
        timed_out=timed_out.is_set(),
    )
