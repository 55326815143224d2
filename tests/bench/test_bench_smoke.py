"""Smoke run of the timeline benchmark (design §8: CI runs a small one; speed is judged in bench/).

Only checks that ``bench/timeline_bench.py --quick`` completes and prints its ratio lines: no
timing assertions.  The hang guard is generous because CI machines are slow and shared.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HANG_GUARD_S = 1800


def test_quick_bench_completes_and_prints_ratios(tmp_path: Path) -> None:
    if shutil.which("lnav") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("lnav is required under CI=true (Debian: apt-get install lnav)")
        pytest.skip("lnav is not installed")
    proc = subprocess.run(
        [sys.executable, str(REPO / "bench" / "timeline_bench.py"), "--quick", "--workdir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_S,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    for needle in (
        "snapdiag timeline --format jsonl: wall",
        "snapdiag analyze -o HTML --json JSON: wall",
        "grep baseline",
        "lnav baseline: wall",
        "ratio timeline/lnav:",
        "ratio timeline/grep:",
        "ratio analyze/lnav:",
        "ratio analyze/grep:",
    ):
        assert needle in out, f"missing {needle!r} in:\n{out}"
    assert "rc 0" in out.split("snapdiag timeline", 1)[1].splitlines()[0]
