"""Every real-format sample declared by a registered parser parses to what it declares."""

from __future__ import annotations

import pytest

from parsers import registry
from parsers.testing import parse_text


def _all_samples():
    for spec in registry.specs():
        for i, sample in enumerate(spec.samples):
            yield pytest.param(spec.kind, sample, id=f"{spec.kind}-{i}")


def test_registry_loaded_every_module():
    registry.specs()
    assert registry.load_errors() == {}


def test_every_parser_declares_samples():
    missing = [s.kind for s in registry.specs() if not s.samples]
    assert missing == []


@pytest.mark.parametrize(("kind", "sample"), list(_all_samples()))
def test_sample(kind, sample):
    events, _ctx = parse_text(kind, sample.text, path=sample.path)
    assert events, f"no event from {sample.text!r}"
    ev = events[0]
    assert ev.kind == sample.kind, (sample.text, ev.kind, ev.message)
    if sample.level is not None:
        assert ev.level == sample.level
    if sample.component is not None:
        assert ev.component == sample.component
    if sample.handler is not None:
        assert ev.handler == sample.handler
    for key, value in sample.attrs.items():
        assert ev.attrs.get(key) == value, (key, ev.attrs)
