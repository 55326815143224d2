"""Plan and write a whole bundle: days of agent, extension and system logs ending in the last run.

Size control: a dry run (counting bytes, writing nothing) measures one ordinary day of the era.
The number of days is then chosen so that ordinary days fill most of the target (at most
``MAX_DAYS``); each day tops up the rest with filler spread over the day — VERBOSE HTTP lines of a
``Logs.Verbose=y`` agent when the target needs more than ``MAX_DAYS`` ordinary days, otherwise an
every-minute cron job in syslog.  The filler of each day is recomputed from the bytes actually
written so far, so the total lands within a fraction of one day's noise of the target.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from analyzer.simulate import agent_lines as al
from analyzer.simulate import syslog_lines as sl
from analyzer.simulate.agent import DAEMON, record
from analyzer.simulate.clock import VmClock
from analyzer.simulate.context import Sim
from analyzer.simulate.eras import ERAS, Era
from analyzer.simulate.files import default_conf, write_static
from analyzer.simulate.run import RunSpec, render_run
from analyzer.simulate.scenarios import get as get_scenario
from analyzer.simulate.sinks import Outputs

MAX_DAYS = 90
DAY = timedelta(days=1)
_HOUR = timedelta(hours=1)
_HB = timedelta(minutes=30)


@dataclass(frozen=True)
class Plan:
    era: Era
    seed: int
    size: int
    days: int
    verbose: bool
    base_per_day: int  # bytes of an ordinary day
    reserve: int  # bytes of the small static files
    unit_bytes: int  # bytes of one filler unit


def _new_sim(era: Era, seed: int, tz_minutes: int, out: Outputs, verbose: bool) -> Sim:
    rng = random.Random(f"snapdiag-simulate/{era.name}/{seed}")
    sim = Sim(era=era, clock=VmClock(tz_minutes), rng=rng, out=out, verbose=verbose)
    sim.host = f"vm-{rng.choice(('backup', 'app', 'db', 'web'))}{rng.randrange(1, 40):02d}"
    sim.incarnation = rng.randrange(1, 60)
    sim.seq = rng.randrange(1, 40)
    sim.machine_id = sim.uuid()
    sim.container_id = sim.uuid()
    disks = [("/", "/dev/sda1", "ext4"), ("/boot/efi", "/dev/sda15", "vfat")]
    for i in range(rng.randrange(0, 3)):
        disks.append((f"/data{i or ''}", f"/dev/sd{'cde'[i]}1", rng.choice(("xfs", "ext4"))))
    sim.disks = disks
    sim.conf = default_conf(sim)
    return sim


def _filler_unit(sim: Sim, t: datetime, n: int) -> None:
    if sim.verbose:
        al.verbose_http(sim, t, n)
    else:
        sl.noise(sim, t)


def plan(era_name: str, seed: int, size: int, tz_minutes: int = 0) -> Plan:
    """Measure the era's ordinary day (dry run, nothing written) and choose days and filler."""
    era = ERAS[era_name]
    out = Outputs(None)
    sim = _new_sim(era, seed, tz_minutes, out, verbose=False)
    writer = _Writer(sim, days=3, last_day=era.last_day)
    writer.day(0, filler=0)
    first = out.total()
    writer.day(1, filler=0)
    base = out.total() - first
    static = Outputs(None)
    sim.out = static
    write_static(sim, writer.last_run.seq, writer.rendered[-1].last_status)
    reserve = static.total()
    units = {}
    for verbose in (False, True):
        probe = Outputs(None)
        psim = _new_sim(era, seed, tz_minutes, probe, verbose=verbose)
        for n in range(60):
            _filler_unit(psim, datetime(2020, 1, 1) + timedelta(seconds=n), n)
        units[verbose] = max(1, probe.total() // 60)
    room = max(0, size - reserve - (first - base))
    ordinary_days = room / base if base else 1.0
    verbose = era.verbose_capable and ordinary_days > MAX_DAYS * 1.5
    # leave ~1/8 of each day to filler so the total can be steered onto the target
    days = int(max(1, min(MAX_DAYS, ordinary_days * 0.88)))
    return Plan(era, seed, size, days, verbose, base, reserve, units[verbose])


class _Writer:
    """Writes the days of one bundle in order."""

    def __init__(
        self, sim: Sim, days: int, last_day: date, scenario: str = "healthy", unit_estimate: int = 400
    ) -> None:
        self.sim = sim
        self.unit_estimate = unit_estimate
        self.rendered: list[RunSpec] = []
        self.days = days
        rng = sim.rng
        self.day0 = datetime.combine(last_day - timedelta(days=days - 1), datetime.min.time())
        # the backup policy's daily time (VM-local minutes after midnight), as UTC offset from the day
        self.schedule = timedelta(minutes=rng.randrange(18 * 60, 23 * 60 + 30)) - sim.clock.delta
        self.first_seq = sim.seq
        self.next_hb: datetime | None = None
        self.next_hourly = self.day0 + timedelta(minutes=rng.randrange(5, 55), seconds=rng.random() * 60)
        self.next_cron = self.day0 + timedelta(minutes=17)
        self.next_gs = self.day0 + timedelta(hours=rng.uniform(1, 4))
        self.reboots = set()
        d = rng.randrange(10, 40)
        while d < days - 2:
            self.reboots.add(d)
            d += rng.randrange(15, 45)
        self.last_run = self._run_spec(days - 1)
        get_scenario(scenario).fn(sim, self.last_run)
        self.end: datetime | None = None
        self.unit = 0

    def _run_spec(self, index: int) -> RunSpec:
        sim = self.sim
        start = self.day0 + index * DAY + self.schedule + timedelta(seconds=sim.rng.uniform(60, 1500))
        cmd = start - timedelta(seconds=sim.rng.uniform(8, 45))
        return RunSpec(seq=self.first_seq + index, task_id=sim.uuid(), start=start, command_start=cmd)

    def _agent_up(self, t: datetime) -> None:
        end = al.start_sequence(self.sim, t)
        self.next_hb = end + _HB

    def day(self, index: int, filler: int | None = None, target: int = 0, est_base: int = 0) -> int:
        """Write day ``index``; returns the bytes of its ordinary (non-filler) lines."""
        sim = self.sim
        out = sim.out
        start = self.day0 + index * DAY
        last = index == self.days - 1
        before = out.total()
        run = self.last_run if last else self._run_spec(index)
        if not last and sim.each_run is not None:
            sim.each_run(run)
        if index == 0:
            sl.boot(sim, start + timedelta(seconds=sim.rng.uniform(5, 30)))
            self._agent_up(start + timedelta(seconds=sim.rng.uniform(40, 60)))
        elif index in self.reboots:
            t = start + timedelta(hours=sim.rng.uniform(2, 10))
            self._reboot(t)
        if last:
            self._render_last(run)
            assert self.end is not None
            end = self.end
        else:
            render_run(sim, run)
            self.rendered.append(run)
            sl.extension_scope(sim, run.start + timedelta(seconds=1), "enable")
            end = start + DAY
        self._periodic(start, end, run)
        base = out.total() - before
        if filler is None:  # steer onto the target: spread what is left over the remaining days
            days_after = self.days - 1 - index
            left = target - out.total() - est_base * days_after
            filler = max(0, left // (days_after + 1))
        self._filler(start, end, filler)
        out.flush()
        return base

    def _render_last(self, run: RunSpec) -> None:
        sim = self.sim
        end = render_run(sim, run)
        self.rendered.append(run)
        if run.stop_after not in ("absent", "agent"):  # the agent started handle.sh enable
            sl.extension_scope(sim, run.start + timedelta(seconds=1), "enable")
        # the logs were collected a while after the run
        after = timedelta(minutes=sim.rng.uniform(30, 150))
        self.end = end + (run.collect_after if run.collect_after is not None else after)

    def _reboot(self, t: datetime) -> None:
        sim = self.sim
        if sim.era.prefixes:
            v = sim.era.gs_version
            record(sim, t, DAEMON, "INFO", f"Agent WALinuxAgent-{v} forwarding signal 15 to WALinuxAgent-{v}")
        sl.shutdown(sim, t)
        boot = t + timedelta(seconds=sim.rng.uniform(50, 110))
        sl.boot(sim, boot)
        self._agent_up(boot + timedelta(seconds=sim.rng.uniform(8, 15)))

    def _periodic(self, start: datetime, end: datetime, run: RunSpec) -> None:
        sim = self.sim
        rng = sim.rng
        era = sim.era
        while self.next_hb is not None and self.next_hb < end:
            if era.heartbeat:
                al.heartbeat(sim, self.next_hb)
            self.next_hb += _HB + timedelta(microseconds=rng.randrange(0, 20000))
        while self.next_hourly < end:
            al.hourly(sim, self.next_hourly)
            self.next_hourly += _HOUR + timedelta(microseconds=rng.randrange(0, 50000))
        while self.next_cron < end:
            sl.hourly_cron(sim, self.next_cron)
            self.next_cron += _HOUR
        busy = (run.start - timedelta(minutes=10), (run.end or run.start) + timedelta(minutes=5))
        while self.next_gs < end:
            if not busy[0] <= self.next_gs <= busy[1]:
                al.quiet_goal_state(sim, self.next_gs)
            self.next_gs += timedelta(hours=rng.uniform(2, 6))
        if end - start >= timedelta(hours=6):
            sl.daily(sim, start)
        span = (end - start).total_seconds()
        for _ in range(sum(1 for _ in range(24) if rng.random() < 0.05)):
            al.http_warning(sim, start + timedelta(seconds=rng.uniform(0, span)))
        if rng.random() < 0.15:
            al.traceback(sim, start + timedelta(seconds=rng.uniform(0, span)))

    def _filler(self, start: datetime, end: datetime, filler: int) -> None:
        if filler <= 0:
            return
        sim = self.sim
        out = sim.out
        goal = out.total() + filler
        span = (end - start).total_seconds()
        # spread the units over the day: one per `step` seconds, stop once the bytes are there
        est = max(1, filler // max(1, self.unit_estimate))
        step = span / (est + 1)
        t = start + timedelta(seconds=step / 2)
        while out.total() < goal:
            _filler_unit(sim, t, self.unit)
            self.unit += 1
            t += timedelta(seconds=step)
            if t >= end:  # estimate was low: keep going near the end of the day
                t = end - timedelta(seconds=sim.rng.uniform(0.001, 1))


def write_tree(
    root: Path, p: Plan, scenario: str = "healthy", tz_minutes: int = 0, info: dict[str, object] | None = None
) -> int:
    """Write the bundle's files under ``root``; returns the total bytes written.

    ``info``, when given, receives ``backup_time``: (start, end) of the last run as the Backup job
    shows it — the command's issue time and the run's last line (UTC).
    """
    out = Outputs(root)
    sim = _new_sim(p.era, p.seed, tz_minutes, out, verbose=p.verbose)
    writer = _Writer(sim, days=p.days, last_day=p.era.last_day, scenario=scenario, unit_estimate=p.unit_bytes)
    target = p.size - p.reserve
    est = p.base_per_day
    try:
        for index in range(p.days):
            base = writer.day(index, target=target, est_base=est)
            if index > 0:
                est = (est * index + base) // (index + 1)
    finally:
        out.close()
    write_static(sim, writer.last_run.seq, writer.last_run.last_status)
    if info is not None:
        run = writer.last_run
        info["backup_time"] = (run.command_start, run.end or run.start)
    return out.total()
