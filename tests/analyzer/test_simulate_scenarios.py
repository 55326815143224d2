"""Every simulated scenario is diagnosed as its own cause (``healthy``: not diagnosed at all).

Hand-written fixtures stay the test truth for the rules; this checks that the generator's bundles
carry each cause's signature in a form the analyser finds.  The analyser gets the backup job's
time, as a user would (several causes — a stopped agent, extensions switched off — show only as
the absence of a run, which needs to know when the run was due).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.knowledge import load_catalogue
from analyzer.limits import Limits
from analyzer.pipeline import analyse
from analyzer.report_parts import result_status
from analyzer.simulate import SCENARIOS, generate_bundle

SIZE = 256 * 1024  # a few days of logs: a history before the analysed run
SEED = 1
NO_SINGLE_BUNDLE = {"sql-vss-conflict", "concurrent-backups"}  # need a Windows VM / several bundles
# scenarios also checked in the legacy era (2.2.14 local-time records, Python-2 extension)
LEGACY = (
    "healthy",
    "agent-not-running",
    "extensions-disabled",
    "python-missing",
    "settings-decryption-failed",
    "storage-access-failed",
    "snapshot-fsfreeze-failed",
    "snapshot-freeze-hang",
    "extension-invoked-too-late",
    "status-upload-failed",
    "vm-resource-pressure",
)
CASES = [("iso", name) for name in sorted(SCENARIOS)] + [("legacy", name) for name in LEGACY]


def test_registry_covers_the_catalogue() -> None:
    wanted = (set(load_catalogue().ids()) - NO_SINGLE_BUNDLE) | {"healthy"}
    assert set(SCENARIOS) == wanted


def test_scenarios_are_described() -> None:
    for sc in SCENARIOS.values():
        assert sc.description and sc.expected_outcome in ("succeeded", "failed", "unfinished"), sc.name


@pytest.mark.parametrize(("era", "name"), CASES, ids=[f"{e}-{n}" for e, n in CASES])
def test_analyze_finds_the_simulated_cause(tmp_path: Path, era: str, name: str) -> None:
    info: dict[str, object] = {}
    root = generate_bundle(tmp_path / "b", scenario=name, seed=SEED, size=SIZE, era=era, info=info)
    start, end = info["backup_time"]  # type: ignore[misc]
    with analyse([root], Limits(), backup_time=(start, end)) as analysis:
        status = result_status(analysis)
        found = [(f.cause.id, f.verdict) for f in analysis.diagnosis.findings]
    if name == "healthy":
        assert status["status"] != "diagnosed", found
    else:
        assert status["status"] == "diagnosed", (status, found)
        assert status["top_cause"] == name, (status, found)
