"""The result's ``vm`` section: the agent versions in charge and extension versions from every source."""

from __future__ import annotations

from pathlib import Path

from analyzer.limits import Limits
from analyzer.pipeline import analyse
from analyzer.report_parts import vm_section
from tests.helpers import write_tree

VMS = "Microsoft.Azure.RecoveryServices.VMSnapshotLinux"

BLACKLISTED_THEN_OLDER = """\
2024-03-10T01:00:00.000000Z INFO Daemon Daemon Azure Linux Agent Version: 2.9.1.1
2024-03-10T01:00:01.000000Z INFO ExtHandler ExtHandler Azure Linux Agent (Goal State Agent version 2.11.1.4)
2024-03-10T01:00:02.000000Z WARNING ExtHandler ExtHandler Agent WALinuxAgent-2.11.1.4 failed with exception: boom
2024-03-10T01:00:04.000000Z WARNING Daemon Daemon Agent WALinuxAgent-2.11.1.4 is permanently blacklisted
2024-03-10T01:00:05.000000Z INFO Daemon Daemon Determined Agent WALinuxAgent-2.10.0.8 to be the latest agent
2024-03-10T01:00:06.000000Z INFO ExtHandler ExtHandler Azure Linux Agent (Goal State Agent version 2.10.0.8)
2024-03-10T01:30:07.000000Z INFO ExtHandler ExtHandler [HEARTBEAT] Agent WALinuxAgent-2.10.0.8 is running as the \
goal state agent [DEBUG HeartbeatCounter: 1;HeartbeatId: 5A1C;DroppedPackets: 0;UpdateGSErrors: 0;AutoUpdate: 1]
"""


def test_the_goal_state_agent_is_the_one_running_not_the_highest_seen(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "vm", {"var/log/waagent.log": BLACKLISTED_THEN_OLDER})
    with analyse([tree], Limits()) as analysis:
        assert vm_section(analysis)["agent"] == {"daemon": "2.9.1.1", "goal_state": "2.10.0.8"}


def test_an_extension_version_known_only_from_its_handler_folder(tmp_path: Path) -> None:
    folder = f"var/lib/waagent/{VMS}-1.0.9225.0/config"
    tree = write_tree(
        tmp_path / "vm",
        {
            "var/log/waagent.log": (
                "2024-03-10T01:00:03.100000Z INFO Daemon Daemon Azure Linux Agent Version: 2.7.0.6\n"
            ),
            f"{folder}/HandlerState": "Enabled",
            f"{folder}/HandlerStatus": (
                f'{{"name": "{VMS}", "version": "1.0.9225.0", "status": "NotReady", "code": 1009, '
                '"message": "Non-zero exit code: 1"}'
            ),
        },
    )
    with analyse([tree], Limits()) as analysis:
        (entry,) = [e for e in vm_section(analysis)["extensions"] if e["name"] == VMS]
    assert entry["version"] == "1.0.9225.0"


def test_remedy_steps_of_an_unknown_cloud_differ_by_their_links(tmp_path: Path) -> None:
    """With the cloud unknown a linked step is given once per cloud; without its link the JSON showed
    the same sentence twice and no link at all (review finding)."""
    from analyzer.result import build_result
    from analyzer.simulate import generate_bundle

    bundle = generate_bundle(tmp_path / "b", scenario="agent-outdated", era="2.0", size="200K")
    with analyse([bundle], Limits()) as analysis:
        result = build_result(analysis)
    assert result["vm"]["cloud"] == "unknown"
    steps = [s for f in result["findings"] for s in f["remedy"]]
    assert any("https://learn.microsoft.com" in s for s in steps) and any("https://docs.azure.cn" in s for s in steps)
    for finding in result["findings"]:
        assert len(set(finding["remedy"])) == len(finding["remedy"]), finding["cause"]


def test_journalctl_steps_start_half_an_hour_before_the_findings_first_evidence() -> None:
    """'--since 2 days ago' sent the engineer through two days of journal; the report knows when
    (review finding R1).  Without a time in the evidence, the old default stays."""
    from analyzer.report_parts import remedy_command

    command = "sudo journalctl -u waagent --since '@since@' --no-pager"
    evidence = [{"time": None}, {"time": "2025-06-13T01:05:12.482113Z"}, {"time": "2025-06-13T01:05:13.000000Z"}]
    filled = "sudo journalctl -u waagent --since '2025-06-13 00:35:12 UTC' --no-pager"
    assert remedy_command(command, evidence) == filled
    assert remedy_command(command, [{"time": None}]) == "sudo journalctl -u waagent --since '2 days ago' --no-pager"
    assert remedy_command("waagent -version", evidence) == "waagent -version"
