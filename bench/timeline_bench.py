#!/usr/bin/env python3
"""Timeline throughput of snapdiag against pinned baselines, on large synthetic mixed-era bundles.

For each size (64 MB, 256 MB, 1 GB of logs; 16 MB with ``--quick``) it builds a ``tar.gz`` bundle
with ``snapdiag simulate`` (analyzer.simulate), then measures in one run, each in a child process
whose peak RSS comes from ``os.wait4``:

* ``snapdiag timeline --format jsonl BUNDLE > /dev/null`` — wall, MB/s of logs, peak RSS;
* ``snapdiag analyze BUNDLE -o report.html --json report.json`` — end to end (read, parse,
  timeline, rules, HTML and JSON written): the same;
* grep baseline: ``gzip -dc BUNDLE | grep -cE '<literals>'`` with the union of the prefilter
  literals of every ``PatternSet`` in ``parsers.*``;
* lnav baseline: ``lnav -n -c ';SELECT count(*) FROM all_logs WHERE log_level >= "warning"' LOGS``
  on the extracted log files (extraction is not timed);

and prints the ratios snapdiag/lnav and snapdiag/grep.  Median of 3 runs for sizes up to 64 MB,
one run above.  Machines are noisy (and may be shared): compare the ratios of one run, not seconds.
Sizes that need more free disk than ~4x their size are skipped with the reason.

    python bench/timeline_bench.py [--quick] [--sizes 64M,256M,1G] [--workdir DIR] [--keep]
    python bench/timeline_bench.py --print-literals     # the grep pattern, for the README command
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

LNAV_QUERY = ';SELECT count(*) FROM all_logs WHERE log_level >= "warning"'
DEFAULT_SIZES = ("64M", "256M", "1G")
QUICK_SIZE = "16M"
SMALL_LIMIT = 64 << 20  # sizes up to this get the median of 3 runs
RSS_GATE_MB = 300
LNAV_GATE, LNAV_STRETCH = 5.0, 3.0
GREP_GATE = 6.0  # issue #9: analyze end to end within 6x of the grep pipeline
_ERE_SPECIAL = re.compile(r"([.\[\]()*+?{}|^$\\])")


# -- the grep baseline's pattern -------------------------------------------------------------------------


def prefilter_literals() -> list[str]:
    """Every literal the parsers' PatternSets prefilter on (all registered formats loaded)."""
    from parsers import registry
    from parsers.agent_messages import match_message
    from parsers.patterns import PatternSet

    registry.specs()  # imports every parser module
    match_message("x")  # the agent table is built lazily, on the first non-empty message
    literals: set[str] = set()
    for obj in gc.get_objects():
        if isinstance(obj, PatternSet):
            for pattern in obj.patterns:
                literals.update(pattern.literals)
    return sorted(lit for lit in literals if lit and "\n" not in lit)


def grep_pattern(literals: list[str]) -> str:
    """One POSIX ERE alternation of the literals (longest first, as the prefilter compiles them)."""
    return "|".join(_ERE_SPECIAL.sub(r"\\\1", lit) for lit in sorted(literals, key=lambda s: (-len(s), s)))


# -- child processes -------------------------------------------------------------------------------------


@dataclass
class Measure:
    wall: float
    rss_mb: float
    rc: int
    out: str = ""
    cpu: float = 0.0  # user + system seconds of the child(ren): steadier than wall on a shared machine


def _wait(proc: subprocess.Popen[bytes], timeout: float) -> tuple[int, float, float]:
    """Reap ``proc`` with wait4: (exit code, peak RSS in MB, CPU seconds); kill it after ``timeout``."""
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        _pid, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss is in KiB on Linux
    return proc.returncode, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def run_child(argv: list[str], timeout: float, env: dict[str, str] | None = None, capture: bool = False) -> Measure:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out if capture else subprocess.DEVNULL, stderr=err, env=env)
        rc, rss, cpu = _wait(proc, timeout)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        text = out.read().decode(errors="replace").strip()
        if rc != 0:
            tail = err.read().decode(errors="replace").strip().splitlines()[-3:]
            text = (text + "\n" + "\n".join(tail)).strip()
    return Measure(wall, rss, rc, text, cpu)


def run_grep(bundle: Path, pattern: str, timeout: float) -> Measure:
    start = time.perf_counter()
    gz = subprocess.Popen(["gzip", "-dc", str(bundle)], stdout=subprocess.PIPE)
    grep = subprocess.Popen(["grep", "-cE", pattern], stdin=gz.stdout, stdout=subprocess.PIPE)
    assert gz.stdout is not None
    gz.stdout.close()
    assert grep.stdout is not None
    out = grep.stdout.read()
    rc, _rss, cpu_grep = _wait(grep, timeout)
    _rc, _rss, cpu_gz = _wait(gz, timeout)
    return Measure(time.perf_counter() - start, 0.0, rc, out.decode().strip(), cpu_grep + cpu_gz)


def snapdiag_argv() -> list[str]:
    script = Path(sys.executable).with_name("snapdiag")
    return [str(script)] if script.exists() else [sys.executable, "-m", "analyzer"]


# -- one size --------------------------------------------------------------------------------------------


def _median(measures: list[Measure]) -> Measure:
    wall = statistics.median(m.wall for m in measures)
    cpu = statistics.median(m.cpu for m in measures)
    return Measure(wall, max(m.rss_mb for m in measures), max(m.rc for m in measures), measures[-1].out, cpu)


def _repeat(name: str, n: int, fn: Callable[..., Measure], *args: Any) -> Measure:
    """Run ``fn`` ``n`` times; print each run (long benchmarks should show they are alive)."""
    runs = []
    for i in range(n):
        m = fn(*args)
        runs.append(m)
        rss = f", peak RSS {m.rss_mb:.0f} MB" if m.rss_mb else ""
        print(f"   {name} run {i + 1}/{n}: wall {m.wall:.2f} s, cpu {m.cpu:.2f} s{rss}, rc {m.rc}", flush=True)
    return _median(runs)


def _fmt_bytes(n: float) -> str:
    return f"{n / (1 << 20):.1f} MiB"


def _cpu_ratio(a: Measure, b: Measure) -> str:
    return f"{a.cpu / b.cpu:.1f}x" if b.cpu > 0 else "n/a"


def _gate(ratio: float, gate: float, stretch: float | None = None) -> str:
    text = f"gate {gate:g}x: {'ok' if ratio <= gate else 'MISS'}"
    if stretch is not None:
        text += f", stretch {stretch:g}x: {'ok' if ratio <= stretch else 'miss'}"
    return text


def bench_size(label: str, nbytes: int, args: argparse.Namespace, work: Path, pattern: str) -> dict[str, float]:
    from analyzer.simulate import generate_bundle

    free = shutil.disk_usage(work).free
    if free < 4 * nbytes:
        print(f"== {label}: skipped, needs ~{_fmt_bytes(4 * nbytes)} free in {work}, {_fmt_bytes(free)} available")
        return {}
    bundle = work / f"bench-{label}.tar.gz"
    if not bundle.exists():
        start = time.perf_counter()
        generate_bundle(bundle, size=nbytes, era=args.era, seed=args.seed, layout="tar.gz")
        print(f"   generated {bundle.name} in {time.perf_counter() - start:.1f} s")
    extract = work / f"extract-{label}"
    if not extract.exists():
        with tarfile.open(bundle) as tar:
            tar.extractall(extract, filter="data")
    files = sorted(p for p in extract.rglob("*") if p.is_file())
    log_bytes = sum(p.stat().st_size for p in files)
    logs = [str(p) for p in files if "/var/log/" in p.as_posix()]
    mb = log_bytes / 1e6
    repeats = 1 if args.quick or nbytes > SMALL_LIMIT else 3
    how = f"median of {repeats}" if repeats > 1 else "1 run"
    print(
        f"== {label}: {bundle.name}, {log_bytes} bytes of logs ({_fmt_bytes(log_bytes)}), "
        f"{_fmt_bytes(bundle.stat().st_size)} compressed, era {args.era}, seed {args.seed}, {how}"
    )
    env = dict(os.environ, SNAPDIAG_DEBUG="")
    sd = snapdiag_argv()
    tl = _repeat(
        "timeline",
        repeats,
        run_child,
        [*sd, "timeline", "--quiet", "--format", "jsonl", str(bundle)],
        args.timeout,
        env,
    )
    print(
        f"snapdiag timeline --format jsonl: wall {tl.wall:.2f} s, {mb / tl.wall:.2f} MB/s, cpu {tl.cpu:.2f} s "
        f"({mb / tl.cpu:.2f} MB/cpu-s), peak RSS {tl.rss_mb:.0f} MB, rc {tl.rc}"
    )
    # end to end as an engineer runs it (issue #9): read, parse, timeline, rules, HTML and JSON written
    outputs = ["-o", str(work / "bench-report.html"), "--json", str(work / "bench-report.json")]
    an = _repeat("analyze", repeats, run_child, [*sd, "analyze", "--quiet", str(bundle), *outputs], args.timeout, env)
    print(
        f"snapdiag analyze -o HTML --json JSON: wall {an.wall:.2f} s, {mb / an.wall:.2f} MB/s, cpu {an.cpu:.2f} s "
        f"({mb / an.cpu:.2f} MB/cpu-s), peak RSS {an.rss_mb:.0f} MB, rc {an.rc}"
    )
    gr = _repeat("grep", repeats, run_grep, bundle, pattern, args.timeout)
    print(
        f"grep baseline (gzip -dc | grep -cE literals): wall {gr.wall:.2f} s, {mb / gr.wall:.1f} MB/s, "
        f"cpu {gr.cpu:.2f} s, {gr.out} lines"
    )
    result = {"log_bytes": log_bytes, "timeline": tl.wall, "analyze": an.wall, "grep": gr.wall,
              "timeline_rss": tl.rss_mb, "analyze_rss": an.rss_mb}  # fmt: skip
    lnav = shutil.which("lnav")
    if lnav is None:
        print("lnav baseline: skipped, lnav is not installed (Debian: apt-get install lnav)")
        print("ratio timeline/lnav: n/a (no lnav)")
    else:
        home = work / "lnav-home"  # lnav keeps state under $HOME: keep it out of the real one
        home.mkdir(exist_ok=True)
        lenv = dict(os.environ, HOME=str(home))
        ln = _repeat("lnav", repeats, run_child, [lnav, "-n", "-c", LNAV_QUERY, *logs], args.timeout, lenv, True)
        count = ln.out.split()[-1] if ln.out else "?"
        print(f"lnav baseline: wall {ln.wall:.2f} s, {mb / ln.wall:.1f} MB/s, cpu {ln.cpu:.2f} s, "
              f"peak RSS {ln.rss_mb:.0f} MB, {count} records >= warning, rc {ln.rc}")  # fmt: skip
        result["lnav"] = ln.wall
        gate = _gate(tl.wall / ln.wall, LNAV_GATE, LNAV_STRETCH)
        print(f"ratio timeline/lnav: {tl.wall / ln.wall:.1f}x wall ({gate}); {_cpu_ratio(tl, ln)} cpu")
        gate = _gate(an.wall / ln.wall, LNAV_GATE, LNAV_STRETCH)
        print(f"ratio analyze/lnav: {an.wall / ln.wall:.1f}x wall ({gate}); {_cpu_ratio(an, ln)} cpu")
    print(f"ratio timeline/grep: {tl.wall / gr.wall:.1f}x wall; {_cpu_ratio(tl, gr)} cpu")
    gate = _gate(an.wall / gr.wall, GREP_GATE)
    print(f"ratio analyze/grep: {an.wall / gr.wall:.1f}x wall ({gate}); {_cpu_ratio(an, gr)} cpu")
    rss = max(tl.rss_mb, an.rss_mb)
    print(f"peak RSS (max of timeline, analyze): {rss:.0f} MB (gate < {RSS_GATE_MB} MB: "
          f"{'ok' if rss < RSS_GATE_MB else 'MISS'})")  # fmt: skip
    if not args.keep:
        shutil.rmtree(extract, ignore_errors=True)
    return result


def machine() -> str:
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            model = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), model)
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"machine: nproc {os.cpu_count()}, CPU {model}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, load average {load}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help=f"one {QUICK_SIZE} smoke run")
    ap.add_argument("--sizes", default=",".join(DEFAULT_SIZES), help="comma list of sizes (K/M/G)")
    ap.add_argument("--era", default="mixed")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workdir", type=Path, help="where bundles are built (default: a temporary folder)")
    ap.add_argument("--keep", action="store_true", help="keep bundles and extracted logs")
    ap.add_argument("--timeout", type=float, default=4 * 3600, help="hang guard per child, seconds")
    ap.add_argument("--print-literals", action="store_true", help="print the grep -E pattern and exit")
    args = ap.parse_args(argv)

    from analyzer.simulate import parse_size

    literals = prefilter_literals()
    pattern = grep_pattern(literals)
    if args.print_literals:
        print(pattern)
        return 0
    sizes = [QUICK_SIZE] if args.quick else [s.strip() for s in args.sizes.split(",") if s.strip()]
    print(machine())
    print(f"snapdiag: {' '.join(snapdiag_argv())}; grep literals: union of {len(literals)} PatternSet prefilter "
          f"literals from parsers.* ({len(pattern)} characters)")  # fmt: skip
    own = args.workdir is None
    work = Path(tempfile.mkdtemp(prefix="snapdiag-bench-")) if own else args.workdir
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, float]] = {}
    try:
        for label in sizes:
            results[label] = bench_size(label, parse_size(label), args, work, pattern)
    finally:
        if own and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    done = {k: v for k, v in results.items() if v}
    if len(done) > 1:
        rss = ", ".join(f"{k} {v['timeline_rss']:.0f}/{v['analyze_rss']:.0f} MB" for k, v in done.items())
        lo = min(max(v["timeline_rss"], v["analyze_rss"]) for v in done.values())
        hi = max(max(v["timeline_rss"], v["analyze_rss"]) for v in done.values())
        print(f"peak RSS by size (timeline/analyze): {rss}; largest/smallest {hi / lo:.2f}")
    print(f"load average at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
