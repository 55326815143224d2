"""Rules: one module per cause under ``analyzer/rules/<family>/``, found through this registry."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from functools import cache

from analyzer.rules.base import Judgement, RuleContext

RuleFn = Callable[[RuleContext], Judgement]
_RULES: dict[str, RuleFn] = {}
_LOAD_ERRORS: dict[str, str] = {}


def rule(cause_id: str) -> Callable[[RuleFn], RuleFn]:
    """Register ``fn`` as the judge of ``cause_id`` (one rule per cause)."""

    def register(fn: RuleFn) -> RuleFn:
        if cause_id in _RULES and _RULES[cause_id] is not fn:
            raise ValueError(f"cause {cause_id!r} has two rules")
        _RULES[cause_id] = fn
        return fn

    return register


@cache
def _load_all() -> None:
    import analyzer.rules as package

    for family in pkgutil.iter_modules(package.__path__):
        if not family.ispkg:
            continue
        sub = importlib.import_module(f"analyzer.rules.{family.name}")
        for info in pkgutil.iter_modules(sub.__path__):
            if info.name.startswith("_"):
                continue
            name = f"analyzer.rules.{family.name}.{info.name}"
            try:
                importlib.import_module(name)
            except Exception as exc:  # one broken rule must not take the others down  # noqa: BLE001
                _LOAD_ERRORS[name] = f"{type(exc).__name__}: {exc}"


def get(cause_id: str) -> RuleFn | None:
    _load_all()
    return _RULES.get(cause_id)


def registered() -> dict[str, RuleFn]:
    _load_all()
    return dict(_RULES)


def load_errors() -> dict[str, str]:
    _load_all()
    return dict(_LOAD_ERRORS)
