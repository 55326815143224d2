"""`snapdiag regress`: the real command on the corpus, JUnit output, and its exit codes."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

from click.testing import CliRunner

from analyzer.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"


def test_regress_passes_on_the_corpus_and_writes_junit(tmp_path: Path) -> None:
    junit = tmp_path / "regress.xml"
    result = CliRunner().invoke(main, ["regress", str(FIXTURES), "--junit", str(junit)])
    assert result.exit_code == 0, result.output
    suite = ET.parse(junit).getroot()
    assert int(suite.get("tests", "0")) >= 80
    assert suite.get("failures") == "0" and suite.get("errors") == "0"
    assert " 0 failed" in result.output


def _case(root: Path, name: str, expected: dict) -> None:
    src = FIXTURES / "f2-extensions-disabled"
    shutil.copytree(src, root / name)
    (root / name / "expected.json").write_text(json.dumps({"schema": "snapdiag.expected/1", **expected}))


def test_a_failing_case_exits_1_and_an_unreadable_one_exits_3(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    _case(corpus, "wrong", {"cause": "network-blocked", "bundle": "vm", "pack": "zip"})
    result = CliRunner().invoke(main, ["regress", str(corpus)])
    assert result.exit_code == 1
    assert "fail" in result.output
    _case(corpus, "broken", {"cause": "none", "bundle": "no-such-folder", "pack": "tar.gz"})
    result = CliRunner().invoke(main, ["regress", str(corpus)])
    assert result.exit_code == 3  # an unreadable case wins over a failed expectation
    assert CliRunner().invoke(main, ["regress", str(tmp_path / "nothing")]).exit_code == 3


def test_a_multi_bundle_case_passes_only_when_every_bundle_passes_in_one_batch(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "x-concurrent-backups", corpus / "fleet")
    ok = CliRunner().invoke(main, ["regress", str(corpus)])
    assert ok.exit_code == 0, ok.output
    assert "concurrent-backups, concurrent-backups" in ok.output and " pass " in ok.output
    # one VM alone in the batch cannot show concurrency: that bundle fails, so the case fails
    expected = json.loads((corpus / "fleet" / "expected.json").read_text())
    expected["bundles"][0]["cause"] = "network-blocked"
    (corpus / "fleet" / "expected.json").write_text(json.dumps(expected))
    wrong = CliRunner().invoke(main, ["regress", str(corpus)])
    assert wrong.exit_code == 1 and "appvm1: top cause concurrent-backups" in wrong.output
    expected["bundles"] = expected["bundles"][:1]
    (corpus / "fleet" / "expected.json").write_text(json.dumps(expected))
    assert CliRunner().invoke(main, ["regress", str(corpus)]).exit_code == 3
