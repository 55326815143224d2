"""Scenarios: named tweaks of the last backup run (and the VM's settings) on top of a normal history.

A scenario is a function ``fn(sim, run)`` registered under a name.  It receives the simulated VM
(``sim.conf`` is its waagent.conf, ``sim.rng`` its random source, ``sim.era`` its versions) and
the :class:`~analyzer.simulate.run.RunSpec` of the last run, which it may change before anything
is written (``final_code``, ``final_status``, ``final_message``, ``stop_after``, ``stderr``).
Every earlier run of the bundle stays healthy.  Later work adds one scenario per catalogue cause.
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
