"""Parsing a big syslog ahead in a second process gives the timeline exactly the serial parse's input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from analyzer import parse_ahead
from analyzer.bundle import open_bundle
from analyzer.limits import Limits
from analyzer.parse import ParseOutput, iter_events

_REAL_TAKE = parse_ahead.Ahead.take
AGENT = "2024-05-0{d}T10:00:0{s}.123456Z INFO ExtHandler ExtHandler Report vm agent status {i}"


def _bundle(root: Path, dated_syslog: bool) -> Path:
    vm = root / "vm"
    (vm / "var/log").mkdir(parents=True)
    agent = "".join(AGENT.format(d=1 + i % 3, s=i % 10, i=i) + "\n" for i in range(300))
    (vm / "var/log/waagent.log").write_text(agent)
    lines = []
    for i in range(300):
        body = AGENT.format(d=1 + i % 3, s=i % 10, i=i) if dated_syslog else f"Started Session {i} of User azureuser."
        prog = "python3[812]" if dated_syslog else "systemd[1]"
        lines.append(f"May  {1 + i % 3} 10:00:0{i % 10} vm-backup01 {prog}: {body}\n")
    lines.append("May  3 10:00:09 vm-backup01 kernel: Out of memory: Killed process 23456 (python3)\n")
    (vm / "var/log/syslog").write_text("".join(lines))
    return vm


def _run(vm: Path, monkeypatch: pytest.MonkeyPatch, ahead: bool) -> tuple[list[Any], ParseOutput, bool]:
    monkeypatch.setenv(parse_ahead.AHEAD_SWITCH, "1" if ahead else "0")
    monkeypatch.setattr(parse_ahead, "AHEAD_MIN_BYTES", 0)
    used = []
    real_take = _REAL_TAKE

    def take(self: parse_ahead.Ahead, index: int) -> Any:
        got = real_take(self, index)
        used.append(got is not None)
        return got

    monkeypatch.setattr(parse_ahead.Ahead, "take", take)
    out = ParseOutput()
    with open_bundle([vm], Limits()) as bundle:
        events = [(e.member, e.line, e.kind, e.wall, e.clock, e.message, e.attrs, e.source_index)
                  for e in iter_events(bundle, Limits(), out)]  # fmt: skip
        stats = [(s.source.member, s.lines, s.records, s.unclassified, s.events, s.warnings, s.hints,
                  s.reader.checkpoints if s.reader else None) for s in out.stats]  # fmt: skip
    facts = [(f.key, f.value, f.member, f.line) for f in out.facts]
    return [events, stats, facts, out.newest_year], out, any(used)


@pytest.mark.parametrize("dated", [True, False], ids=["dated-by-its-records", "needs-the-year-hint"])
def test_parse_ahead_gives_the_serial_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dated: bool) -> None:
    vm = _bundle(tmp_path, dated)
    serial, _out, used_serial = _run(vm, monkeypatch, ahead=False)
    ahead, _out, used_ahead = _run(vm, monkeypatch, ahead=True)
    assert not used_serial
    # a syslog dated by the agent records inside it never asks for the year: its events come from
    # the worker; year-less lines without such records need the hint: parsed here, as before
    assert used_ahead is dated
    assert ahead == serial
    syslog_events = [e for e in serial[0] if e[0].endswith("syslog")]
    assert syslog_events and all(e[3] is not None and e[3].year == 2024 for e in syslog_events)


@pytest.mark.parametrize("crash_after", [None, 4], ids=["streamed", "worker-dies-midway"])
def test_streamed_batches_and_a_lost_worker_give_the_serial_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crash_after: int | None
) -> None:
    """Small batches: the main process reads them while the worker goes on (the syslog is dated by its
    own records, so the worker says early that they are final).  A worker that dies after a few
    batches leaves the rest to a parse here that skips the events already given."""
    vm = _bundle(tmp_path, True)
    serial, _out, _used = _run(vm, monkeypatch, ahead=False)
    monkeypatch.setattr(parse_ahead, "_EVENT_BATCH", 7)  # the forked worker inherits it
    if crash_after is not None:
        real_dump = parse_ahead.pickle.dump
        calls = []

        def dump(obj: Any, fh: Any, protocol: int | None = None) -> None:
            calls.append(1)
            if len(calls) > crash_after and isinstance(obj, list):
                parse_ahead.os._exit(3)  # the worker dies without a word
            real_dump(obj, fh, protocol=protocol)

        monkeypatch.setattr(parse_ahead.pickle, "dump", dump)
    ahead, _out, used = _run(vm, monkeypatch, ahead=True)
    assert used
    assert ahead == serial
