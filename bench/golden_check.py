#!/usr/bin/env python3
"""Byte-for-byte output guard for speed work on the parse / timeline paths.

``save`` runs the real CLI on every case of ``tests/fixtures`` (the case's input folder: ``vm`` or
``ticket``), on ``examples/*`` and on a 16 MB simulated mixed-era bundle, and stores for each:
``snapdiag analyze CASE --json -`` (without the ``generated_at`` line, the only field that changes
between runs) and ``snapdiag timeline CASE --format jsonl``, each with its exit code and stderr.
``check`` runs the same commands again and reports every case whose bytes differ (exit 1 if any).

    python bench/golden_check.py save  [--dir /tmp/sd-golden] [--src TREE] [--missing]
    python bench/golden_check.py check [--dir /tmp/sd-golden] [--jobs 2]

Run ``save`` on the tree before a change and ``check`` after it; a speed-up must leave every
output identical.  ``--src`` runs the CLI from another source tree (e.g. ``git archive HEAD``
unpacked in a temp folder) instead of the installed one; ``--missing`` saves only cases that have
no stored output yet (cases added to the corpus since the last ``save``).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SIM_SIZE = "16M"
_GENERATED_AT = re.compile(rb'^\s*"generated_at": "[^"]*",?\n', re.MULTILINE)


_SRC: list[Path] = []  # another source tree to run the CLI from (--src)


def snapdiag() -> list[str]:
    if _SRC:
        code = f"import sys; sys.path.insert(0, {str(_SRC[0])!r}); from analyzer.cli import main; sys.exit(main())"
        return [sys.executable, "-c", code]
    script = Path(sys.executable).with_name("snapdiag")
    return [str(script)] if script.exists() else [sys.executable, "-m", "analyzer"]


def cases(sim_dir: Path) -> Iterator[tuple[str, Path]]:
    """(name, input path) for every fixture case, every example and the simulated bundle."""
    for case in sorted((REPO / "tests" / "fixtures").iterdir()):
        if not (case / "expected.json").is_file():
            continue
        for sub in sorted(p for p in case.iterdir() if p.is_dir()):
            yield f"fixture-{case.name}-{sub.name}", sub
    for example in sorted((REPO / "examples").iterdir()):
        if example.is_dir():
            yield f"example-{example.name}", example
    bundle = sim_dir / f"sim-{SIM_SIZE}-mixed.tar.gz"
    if not bundle.exists():
        sim_dir.mkdir(parents=True, exist_ok=True)
        argv = [*snapdiag(), "simulate", "healthy", "-o", str(bundle), "--size", SIM_SIZE, "--era", "mixed"]
        subprocess.run([*argv, "--seed", "0", "--layout", "tar.gz"], check=True, capture_output=True)
    yield f"sim-{SIM_SIZE}-mixed", bundle


def outputs(path: Path) -> dict[str, bytes]:
    """The outputs of one case, by file name."""
    out: dict[str, bytes] = {}
    commands = {
        "analyze.json": ["analyze", "--quiet", str(path), "--json", "-"],
        "timeline.jsonl": ["timeline", "--quiet", "--format", "jsonl", str(path)],
    }
    for name, args in commands.items():
        proc = subprocess.run([*snapdiag(), *args], capture_output=True, cwd=REPO)
        stdout = _GENERATED_AT.sub(b"", proc.stdout) if name == "analyze.json" else proc.stdout
        out[name] = stdout
        out[name + ".meta"] = f"rc={proc.returncode}\n".encode() + proc.stderr
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=("save", "check"))
    ap.add_argument("--dir", type=Path, default=Path("/tmp/sd-golden"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--src", type=Path, help="source tree to run the CLI from (default: the installed snapdiag)")
    ap.add_argument("--missing", action="store_true", help="save: only cases without stored output")
    args = ap.parse_args(argv)
    if args.src is not None:
        _SRC.append(args.src.resolve())
    store = args.dir
    all_cases = list(cases(store / "inputs"))
    if args.mode == "save" and args.missing:
        all_cases = [c for c in all_cases if not (store / "out" / c[0] / "timeline.jsonl").exists()]

    def run(item: tuple[str, Path]) -> tuple[str, dict[str, bytes]]:
        return item[0], outputs(item[1])

    failed = 0
    with ThreadPoolExecutor(args.jobs) as pool:
        for name, result in pool.map(run, all_cases):
            folder = store / "out" / name
            if args.mode == "save":
                folder.mkdir(parents=True, exist_ok=True)
                for file, data in result.items():
                    (folder / file).write_bytes(data)
                continue
            for file, data in result.items():
                old = (folder / file).read_bytes() if (folder / file).exists() else None
                if old != data:
                    failed += 1
                    digest = hashlib.sha256(data).hexdigest()[:12]
                    print(f"DIFF {name}/{file} ({len(old or b'')} -> {len(data)} bytes, new sha {digest})")
    verb = "saved" if args.mode == "save" else "checked"
    print(f"{verb} {len(all_cases)} cases in {store}" + (f": {failed} outputs differ" if args.mode == "check" else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
