"""Synthetic log bundles from the real line shapes of every era (design §2 ``simulate``, §7).

``generate_bundle`` writes a deterministic (seeded) bundle of a VM whose backups ran every day:
``waagent.log`` in the chosen era's format(s), the VMSnapshot ``extension.log``, ``shell.log``,
``CommandExecution.log``, ``syslog`` with the agent's records embedded, the last run's status
file and ``/etc`` files; the last run is shaped by a scenario (see :mod:`.scenarios`).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from analyzer.simulate import scenarios_f1, scenarios_f2, scenarios_f3, scenarios_f4, scenarios_f4b  # noqa: F401  (registers them)
from analyzer.simulate.eras import ERA_NAMES, ERAS
from analyzer.simulate.generate import MAX_DAYS, Plan, plan, write_tree
from analyzer.simulate.layout import LAYOUTS, pack_logcollector_zip, pack_tar_gz
from analyzer.simulate.scenarios import SCENARIOS, Scenario, scenario
from analyzer.simulate.scenarios import get as get_scenario

__all__ = [
    "DEFAULT_SIZE",
    "ERAS",
    "ERA_NAMES",
    "LAYOUTS",
    "MAX_DAYS",
    "SCENARIOS",
    "Plan",
    "Scenario",
    "generate_bundle",
    "parse_size",
    "scenario",
]

DEFAULT_SIZE = 1 << 20
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMG]?)(?:i?B)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def parse_size(text: str | int) -> int:
    """``123``, ``64K``, ``16M``, ``1G`` (binary units, an optional ``B``/``iB``) → bytes."""
    if isinstance(text, int):
        value = text
    else:
        m = _SIZE.match(text)
        if m is None:
            raise ValueError(f"size must look like 500K, 64M or 1G, got {text!r}")
        value = int(float(m.group(1)) * _UNITS[m.group(2).upper()])
    if value <= 0:
        raise ValueError("size must be positive")
    return value


def generate_bundle(
    out: Path,
    *,
    scenario: str = "healthy",
    seed: int = 0,
    size: int | str = DEFAULT_SIZE,
    era: str = "mixed",
    layout: str = "dir",
    tz_minutes: int = 0,
    info: dict[str, object] | None = None,
) -> Path:
    """Write a synthetic bundle to ``out`` and return its path.

    ``size`` is the target of total file bytes before packing (within a few % above ~200 KB; one
    day of logs is the minimum).  ``layout``: ``dir`` (``out`` must not exist or be an empty
    folder), ``tar.gz`` (one root folder named after ``out``) or ``logcollector-zip``.
    ``tz_minutes``: the VM's offset east of UTC, used by every writer that logs local time.
    ``info``: receives facts about the simulated backup that the bundle does not hold but its
    owner would know (``backup_time``: the job's start and end in UTC, as the portal shows them).
    """
    get_scenario(scenario)  # fail early on an unknown name
    if era not in ERAS:
        raise ValueError(f"unknown era {era!r} (known: {', '.join(ERA_NAMES)})")
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r} (known: {', '.join(LAYOUTS)})")
    if not -14 * 60 <= tz_minutes <= 14 * 60:
        raise ValueError("tz_minutes must be within ±14 hours")
    nbytes = parse_size(size)
    out = Path(out)
    p = plan(era, seed, nbytes, tz_minutes)
    if layout == "dir":
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise FileExistsError(f"{out} exists and is not an empty folder")
        out.mkdir(parents=True, exist_ok=True)
        write_tree(out, p, scenario, tz_minutes, info)
        return out
    if out.is_dir():
        raise FileExistsError(f"{out} is a folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".snapdiag-simulate-", dir=out.parent))
    try:
        tree = work / "tree"
        write_tree(tree, p, scenario, tz_minutes, info)
        collected = datetime.combine(p.era.last_day, datetime.min.time()) + timedelta(days=1, hours=2)
        if layout == "tar.gz":
            name = out.name.split(".")[0] or "bundle"
            pack_tar_gz(tree, out, name, collected)
        else:
            pack_logcollector_zip(tree, out, collected)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out
