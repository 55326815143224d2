"""Project invariants: the README's first shell block, .ci/run, and a non-editable wheel install."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _first_shell_block() -> list[str]:
    text = (ROOT / "README.md").read_text()
    m = re.search(r"```(?:sh|bash|shell)\n(.*?)```", text, re.S)
    assert m, "README has no fenced shell block"
    return [line for line in m.group(1).splitlines() if line.strip()]


def test_readme_first_block_has_two_setup_commands() -> None:
    commands = _first_shell_block()
    assert len(commands) == 2
    assert "python3 -m venv" in commands[0] and "snapdiag analyze examples/" in commands[0]
    assert "python3 -m venv" in commands[1] and "[test]" in commands[1] and "pytest" in commands[1]
    sample = re.search(r"analyze (examples/\S+)", commands[0])
    assert sample and (ROOT / sample.group(1)).exists()


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert _first_shell_block()[1] in ci
    assert "set -euo pipefail" in ci


def test_example_bundle_analyses_through_the_cli(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    html = tmp_path / "r.html"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "analyzer",
            "analyze",
            str(ROOT / "examples" / "fsfreeze-failed"),
            "--json",
            str(out),
            "-o",
            str(html),
        ],
        check=True,
        cwd=tmp_path,
    )
    report = json.loads(out.read_text())
    assert report["schema"] == "snapdiag.report/1"
    assert report["bundle"]["layout"] == "tar-root"
    kinds = {s["kind"] for s in report["bundle"]["sources"]}
    assert {"waagent_log", "vmsnapshot_extension_log", "vmsnapshot_shell_log"} <= kinds
    page = html.read_text()
    assert "Content-Security-Policy" in page
    # the example carries a fake SAS signature: it must never reach a report
    assert "EXAMPLEfakeSignature" not in page and "EXAMPLEfakeSignature" not in out.read_text()


def test_non_editable_wheel_carries_package_data(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    # built from a copy: setuptools writes build/ and *.egg-info next to the sources it builds
    source = tmp_path / "src"
    skip = shutil.ignore_patterns(".git", ".venv", "venv", "build", "*.egg-info", "__pycache__", "examples", "tests")
    shutil.copytree(ROOT, source, ignore=skip)
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
    subprocess.run([*pip_wheel, "-w", str(wheels), str(source)], check=True)
    (wheel,) = wheels.glob("snapdiag-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("reports/templates/") for n in names)
    assert any(n.startswith("analyzer/knowledge/") and n.endswith(".toml") for n in names)
    assert {"analyzer/serve/templates/app.js", "reports/templates/batch_index.js"} <= set(names)
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)], check=True
    )
    # run from a folder outside the repo with the wheel's copy first on the path
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import analyzer, reports;"
        "assert analyzer.__file__.startswith(sys.argv[1]), analyzer.__file__;"
        "assert reports.__file__.startswith(sys.argv[1]), reports.__file__;"
        "from analyzer.cli import main; main(sys.argv[2:], prog_name='snapdiag')"
    )
    out = tmp_path / "w.html"
    subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            str(target),
            "analyze",
            str(ROOT / "examples" / "fsfreeze-failed"),
            "-o",
            str(out),
        ],
        check=True,
        cwd=tmp_path,
    )
    assert "snapdiag" in out.read_text()


def test_readme_names_every_cause() -> None:
    from analyzer.knowledge import load_catalogue

    text = (ROOT / "README.md").read_text()
    assert [cid for cid in load_catalogue().ids() if f"`{cid}`" not in text] == []
