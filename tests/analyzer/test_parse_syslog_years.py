"""Year inference across a rotation group (syslog.1 read before syslog), serial and parsed ahead."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from analyzer.bundle import open_bundle
from analyzer.limits import Limits
from analyzer.parse import ParseOutput, iter_events
from parsers import syslog_years
from tests.analyzer.test_timeline_parse_ahead import _run as run_with_parse_ahead

DEC = (
    "Dec 31 23:50:00 vm1 systemd[1]: Started Session 5 of user azureuser.\n"
    "Dec 31 23:55:00 vm1 systemd[1]: walinuxagent.service: Failed with result 'exit-code'.\n"
)
JAN = (
    "Jan  1 00:00:06 vm1 systemd[1]: walinuxagent.service: Main process exited, code=killed, status=9/KILL\n"
    "Jan  1 00:00:07 vm1 kernel: [124.000] Out of memory: Killed process 4321 (python3) total-vm:123kB\n"
)
AGENT = "2025-01-01T00:10:00.000000Z INFO ExtHandler ExtHandler WALinuxAgent-2.12.0.4 running as process 1234\n"


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(syslog_years, "now", lambda: datetime(2026, 11, 26, 7, 0))


def _vm(root: Path, files: dict[str, str]) -> Path:
    vm = root / "vm"
    for name, text in files.items():
        (vm / name).parent.mkdir(parents=True, exist_ok=True)
        (vm / name).write_text(text)
    return vm


def _walls(vm: Path) -> dict[str, list[datetime | None]]:
    out = ParseOutput()
    walls: dict[str, list[datetime | None]] = {}
    with open_bundle([vm], Limits()) as bundle:
        for e in iter_events(bundle, Limits(), out):
            walls.setdefault(e.source, []).append(e.wall)
    return walls


def test_rotated_december_file_is_dated_before_the_january_file(tmp_path: Path) -> None:
    vm = _vm(tmp_path, {"var/log/syslog.1": DEC, "var/log/syslog": JAN, "var/log/waagent.log": AGENT})
    walls = _walls(vm)
    assert [w.year for w in walls["var/log/syslog.1"]] == [2024, 2024]
    assert [w.year for w in walls["var/log/syslog"]] == [2025, 2025]


def test_no_anchor_at_all_nothing_after_today(tmp_path: Path) -> None:
    # today 2026-11-26: Jan 1 is 2026, the older Dec 31 file is 2025 (not 2026-12-31, in the future)
    walls = _walls(_vm(tmp_path, {"var/log/syslog.1": DEC, "var/log/syslog": JAN}))
    assert walls["var/log/syslog.1"][0] == datetime(2025, 12, 31, 23, 50)
    assert walls["var/log/syslog"][0] == datetime(2026, 1, 1, 0, 0, 6)


def test_three_files_chain_back(tmp_path: Path) -> None:
    mid = "Jun  1 10:00:00 vm1 CRON[1]: (root) CMD (a)\nDec 31 23:59:00 vm1 CRON[1]: (root) CMD (b)\n"
    files = {"var/log/syslog.2": DEC, "var/log/syslog.1": mid, "var/log/syslog": JAN, "var/log/waagent.log": AGENT}
    walls = _walls(_vm(tmp_path, files))
    assert [w.year for w in walls["var/log/syslog.2"]] == [2023, 2023]
    assert [w.year for w in walls["var/log/syslog.1"]] == [2024, 2024]
    assert [w.year for w in walls["var/log/syslog"]] == [2025, 2025]


def test_dateext_rotation_of_messages(tmp_path: Path) -> None:
    files = {"var/log/messages-20250101": DEC, "var/log/messages": JAN, "var/log/waagent.log": AGENT}
    walls = _walls(_vm(tmp_path, files))
    assert [w.year for w in walls["var/log/messages-20250101"]] == [2024, 2024]
    assert [w.year for w in walls["var/log/messages"]] == [2025, 2025]


def test_rfc3339_newer_file_dates_the_traditional_older_one(tmp_path: Path) -> None:
    # rsyslog switched to RFC 3339 stamps after an upgrade: the newer file starts 2024-12-31 local
    rfc = (
        "2024-12-31T23:59:58.123456+05:30 vm1 systemd[1]: Started Session 6 of user azureuser.\n"
        "2025-01-01T00:00:07+05:30 vm1 kernel: [124.000] Out of memory: Killed process 4321 (python3)\n"
    )
    walls = _walls(_vm(tmp_path, {"var/log/syslog.1": DEC, "var/log/syslog": rfc}))
    assert walls["var/log/syslog.1"] == [datetime(2024, 12, 31, 23, 50), datetime(2024, 12, 31, 23, 55)]


def test_one_file_with_the_rollover_is_unchanged(tmp_path: Path) -> None:
    walls = _walls(_vm(tmp_path, {"var/log/syslog": DEC + JAN, "var/log/waagent.log": AGENT}))
    assert [w.year for w in walls["var/log/syslog"]] == [2024, 2024, 2025, 2025]


def _run(vm: Path, monkeypatch: pytest.MonkeyPatch, ahead: bool) -> tuple[list[Any], bool]:
    """The parse-ahead comparison of test_timeline_parse_ahead, plus the newest dated time."""
    result, out, used = run_with_parse_ahead(vm, monkeypatch, ahead)
    return [*result, out.newest_anchor], used


def test_parse_ahead_gives_the_serial_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the newest file is dated by the agent records inside it (parsed ahead, never asks); the older
    # one needs the year and takes it from the newer file's first record, in the main process
    agent = "".join(
        f"Jan  1 0{h}:00:00 vm1 python3[812]: 2025-01-01T0{h}:00:00.000000Z INFO ExtHandler ExtHandler Report {h}\n"
        for h in range(5)
    )
    vm = _vm(tmp_path, {"var/log/syslog.1": DEC * 50, "var/log/syslog": JAN + agent})
    serial, used_serial = _run(vm, monkeypatch, ahead=False)
    ahead, used_ahead = _run(vm, monkeypatch, ahead=True)
    assert not used_serial and used_ahead
    assert ahead == serial
    old = [e for e in serial[0] if e[0].endswith("syslog.1")]
    assert old and all(e[3].year == 2024 for e in old)
