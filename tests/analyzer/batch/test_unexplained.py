"""ERROR/WARNING records no rule used: evidence excluded, redacted, one informative line, counted."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from analyzer.batch.model import ErrorSample
from analyzer.batch.unexplained import collect_unexplained, evidence_lines, informative_line, is_benign
from analyzer.limits import Limits
from analyzer.model import Event, EventKind
from analyzer.pipeline import analyse
from analyzer.redact import Redactor
from analyzer.result import build_result

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
CASE = "f4-status-upload-failed"  # cites waagent.log records and leaves two agent ERRORs uncited
SECRET = "TOPSECRETsig123"

_PROBE_URL = f"https://probe.example.org/check?sv=2020-08-04&sig={SECRET}"
_EXTRA = [
    f"2023-01-17T01:40:00.000000Z ERROR ExtHandler ExtHandler Error in CustomProbe: GET {_PROBE_URL} failed",
    *(f"2023-01-17T01:41:{s:02d}.000000Z WARNING MonitorHandler ExtHandler Custom probe reply was garbled"
      for s in range(10)),
    *(f"2023-01-16T23:10:{s:02d}.000000Z WARNING MonitorHandler ExtHandler Window probe reply was garbled"
      for s in range(12)),
    "2023-01-17T01:42:00.000000Z WARNING EnvHandler ExtHandler Dhcp client is not running.",
    "2023-01-17T01:43:00.000000Z ERROR ExtHandler ExtHandler Traceback (most recent call last):",
    '  File "/opt/probe/run.py", line 12, in <module>',
    "    main()",
    "ValueError: probe answered nonsense",
]  # fmt: skip


def _samples(bundle: Path, limit: int = 200) -> tuple[list[ErrorSample], dict[str, Any], list[Event]]:
    with analyse([bundle], Limits()) as analysis:
        result = build_result(analysis, lang="en")
        samples = collect_unexplained(analysis, result, Redactor(b"k" * 32), limit=limit)
        return samples, result, list(analysis.timeline.events)


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    root = tmp_path / "vm"
    shutil.copytree(FIXTURES / CASE / "vm", root)
    log = root / "var/log/waagent.log"
    log.write_text(log.read_text(encoding="utf-8") + "\n".join(_EXTRA) + "\n", encoding="utf-8")
    return root


def test_fixture_evidence_lines_are_excluded_and_the_rest_kept() -> None:
    samples, result, events = _samples(FIXTURES / CASE / "vm")
    used = evidence_lines(result)
    assert used, "the case must cite records, or this test proves nothing"
    redactor = Redactor(b"k" * 32)
    cited, uncited = set(), set()
    for ev in events:
        if ev.level in ("ERROR", "WARNING"):
            line = informative_line(redactor(ev.message) or "")
            cited_here = (f"member:{ev.member}", ev.line) in used
            (cited if cited_here else uncited).add(line)
    assert cited and uncited
    messages = {s.message for s in samples}
    assert not (cited - uncited) & messages  # nothing a rule used comes back as unexplained
    assert uncited - {"Dhcp client is not running."} <= messages
    extended = "Event: name=WALinuxAgent, op=ReportStatusExtended, message=Failed to report vm agent status"
    assert f"{extended} for more than 0:30:00, duration=0" in messages
    assert all(s.level in ("ERROR", "WARNING") and s.source == "var/log/waagent.log" for s in samples)


def test_secret_is_redacted_and_lines_are_counted(bundle: Path) -> None:
    samples, _, _ = _samples(bundle)
    text = repr(samples)
    assert SECRET not in text
    probe = [s for s in samples if s.message.startswith("Error in CustomProbe")]
    assert len(probe) == 1 and "&sig=<sig-" in probe[0].message and probe[0].level == "ERROR"
    garbled = [s for s in samples if s.message == "Custom probe reply was garbled"]
    # 10 records: the timeline keeps the first 3 of an hour and counts the rest; all are counted here.
    assert [(s.count, s.level) for s in garbled] == [(10, "WARNING")]
    # Inside the analysed window the timeline re-reads and keeps every record, yet still counts
    # those past the first 3 of the hour as collapsed: 12 records are 12, not 12 + 9.
    window = [s for s in samples if s.message == "Window probe reply was garbled"]
    assert [s.count for s in window] == [12]
    assert samples[:2] == [*window, *garbled]  # most frequent first
    assert not any("Dhcp client is not running" in s.message for s in samples)  # known benign
    assert any(s.message == "ValueError: probe answered nonsense" for s in samples)  # a bare traceback's last line


def test_same_bundle_gives_the_same_list_and_limit_cuts_the_tail(bundle: Path) -> None:
    first, _, _ = _samples(bundle)
    again, _, _ = _samples(bundle)
    assert first == again
    assert first == sorted(first, key=lambda s: (-s.count, s.message, s.level, s.source))
    assert len(first) > 2
    assert _samples(bundle, limit=2)[0] == first[:2]
    assert _samples(bundle, limit=0)[0] == []


def _event(
    line: int, level: str | None, message: str, kind: EventKind = EventKind.OTHER, member: str = "m/a.log"
) -> Event:
    return Event(line=line, kind=kind, message=message, level=level, source="var/log/a.log", member=member)


def _fake_analysis(events: list[Event]) -> Any:
    return SimpleNamespace(timeline=SimpleNamespace(events=events, collapsed=Counter(), time_zone=None))


def test_selection_by_level_kind_and_evidence() -> None:
    events = [
        _event(1, "ERROR", "disk on fire"),
        _event(2, "ERROR", "disk on fire"),
        _event(3, "WARNING", "cited warning"),
        _event(4, "INFO", "just info"),
        _event(
            5, None, "walinuxagent.service: Main process exited, code=exited, status=1/FAILURE", EventKind.AGENT_CRASH
        ),
        _event(6, None, "python3 path exists", EventKind.PYTHON),
        _event(7, "ERROR", "cited by source only", member="m/other.log"),
        _event(3, "ERROR", "same line number, other member", member="m/b.log"),
    ]
    result = {
        "findings": [
            {"evidence": [{"source": "var/log/a.log", "member": "m/a.log", "line": 3}], "counter_evidence": []}
        ],
        "ruled_out": [{"cause": "x", "evidence": [{"source": "var/log/a.log", "member": None, "line": 7}]}],
    }
    samples = collect_unexplained(_fake_analysis(events), result, Redactor(b"k" * 32))
    assert [(s.message, s.level, s.count) for s in samples] == [
        ("disk on fire", "ERROR", 2),
        ("same line number, other member", "ERROR", 1),
        ("walinuxagent.service: Main process exited, code=exited, status=1/FAILURE", "WARNING", 1),
    ]


@pytest.mark.parametrize(
    ("record", "line"),
    [
        # The agent writes str(e) first, then the traceback: the first line is the message.
        (
            "'NoneType' object is not iterable\nTraceback (most recent call last):\n"
            '  File "u.py", line 4\nTypeError: x',
            "'NoneType' object is not iterable",
        ),
        # A bare traceback: its last unindented line names the exception.
        (
            'Traceback (most recent call last):\n  File "/usr/sbin/waagent", line 6200, in main\n'
            "    WaAgent.Run()\nAttributeError: 'NoneType' object has no attribute 'read'",
            "AttributeError: 'NoneType' object has no attribute 'read'",
        ),
        # Journal / syslog copies of agent records lose both headers.
        (
            "2024-05-01T10:15:40.118562Z WARNING ExtHandler ExtHandler "
            "Agent WALinuxAgent-2.9.1.1 failed with exception: boom",
            "Agent WALinuxAgent-2.9.1.1 failed with exception: boom",
        ),
        (
            "2024-05-01T15:45:42+0530 vm-backup02 systemd[1]: walinuxagent.service: Failed with result 'exit-code'.",
            "walinuxagent.service: Failed with result 'exit-code'.",
        ),
        (
            "May  1 15:45:42 vm-backup02 waagent[812]: 2024-05-01T10:15:42.000001Z ERROR Daemon Daemon Fetch failed",
            "Fetch failed",
        ),
        (
            "2019/10/07 21:52:28.615720 ERROR [Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9149.0] "
            "Enable failed",
            "Enable failed",
        ),
        ("\n\n   \n", ""),
        ("x" * 1000, "x" * 399 + "…"),
    ],
)
def test_informative_line(record: str, line: str) -> None:
    assert informative_line(record) == line


def test_benign_list_is_level_aware() -> None:
    assert is_benign("WARNING", "Dhcp client is not running.")
    assert not is_benign("ERROR", "Dhcp client is not running.")
    assert not is_benign("WARNING", "Dhcp client is not running and the lease is gone: keep me")
