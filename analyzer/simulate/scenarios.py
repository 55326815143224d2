"""Scenarios: named tweaks of the last backup run (and the VM's settings) on top of a normal history.

A scenario is a function ``fn(sim, run)`` registered under a name.  It receives the simulated VM
(:class:`~analyzer.simulate.context.Sim`) and the :class:`~analyzer.simulate.run.RunSpec` of the
last run before anything is written, and may change:

* the run: its final ``final_code`` / ``final_status`` / ``final_message``, ``stop_after`` (absent,
  agent, enable, daemon, freeze), ``stderr``, ``extra`` lines of any source at offsets from the run's
  start or end (:mod:`.extras`), ``ext_rewrite`` (change or drop extension messages by prefix),
  ``host_result``, ``snapshot_lines`` (the freeze buffer's snapshot calls), ``enable_lines`` /
  ``enable_final`` and ``daemon_lines`` / ``daemon_final`` (an early result of either process),
  ``delay`` (goal state created long before the agent fetched it), ``host_time``, ``collect_after``;
* the VM: ``sim.conf`` (waagent.conf), ``sim.era`` (versions, formats, OS — replace it with
  :func:`dataclasses.replace`), ``sim.os_release``, ``sim.files`` (extra static files),
  ``sim.agent_cutoff`` / ``sim.agent_resume`` (the agent writes nothing in between),
  ``sim.platform_lag`` (the VM clock ahead of the platform's), ``sim.each_run`` (a tweak of every
  earlier run).

Every earlier run of the bundle stays healthy unless ``sim.each_run`` says otherwise.  One scenario
per catalogue cause lives in ``scenarios_f1`` … ``scenarios_f4b`` (registered by the package).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from analyzer.simulate.context import Sim
from analyzer.simulate.run import RunSpec

ScenarioFn = Callable[[Sim, RunSpec], None]


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    fn: ScenarioFn
    expected_outcome: str  # what runs.assemble should find for the last run: succeeded | failed | unfinished


SCENARIOS: dict[str, Scenario] = {}


def scenario(name: str, description: str, expected_outcome: str) -> Callable[[ScenarioFn], ScenarioFn]:
    """Register ``fn`` as scenario ``name``."""

    def register(fn: ScenarioFn) -> ScenarioFn:
        if name in SCENARIOS:
            raise ValueError(f"scenario {name!r} registered twice")
        SCENARIOS[name] = Scenario(name, description, fn, expected_outcome)
        return fn

    return register


def get(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except KeyError:
        known = ", ".join(sorted(SCENARIOS))
        raise ValueError(f"unknown scenario {name!r} (known: {known})") from None


@scenario("healthy", "every backup, the last one included, succeeds on the guest side", "succeeded")
def healthy(sim: Sim, run: RunSpec) -> None:
    """Nothing to change: the default run is a successful host-path snapshot."""
