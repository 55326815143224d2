"""The command-line contract: exit codes, one-line errors, causes listing."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from analyzer.cli import main
from analyzer.knowledge import load_catalogue


def test_causes_lists_every_id_in_both_languages() -> None:
    ids = load_catalogue().ids()
    for lang in ("en", "zh-CN"):
        result = CliRunner().invoke(main, ["causes", "--lang", lang])
        assert result.exit_code == 0
        for cause_id in ids:
            assert cause_id in result.output
    assert "第 1 类" in CliRunner().invoke(main, ["causes", "--lang", "zh-CN"]).output


def test_missing_input_is_exit_3(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["analyze", str(tmp_path / "nope.tgz")])
    assert result.exit_code == 3
    assert "input not found" in result.output


def test_bad_timeline_options_are_usage_errors(tmp_path: Path) -> None:
    log = tmp_path / "waagent.log"
    log.write_text("2024-05-01T10:00:00.000000Z INFO ExtHandler ExtHandler hello\n")
    for args in (["--around", "2024-05-01T10:00:00"], ["--around", "x"], ["--window", "ten"]):
        result = CliRunner().invoke(main, ["timeline", str(log), *args])
        assert result.exit_code == 2, args
    assert CliRunner().invoke(main, ["timeline", str(log), "--tz", "Mars/Olympus"]).exit_code == 2


def test_timeline_window_filter(tmp_path: Path) -> None:
    log = tmp_path / "waagent.log"
    log.write_text(
        "2024-05-01T10:00:00.000000Z INFO ExtHandler ExtHandler Goal State Period: 6 sec.\n"
        "2024-05-01T12:00:00.000000Z WARNING ExtHandler ExtHandler Dhcp client is not running.\n"
    )
    result = CliRunner().invoke(
        main, ["timeline", str(log), "--format", "jsonl", "--around", "2024-05-01T12:00:00Z", "--window", "10m"]
    )
    assert result.exit_code == 0
    assert result.output.count("\n") == 1 and "12:00:00" in result.output


def test_an_unwritable_output_path_is_a_usage_error_found_before_the_analysis(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "fsfreeze-failed"
    for args in (["-o", str(tmp_path / "no-such-folder" / "r.html")], ["--json", str(tmp_path)]):
        result = CliRunner().invoke(main, ["analyze", str(example), *args])
        assert result.exit_code == 2, (args, result.output)
        assert "cannot write there" in result.output and "internal error" not in result.output


def test_json_on_stdout_keeps_stdout_one_json_document_with_a_summary(tmp_path: Path) -> None:
    import json

    example = Path(__file__).resolve().parents[2] / "examples" / "fsfreeze-failed"
    result = CliRunner().invoke(main, ["analyze", str(example), "--json", "-", "--summary", "text"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["result"]["top_cause"] == "snapshot-fsfreeze-failed"
    assert "snapdiag summary" in result.stderr


def test_job_error_is_matched_forgivingly_and_an_unknown_one_is_said_to_have_no_effect() -> None:
    from analyzer.cli import _job_error

    assert _job_error("usererrorfsfreezefailed") == "UserErrorFsFreezeFailed"
    example = Path(__file__).resolve().parents[2] / "examples" / "fsfreeze-failed"
    result = CliRunner().invoke(main, ["analyze", str(example), "--job-error", "GuestAgentSnapshotTaskStatusErorr"])
    assert result.exit_code == 0
    assert "not a portal error code snapdiag knows; not used" in result.stderr


def test_a_misspelt_expect_is_a_usage_error() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "fsfreeze-failed"
    result = CliRunner().invoke(main, ["analyze", str(example), "--expect", "snapshot-fsfreeze-faild"])
    assert result.exit_code == 2 and "not a cause id" in result.stderr


def test_misspelt_timeline_filters_are_usage_errors(tmp_path: Path) -> None:
    log = tmp_path / "waagent.log"
    log.write_text("2024-05-01T10:00:00.000000Z ERROR ExtHandler ExtHandler hello\n")
    for args in (["--kind", "freez"], ["--level", "EROR"]):
        result = CliRunner().invoke(main, ["timeline", str(log), *args])
        assert result.exit_code == 2 and "Invalid value" in result.stderr, args
    assert CliRunner().invoke(main, ["timeline", str(log), "--level", "error"]).exit_code == 0
