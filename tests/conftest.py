"""Tests marked ``slow`` (long fuzzing, big hostile files) run only with --run-slow or SNAPDIAG_SLOW=1."""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", default=False, help="also run tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow") or os.environ.get("SNAPDIAG_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow or SNAPDIAG_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
