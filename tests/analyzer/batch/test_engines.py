"""The local pool engine: cancelling never leaves the process unable to exit."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from analyzer.pool_stop import STOP_SECONDS

# Run in a child interpreter: a pool left with a stuck manager thread would hang pytest's own exit.
_SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from analyzer.batch import engines
    from analyzer.pool_stop import stoppable
    from analyzer.batch.model import BundleJob
    from analyzer.batch.worker import WorkerSettings

    marker = Path(sys.argv[1])
    mode = sys.argv[2]

    class Marker:
        # written while the worker pickles its result, just before the big payload is sent
        def __reduce__(self):
            marker.write_text("sending")
            return (str, ("marker",))

    def fake_analyse(job, settings, extra_facts=None, payload=None):
        if mode == "sending":
            return (Marker(), b"x" * (400 << 20))
        marker.write_text("analysing")
        time.sleep(120)

    engines.analyse_job = fake_analyse  # forked workers inherit it
    job = BundleJob(input="a", path="/nonexistent", name="a", sha256="0" * 64, slug="a", size=1, is_dir=False)
    # the send of 400 MB takes a while: stop before it, early in it, and late in it
    for delay in ([0.05, 0.3, 0.6] if mode == "sending" else [0.2]):
        marker.unlink(missing_ok=True)
        engine = engines.LocalEngine(1, WorkerSettings(key=b"k" * 32))
        future = engine._pool.submit(stoppable, engines.analyse_job, job, engine.settings, [])
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(delay)
        started = time.monotonic()
        clean = engine.close(cancel=True)
        print(f"clean={clean} seconds={time.monotonic() - started:.1f}", flush=True)
    """
)


@pytest.mark.parametrize("mode", ["sending", "analysing"])
def test_cancel_ends_the_pool_and_the_process_exits(tmp_path: Path, mode: str) -> None:
    """Cancel while a worker sends a large result (a kill there used to hang the exit forever)
    and while it is deep in an analysis (it must stop in seconds, not finish the bundle)."""
    script = tmp_path / "cancel.py"
    script.write_text(_SCRIPT)
    run = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "marker"), mode],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.splitlines()
    assert lines and all(line.startswith("clean=True") for line in lines), run.stdout + run.stderr[-2000:]
    assert all(float(line.split("seconds=")[1]) < STOP_SECONDS for line in lines)
