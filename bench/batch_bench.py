#!/usr/bin/env python3
"""Batch throughput: bundles per minute with ``--jobs 1`` and ``--jobs 2``, and the speed-up.

Builds N (default 120) small realistic bundles with the simulator (every scenario in turn, three
layouts, mixed eras), then for each job count runs the same batch three times into a fresh OUTDIR
(median reported).  The pool is started (workers forked and warm) before the clock starts, so the
numbers are the batch's steady work; the serial tail after the workers (cross-bundle grouping,
template mining, summaries, index.html) is reported apart.  Compare ratios, not seconds.

    python bench/batch_bench.py [--bundles 120] [--size 256K] [--workdir DIR] [--keep]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from analyzer.batch.engines import LocalEngine  # noqa: E402
from analyzer.batch.inputs import discover  # noqa: E402
from analyzer.batch.runner import run_batch  # noqa: E402
from analyzer.batch.worker import WorkerSettings  # noqa: E402
from analyzer.simulate import SCENARIOS, generate_bundle, parse_size  # noqa: E402

LAYOUTS = ("dir", "tar.gz", "logcollector-zip")
ERAS = ("iso", "legacy", "mixed", "2.2.46")
GATE = 1.7


def build(folder: Path, count: int, size: int) -> None:
    scenarios = sorted(SCENARIOS)
    for n in range(count):
        scenario = scenarios[n % len(scenarios)]
        layout, era = LAYOUTS[n % len(LAYOUTS)], ERAS[n % len(ERAS)]
        generate_bundle(folder / f"ticket-{n:04d}", scenario=scenario, seed=n, size=size, era=era, layout=layout)


def one_run(tickets: Path, jobs: int, workdir: Path, key: bytes) -> tuple[float, float, int, int]:
    out = workdir / f"out-{jobs}-{time.monotonic_ns()}"
    found = discover([tickets], out)
    engine = LocalEngine(jobs, WorkerSettings(key=key))  # workers forked and warm before the clock starts
    try:
        started = time.perf_counter()
        report = run_batch(found.jobs, out, engine)
        wall = time.perf_counter() - started
    finally:
        engine.close()
    shutil.rmtree(out, ignore_errors=True)
    return wall, report.tail_seconds, len(report.outcomes), len(report.failed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundles", type=int, default=120)
    parser.add_argument("--size", default="256K", help="log bytes per bundle")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    size = parse_size(args.size)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="snapdiag-batch-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    need = args.bundles * size * 4
    free = shutil.disk_usage(workdir).free
    if free < need:
        print(f"SKIP: needs ~{need >> 20} MB free in {workdir}, has {free >> 20} MB")
        return 0
    tickets = workdir / "tickets"
    try:
        if not tickets.exists():
            t0 = time.perf_counter()
            build(tickets, args.bundles, size)
            print(f"built {args.bundles} bundles of {args.size} logs in {time.perf_counter() - t0:.1f} s")
        print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
        key = os.urandom(32)
        results: dict[int, list[tuple[float, float, int, int]]] = {1: [], 2: []}
        for _ in range(args.runs):  # interleaved, so drift in machine load hits both alike
            for jobs in (1, 2):
                results[jobs].append(one_run(tickets, jobs, workdir, key))
        rate = {}
        for jobs, runs in results.items():
            wall = statistics.median(r[0] for r in runs)
            tail = statistics.median(r[1] for r in runs)
            count, failed = runs[0][2], runs[0][3]
            rate[jobs] = count / wall * 60
            print(
                f"--jobs {jobs}: {count} bundles ({failed} failed) in {wall:.2f} s (median of {len(runs)}) = "
                f"{rate[jobs]:.0f} bundles/min; serial tail {tail:.2f} s ({tail / wall:.1%} of the wall)"
            )
        speedup = rate[2] / rate[1]
        verdict = "MET" if speedup >= GATE else "MISSED"
        print(f"speed-up --jobs 2 over --jobs 1: {speedup:.2f}x (target >= {GATE}x): {verdict}")
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
