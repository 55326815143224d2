"""weights.toml: evidence weights, time decay and verdict thresholds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from analyzer.knowledge._base import _check_version_header, _Table
from analyzer.knowledge.catalogue import Catalogue


@dataclass(frozen=True)
class Weights:
    knowledge_version: str
    line_in_window: float
    line_outside_window: float
    fact: float
    absence: float
    half_life_minutes: float
    decay_floor: float
    likely: float
    possible: float
    cap_without_window_evidence: float
    portal_prior: float
    counter_weight: float

    def base(self, strength: str) -> float:
        """Base weight of ``line_in_window``, ``line_outside_window``, ``fact`` or ``absence``."""
        if strength not in ("line_in_window", "line_outside_window", "fact", "absence"):
            raise ValueError(f"unknown evidence strength {strength!r}")
        return getattr(self, strength)

    def decayed(self, minutes_outside: float) -> float:
        """Weight of a line ``minutes_outside`` minutes from the nearer window edge (0 = inside)."""
        if minutes_outside <= 0:
            return self.line_in_window
        w = self.line_outside_window * 0.5 ** (minutes_outside / self.half_life_minutes)
        return max(w, self.decay_floor)

    def combine(
        self, weights: Iterable[float], *, counter: int = 0, window_evidence: bool = True, portal_prior: bool = False
    ) -> float:
        """Noisy-OR of ``weights`` (plus the portal prior), scaled by counter-evidence, capped below
        ``likely`` without evidence inside the window; rounded to 2 decimals."""
        miss = 1.0
        for w in (*weights, *((self.portal_prior,) if portal_prior else ())):
            miss *= 1.0 - min(max(w, 0.0), 1.0)
        confidence = (1.0 - miss) * (1.0 - self.counter_weight) ** max(counter, 0)
        if not window_evidence:
            confidence = min(confidence, self.cap_without_window_evidence)
        return round(confidence, 2)

    def verdict(self, confidence: float) -> str | None:
        if confidence >= self.likely:
            return "likely"
        if confidence >= self.possible:
            return "possible"
        return None


def _unit(t: _Table, key: str) -> float:
    value = float(t.get(key, (int, float)))
    if not 0.0 <= value <= 1.0:
        raise t.err(key, f"expected a number from 0 to 1, got {value}")
    return value


def _build_weights(raw: dict[str, Any], catalogue: Catalogue, name: str = "weights.toml") -> Weights:
    top = _Table(name, "", raw)
    kv = _check_version_header(top, catalogue.knowledge_version)
    ev = _Table(name, "evidence", top.get("evidence", dict))
    de = _Table(name, "decay", top.get("decay", dict))
    ve = _Table(name, "verdict", top.get("verdict", dict))
    pr = _Table(name, "prior", top.get("prior", dict))
    co = _Table(name, "counter", top.get("counter", dict))
    half_life = float(de.get("half_life_minutes", (int, float)))
    if half_life <= 0:
        raise de.err("half_life_minutes", "must be positive")
    w = Weights(
        kv,
        _unit(ev, "line_in_window"),
        _unit(ev, "line_outside_window"),
        _unit(ev, "fact"),
        _unit(ev, "absence"),
        half_life,
        _unit(de, "floor"),
        _unit(ve, "likely"),
        _unit(ve, "possible"),
        _unit(ve, "cap_without_window_evidence"),
        _unit(pr, "portal_code"),
        _unit(co, "weight"),
    )
    for t in (ev, de, ve, pr, co, top):
        t.done()
    if not w.possible < w.likely:
        raise ve.err("possible", "must be below likely")
    if not w.cap_without_window_evidence < w.likely:
        raise ve.err("cap_without_window_evidence", "must be below likely")
    if w.line_outside_window > w.line_in_window:
        raise ev.err("line_outside_window", "must not exceed line_in_window")
    return w


# ─────────────────────────────────────────── collect ───────────────────────────────────────────
