"""`snapdiag simulate` / analyzer.simulate: deterministic, sized, parseable synthetic bundles."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.bundle import open_bundle
from analyzer.cli import main
from analyzer.limits import Limits
from analyzer.pipeline import analyse
from analyzer.simulate import ERA_NAMES, LAYOUTS, SCENARIOS, generate_bundle, layout, parse_size
from analyzer.simulate.context import EXTENSION_LOG, WAAGENT_LOG, Sim
from analyzer.simulate.run import RunSpec
from analyzer.simulate.scenarios import Scenario

SMALL = 120_000  # about one day of logs: the smallest bundle with a whole run in it


def _digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _total(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def test_same_seed_same_bundle(tmp_path: Path) -> None:
    a = generate_bundle(tmp_path / "a", seed=7, size=SMALL)
    b = generate_bundle(tmp_path / "b", seed=7, size=SMALL)
    c = generate_bundle(tmp_path / "c", seed=8, size=SMALL)
    assert _digest(a) == _digest(b)
    assert _digest(a)[WAAGENT_LOG] != _digest(c)[WAAGENT_LOG]


@pytest.mark.parametrize(("era", "size"), [("mixed", "256K"), ("mixed", "1M"), ("2.0", "400K"), ("iso", "2M")])
def test_size_within_tolerance(tmp_path: Path, era: str, size: str) -> None:
    target = parse_size(size)
    root = generate_bundle(tmp_path / "b", era=era, size=size, seed=1)
    assert abs(_total(root) - target) / target < 0.03


@pytest.mark.parametrize("era", ERA_NAMES)
def test_every_era_parses_cleanly_and_the_healthy_run_succeeds(tmp_path: Path, era: str) -> None:
    root = generate_bundle(tmp_path / "b", era=era, size=SMALL, seed=2)
    with analyse([root], Limits()) as analysis:
        stats = {s.source.path: s for s in analysis.parsed.stats}
        for path, kind in ((WAAGENT_LOG, "waagent_log"), (EXTENSION_LOG, "vmsnapshot_extension_log")):
            st = stats[path]
            assert st.source.kind == kind
            assert st.records > 20
            assert st.unclassified == 0, f"{era} {path}: {st.unclassified} unclassified"
            assert st.warnings == []
        assert any(run.outcome == "succeeded" for run in analysis.runs)
        last = max((r for r in analysis.runs if r.seq is not None), key=lambda r: r.seq)
        assert last.outcome == "succeeded" and last.final_code == "1"


def test_local_time_zone_is_written_and_inferred(tmp_path: Path) -> None:
    root = generate_bundle(tmp_path / "b", era="mixed", size=SMALL, seed=5, tz_minutes=480)
    assert (root / "etc/timezone").read_text().strip() == "Asia/Shanghai"
    # the 2.2.45 daemon writes local time, the 2.9 goal-state agent UTC: eight hours apart on disk
    lines = (root / WAAGENT_LOG).read_text().splitlines()
    daemon = next(ln for ln in lines if " INFO Daemon " in ln and ln[4] == "/")
    handler = next(ln for ln in lines if " INFO ExtHandler ExtHandler " in ln)
    assert int(daemon[11:13]) == (int(handler[11:13]) + 8) % 24
    with analyse([root], Limits()) as analysis:
        assert "Asia/Shanghai" in repr(analysis.timeline.time_zone)  # inferred from /etc/timezone
        assert all(s.unclassified == 0 for s in analysis.parsed.stats if s.source.kind == "waagent_log")


def test_a_registered_scenario_shapes_only_the_last_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def hang_while_frozen(sim: Sim, run: RunSpec) -> None:
        run.stop_after = "freeze"

    monkeypatch.setitem(
        SCENARIOS, "test-freeze-hang", Scenario("test-freeze-hang", "", hang_while_frozen, "unfinished")
    )
    root = generate_bundle(tmp_path / "b", scenario="test-freeze-hang", size="300K", seed=6)
    assert (root / EXTENSION_LOG).read_text().rstrip().endswith("proceeded for accepting signals")
    status = next(root.glob("var/lib/waagent/*/status/*.status")).read_text()
    assert '"code": "4"' in status
    with analyse([root], Limits()) as analysis:
        runs = sorted((r for r in analysis.runs if r.seq is not None), key=lambda r: r.seq)
        assert runs[-1].outcome == "unfinished"
        assert all(r.outcome == "succeeded" for r in runs[:-1])


def test_tar_gz_layout_reads_as_tar_root(tmp_path: Path) -> None:
    out = generate_bundle(tmp_path / "case.tar.gz", size=SMALL, layout="tar.gz")
    with open_bundle([out], Limits()) as bundle:
        assert bundle.layout == "tar-root"
        paths = {s.path for s in bundle.sources}
    assert {WAAGENT_LOG, EXTENSION_LOG, "var/log/syslog", "etc/waagent.conf"} <= paths
    assert not [p for p in tmp_path.iterdir() if p.name != "case.tar.gz"]  # the work folder is gone


def test_logcollector_zip_truncates_large_members(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layout, "TRUNCATE_AT", 50_000)
    out = generate_bundle(tmp_path / "logs.zip", size="400K", layout="logcollector-zip", seed=3)
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        results = zf.read("results.txt").decode()
    assert "truncated_var_log_syslog" in names and "var/log/syslog" not in names
    assert WAAGENT_LOG in names or "truncated_var_log_waagent.log" in names
    assert "etc/azure/vmbackup.conf" not in names  # the collector does not copy /etc/azure
    assert "Adding truncated file" in results
    with open_bundle([out], Limits()) as bundle:
        assert bundle.layout == "agent-logcollector"
        syslog = next(s for s in bundle.sources if s.path == "var/log/syslog")
        assert syslog.truncated and syslog.bytes == 50_000


def test_refuses_to_overwrite_a_folder(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep").write_text("mine")
    with pytest.raises(FileExistsError):
        generate_bundle(tmp_path / "x", size=SMALL)
    assert (tmp_path / "x" / "keep").read_text() == "mine"


@pytest.mark.parametrize(("text", "value"), [("123", 123), ("64K", 65536), ("16M", 16 << 20), ("1G", 1 << 30),
                                             ("2.5m", int(2.5 * (1 << 20))), ("10KiB", 10240)])  # fmt: skip
def test_parse_size(text: str, value: int) -> None:
    assert parse_size(text) == value


def test_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "b"
    ok = runner.invoke(main, ["simulate", "healthy", "-o", str(out), "--size", "120K", "--seed", "4", "--era", "iso"])
    assert ok.exit_code == 0, ok.output
    assert (out / WAAGENT_LOG).is_file()
    again = runner.invoke(main, ["simulate", "healthy", "-o", str(out)])
    assert again.exit_code == 2 and "not an empty folder" in again.output
    bad = runner.invoke(main, ["simulate", "no-such-cause", "-o", str(tmp_path / "c")])
    assert bad.exit_code == 2 and "unknown scenario" in bad.output
    size = runner.invoke(main, ["simulate", "healthy", "-o", str(tmp_path / "d"), "--size", "lots"])
    assert size.exit_code == 2
    assert not (tmp_path / "c").exists() and not (tmp_path / "d").exists()


def test_cli_choices_match_the_package() -> None:
    params = {p.name: p for p in main.commands["simulate"].params}
    assert tuple(params["era"].type.choices) == ERA_NAMES
    assert tuple(params["layout"].type.choices) == LAYOUTS
    assert "healthy" in SCENARIOS


def test_no_file_left_open(tmp_path: Path) -> None:
    before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0
    generate_bundle(tmp_path / "b", size=SMALL)
    after = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0
    assert after <= before
