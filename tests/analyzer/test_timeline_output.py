"""`snapdiag timeline --format jsonl|csv` on every example and corpus bundle emits the design §3 fields."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.corpus import discover, load_case, pack
from analyzer.timeline import COLUMNS

ROOT = Path(__file__).resolve().parents[2]
BUNDLES = [ROOT / "examples" / "fsfreeze-failed", *discover(ROOT / "tests" / "fixtures")]
BASES = {"utc", "local-inferred", "local-assumed", "unknown"}
LEVELS = {"VERBOSE", "INFO", "WARNING", "ERROR", None}


def _inputs(folder: Path, tmp_path: Path) -> list[str]:
    if (folder / "expected.json").exists():
        case = load_case(folder)
        if case.bundles is not None:
            pytest.skip("multi-bundle case")
        return [str(p) for p in pack(case, tmp_path)]
    return [str(folder)]


@pytest.mark.parametrize("folder", BUNDLES, ids=[b.name for b in BUNDLES])
def test_jsonl_rows_have_the_contract_fields(folder: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["timeline", *_inputs(folder, tmp_path), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows
    previous = ""
    for row in rows:
        assert list(row) == list(COLUMNS)
        assert row["time_basis"] in BASES
        assert row["level"] in LEVELS
        assert isinstance(row["line"], int) and row["line"] >= 1
        assert isinstance(row["attrs"], dict) and isinstance(row["also_in"], list)
        if row["time"] is not None:
            assert row["time"].endswith("Z") and len(row["time"]) == 27
            assert row["time"] >= previous, "rows are in UTC order"
            previous = row["time"]


def test_csv_has_the_header_and_neutralises_formulas(tmp_path: Path) -> None:
    log = tmp_path / "waagent.log"
    log.write_text(
        '2024-05-01T10:00:00.000000Z ERROR ExtHandler ExtHandler =HYPERLINK("http://x") failed\n'
        "2024-05-01T10:00:01.000000Z INFO ExtHandler ExtHandler @SUM(1+1)\n"
    )
    result = CliRunner().invoke(main, ["timeline", str(log), "--format", "csv"])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert list(rows[0]) == list(COLUMNS)
    assert all(not row["message"].startswith(("=", "+", "-", "@")) for row in rows)
    assert json.loads(rows[0]["attrs"]) is not None
