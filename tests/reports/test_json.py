"""The JSON report validates against the shipped schema and is deterministic (design §4)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "reports" / "schema" / "report-1.json").read_text())
EXAMPLE = ROOT / "examples" / "fsfreeze-failed"


def _analyze_json(target: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "analyzer", "analyze", str(target), "--json", "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def test_example_report_validates() -> None:
    jsonschema.validate(_analyze_json(EXAMPLE), SCHEMA)


def test_two_runs_identical_but_generated_at() -> None:
    first, second = _analyze_json(EXAMPLE), _analyze_json(EXAMPLE)
    first.pop("generated_at")
    second.pop("generated_at")
    assert first == second


def test_the_example_run_is_found() -> None:
    report = _analyze_json(EXAMPLE)
    (run,) = [r for r in report["runs"] if r["seq"] == 12]
    assert run["final_code"] == "121"
    assert run["outcome"] == "failed"
    assert report["window"]["basis"] == "run 12"


def test_stand_ins_are_stable_for_the_same_input_and_hide_the_secret(tmp_path: Path) -> None:
    log = tmp_path / "waagent.log"
    log.write_text(
        "2024-05-01T10:00:00.000000Z WARNING ExtHandler ExtHandler [HTTP Retry] GET "
        "https://md-abc.blob.core.windows.net/c/x.vhd?sv=2018-03-28&sig=CANARYsig123%3D -- Status Code 503\n"
    )
    outs = [
        subprocess.run(
            [sys.executable, "-m", "analyzer", "timeline", str(log), "--format", "jsonl"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        for _ in range(2)
    ]
    assert outs[0] == outs[1]
    assert "CANARYsig123" not in outs[0] and "<sig-" in outs[0]
    log.write_text(log.read_text().replace("503", "500"))  # another input, other stand-ins
    third = subprocess.run(
        [sys.executable, "-m", "analyzer", "timeline", str(log), "--format", "jsonl"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    stand_in = outs[0].split("sig=")[1].split("&")[0].split(" ")[0]
    assert stand_in not in third


def test_cloud_follows_the_storage_suffix_in_the_logs(tmp_path: Path) -> None:
    log = tmp_path / "waagent.log"
    log.write_text(
        "2024-05-01T10:00:00.000000Z WARNING ExtHandler ExtHandler [HTTP Failed] GET "
        "https://md-x.blob.core.chinacloudapi.cn/c/x.vhd -- IOError timed out\n"
    )
    report = _analyze_json(log)
    assert report["vm"]["cloud"] == "AzureChinaCloud"
    assert _analyze_json(EXAMPLE)["vm"]["cloud"] == "AzureCloud"


def test_zh_cn_report_speaks_chinese_in_rule_sentences() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "analyzer", "analyze", str(EXAMPLE), "--json", "-", "--lang", "zh-CN"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    report = json.loads(out)
    cjk = re.compile(r"[\u3400-\u9fff]")
    assert cjk.search(report["findings"][0]["summary"])
    assert all(cjk.search(r["reason"]) for r in report["ruled_out"])
    assert all(cjk.search(m) or "_" in m for r in report["not_evaluable"] for m in r["missing"])
